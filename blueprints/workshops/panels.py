"""My space panels of the workshops domain: my workshops, join requests waiting, workshops waiting for approval."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from blueprints.core.audit_labels import register_status_labels
from blueprints.core.evidence import EvidenceLine, Subject, evidence_provider
from blueprints.core.models import Department
from blueprints.core.myspace import Panel, panel_provider
from blueprints.workshops.labels import ACHIEVEMENT_LABELS, STATUS_LABELS
from blueprints.workshops.models import Achievement, Workshop, WorkshopMember
from blueprints.workshops.queries import decidable_clause, managed_workshops_query
from extensions import db

register_status_labels("workshops", STATUS_LABELS)

MY_WORKSHOPS_LIMIT = 8


@panel_provider
def my_workshops_panel(user) -> Panel:
    """Every worker: the workshops I am in or asked to join (one query)."""
    # Active memberships first, then open requests; within each, the most recent first.
    order = case((WorkshopMember.status == "active", 0), else_=1)
    rows = db.session.execute(
        select(WorkshopMember.role, WorkshopMember.status.label("member_status"), Workshop.id, Workshop.name,
               Workshop.status, Workshop.kind, Workshop.level)
        .join(Workshop, Workshop.id == WorkshopMember.workshop_id)
        .where(WorkshopMember.user_id == user.id, WorkshopMember.status.in_(("active", "requested")),
               # A founding member may not open a draft or a rejected workshop: only its lead lists those.
               or_(Workshop.status.in_(("pending", "approved", "revoked")), Workshop.lead_id == user.id))
        .order_by(order, WorkshopMember.requested_at.desc(), WorkshopMember.id.desc())
        .limit(MY_WORKSHOPS_LIMIT + 1)
    ).all()
    return Panel("workshops/_panel_mine.html", order=30,
                 context={"rows": rows[:MY_WORKSHOPS_LIMIT], "more": len(rows) > MY_WORKSHOPS_LIMIT})


@panel_provider
def join_requests_panel(user) -> Panel | None:
    """Leads and deputies: how many join requests wait in the workshops they run (one query)."""
    if not user.has_role("lead"):
        return None
    managed = managed_workshops_query(user.id)
    waiting = db.session.scalar(
        select(func.count(WorkshopMember.id)).join(Workshop, Workshop.id == WorkshopMember.workshop_id)
        .where(WorkshopMember.status == "requested", Workshop.status == "approved",
               WorkshopMember.workshop_id.in_(managed))) or 0
    return Panel("workshops/_panel_requests.html", order=20, context={"waiting": waiting})


@panel_provider
def approval_queue_panel(user) -> Panel | None:
    """Admins: how many workshops in their scope wait for approval, and how many city-level recommendations wait for
    their level."""
    if not user.has_role("admin"):
        return None
    from blueprints.workshops.chain import waiting_count

    waiting = db.session.scalar(select(func.count(Workshop.id)).where(Workshop.status == "pending",
                                                                      decidable_clause(user))) or 0
    return Panel("workshops/_panel_review.html", order=10,
                 context={"waiting": waiting, "recommendations": waiting_count(user)})


EVIDENCE_LIMIT = 20


@evidence_provider
def achievement_evidence(subject: Subject) -> list[EvidenceLine]:
    """Honours evidence: achievements of the approved workshops the person leads or belongs to, or of the
    workshops of the unit or team (by the workshop's unit); one query, the newest EVIDENCE_LIMIT."""
    stmt = (select(Achievement.title, Achievement.kind, Achievement.achieved_on, Workshop.id, Workshop.name)
            .join(Workshop, Workshop.id == Achievement.workshop_id).where(Workshop.status == "approved"))
    if subject.user_id is not None:
        mine = select(WorkshopMember.workshop_id).where(WorkshopMember.user_id == subject.user_id,
                                                        WorkshopMember.status == "active")
        stmt = stmt.where(or_(Workshop.lead_id == subject.user_id, Workshop.id.in_(mine)))
    elif subject.path:
        stmt = stmt.join(Department, Department.id == Workshop.department_id).where(
            Department.path.startswith(subject.path))
    else:
        return []
    rows = db.session.execute(stmt.order_by(Achievement.achieved_on.desc(), Achievement.id.desc())
                              .limit(EVIDENCE_LIMIT)).all()
    return [EvidenceLine("workshop_achievement",
                         _("创新工作室“%(workshop)s”成果：%(title)s（%(kind)s）", workshop=row.name, title=row.title,
                           kind=ACHIEVEMENT_LABELS.get(row.kind, row.kind)),
                         row.achieved_on, f"/workshops/{row.id}") for row in rows]
