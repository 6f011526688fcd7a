"""My space panels of the suggestions domain: my suggestions, and what waits for my review."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from blueprints.core.audit_labels import register_status_labels
from blueprints.core.clock import to_local
from blueprints.core.evidence import EvidenceLine, Subject, evidence_provider
from blueprints.core.indicators import computed_indicator, linked_activity, local_bounds, tally
from blueprints.core.models import Department, User
from blueprints.core.myspace import Panel, panel_provider
from blueprints.core.profile_sections import Section, workshop_section
from blueprints.suggestions import queries, services
from blueprints.suggestions.labels import CATEGORY_LABELS, GRADE_LABELS, STATUS_BADGES, STATUS_LABELS
from blueprints.suggestions.models import ADOPTED, Suggestion, SuggestionCoauthor
from extensions import db

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


# --- Competitions (SPEC §8): records filed under a competition, and figures computed for its units ----------------


def _counts(condition, units: dict[int, str]) -> list[tuple[str, int]]:
    """(department path, suggestions) of the suggestions meeting `condition` in the units' subtrees (one query)."""
    stmt = (select(Department.path, func.count(Suggestion.id))
            .join(Department, Department.id == Suggestion.department_id)
            .where(condition, or_(*(Department.path.startswith(path) for path in units.values())))
            .group_by(Department.path))
    return [(path, count) for path, count in db.session.execute(stmt).all()]


@linked_activity("suggestions", _l("五小建议"))
def linked_suggestions(competition_id: int, units: dict[int, str]) -> dict[int, int]:
    """Submitted suggestions filed under the competition, per enrolled unit's subtree."""
    if not units:
        return {}
    rows = _counts(and_(Suggestion.competition_id == competition_id, Suggestion.submitted_at.is_not(None)), units)
    return {unit_id: int(n) for unit_id, n in tally(rows, units).items()}


@computed_indicator("suggestions_submitted", _l("提交的五小建议数"), unit=_l("项"))
def suggestions_submitted(units: dict[int, str], starts_on, ends_on):
    """Suggestions of the units' subtrees submitted inside the period (local dates)."""
    start, end = local_bounds(starts_on, ends_on)
    return tally(_counts(and_(Suggestion.submitted_at >= start, Suggestion.submitted_at < end), units), units)


@computed_indicator("suggestions_adopted", _l("采纳的五小建议数"), unit=_l("项"))
def suggestions_adopted(units: dict[int, str], starts_on, ends_on):
    """Suggestions of the units' subtrees adopted (accepted, implemented or awarded) by a decision inside the
    period (local dates)."""
    start, end = local_bounds(starts_on, ends_on)
    return tally(_counts(and_(Suggestion.status.in_(ADOPTED), Suggestion.decided_at >= start,
                              Suggestion.decided_at < end), units), units)


EVIDENCE_LIMIT = 20


@evidence_provider
def suggestion_evidence(subject: Subject) -> list[EvidenceLine]:
    """Honours evidence: the adopted and awarded suggestions of the person (author or co-author), or written in the
    unit or team (by the author's department at submission); one query, the newest EVIDENCE_LIMIT."""
    stmt = (select(Suggestion.id, Suggestion.serial, Suggestion.title, Suggestion.status, Suggestion.grade,
                   Suggestion.awarded_at, Suggestion.decided_at, User.name)
            .join(User, User.id == Suggestion.author_id)
            .where(Suggestion.status.in_(ADOPTED), Suggestion.serial.is_not(None)))
    if subject.user_id is not None:
        coauthored = select(SuggestionCoauthor.suggestion_id).where(SuggestionCoauthor.user_id == subject.user_id)
        stmt = stmt.where(or_(Suggestion.author_id == subject.user_id, Suggestion.id.in_(coauthored)))
    elif subject.path:
        stmt = stmt.join(Department, Department.id == Suggestion.department_id).where(
            Department.path.startswith(subject.path))
    else:
        return []
    rows = db.session.execute(stmt.order_by(Suggestion.decided_at.desc(), Suggestion.id.desc())
                              .limit(EVIDENCE_LIMIT)).all()
    lines = []
    for row in rows:
        moment = row.awarded_at if row.status == "awarded" and row.awarded_at else row.decided_at
        if row.status == "awarded" and row.grade:
            text = _("合理化建议《%(title)s》（%(serial)s）获%(grade)s", title=row.title, serial=row.serial,
                     grade=GRADE_LABELS.get(row.grade, row.grade))
        else:
            text = _("合理化建议《%(title)s》（%(serial)s）被采纳", title=row.title, serial=row.serial)
        if subject.user_id is None:
            text = f"{row.name}：{text}"
        lines.append(EvidenceLine("suggestion", text, to_local(moment).date() if moment else None,
                                  f"/suggestions/{row.id}"))
    return lines
