"""My-space panels of the training domain: a worker's trainings and HR's to-dos."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from blueprints.core.audit_labels import register_status_labels
from blueprints.core.clock import to_local
from blueprints.core.evidence import EvidenceLine, Subject, evidence_provider
from blueprints.core.indicators import computed_indicator, linked_activity, local_bounds, tally
from blueprints.core.models import Department, User
from blueprints.core.myspace import Panel, panel_provider
from blueprints.core.types import utcnow
from blueprints.training import queries
from blueprints.training.labels import ENROLLMENT_BADGES, STATUS_BADGES
from blueprints.training.models import Enrollment, TrainingSession
from extensions import db

register_status_labels("training_sessions", {status: badge[0] for status, badge in STATUS_BADGES.items()})
register_status_labels("training_enrollments", {status: badge[0] for status, badge in ENROLLMENT_BADGES.items()})


@panel_provider
def worker_panel(user) -> Panel | None:
    """Upcoming confirmed trainings, waitlist positions and recent certificates (two queries)."""
    if not user.has_role("worker"):
        return None
    upcoming = queries.upcoming_for(user.id, limit=6)
    certificates = queries.certificates_for(user.id, limit=3)
    return Panel("training/_panel_worker.html", order=30,
                 context={"upcoming": upcoming, "certificates": certificates, "now": utcnow()})


@panel_provider
def hr_panel(user) -> Panel | None:
    """Sessions starting within a week and full sessions with a waitlist, each linking to its roster (two queries)."""
    if not user.has_role("hr"):
        return None
    soon, waiting = queries.hr_todo(user)
    return Panel("training/_panel_hr.html", order=20, context={"soon": soon, "waiting": waiting})


# --- Competitions (SPEC §8): sessions filed under a competition, and person-times computed for its units ---------


def _in_units(units: dict[int, str]):
    return or_(*(Department.path.startswith(path) for path in units.values()))


@linked_activity("training", _l("培训场次"))
def linked_sessions(competition_id: int, units: dict[int, str]) -> dict[int, int]:
    """Published sessions filed under the competition, per enrolled unit's subtree (by organiser; one query)."""
    if not units:
        return {}
    rows = db.session.execute(
        select(Department.path, func.count(TrainingSession.id))
        .join(Department, Department.id == TrainingSession.organiser_id)
        .where(TrainingSession.competition_id == competition_id,
               TrainingSession.status.in_(("open", "closed", "completed")), _in_units(units))
        .group_by(Department.path)).all()
    return {unit_id: int(n) for unit_id, n in tally(rows, units).items()}


@computed_indicator("training_person_times", _l("培训人次"), unit=_l("人次"))
def training_person_times(units: dict[int, str], starts_on, ends_on):
    """Attended places (attendance present) of people of the units' subtrees in sessions starting inside the period
    (local dates), cancelled sessions excluded (one query)."""
    start, end = local_bounds(starts_on, ends_on)
    rows = db.session.execute(
        select(Department.path, func.count(Enrollment.id))
        .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .join(User, User.id == Enrollment.user_id).join(Department, Department.id == User.department_id)
        .where(Enrollment.status == "confirmed", Enrollment.attendance == "present",
               TrainingSession.status != "cancelled", TrainingSession.starts_at >= start,
               TrainingSession.starts_at < end, _in_units(units))
        .group_by(Department.path)).all()
    return tally(rows, units)


EVIDENCE_LIMIT = 20


@evidence_provider
def certificate_evidence(subject: Subject) -> list[EvidenceLine]:
    """Honours evidence: the person's training certificates (the newest EVIDENCE_LIMIT), or for a unit or team one
    line counting the certificates its people hold; one query."""
    if subject.user_id is not None:
        rows = db.session.execute(
            select(Enrollment.certificate_no, Enrollment.certified_at, TrainingSession.title)
            .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
            .where(Enrollment.user_id == subject.user_id, Enrollment.certificate_no.is_not(None))
            .order_by(Enrollment.certified_at.desc(), Enrollment.id.desc()).limit(EVIDENCE_LIMIT)).all()
        return [EvidenceLine("certificate", _("取得培训证书 %(no)s：%(title)s", no=row.certificate_no,
                                              title=row.title),
                             to_local(row.certified_at).date() if row.certified_at else None) for row in rows]
    if not subject.path:
        return []
    held = db.session.execute(
        select(func.count(Enrollment.id), func.count(func.distinct(Enrollment.user_id)))
        .join(User, User.id == Enrollment.user_id).join(Department, Department.id == User.department_id)
        .where(Enrollment.certificate_no.is_not(None), Department.path.startswith(subject.path))).one()
    if not held[0]:
        return []
    return [EvidenceLine("certificate", _("职工取得培训证书 %(n)s 份（%(people)s 人）", n=held[0], people=held[1]))]
