"""The training domain's published read API: access rules and the queries behind its pages, panels and exports.
Other domains read training through this module (and models, labels, panels), never through its services."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from blueprints.core import scopes
from blueprints.core.models import Department, User
from blueprints.core.people import escape_like, person_search_clause
from blueprints.core.types import utcnow
from blueprints.training.models import ACTIVE_STATUSES, KINDS, Enrollment, FeedToken, SessionDepartment, TrainingSession
from extensions import db

# --- Access rules (used by views, templates and the stats record page) ----------------------------------


def can_manage(user) -> bool:
    """Someone who runs training somewhere (holds an HR grant): the HR pages and menus."""
    return bool(user and user.is_authenticated and user.has_role("hr"))


def manages(user, training_session: TrainingSession) -> bool:
    """HR whose scope covers the session's organising unit (a city-level session: whole-tree HR only)."""
    return can_manage(user) and scopes.covers_id(user, "hr", training_session.organiser_id)


def can_view(user, training_session: TrainingSession) -> bool:
    """Everyone sees published sessions; drafts only the HR who manage them."""
    return training_session.status != "draft" or manages(user, training_session)


def can_view_enrollment(user, enrollment: Enrollment) -> bool:
    """A trainee sees their own enrollment (and certificate); HR of the session's organiser see it too."""
    if enrollment.user_id == user.id:
        return True
    if not can_manage(user):
        return False
    organiser_id = db.session.scalar(select(TrainingSession.organiser_id)
                                     .where(TrainingSession.id == enrollment.session_id))
    return scopes.covers_id(user, "hr", organiser_id)


def is_city_level(organiser: Department | None) -> bool:
    """A session without an organiser, or organised by the federation root, is city-level: open to everyone."""
    return organiser is None or organiser.kind == "federation"


def city_level_clause():
    """SQL: the session is city-level (no organiser, or the federation root): open to everyone."""
    return or_(TrainingSession.organiser_id.is_(None),
               TrainingSession.organiser_id.in_(select(Department.id).where(Department.kind == "federation")))


def joinable_clause(department_path: str | None):
    """SQL: sessions a person of this department may join — city-level ones and those organised by the department
    or one above it (the ids of a materialised path are its ancestors)."""
    ancestor_ids = [int(part) for part in (department_path or "").strip("/").split("/") if part.isdigit()]
    if not ancestor_ids:
        return city_level_clause()
    return or_(city_level_clause(), TrainingSession.organiser_id.in_(ancestor_ids))


def managed_clause(user):
    """SQL: sessions whose organiser lies in the user's HR scope (city-level ones: whole-tree HR only)."""
    return scopes.scope_of(user, "hr").department_clause(TrainingSession.organiser_id)


def organiser_choices(user) -> list[tuple[int | str, str]]:
    """The units this HR user may organise for: their scope's nodes and everything below them, in tree order."""
    from blueprints.core.people import department_tree

    scope = scopes.scope_of(user, "hr")
    choices: list[tuple[int | str, str]] = []
    for department in department_tree():
        if scope.covers_path(department.path):
            choices.append((department.id, "\u3000" * department.depth + department.name))
    return choices


def default_organiser_id(user) -> int | None:
    """Where a new session is organised unless chosen: city level for whole-tree HR, else their first scope node."""
    if scopes.scope_of(user, "hr").everything:
        return None
    nodes = scopes.scope_nodes(user, "hr")
    return nodes[0].id if nodes else None


def picker_people(training_session: TrainingSession, user, q: str, limit: int = 10):
    """The HR picker of a roster: active people matching q inside the organiser's subtree and the HR scope."""
    if not q.strip():
        return []
    stmt = (select(User, Department.name).outerjoin(Department, User.department_id == Department.id)
            .where(person_search_clause(q), User.active.is_(True),
                   scopes.scope_of(user, "hr").department_clause(User.department_id))
            .order_by(User.employee_no).limit(limit))
    organiser = db.session.get(Department, training_session.organiser_id) if training_session.organiser_id else None
    if not is_city_level(organiser):
        stmt = stmt.where(Department.path.startswith(organiser.path))
    return [(person, dept) for person, dept in db.session.execute(stmt).all()]


# --- Queries for pages ---------------------------------------------------------------------------------


def load_session(session_id: int) -> TrainingSession | None:
    """A session with its eligible departments (for the detail and edit pages)."""
    return db.session.scalars(
        select(TrainingSession).options(selectinload(TrainingSession.departments),
                                        selectinload(TrainingSession.organiser))
        .where(TrainingSession.id == session_id)
    ).one_or_none()


