"""Read-only questions about workshops, asked by this domain and by others (suggestions find reviewers with them,
stats counts a lead's workshops, the profile page loads its lists). The rules here are written once."""
from __future__ import annotations

from sqlalchemy import Select, and_, case, exists, or_, select
from sqlalchemy.orm import joinedload

from blueprints.core import pickers, scopes
from blueprints.core.models import Department, StoredFile, User
from blueprints.workshops.models import Achievement, LevelChange, Workshop, WorkshopMember
from extensions import db

PUBLIC_STATUSES = ("approved", "revoked")  # everyone may see these
MANAGER_ROLES = ("lead", "deputy")
ROLE_ORDER = case((WorkshopMember.role == "lead", 0), (WorkshopMember.role == "deputy", 1), else_=2)


# --- Who runs and who sees a workshop -----------------------------------------------------------------------


def managed_workshops_query(user_id: int) -> Select:
    """SELECT of the approved workshops where the user is an active lead or deputy (the one definition of
    "runs a workshop": they review its suggestions, answer its join requests, see its figures)."""
    return (select(WorkshopMember.workshop_id)
            .join(Workshop, Workshop.id == WorkshopMember.workshop_id)
            .where(WorkshopMember.user_id == user_id, WorkshopMember.status == "active",
                   WorkshopMember.role.in_(MANAGER_ROLES), Workshop.status == "approved"))


def managed_workshop_ids(user_id: int) -> list[int]:
    """Approved workshops where the user is an active lead or deputy."""
    return list(db.session.scalars(managed_workshops_query(user_id)))


led_workshop_ids = managed_workshop_ids  # the name the suggestions domain calls


def led_workshops(user_id: int) -> list[tuple[int, str]]:
    """(id, name) of the workshops managed_workshop_ids lists, by name, in one query."""
    stmt = (select(Workshop.id, Workshop.name).where(Workshop.id.in_(managed_workshops_query(user_id)))
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
        WorkshopMember.role.in_(MANAGER_ROLES))
    return list(db.session.scalars(stmt))


def is_lead(user, workshop: Workshop) -> bool:
    """The user is the workshop's lead."""
    return workshop.lead_id == user.id


def admin_covers(user, workshop: Workshop) -> bool:
    """The user holds admin over the workshop's department (a workshop without one: only a whole-tree admin)."""
    return scopes.covers_id(user, "admin", workshop.department_id)


def admin_clause(user):
    """SQL condition: the workshop's department lies in the user's admin scope."""
    return scopes.scope_of(user, "admin").department_clause(Workshop.department_id)


def decidable_clause(user):
    """SQL condition: pending workshops this admin decides — in their scope, and above enterprise level only for the
    city (a whole-tree admin). The queue and its counts list these."""
    scope = scopes.scope_of(user, "admin")
    if scope.everything:
        return scope.department_clause(Workshop.department_id)
    return and_(scope.department_clause(Workshop.department_id), Workshop.level == "enterprise")


def can_view(user, workshop: Workshop, membership: WorkshopMember | None) -> bool:
    """Approved and revoked workshops are public; drafts and rejected ones only for their lead and the admins whose
    scope covers them; a pending one also for its (founding) members."""
    if workshop.status in PUBLIC_STATUSES or is_lead(user, workshop) or admin_covers(user, workshop):
        return True
    return (workshop.status == "pending" and membership is not None and membership.status == "active")


def visible_clause(user):
    """SQL condition for the workshops this user may see (the same rule as can_view)."""
    scope = scopes.scope_of(user, "admin")
    if scope.everything:
        return True
    own_pending = and_(Workshop.status == "pending", exists().where(
        WorkshopMember.workshop_id == Workshop.id, WorkshopMember.user_id == user.id,
        WorkshopMember.status == "active"))
    return or_(Workshop.status.in_(PUBLIC_STATUSES), Workshop.lead_id == user.id, own_pending,
               scope.department_clause(Workshop.department_id))


# --- What the pages load and list ---------------------------------------------------------------------------


