"""Enrolment of one person: eligibility, a worker's own signup and withdrawal, HR removing and moving a trainee."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from blueprints.core.notify import notify
from blueprints.core.types import utcnow
from blueprints.training.models import ACTIVE_STATUSES, Enrollment, SessionDepartment, TrainingSession
from blueprints.training.queries import is_city_level
from blueprints.training.services import seats
from blueprints.training.services.rules import ROSTER_OPEN, local_text, session_link
from extensions import db

# --- Eligibility ------------------------------------------------------------------------------------------


@dataclass
class Eligibility:
    """Who may sign up for a session: the organiser's subtree (none for a city-level session), department subtrees
    inside it (by path) and skill levels; empty means everyone."""

    paths: list[str]
    names: list[str]
    skill_levels: list[str]
    organiser_path: str | None = None
    organiser_name: str = ""

    @property
    def restricted(self) -> bool:
        return bool(self.paths or self.skill_levels or self.organiser_path)

    @property
    def needs_paths(self) -> bool:
        """Whether checking a person needs their department path."""
        return bool(self.paths or self.organiser_path)

    def problem(self, user_skill: str, user_path: str | None) -> DomainError | None:
        """Why a person with this skill level and department path may not sign up, or None."""
        if self.organiser_path and not (user_path and user_path.startswith(self.organiser_path)):
            return DomainError(N_("不符合报名条件：这是%(unit)s组织的培训，仅限本单位的职工报名。"),
                               unit=self.organiser_name)
        if self.paths and not (user_path and any(user_path.startswith(p) for p in self.paths)):
            return DomainError(N_("不符合报名条件：仅限%(depts)s的职工报名。"), depts="、".join(self.names))
        if self.skill_levels and user_skill not in self.skill_levels:
            return DomainError(N_("不符合报名条件：仅限技能等级为%(levels)s的职工报名。"),
                               levels="、".join(self.skill_levels))
        return None


def organiser_of(training_session: TrainingSession) -> Department | None:
    """The session's organising unit (loaded already, else one lookup); None for a city-level one."""
    from sqlalchemy import inspect as sa_inspect

    if "organiser" not in sa_inspect(training_session).unloaded:
        return training_session.organiser
    if training_session.organiser_id is None:
        return None
    return db.session.get(Department, training_session.organiser_id)


def eligibility_of(training_session: TrainingSession) -> Eligibility:
    """The session's eligibility rules (from its loaded departments, else with one query)."""
    from sqlalchemy import inspect as sa_inspect

    organiser = organiser_of(training_session)
    limit = {} if is_city_level(organiser) else {
        "organiser_path": organiser.path, "organiser_name": organiser.name}
    if "departments" not in sa_inspect(training_session).unloaded:
        depts = training_session.departments
        return Eligibility([d.path for d in depts], [d.name for d in depts], list(training_session.skill_levels or []),
                           **limit)
    rows = db.session.execute(
        select(Department.path, Department.name)
        .join(SessionDepartment, SessionDepartment.department_id == Department.id)
        .where(SessionDepartment.session_id == training_session.id).order_by(Department.code)
    ).all()
    return Eligibility([r.path for r in rows], [r.name for r in rows], list(training_session.skill_levels or []),
                       **limit)


def department_path(department_id: int | None) -> str | None:
    """The materialised path of one department."""
    if department_id is None:
        return None
    return db.session.scalar(select(Department.path).where(Department.id == department_id))


# --- Worker signup ----------------------------------------------------------------------------------------


def active_enrollment(session_id: int, user_id: int) -> Enrollment | None:
    """The person's confirmed or waitlisted enrollment in the session, if any."""
    return db.session.scalars(
        select(Enrollment).where(Enrollment.session_id == session_id, Enrollment.user_id == user_id,
                                 Enrollment.status.in_(ACTIVE_STATUSES))
        .execution_options(populate_existing=True)
    ).first()


