"""My space panels of the suggestions domain: my suggestions, and what waits for my review."""
from __future__ import annotations

from blueprints.core.audit_labels import register_status_labels
from blueprints.core.myspace import Panel, panel_provider
from blueprints.core.profile_sections import Section, workshop_section
from blueprints.suggestions import queries, services
from blueprints.suggestions.labels import CATEGORY_LABELS, STATUS_BADGES, STATUS_LABELS

register_status_labels("suggestions", STATUS_LABELS)


@panel_provider
def my_suggestions_panel(user) -> Panel:
    """My latest suggestions with their status, and my rewards (two queries)."""
    recent = queries.my_recent(user)
    reward_count, reward_total = queries.my_rewards(user) if recent else (0, 0)
    return Panel("suggestions/_panel_mine.html", order=20,
                 context={"recent": recent, "reward_count": reward_count, "reward_total": reward_total,
                          "status_badges": STATUS_BADGES,
                          "category_labels": CATEGORY_LABELS})


@panel_provider
def review_panel(user) -> Panel | None:
    """For reviewers: how many suggestions wait for a decision (hidden for everyone else); for admins also how many
    recommendations for 市级优秀职工创新成果 wait for their level (one query more)."""
    if not services.is_review_user(user):
        return None
    recommendations = services.waiting_count(user) if user.has_role("admin") else 0
    return Panel("suggestions/_panel_review.html", order=15,
                 context={"pending": services.pending_review_count(user), "recommendations": recommendations})


@workshop_section
def adopted_section(workshop, viewer) -> Section:
    """On a workshop's profile: the suggestions adopted through it (the template asks adopted_suggestions)."""
    return Section("suggestions/_workshop_adopted.html", order=50)
