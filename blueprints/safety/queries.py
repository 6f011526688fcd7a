"""Every read of the hazard reports, and the one place their scope is decided (SPEC §7, §11).

Who sees a report:
- the safety officers and union admins whose scope covers the report's place ("privileged": they see the reporter);
- the reporter (their own reports);
- the people of the responsible department (and of the departments under it) once it is set: they see the hazard,
  its measures and deadline, never who reported it.
Everyone else, including the staff of another enterprise, gets 404 as for a missing report.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from blueprints.competitions.models import Competition
from blueprints.core import pickers
from blueprints.core.clock import local_today
from blueprints.core.models import Department, User
from blueprints.core.org import ancestor_ids, enterprise_of
from blueprints.core.scopes import scope_of
from blueprints.rewards.models import RewardLine
from blueprints.safety.models import HazardEvent, HazardPhoto, HazardReport
from extensions import db

LIST_ORDER = (HazardReport.created_at, HazardReport.id)
PLACE_LIMIT = 500


def home_path(user) -> str | None:
    """The path of the user's own enterprise (cached on the signed-in user by the loader)."""
    path = getattr(user, "home_path", None)
    if path is not None or user is None or not getattr(user, "is_authenticated", False):
        return path
    from blueprints.core.scopes import home_enterprise_path

    user.home_path = db.session.scalar(select(home_enterprise_path(User.department_id)).where(User.id == user.id))
    return user.home_path


def officer_clause(user):
    """SQL: the report's place lies in the user's safety scope (the officers who triage and rectify it)."""
    return scope_of(user, "safety").department_clause(HazardReport.department_id)


def privileged_clause(user):
    """SQL: the user may see everything of the report, the reporter included (safety officers and union admins of
    the scope)."""
    return or_(officer_clause(user), scope_of(user, "admin").department_clause(HazardReport.department_id))


def _own_department_ids(user) -> list[int]:
    """The user's department and every department above it (a responsible department's subtree holds the user)."""
    if user.department_id is None:
        return []
    path = db.session.scalar(select(Department.path).where(Department.id == user.department_id))
    return ancestor_ids(path or "") or [user.department_id]


def responsible_clause(user):
    """SQL: the user works in the report's responsible department (or below it)."""
    ids = _own_department_ids(user)
    if not ids:
        return false()
    return HazardReport.responsible_department_id.in_(ids)


def visible_clause(user):
    """SQL: the user may open the report at all (privileged, the reporter, or the responsible department)."""
    return or_(privileged_clause(user), HazardReport.reporter_id == user.id, responsible_clause(user))


def load(hazard_id: int) -> HazardReport | None:
    """The report with its places and photos (one query for the row, one for the photos)."""
    return db.session.scalar(
        select(HazardReport).where(HazardReport.id == hazard_id)
        .options(selectinload(HazardReport.department), selectinload(HazardReport.responsible_department),
                 selectinload(HazardReport.photos)))


def _is(user, hazard: HazardReport, clause) -> bool:
    return bool(db.session.scalar(select(func.count(HazardReport.id))
                                  .where(HazardReport.id == hazard.id, clause)))


def can_view(user, hazard: HazardReport) -> bool:
    """Whether the user may open the report."""
    return hazard.reporter_id == user.id or _is(user, hazard, visible_clause(user))


def sees_reporter(user, hazard: HazardReport) -> bool:
    """Whether the user may see who reported (the reporter themselves, the officers and union admins of the scope)."""
    return hazard.reporter_id == user.id or _is(user, hazard, privileged_clause(user))


def is_officer(user, hazard: HazardReport) -> bool:
    """Whether the user is a safety officer whose scope covers the report."""
    return _is(user, hazard, officer_clause(user))


def is_rectifier(user, hazard: HazardReport) -> bool:
    """Whether the user works in the report's responsible department (they may record the finished rectification)."""
    return hazard.responsible_department_id is not None and _is(user, hazard, responsible_clause(user))


def overdue_clause(today: date | None = None):
    """SQL: under rectification past its deadline (the deadline day itself is still on time; Asia/Shanghai)."""
    return and_(HazardReport.status == "rectifying", HazardReport.deadline < (today or local_today()))


@dataclass
class ListFilters:
    """What the list filters on: the tab, a status, overdue only."""

    tab: str = "mine"
    status: str = ""
    overdue: bool = False
    department_id: int | None = None


