"""What each row of the suggestion list and the review queue shows, worked out once per page in Python instead of
once per row in Jinja (QUALITY P6: the list spent most of its time in per-row macro calls, translations and
url_for): the badges as HTML in the viewer's language, the row links, whose author blind review hides, and which
decisions the reviewer may take on each queue row."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app
from flask_babel import get_locale

from blueprints.core.web import UrlPattern
from blueprints.suggestions import queries
from blueprints.suggestions.labels import CATEGORY_LABELS, GRADE_LABELS, STATUS_BADGES
from blueprints.suggestions.services import can

QUEUE_DECISIONS = ("accept", "return", "reject", "implement")


def badges() -> SimpleNamespace:
    """The badge of every status, category and grade (None: no badge) as HTML in the current language, rendered by
    the macros of suggestions/_macros.html once per language and process (per request while templates reload)."""
    env = current_app.jinja_env
    cache = current_app.extensions.setdefault("suggestion_badges", {})
    locale = str(get_locale())
    if locale not in cache or env.auto_reload:
        macros = env.get_template("suggestions/_macros.html").make_module(
            {"STATUS_BADGES": STATUS_BADGES, "CATEGORY_LABELS": CATEGORY_LABELS, "GRADE_LABELS": GRADE_LABELS})
        cache[locale] = SimpleNamespace(
            status={status: macros.status_badge(status) for status in STATUS_BADGES},
            category={category: macros.category_badge(category) for category in CATEGORY_LABELS},
            grade={None: "", **{grade: macros.grade_badge(grade) for grade in GRADE_LABELS}})
    return cache[locale]


@dataclass
class RowLook:
    """Per-page helpers of a suggestion table: badges, links and the rows whose author is hidden."""

    badges: SimpleNamespace
    detail: UrlPattern
    hidden: set[int]
    actions: dict[int, tuple[str, ...]] = field(default_factory=dict)
    award: set[int] = field(default_factory=set)
    decide: UrlPattern | None = None
    decide_inline: UrlPattern | None = None
    award_link: UrlPattern | None = None


def list_look(user, rows) -> RowLook:
    """For the suggestion list: one look-up per row instead of macro calls (rows: the list query's rows)."""
    return RowLook(badges=badges(), detail=UrlPattern("suggestions.detail", "suggestion_id"),
                   hidden={row[0].id for row in rows if queries.identity_hidden(user, row[0])})


def queue_look(user, rows) -> RowLook:
    """For the review queue: the list's look plus each row's allowed decisions and their links."""
    look = list_look(user, rows)
    for row in rows:
        suggestion = row[0]
        look.actions[suggestion.id] = tuple(d for d in QUEUE_DECISIONS if can(user, d, suggestion))
        if can(user, "award", suggestion):
            look.award.add(suggestion.id)
    look.decide = UrlPattern("suggestions.decide", "suggestion_id", "action", next="queue")
    look.decide_inline = UrlPattern("suggestions.decide", "suggestion_id", "action", inline=1)
    look.award_link = UrlPattern("suggestions.award", "suggestion_id")
    return look