def sessions_list(viewer, *, kind: str | None = None, date_from=None, date_to=None, mine: bool = False,
                  show_all: bool = False):
    """The workers' list: published sessions by filter (open ones still ahead, unless show_all) that the viewer
    may join (organised above their department, or city-level), plus their own enrollments."""
    stmt = select(TrainingSession)
    my_sessions = select(Enrollment.session_id).where(Enrollment.user_id == viewer.id,
                                                      Enrollment.status.in_(ACTIVE_STATUSES))
    if mine:
        stmt = stmt.where(TrainingSession.id.in_(my_sessions), TrainingSession.status != "draft")
    elif show_all:
        joinable = joinable_clause(department_path_of(viewer.department_id))
        stmt = stmt.where(TrainingSession.status != "draft", or_(joinable, TrainingSession.id.in_(my_sessions)))
    else:
        now = utcnow()
        stmt = stmt.where(TrainingSession.status == "open", TrainingSession.starts_at > now,
                          TrainingSession.signup_deadline > now,
                          joinable_clause(department_path_of(viewer.department_id)))
    if kind in KINDS:
        stmt = stmt.where(TrainingSession.kind == kind)
    if date_from is not None:
        stmt = stmt.where(TrainingSession.starts_at >= date_from)
    if date_to is not None:
        stmt = stmt.where(TrainingSession.starts_at < date_to)
    return stmt


def department_path_of(department_id: int | None) -> str | None:
    """The materialised path of one department (None without one)."""
    if department_id is None:
        return None
    return db.session.scalar(select(Department.path).where(Department.id == department_id))


def my_enrollments_for(user_id: int, session_ids) -> dict[int, Enrollment]:
    """The person's active enrollments among these sessions, by session id (one query)."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(Enrollment).where(
        Enrollment.user_id == user_id, Enrollment.session_id.in_(ids), Enrollment.status.in_(ACTIVE_STATUSES)))
    return {e.session_id: e for e in rows}


def restricted_session_ids(session_ids) -> set[int]:
    """Which of these sessions limit eligibility by department (one query)."""
    ids = list(session_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(SessionDepartment.session_id).distinct()
                                  .where(SessionDepartment.session_id.in_(ids))))


def manage_list(user, *, q: str = "", status: str | None = None, kind: str | None = None,
                manager_id: int | None = None):
    """HR's list of the sessions they manage (organiser in their scope), with its filters."""
    stmt = select(TrainingSession).where(managed_clause(user))
    if q.strip():
        term = f"%{escape_like(q.strip())}%"
        stmt = stmt.where(or_(TrainingSession.title.like(term, escape="\\"),
                              TrainingSession.instructor.like(term, escape="\\")))
    if status:
        stmt = stmt.where(TrainingSession.status == status)
    if kind in KINDS:
        stmt = stmt.where(TrainingSession.kind == kind)
    if manager_id is not None:
        stmt = stmt.where(TrainingSession.manager_id == manager_id)
    return stmt


def roster_keys(status: str) -> list:
    """The one order of trainees with a status, used by the roster page (as its keyset), the printable sign-in
    sheet and the .xlsx: the waitlist by position, everyone else in signup order."""
    return [Enrollment.waitlist_position, Enrollment.id] if status == "waitlisted" else [Enrollment.id]