def list_statement(user, filters: ListFilters):
    """The reports of a tab: "mine" (my reports), "tasks" (my department's rectifications), "queue" (the officers'
    and union admins' scope); newest first. Only columns anyone on the tab may see are joined (no reporter)."""
    stmt = select(HazardReport).options(selectinload(HazardReport.department),
                                        selectinload(HazardReport.responsible_department))
    if filters.tab == "queue":
        stmt = stmt.where(privileged_clause(user))
    elif filters.tab == "tasks":
        stmt = stmt.where(responsible_clause(user), HazardReport.status.in_(("rectifying", "rectified", "verified")))
    else:
        stmt = stmt.where(HazardReport.reporter_id == user.id)
    if filters.status:
        stmt = stmt.where(HazardReport.status == filters.status)
    if filters.overdue:
        stmt = stmt.where(overdue_clause())
    return stmt


def tab_counts(user) -> dict[str, int]:
    """How many reports each tab holds, how many wait for triage and how many are overdue (one query)."""
    row = db.session.execute(select(
        select(func.count(HazardReport.id)).where(HazardReport.reporter_id == user.id).scalar_subquery(),
        select(func.count(HazardReport.id)).where(responsible_clause(user), HazardReport.status.in_(
            ("rectifying", "rectified", "verified"))).scalar_subquery(),
        select(func.count(HazardReport.id)).where(privileged_clause(user)).scalar_subquery(),
        select(func.count(HazardReport.id)).where(privileged_clause(user), HazardReport.status == "reported")
        .scalar_subquery(),
        select(func.count(HazardReport.id)).where(privileged_clause(user), overdue_clause()).scalar_subquery(),
    )).one()
    return {"mine": row[0], "tasks": row[1], "queue": row[2], "to_triage": row[3], "overdue": row[4]}


def places_for(user) -> list[Department]:
    """The departments of the user's own enterprise, for the place picker (tree order)."""
    path = home_path(user)
    if not path:
        return []
    return list(db.session.scalars(select(Department).where(Department.path.startswith(path))
                                   .order_by(Department.path).limit(PLACE_LIMIT)))


def responsible_choices(user, hazard: HazardReport) -> list[Department]:
    """Departments an officer may make responsible: inside both the officer's scope and the report's enterprise."""
    scope = scope_of(user, "safety")
    enterprise = enterprise_of(hazard.department)
    enterprise_path = enterprise.path if enterprise is not None else hazard.department.path
    return list(db.session.scalars(
        select(Department).where(scope.path_clause(Department.path), Department.path.startswith(enterprise_path))
        .order_by(Department.path).limit(PLACE_LIMIT)))


def department_in_scope(user, department_id: int | None, role: str = "safety") -> bool:
    """Whether the department exists and lies in the user's scope of `role`."""
    if department_id is None:
        return False
    path = db.session.scalar(select(Department.path).where(Department.id == department_id))
    return path is not None and scope_of(user, role).covers_path(path)


def running_ankang(user) -> list[Competition]:
    """Running 安康杯 competitions the reporter's enterprise may file under: organised by a node on the path of the
    reporter's enterprise (the city, its district or industry union, the enterprise itself)."""
    path = home_path(user)
    if not path:
        return []
    ids = ancestor_ids(path)
    return list(db.session.scalars(select(Competition).where(
        Competition.kind == "ankang", Competition.status == "running", Competition.organiser_id.in_(ids))
        .order_by(Competition.starts_on.desc(), Competition.id)))


def events_of(hazard_id: int) -> list[HazardEvent]:
    """The history of a report, oldest first, with the actors."""
    return list(db.session.scalars(select(HazardEvent).where(HazardEvent.hazard_id == hazard_id)
                                   .options(selectinload(HazardEvent.actor))
                                   .order_by(HazardEvent.created_at, HazardEvent.id)))


def photo_of(hazard: HazardReport, photo_id: int) -> HazardPhoto | None:
    """A photo of this report with its files, or None."""
    return db.session.scalar(select(HazardPhoto).where(HazardPhoto.id == photo_id,
                                                       HazardPhoto.hazard_id == hazard.id)
                             .options(selectinload(HazardPhoto.file), selectinload(HazardPhoto.thumb)))