def signup_problem(training_session: TrainingSession, user: User, enrollment: Enrollment | None,
                   eligibility: Eligibility | None = None, now: datetime | None = None) -> DomainError | None:
    """Why this person cannot sign themselves up now (closed, past the deadline, not eligible, enrolled), or None."""
    now = now or utcnow()
    if enrollment is not None:
        if enrollment.status == "waitlisted":
            return DomainError(N_("您已在候补名单中，当前第 %(pos)s 位。"), pos=enrollment.waitlist_position)
        return DomainError(N_("您已经报名了这个场次，名额已确认。"))
    if training_session.status == "cancelled":
        return DomainError(N_("该场次已取消，不能报名。"))
    if training_session.status == "completed":
        return DomainError(N_("该场次已结束，不能报名。"))
    if training_session.status != "open":
        return DomainError(N_("该场次的报名已关闭。"))
    if now >= training_session.starts_at:
        return DomainError(N_("培训已经开始，不能再报名。"))
    if now > training_session.signup_deadline:
        return DomainError(N_("报名已于 %(deadline)s 截止。"), deadline=local_text(training_session.signup_deadline))
    eligibility = eligibility or eligibility_of(training_session)
    return eligibility.problem(user.skill_level, department_path(user.department_id))


@dataclass
class SignupResult:
    """What a signup did: the enrollment and any of the person's confirmed sessions at the same time."""

    enrollment: Enrollment
    overlaps: list[TrainingSession] = field(default_factory=list)


def new_enrollment(training_session: TrainingSession, user_id: int, actor_id: int | None) -> Enrollment:
    """Add one person: a seat if one is free (and nobody waits for it), else the end of the waitlist."""
    now = utcnow()
    if training_session.waitlist_count == 0 and seats.take_seats(training_session.id, 1):
        enrollment = Enrollment(session_id=training_session.id, user_id=user_id, status="confirmed", confirmed_at=now,
                                enrolled_by_id=actor_id, created_at=now)
    else:
        enrollment = Enrollment(session_id=training_session.id, user_id=user_id, status="waitlisted",
                                waitlist_position=training_session.waitlist_count + 1, enrolled_by_id=actor_id,
                                created_at=now)
        training_session.waitlist_count = TrainingSession.waitlist_count + 1
    db.session.add(enrollment)
    seats.refresh_counts(training_session)
    return enrollment


def signup(training_session: TrainingSession, user: User) -> SignupResult:
    """A worker signs themselves up: confirmed while seats are free, otherwise waitlisted (first come, first served)."""
    training_session = seats.lock_session(training_session.id)
    problem = signup_problem(training_session, user, active_enrollment(training_session.id, user.id))
    if problem is not None:
        raise problem
    enrollment = new_enrollment(training_session, user.id, user.id)
    audit.record("training.signup", target=training_session, actor=user,
                 detail=f"{enrollment.status} position={enrollment.waitlist_position or ''}".strip())
    return SignupResult(enrollment, overlapping_sessions(user.id, training_session))


def overlapping_sessions(user_id: int, training_session: TrainingSession) -> list[TrainingSession]:
    """The person's other confirmed, not cancelled sessions whose time overlaps this one."""
    return list(db.session.scalars(
        select(TrainingSession)
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(Enrollment.user_id == user_id, Enrollment.status == "confirmed",
               TrainingSession.id != training_session.id, TrainingSession.status != "cancelled",
               TrainingSession.starts_at < training_session.ends_at,
               TrainingSession.ends_at > training_session.starts_at)
        .order_by(TrainingSession.starts_at)
    ))


def withdraw_problem(training_session: TrainingSession, enrollment: Enrollment | None, now: datetime | None = None):
    """Why the trainee cannot cancel their place (or leave the waitlist) themselves now, or None."""
    now = now or utcnow()
    if enrollment is None or enrollment.status not in ACTIVE_STATUSES:
        return DomainError(N_("您没有报名这个场次。"))
    if training_session.status not in ROSTER_OPEN:
        return DomainError(N_("该场次已不能取消报名。"))
    if now >= training_session.starts_at:
        return DomainError(N_("培训已经开始，不能再取消报名。如有特殊情况请联系培训管理员。"))
    return None


def _cancel(training_session: TrainingSession, enrollment: Enrollment, actor_id: int | None) -> str:
    """Cancel one active enrollment under the session lock; a freed seat goes to the waitlist. Returns old status."""
    was, position = enrollment.status, enrollment.waitlist_position
    enrollment.status = "cancelled"
    enrollment.waitlist_position = None
    enrollment.cancelled_at = utcnow()
    enrollment.cancelled_by_id = actor_id
    if was == "confirmed":
        seats.release_seats(training_session, 1)
        db.session.flush()
        seats.promote_waitlist(training_session)
    else:
        training_session.waitlist_count = TrainingSession.waitlist_count - 1
        db.session.flush()
        seats.shift_waitlist(training_session.id, position or 0, 1)
        seats.refresh_counts(training_session)
    return was