def roster_query(session_id: int, status: str, q: str = ""):
    """Rows (Enrollment, User, department name) of one roster tab, for keyset paging."""
    stmt = (select(Enrollment, User, Department.name.label("department"))
            .join(User, User.id == Enrollment.user_id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(Enrollment.session_id == session_id, Enrollment.status == status))
    if q.strip():
        stmt = stmt.where(person_search_clause(q))
    return stmt


def roster_counts(session_id: int) -> dict[str, int]:
    """How many enrollments of each status the session has (one grouped query)."""
    rows = db.session.execute(select(Enrollment.status, func.count()).where(Enrollment.session_id == session_id)
                              .group_by(Enrollment.status)).all()
    counts = {"confirmed": 0, "waitlisted": 0, "cancelled": 0}
    counts.update(dict(rows))
    return counts


def full_roster(session_id: int, statuses=ACTIVE_STATUSES) -> list:
    """Every trainee with these statuses (status by status, in the given order), with user and department, each
    status in the roster page's order (roster_keys): for the .xlsx and the sign-in sheet."""
    rows = []
    for status in statuses:
        rows += db.session.execute(roster_query(session_id, status).order_by(*roster_keys(status))).all()
    return rows


def upcoming_for(user_id: int, limit: int = 6):
    """The person's confirmed and waitlisted sessions that have not ended, soonest first (one query)."""
    return db.session.execute(
        select(Enrollment, TrainingSession).join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(Enrollment.user_id == user_id, Enrollment.status.in_(ACTIVE_STATUSES),
               TrainingSession.status.in_(("open", "closed")), TrainingSession.ends_at > utcnow())
        .order_by(TrainingSession.starts_at).limit(limit)
    ).all()


def certificates_for(user_id: int, limit: int | None = None):
    """The person's certificates, newest first."""
    stmt = (select(Enrollment, TrainingSession).join(TrainingSession, TrainingSession.id == Enrollment.session_id)
            .where(Enrollment.user_id == user_id, Enrollment.certificate_no.is_not(None))
            .order_by(Enrollment.certified_at.desc(), Enrollment.id.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return db.session.execute(stmt).all()


def hr_todo(user, now: datetime | None = None):
    """HR's to-dos among the sessions they manage: starting within seven days, and full ones with people waiting."""
    now = now or utcnow()
    soon = db.session.scalars(
        select(TrainingSession).where(managed_clause(user), TrainingSession.status.in_(("open", "closed")),
                                      TrainingSession.starts_at >= now,
                                      TrainingSession.starts_at < now + timedelta(days=7))
        .order_by(TrainingSession.starts_at).limit(8)).all()
    waiting = db.session.scalars(
        select(TrainingSession).where(managed_clause(user), TrainingSession.status.in_(("open", "closed")),
                                      TrainingSession.waitlist_count > 0, TrainingSession.ends_at > now)
        .order_by(TrainingSession.waitlist_count.desc(), TrainingSession.starts_at).limit(8)).all()
    return soon, waiting


def last_enrollment(session_id: int, user_id: int) -> Enrollment | None:
    """The person's most recent enrollment in the session, whatever its status (to show a past cancellation)."""
    return db.session.scalars(select(Enrollment).where(
        Enrollment.session_id == session_id, Enrollment.user_id == user_id)
        .order_by(Enrollment.id.desc()).limit(1)).first()


def my_record_query(user_id: int):
    """Rows (Enrollment, TrainingSession) of the person's training record, for keyset paging."""
    return (select(Enrollment, TrainingSession).join(TrainingSession, TrainingSession.id == Enrollment.session_id)
            .where(Enrollment.user_id == user_id))


def feed_token_of(user_id: int) -> str | None:
    """The person's calendar subscription secret, if one was made."""
    return db.session.scalar(select(FeedToken.token).where(FeedToken.user_id == user_id))


def certificate_row(enrollment_id: int):
    """(Enrollment, TrainingSession, User) of one enrollment, or None."""
    return db.session.execute(
        select(Enrollment, TrainingSession, User).join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .join(User, User.id == Enrollment.user_id).where(Enrollment.id == enrollment_id)).first()


def roster_row(session_id: int, enrollment_id: int):
    """One confirmed row (Enrollment, User, department name) of the roster, or None."""
    return db.session.execute(roster_query(session_id, "confirmed").where(Enrollment.id == enrollment_id)).first()


def active_user_by_employee_no(employee_no: str) -> User | None:
    """The active person with this 工号 (exact), or None."""
    return db.session.scalar(select(User).where(User.employee_no == employee_no, User.active.is_(True)))


def employee_no_of(user_id: int | None) -> str:
    """The 工号 of a person ("" for none); no query when the person is already loaded (often the signed-in user)."""
    user = db.session.get(User, user_id) if user_id is not None else None
    return user.employee_no if user is not None else ""


def is_active_user(user_id: int) -> bool:
    """Whether the person exists and may sign in (a calendar feed of a deactivated person is gone)."""
    user = db.session.get(User, user_id)
    return user is not None and user.active


def user_name(user_id: int) -> str:
    """A person's name ("" when unknown)."""
    user = db.session.get(User, user_id)
    return user.name if user is not None else ""


def confirmed_sessions_of(user_id: int) -> list[TrainingSession]:
    """The person's confirmed sessions (including past and cancelled ones, so calendars drop cancellations)."""
    return list(db.session.scalars(
        select(TrainingSession).join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(Enrollment.user_id == user_id, Enrollment.status == "confirmed")
        .order_by(TrainingSession.starts_at).limit(500)))
