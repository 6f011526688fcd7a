"""My-space panels of the mentoring domain (the next step of a pair for its master and apprentice; pairs owing an
assessment for HR and union admins), its audit status words and its honours evidence."""
from __future__ import annotations

from flask_babel import gettext as _

from blueprints.core.audit_labels import register_status_labels
from blueprints.core.evidence import EvidenceLine, Subject, evidence_provider
from blueprints.core.myspace import Panel, panel_provider
from blueprints.mentoring import queries
from blueprints.mentoring.labels import STATUS_LABELS

register_status_labels("mentoring_pairs", STATUS_LABELS)


@panel_provider
def pair_panel(user) -> Panel | None:
    """A master's or an apprentice's active pairs: next check-in due, an assessment pending (two queries)."""
    rows = queries.my_pairs(user)
    if not rows:
        return None
    return Panel("mentoring/_panel_pair.html", order=35, context={"rows": rows})


@panel_provider
def staff_panel(user) -> Panel | None:
    """HR and union admins: the pairs of their scope waiting for an assessment or a completion (two queries)."""
    if not queries.can_create(user):
        return None
    rows, total = queries.staff_todo(user)
    return Panel("mentoring/_panel_staff.html", order=25, context={"rows": rows, "total": total})


@evidence_provider
def mentoring_evidence(subject: Subject) -> list[EvidenceLine]:
    """A master's completed pairs with the target reached (a person), or those of a unit's subtree (one query)."""
    rows = queries.credited_pairs(user_id=subject.user_id, path=subject.path if subject.user_id is None else None)
    return [EvidenceLine(kind="mentoring",
                         text=_("名师带徒：师傅 %(master)s 带徒 %(apprentice)s 出师，技能等级 %(before)s → %(after)s",
                                master=master, apprentice=apprentice, before=pair.start_level,
                                after=pair.target_level),
                         on=pair.closed_on, url=f"/mentoring/{pair.id}")
            for pair, master, apprentice in rows]
