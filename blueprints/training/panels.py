"""My-space panels of the training domain: a worker's trainings and HR's to-dos."""
from __future__ import annotations

from blueprints.core.audit_labels import register_status_labels
from blueprints.core.myspace import Panel, panel_provider
from blueprints.core.types import utcnow
from blueprints.training import queries
from blueprints.training.labels import ENROLLMENT_BADGES, STATUS_BADGES

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