def load_workshop(workshop_id: int) -> Workshop | None:
    """The workshop with its lead and department (one query), or None."""
    return db.session.scalar(select(Workshop).where(Workshop.id == workshop_id)
                             .options(joinedload(Workshop.lead), joinedload(Workshop.department)))


def roster(workshop_id: int) -> tuple[list, list]:
    """Active members (lead, deputies, members) and open requests as (member, user, department name): one query."""
    rows = db.session.execute(
        select(WorkshopMember, User, Department.name)
        .join(User, User.id == WorkshopMember.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(WorkshopMember.workshop_id == workshop_id, WorkshopMember.status.in_(("active", "requested")))
        .order_by(ROLE_ORDER, WorkshopMember.joined_at, WorkshopMember.requested_at, WorkshopMember.id)
    ).all()
    active = [row for row in rows if row[0].status == "active"]
    requested = [row for row in rows if row[0].status == "requested"]
    return active, requested


def achievements_of(workshop_id: int) -> list:
    """(achievement, attachment name, attachment size), newest first: one query."""
    return db.session.execute(
        select(Achievement, StoredFile.original_name, StoredFile.size)
        .outerjoin(StoredFile, StoredFile.id == Achievement.file_id)
        .where(Achievement.workshop_id == workshop_id)
        .order_by(Achievement.achieved_on.desc(), Achievement.id.desc())
    ).all()


def level_history(workshop_id: int) -> list[LevelChange]:
    """The dated level changes, newest first."""
    return list(db.session.scalars(select(LevelChange).where(LevelChange.workshop_id == workshop_id)
                                   .order_by(LevelChange.changed_on.desc(), LevelChange.id.desc())))


def count_by_kind(achievements) -> dict[str, int]:
    """How many achievements of each kind, from the rows achievements_of returned."""
    counts: dict[str, int] = {}
    for achievement, _name, _size in achievements:
        counts[achievement.kind] = counts.get(achievement.kind, 0) + 1
    return counts


# --- Whose 工号 a viewer sees ------------------------------------------------------------------------------------
# Approved workshops are the city's public directory, but the people in them belong to their enterprise: a viewer
# sees their 工号 only for workshops of their own enterprise or of their admin or HR scope (names stay public).


def _people_roots(user) -> tuple[bool, tuple[str, ...]]:
    """(everything, subtree paths) whose workshops' people the user may see by 工号."""
    from blueprints.core.org import enterprise_of

    admin, hr = scopes.scope_of(user, "admin"), scopes.scope_of(user, "hr")
    if admin.everything or hr.everything:
        return True, ()
    roots = set(admin.paths) | set(hr.paths)
    department = db.session.get(Department, user.department_id) if getattr(user, "department_id", None) else None
    home = enterprise_of(department)
    if home is not None:
        roots.add(home.path)
    return False, tuple(sorted(roots))


def people_shown_clause(user):
    """SQL: the workshop's unit (Department, joined by the caller) lies where the viewer sees people's 工号."""
    everything, roots = _people_roots(user)
    if everything:
        return Department.id.is_not(None) | Department.id.is_(None)
    if not roots:
        return Department.id.is_(None) & Department.id.is_not(None)
    return or_(*(Department.path.startswith(root) for root in roots))


def shows_people(user, workshop: Workshop) -> bool:
    """Whether the viewer sees the 工号 of this workshop's people (python twin of people_shown_clause)."""
    everything, roots = _people_roots(user)
    if everything:
        return True
    unit = db.session.get(Department, workshop.department_id) if workshop.department_id else None
    return unit is not None and any(unit.path.startswith(root) for root in roots)


# --- Pickers (core.pickers): workshop choices are type-ahead, never a select of every workshop -------------------


def _approved(_user, _params):
    return Workshop.status == "approved"


# Every approved workshop (a suggestion's reviewing workshop, a mentoring pair's workshop…): names are public.
pickers.register(pickers.Source("workshops-approved", Workshop, _approved))
