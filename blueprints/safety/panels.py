"""What the hazard reports publish to the rest of the portal: status labels for the audit log, the my-space cards
(an officer's queue, a worker's own reports), the 安康杯's computed indicators and the linked-activity counter."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from blueprints.core.audit_labels import register_status_labels
from blueprints.core.clock import from_local_naive, to_local
from blueprints.core.indicators import computed_indicator, linked_activity
from blueprints.core.models import Department
from blueprints.core.myspace import Panel, panel_provider
from blueprints.safety import queries
from blueprints.safety.labels import STATUS_BADGES
from blueprints.safety.models import HazardReport
from extensions import db

register_status_labels("hazard_reports", {status: badge[0] for status, badge in STATUS_BADGES.items()})

CONFIRMED = ("confirmed", "rectifying", "rectified", "verified")


@panel_provider
def officer_panel(user) -> Panel | None:
    """Safety officers: reports waiting for triage, rectifications to verify, overdue ones (one query)."""
    if not user.has_role("safety"):
        return None
    counts = queries.officer_counts(user)
    latest = queries.officer_queue(user, limit=5)
    return Panel("safety/_panel_officer.html", order=14, context={"counts": counts, "latest": latest})


@panel_provider
def reporter_panel(user) -> Panel | None:
    """Everyone: a button to report a hazard and their latest reports (one query)."""
    if not user.has_role("worker") or user.has_role("safety"):
        return None
    return Panel("safety/_panel_reporter.html", order=45,
                 context={"mine": queries.latest_of_reporter(user.id, limit=3)})


def _bounds(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    return (from_local_naive(datetime.combine(starts_on, time.min)),
            from_local_naive(datetime.combine(ends_on + timedelta(days=1), time.min)))


def _per_unit(units: dict[int, str], rows) -> dict[int, Decimal]:
    """Add up (department path, n) rows into each unit whose subtree holds the path."""
    figures = {unit_id: Decimal(0) for unit_id in units}
    for path, n in rows:
        for unit_id, unit_path in units.items():
            if path and path.startswith(unit_path):
                figures[unit_id] += n
    return figures


def _counted(units: dict[int, str], *conditions) -> dict[int, Decimal]:
    stmt = (select(Department.path, func.count(HazardReport.id))
            .join(Department, Department.id == HazardReport.department_id)
            .where(*conditions).group_by(Department.path))
    return _per_unit(units, db.session.execute(stmt).all())


@computed_indicator("hazards_reported", _l("报告隐患数"), unit=_l("条"))
def hazards_reported(units: dict[int, str], starts_on: date, ends_on: date) -> dict[int, Decimal]:
    """Hazard reports whose place lies in the unit, reported in the period."""
    start, end = _bounds(starts_on, ends_on)
    return _counted(units, HazardReport.created_at >= start, HazardReport.created_at < end)


@computed_indicator("hazards_confirmed", _l("确认隐患数"), unit=_l("项"))
def hazards_confirmed(units: dict[int, str], starts_on: date, ends_on: date) -> dict[int, Decimal]:
    """Reports of the unit confirmed as hazards in the period (whatever happened to them since)."""
    start, end = _bounds(starts_on, ends_on)
    return _counted(units, HazardReport.status.in_(CONFIRMED), HazardReport.triaged_at >= start,
                    HazardReport.triaged_at < end)


@computed_indicator("hazards_rectified_on_time", _l("按期整改隐患数"), unit=_l("项"))
def hazards_rectified_on_time(units: dict[int, str], starts_on: date, ends_on: date) -> dict[int, Decimal]:
    """Hazards of the unit rectified in the period on or before their deadline (the local day counts)."""
    start, end = _bounds(starts_on, ends_on)
    rows = db.session.execute(
        select(Department.path, HazardReport.rectified_at, HazardReport.deadline)
        .join(Department, Department.id == HazardReport.department_id)
        .where(HazardReport.status.in_(("rectified", "verified")), HazardReport.rectified_at >= start,
               HazardReport.rectified_at < end)).all()
    on_time = [(path, 1) for path, done, deadline in rows if deadline is None or to_local(done).date() <= deadline]
    return _per_unit(units, on_time)


@linked_activity("hazards", _l("隐患报告"))
def linked_hazards(competition_id: int, units: dict[int, str]) -> dict[int, int]:
    """Hazard reports filed under the competition, per enrolled unit's subtree (one query)."""
    stmt = (select(Department.path, func.count(HazardReport.id))
            .join(Department, Department.id == HazardReport.department_id)
            .where(HazardReport.competition_id == competition_id).group_by(Department.path))
    return {unit_id: int(n) for unit_id, n in _per_unit(units, db.session.execute(stmt).all()).items()}