def reporter_of(hazard: HazardReport) -> User | None:
    """The reporter (only for those who may see them: sees_reporter)."""
    return db.session.get(User, hazard.reporter_id)


def reward_lines(hazard_id: int) -> list[RewardLine]:
    """The reward ledger lines of a report."""
    return list(db.session.scalars(select(RewardLine).where(RewardLine.hazard_id == hazard_id)
                                   .order_by(RewardLine.id)))


def duplicate_candidates(user, hazard: HazardReport, limit: int = 50) -> list[HazardReport]:
    """Other reports of the officer's scope an officer may link a duplicate to, newest first."""
    return list(db.session.scalars(
        select(HazardReport).where(officer_clause(user), HazardReport.id != hazard.id,
                                   HazardReport.status.notin_(("not_a_hazard", "duplicate")))
        .order_by(HazardReport.created_at.desc(), HazardReport.id.desc()).limit(limit)))


def officers_covering(department_id: int) -> list[int]:
    """The ids of the active safety officers whose scope covers a department (for reminders and new reports)."""
    from blueprints.core.models import RoleGrant

    path = db.session.scalar(select(Department.path).where(Department.id == department_id)) or ""
    node = aliased(Department)
    ids = ancestor_ids(path)
    return list(db.session.scalars(
        select(RoleGrant.user_id.distinct()).join(User, User.id == RoleGrant.user_id)
        .outerjoin(node, node.id == RoleGrant.department_id)
        .where(RoleGrant.role == "safety", User.active.is_(True),
               or_(RoleGrant.department_id.is_(None), RoleGrant.department_id.in_(ids) if ids else false(),
                   node.kind == "federation"))))


def overdue_flags(hazards) -> dict[int, bool]:
    """Which of the listed reports are overdue today (no query)."""
    today = local_today()
    return {h.id: h.status == "rectifying" and h.deadline is not None and h.deadline < today for h in hazards}


def officer_counts(user) -> dict[str, int]:
    """An officer's to-dos: reports to triage, confirmed ones to assign, rectifications to verify, overdue ones."""
    mine = officer_clause(user)
    row = db.session.execute(select(*(
        select(func.count(HazardReport.id)).where(mine, condition).scalar_subquery()
        for condition in (HazardReport.status == "reported", HazardReport.status == "confirmed",
                          HazardReport.status == "rectified", overdue_clause())))).one()
    return {"to_triage": row[0], "to_assign": row[1], "to_verify": row[2], "overdue": row[3]}


def officer_queue(user, limit: int = 5) -> list[HazardReport]:
    """The officer's oldest open reports that wait for them (triage, assignment, verification)."""
    return list(db.session.scalars(
        select(HazardReport).where(officer_clause(user),
                                   HazardReport.status.in_(("reported", "confirmed", "rectified")))
        .options(selectinload(HazardReport.department))
        .order_by(HazardReport.created_at, HazardReport.id).limit(limit)))


def latest_of_reporter(user_id: int, limit: int = 3) -> list[HazardReport]:
    """The reporter's latest reports."""
    return list(db.session.scalars(
        select(HazardReport).where(HazardReport.reporter_id == user_id)
        .order_by(HazardReport.created_at.desc(), HazardReport.id.desc()).limit(limit)))


# --- Pickers (core.pickers) of the report form and the officer's assignment ------------------------------------


def _places(user, _params):
    """Where a hazard may be reported: any department of the user's own enterprise."""
    path = home_path(user)
    return Department.path.startswith(path) if path else false()


def _responsible(user, params):
    """Who may be made responsible for the hazard named in the parameters: inside both the officer's scope and the
    report's enterprise, for an officer of that report (anyone else is offered nothing)."""
    hazard_id = pickers.as_id(params.get("hazard"))
    hazard = db.session.get(HazardReport, hazard_id) if hazard_id else None
    if hazard is None or not is_officer(user, hazard):
        return false()
    department = db.session.get(Department, hazard.department_id)
    enterprise = enterprise_of(department)
    enterprise_path = enterprise.path if enterprise is not None else department.path
    return and_(scope_of(user, "safety").path_clause(Department.path), Department.path.startswith(enterprise_path))


pickers.department_source("hazard-places", _places)
pickers.department_source("hazard-responsible", _responsible, params=("hazard",))
