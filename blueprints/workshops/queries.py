"""Read-only questions other domains ask about workshops (suggestions use these to find reviewers)."""
from __future__ import annotations

from sqlalchemy import select

from blueprints.workshops.models import Workshop, WorkshopMember
from extensions import db


def led_workshop_ids(user_id: int) -> list[int]:
    """Approved workshops where the user is an active lead or deputy (they review its suggestions)."""
    stmt = (select(WorkshopMember.workshop_id)
            .join(Workshop, Workshop.id == WorkshopMember.workshop_id)
            .where(WorkshopMember.user_id == user_id, WorkshopMember.status == "active",
                   WorkshopMember.role.in_(("lead", "deputy")), Workshop.status == "approved"))
    return list(db.session.scalars(stmt))


def member_workshop_ids(user_id: int) -> list[int]:
    """Approved workshops where the user is an active member in any role."""
    stmt = (select(WorkshopMember.workshop_id)
            .join(Workshop, Workshop.id == WorkshopMember.workshop_id)
            .where(WorkshopMember.user_id == user_id, WorkshopMember.status == "active",
                   Workshop.status == "approved")
            .order_by(WorkshopMember.joined_at))
    return list(db.session.scalars(stmt))


def reviewer_ids(workshop_id: int) -> list[int]:
    """Users who review suggestions sent to this workshop: its active lead and deputies."""
    stmt = select(WorkshopMember.user_id).where(
        WorkshopMember.workshop_id == workshop_id, WorkshopMember.status == "active",
        WorkshopMember.role.in_(("lead", "deputy")))
    return list(db.session.scalars(stmt))