def withdraw(training_session: TrainingSession, user: User) -> str:
    """The trainee cancels their place or leaves the waitlist; returns the status they had."""
    training_session = seats.lock_session(training_session.id)
    enrollment = active_enrollment(training_session.id, user.id)
    problem = withdraw_problem(training_session, enrollment)
    if problem is not None:
        raise problem
    was = _cancel(training_session, enrollment, user.id)
    audit.record("training.withdrawn" if was == "confirmed" else "training.left_waitlist", target=training_session,
                 actor=user)
    return was


# --- HR: roster changes -----------------------------------------------------------------------------------


def locked_enrollment(training_session: TrainingSession, enrollment_id: int) -> Enrollment:
    enrollment = db.session.scalars(
        select(Enrollment).where(Enrollment.id == enrollment_id, Enrollment.session_id == training_session.id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if enrollment is None:
        raise DomainError(N_("名单中没有这个人。"))
    return enrollment


def remove_trainee(training_session: TrainingSession, enrollment_id: int, actor: User) -> Enrollment:
    """HR takes someone off the roster (confirmed or waitlisted) and tells them; a freed seat is passed on."""
    training_session = seats.lock_session(training_session.id)
    if training_session.status not in ROSTER_OPEN:
        raise DomainError(N_("只有报名中或已截止报名的场次才能调整名单。"))
    enrollment = locked_enrollment(training_session, enrollment_id)
    if enrollment.status not in ACTIVE_STATUSES:
        raise DomainError(N_("此人的报名已经取消。"))
    was = _cancel(training_session, enrollment, actor.id)
    notify(enrollment.user_id, N_("培训管理员已将您从培训《%(title)s》的名单中移除。"),
           link=session_link(training_session.id),
           title=training_session.title)
    audit.record("training.removed", target=enrollment, actor=actor, detail=f"was={was}")
    return enrollment


def move_in_waitlist(training_session: TrainingSession, enrollment_id: int, position: int, reason: str,
                     actor: User) -> Enrollment:
    """HR moves a waitlisted trainee to another position; only with a reason, which is kept and audited."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("调整候补顺序必须填写原因。"), field="reason")
    training_session = seats.lock_session(training_session.id)
    if training_session.status not in ROSTER_OPEN:
        raise DomainError(N_("只有报名中或已截止报名的场次才能调整名单。"))
    enrollment = locked_enrollment(training_session, enrollment_id)
    if enrollment.status != "waitlisted":
        raise DomainError(N_("只能调整候补中的学员的位次。"))
    if not 1 <= position <= training_session.waitlist_count:
        raise DomainError(N_("位次必须在 1 到 %(n)s 之间。"), field="position", n=training_session.waitlist_count)
    old = enrollment.waitlist_position
    if position == old:
        raise DomainError(N_("此人已经在第 %(pos)s 位。"), field="position", pos=old)
    enrollment.waitlist_position = None  # out of the way while the others shift
    db.session.flush()
    others = (update(Enrollment).where(Enrollment.session_id == training_session.id, Enrollment.status == "waitlisted",
                                       Enrollment.id != enrollment.id)
              .execution_options(synchronize_session=False))
    if position < old:
        db.session.execute(others.where(Enrollment.waitlist_position >= position, Enrollment.waitlist_position < old)
                           .values(waitlist_position=Enrollment.waitlist_position + 1))
    else:
        db.session.execute(others.where(Enrollment.waitlist_position > old, Enrollment.waitlist_position <= position)
                           .values(waitlist_position=Enrollment.waitlist_position - 1))
    enrollment.waitlist_position = position
    enrollment.move_reason = reason[:500]
    notify(enrollment.user_id, N_("您在培训《%(title)s》候补名单中的位次已调整为第 %(pos)s 位。原因：%(reason)s"),
           link=session_link(training_session.id), title=training_session.title, pos=position, reason=reason[:200])
    audit.record("training.waitlist_moved", target=enrollment, actor=actor, detail=f"{old} -> {position}: {reason}")
    db.session.flush()
    return enrollment
