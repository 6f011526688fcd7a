"""What each row of the suggestion list and the review queue shows, worked out once per page in Python instead of
once per row in Jinja (QUALITY P6: the list spent most of its time in per-row macro calls, translations and
url_for): the badges as HTML in the viewer's language, the row links, whose author blind review hides, and which
decisions the reviewer may take on each queue row."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, request
from flask_babel import gettext
from markupsafe import Markup

from blueprints.core.types import utcnow
from blueprints.core.web import UrlPattern, per_language
from blueprints.suggestions import queries
from blueprints.suggestions.labels import CATEGORY_LABELS, GRADE_LABELS, QUEUE_BUTTONS, STATUS_BADGES
from blueprints.suggestions.services import allowed_actions


def badges() -> SimpleNamespace:
    """The badge of every status, category and grade (None: no badge), the "mine" badge, the blind-review
    placeholder and the "reviewed by the union" label as HTML in the current language: rendered by the macros of
    suggestions/_macros.html once per language and process (core.web.per_language)."""
    return per_language("suggestion_badges", _render_badges)


def _macros():
    """suggestions/_macros.html as a module, with the labels its macros read (once per language: see badges)."""
    return current_app.jinja_env.get_template("suggestions/_macros.html").make_module(
        {"STATUS_BADGES": STATUS_BADGES, "CATEGORY_LABELS": CATEGORY_LABELS, "GRADE_LABELS": GRADE_LABELS})


def _render_badges() -> SimpleNamespace:
    macros = _macros()
    return SimpleNamespace(
        status={status: macros.status_badge(status) for status in STATUS_BADGES},
        category={category: macros.category_badge(category) for category in CATEGORY_LABELS},
        grade={None: "", **{grade: macros.grade_badge(grade) for grade in GRADE_LABELS}},
        mine=macros.mine_badge(), blind=macros.blind_placeholder(), union=gettext("工会直接审核"))


@dataclass
class RowLook:
    """Per-page helpers of a suggestion table: badges, links, the rows whose author is hidden and, in the review
    queue, each row's allowed decisions (with the buttons' labels and styles) and when the page was made."""

    badges: SimpleNamespace
    detail: UrlPattern
    hidden: set[int]
    actions: dict[int, tuple[str, ...]] = field(default_factory=dict)
    award: set[int] = field(default_factory=set)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)
    decide: UrlPattern | None = None
    decide_inline: UrlPattern | None = None
    award_link: UrlPattern | None = None
    now: datetime | None = None

    def table_rows(self, rows) -> Markup:
        """The list's table rows as HTML: each distinct row (every value it shows, in this language) is rendered by
        the list_row macro once per process and then reused, as the same rows are shown to many people (QUALITY P6:
        the rows were a fifth of the page's time). The key is everything the row shows, so it is never stale."""
        app = current_app._get_current_object()
        macros = per_language("suggestion_row_macros", _macros)
        cache = app.extensions.setdefault("suggestion_rows", {})
        reload = app.jinja_env.auto_reload
        html = []
        for row in rows:
            suggestion = row[0]
            values = (suggestion.serial, suggestion.title, suggestion.category, suggestion.grade, bool(row.is_mine),
                      suggestion.status, suggestion.id in self.hidden, row.author_name, row.department_name,
                      row.workshop_name, suggestion.submitted_at or suggestion.created_at,
                      suggestion.endorsement_count)
            key = (macros, request.script_root, suggestion.id, values)
            found = cache.get(key)
            if found is None or reload:
                if len(cache) >= ROW_CACHE_SIZE:
                    cache.clear()
                found = cache[key] = macros.list_row(self.detail(suggestion.id), *values)
            html.append(found)
        return Markup("".join(html))  # noqa: S704  # nosec B704 - the macro escaped every value


ROW_CACHE_SIZE = 20_000  # rendered rows kept per process (about 1 KB each)


def list_look(user, rows) -> RowLook:
    """For the suggestion list: one look-up per row instead of macro calls (rows: the list query's rows)."""
    return RowLook(badges=badges(), detail=UrlPattern("suggestions.detail", "suggestion_id"),
                   hidden={row[0].id for row in rows if queries.identity_hidden(user, row[0])})


def queue_look(user, rows) -> RowLook:
    """For the review queue (or one of its rows): the list's look plus each row's allowed decisions and links."""
    look = list_look(user, rows)
    for row in rows:
        suggestion = row[0]
        allowed = allowed_actions(user, suggestion)
        look.actions[suggestion.id] = tuple(decision for decision in QUEUE_BUTTONS if decision in allowed)
        if "award" in allowed:
            look.award.add(suggestion.id)
    look.buttons = {decision: (str(label), style) for decision, (label, style) in QUEUE_BUTTONS.items()}
    look.decide = UrlPattern("suggestions.decide", "suggestion_id", "action", next="queue")
    look.decide_inline = UrlPattern("suggestions.decide", "suggestion_id", "action", inline=1)
    look.award_link = UrlPattern("suggestions.award", "suggestion_id")
    look.now = utcnow()
    return look
