"""Read-only questions other domains ask about workshops (suggestions use these to find reviewers)."""
from __future__ import annotations

from sqlalchemy import select

from blueprints.workshops.models import Workshop, WorkshopMember
from extensions import db


def _led_statement(user_id: int):
    """Ids of the approved workshops where the user is an active lead or deputy: the one place this rule is written."""
    return (select(WorkshopMember.workshop_id)
            .join(Workshop, Workshop.id == WorkshopMember.workshop_id)
            .where(WorkshopMember.user_id == user_id, WorkshopMember.status == "active",
                   WorkshopMember.role.in_(("lead", "deputy")), Workshop.status == "approved"))


def led_workshop_ids(user_id: int) -> list[int]:
    """Approved workshops where the user is an active lead or deputy (they review its suggestions)."""
    return list(db.session.scalars(_led_statement(user_id)))


def led_workshops(user_id: int) -> list[tuple[int, str]]:
    """(id, name) of the workshops led_workshop_ids lists, by name, in one query."""
    stmt = (select(Workshop.id, Workshop.name).where(Workshop.id.in_(_led_statement(user_id)))
            .order_by(Workshop.name))
    return [tuple(row) for row in db.session.execute(stmt)]


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
