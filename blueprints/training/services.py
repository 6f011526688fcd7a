"""Business rules of training signups: the status machine, seats, the waitlist, bulk signup, attendance, results
and certificates. Functions only flush; the caller commits once.

Seats are the rule that must never break. Every change to a session's enrollments starts with lock_session(),
which holds the session row until commit (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every write transaction
already starts with BEGIN IMMEDIATE, which excludes all other writers). Under that lock, take_seats() is the one
place a seat is taken: a conditional UPDATE on the seat counter that only succeeds while enough seats are free,
with its rowcount checked, backed by a CHECK constraint (confirmed_count <= capacity) in the schema. Waitlist
positions are kept as 1..n with no gaps: every removal shifts the positions behind it in one UPDATE.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import insert, select, update

from blueprints.core import audit, counters
from blueprints.core.clock import local_year, to_local
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from blueprints.core.notify import notify, notify_each, notify_many
from blueprints.core.people import EMPLOYEE_NO, resolve_people
from blueprints.core.states import Transition, actions_from, can_move, machine
from blueprints.core.types import utcnow
from blueprints.training.models import (
    ACTIVE_STATUSES,
    CERTIFICATE_SERIES,
    KINDS,
    Enrollment,
    FeedToken,
    SessionDepartment,
    TrainingSession,
)
from extensions import db

# --- The status machine (the only place that knows which move is allowed) ----------------------------------

TRANSITIONS = machine(
    Transition("open", ("draft",), "open", actor="hr"),
    Transition("close", ("open",), "closed", actor="hr"),
    Transition("complete", ("closed",), "completed", actor="hr"),
    Transition("cancel", ("draft", "open", "closed"), "cancelled", actor="hr", needs_reason=True),
)
EDITABLE = frozenset({"draft", "open", "closed"})  # details and capacity can still change
ROSTER_OPEN = frozenset({"open", "closed"})  # HR may add, remove and move trainees
RECORDING = frozenset({"open", "closed", "completed"})  # attendance and results may be recorded
MAX_BULK = 5000


def allowed_actions(training_session: TrainingSession) -> list[str]:
    """The status actions possible from the session's current status, in display order."""
    return actions_from(TRANSITIONS, training_session.status)


def can_transition(training_session: TrainingSession, action: str) -> bool:
    """Whether the status machine allows `action` now."""
    return can_move(TRANSITIONS, action, training_session.status)


def is_editable(training_session: TrainingSession) -> bool:
    """Whether details and capacity can still change."""
    return training_session.status in EDITABLE


def is_roster_open(training_session: TrainingSession) -> bool:
    """Whether HR may still add, remove and move trainees."""
    return training_session.status in ROSTER_OPEN


def is_recording(training_session: TrainingSession) -> bool:
    """Whether attendance and results may be recorded."""
    return training_session.status in RECORDING


# --- Time helpers -----------------------------------------------------------------------------------------


def local_text(value: datetime) -> str:
    """A date-time in the local zone as text for notifications (the same in every language)."""
    return to_local(value).strftime("%Y-%m-%d %H:%M")


def session_link(session_id: int) -> str:
    """The detail page's path (also outside a request, e.g. for the reminder command)."""
    if has_request_context():
        return url_for("training.detail", session_id=session_id)
    return f"/training/{session_id}"


def certificate_link(enrollment_id: int) -> str:
    """The certificate page's path (also outside a request)."""
    if has_request_context():
        return url_for("training.certificate", enrollment_id=enrollment_id)
    return f"/training/certificates/{enrollment_id}"


# --- Seats and the lock -----------------------------------------------------------------------------------


def lock_session(session_id: int) -> TrainingSession:
    """Load the session holding its row lock until commit, with fresh values even if it was loaded before."""
    stmt = (select(TrainingSession).where(TrainingSession.id == session_id).with_for_update()
            .execution_options(populate_existing=True))
    training_session = db.session.scalars(stmt).one_or_none()
    if training_session is None:
        raise DomainError(N_("该培训场次不存在。"))
    return training_session


def take_seats(session_id: int, n: int = 1) -> bool:
    """The one place seats are taken: add n to the confirmed count only while n seats are free."""
    if n <= 0:
        return True
    result = db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session_id, TrainingSession.confirmed_count + n <= TrainingSession.capacity)
        .values(confirmed_count=TrainingSession.confirmed_count + n)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_seats(training_session: TrainingSession, n: int) -> None:
    if n:
        training_session.confirmed_count = TrainingSession.confirmed_count - n


def _refresh_counts(training_session: TrainingSession) -> None:
    db.session.flush()
    db.session.refresh(training_session, ["confirmed_count", "waitlist_count", "capacity"])


def _shift_waitlist(session_id: int, after_position: int, by: int) -> None:
    """Close the gap left behind position `after_position`: everyone behind moves up by `by`."""
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.session_id == session_id, Enrollment.status == "waitlisted",
               Enrollment.waitlist_position > after_position)
        .values(waitlist_position=Enrollment.waitlist_position - by)
        .execution_options(synchronize_session=False)
    )


def promote_waitlist(training_session: TrainingSession, actor=None) -> list[int]:
    """Give free seats to the first waitlisted trainees, exactly once each, and tell them; returns their user ids."""
    if training_session.status not in ROSTER_OPEN:
        return []
    _refresh_counts(training_session)
    free = training_session.capacity - training_session.confirmed_count
    if free <= 0 or training_session.waitlist_count <= 0:
        return []
    first = db.session.execute(
        select(Enrollment.id, Enrollment.user_id)
        .where(Enrollment.session_id == training_session.id, Enrollment.status == "waitlisted")
        .order_by(Enrollment.waitlist_position, Enrollment.id).limit(free)
    ).all()
    if not first:
        return []
    ids = [row.id for row in first]
    if not take_seats(training_session.id, len(ids)):
        raise RuntimeError("seat counter disagrees with the lock")  # cannot happen while we hold the lock
    # The status condition makes a promotion happen once even if this ran twice.
    result = db.session.execute(
        update(Enrollment)
        .where(Enrollment.id.in_(ids), Enrollment.status == "waitlisted")
        .values(status="confirmed", waitlist_position=None, confirmed_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != len(ids):
        raise RuntimeError("waitlist changed under the lock")
    _shift_waitlist(training_session.id, 0, len(ids))
    training_session.waitlist_count = TrainingSession.waitlist_count - len(ids)
    user_ids = [row.user_id for row in first]
    notify_many(user_ids, N_("好消息：您已从候补转为正式学员，培训《%(title)s》（%(start)s 开始）为您保留了名额。"),
                link=session_link(training_session.id), title=training_session.title,
                start=local_text(training_session.starts_at))
    audit.record("training.promoted", target=training_session, actor=actor,
                 detail=f"users={','.join(map(str, user_ids))}")
    _refresh_counts(training_session)
    return user_ids


# --- Eligibility ------------------------------------------------------------------------------------------


@dataclass
class Eligibility:
    """Who may sign up for a session: department subtrees (by path) and skill levels; empty means everyone."""

    paths: list[str]
    names: list[str]
    skill_levels: list[str]

    @property
    def restricted(self) -> bool:
        return bool(self.paths or self.skill_levels)

    def problem(self, user_skill: str, user_path: str | None) -> DomainError | None:
        """Why a person with this skill level and department path may not sign up, or None."""
        if self.paths and not (user_path and any(user_path.startswith(p) for p in self.paths)):
            return DomainError(N_("不符合报名条件：仅限%(depts)s的职工报名。"), depts="、".join(self.names))
        if self.skill_levels and user_skill not in self.skill_levels:
            return DomainError(N_("不符合报名条件：仅限技能等级为%(levels)s的职工报名。"),
                               levels="、".join(self.skill_levels))
        return None


def eligibility_of(training_session: TrainingSession) -> Eligibility:
    """The session's eligibility rules (from its loaded departments, else with one query)."""
    from sqlalchemy import inspect as sa_inspect

    if "departments" not in sa_inspect(training_session).unloaded:
        depts = training_session.departments
        return Eligibility([d.path for d in depts], [d.name for d in depts], list(training_session.skill_levels or []))
    rows = db.session.execute(
        select(Department.path, Department.name)
        .join(SessionDepartment, SessionDepartment.department_id == Department.id)
        .where(SessionDepartment.session_id == training_session.id).order_by(Department.code)
    ).all()
    return Eligibility([r.path for r in rows], [r.name for r in rows], list(training_session.skill_levels or []))


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


def _new_enrollment(training_session: TrainingSession, user_id: int, actor_id: int | None) -> Enrollment:
    """Add one person: a seat if one is free (and nobody waits for it), else the end of the waitlist."""
    now = utcnow()
    if training_session.waitlist_count == 0 and take_seats(training_session.id, 1):
        enrollment = Enrollment(session_id=training_session.id, user_id=user_id, status="confirmed", confirmed_at=now,
                                enrolled_by_id=actor_id, created_at=now)
    else:
        enrollment = Enrollment(session_id=training_session.id, user_id=user_id, status="waitlisted",
                                waitlist_position=training_session.waitlist_count + 1, enrolled_by_id=actor_id,
                                created_at=now)
        training_session.waitlist_count = TrainingSession.waitlist_count + 1
    db.session.add(enrollment)
    _refresh_counts(training_session)
    return enrollment


def signup(training_session: TrainingSession, user: User) -> SignupResult:
    """A worker signs themselves up: confirmed while seats are free, otherwise waitlisted (first come, first served)."""
    training_session = lock_session(training_session.id)
    problem = signup_problem(training_session, user, active_enrollment(training_session.id, user.id))
    if problem is not None:
        raise problem
    enrollment = _new_enrollment(training_session, user.id, user.id)
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
        _release_seats(training_session, 1)
        db.session.flush()
        promote_waitlist(training_session)
    else:
        training_session.waitlist_count = TrainingSession.waitlist_count - 1
        db.session.flush()
        _shift_waitlist(training_session.id, position or 0, 1)
        _refresh_counts(training_session)
    return was


def withdraw(training_session: TrainingSession, user: User) -> str:
    """The trainee cancels their place or leaves the waitlist; returns the status they had."""
    training_session = lock_session(training_session.id)
    enrollment = active_enrollment(training_session.id, user.id)
    problem = withdraw_problem(training_session, enrollment)
    if problem is not None:
        raise problem
    was = _cancel(training_session, enrollment, user.id)
    audit.record("training.withdrawn" if was == "confirmed" else "training.left_waitlist", target=training_session,
                 actor=user)
    return was


# --- HR: roster changes -----------------------------------------------------------------------------------


def _locked_enrollment(training_session: TrainingSession, enrollment_id: int) -> Enrollment:
    enrollment = db.session.scalars(
        select(Enrollment).where(Enrollment.id == enrollment_id, Enrollment.session_id == training_session.id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if enrollment is None:
        raise DomainError(N_("名单中没有这个人。"))
    return enrollment


def remove_trainee(training_session: TrainingSession, enrollment_id: int, actor: User) -> Enrollment:
    """HR takes someone off the roster (confirmed or waitlisted) and tells them; a freed seat is passed on."""
    training_session = lock_session(training_session.id)
    if training_session.status not in ROSTER_OPEN:
        raise DomainError(N_("只有报名中或已截止报名的场次才能调整名单。"))
    enrollment = _locked_enrollment(training_session, enrollment_id)
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
    training_session = lock_session(training_session.id)
    if training_session.status not in ROSTER_OPEN:
        raise DomainError(N_("只有报名中或已截止报名的场次才能调整名单。"))
    enrollment = _locked_enrollment(training_session, enrollment_id)
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


@dataclass
class BulkLine:
    """The answer for one person of a bulk signup."""

    employee_no: str
    outcome: str  # confirmed, waitlisted, already, duplicate, not_found, inactive, not_eligible
    name: str = ""
    position: int | None = None
    detail: str = ""


def bulk_enroll(training_session: TrainingSession, employee_nos: list[str], actor: User) -> list[BulkLine]:
    """HR signs up many people at once, in a few queries whatever their number; one answer line per person."""
    if not employee_nos:
        raise DomainError(N_("请至少填写一个工号。"), field="pasted")
    if len(employee_nos) > MAX_BULK:
        raise DomainError(N_("一次最多报名 %(n)s 人，请分批提交。"), field="pasted", n=MAX_BULK)
    training_session = lock_session(training_session.id)
    if training_session.status not in ROSTER_OPEN:
        raise DomainError(N_("只有报名中或已截止报名的场次才能添加学员。"))
    people = _compute_people(training_session, employee_nos)
    lines, newcomers = _compute_lines(employee_nos, people)
    n_confirm = _compute_seats(training_session, len(newcomers))
    n_wait = _enroll_newcomers(training_session, newcomers, n_confirm, actor)
    audit.record("training.bulk_enrolled", target=training_session, actor=actor,
                 detail=f"asked={len(employee_nos)} confirmed={n_confirm} waitlisted={n_wait}")
    _refresh_counts(training_session)
    return lines


@dataclass
class _BulkPeople:
    """The people of a bulk signup, looked up in bulk: who exists, who is inactive, who is already on the session."""

    by_no: dict[str, User]
    inactive_nos: set[str]
    existing: dict[int, Enrollment]
    eligibility: Eligibility
    paths: dict[int, str]


def _compute_people(training_session: TrainingSession, employee_nos: list[str]) -> _BulkPeople:
    """Resolve the 工号, and fetch the people's active enrollments and (when it matters) department paths."""
    users, _missing, inactive = resolve_people(employee_nos)
    eligibility = eligibility_of(training_session)
    paths: dict[int, str] = {}
    if eligibility.paths:
        dept_ids = {u.department_id for u in users if u.department_id}
        paths = {row.id: row.path for row in db.session.execute(
            select(Department.id, Department.path).where(Department.id.in_(dept_ids)))}
    return _BulkPeople(by_no={u.employee_no.lower(): u for u in users}, inactive_nos={no.lower() for no in inactive},
                       existing=_active_enrollments(training_session.id, list(dict.fromkeys(u.id for u in users))),
                       eligibility=eligibility, paths=paths)


def _active_enrollments(session_id: int, user_ids: list[int], chunk: int = 500) -> dict[int, Enrollment]:
    """The active enrollments of these people in the session, by user id (one query per `chunk` people)."""
    existing: dict[int, Enrollment] = {}
    for start in range(0, len(user_ids), chunk):
        for enrollment in db.session.scalars(
                select(Enrollment).where(Enrollment.session_id == session_id, Enrollment.status.in_(ACTIVE_STATUSES),
                                         Enrollment.user_id.in_(user_ids[start:start + chunk]))):
            existing[enrollment.user_id] = enrollment
    return existing


def _compute_lines(employee_nos: list[str], people: _BulkPeople) -> tuple[list[BulkLine], list[tuple[BulkLine, User]]]:
    """One answer line per 工号 in the given order, and the people who get a new enrollment (with their line)."""
    lines: list[BulkLine] = []
    newcomers: list[tuple[BulkLine, User]] = []
    seen: set[int] = set()
    for no in employee_nos:
        user = people.by_no.get(no.lower())
        if user is None:
            lines.append(BulkLine(no, "inactive" if no.lower() in people.inactive_nos else "not_found"))
            continue
        line = BulkLine(user.employee_no, "already", user.name)
        lines.append(line)
        if user.id in seen:
            line.outcome = "duplicate"
            continue
        seen.add(user.id)
        if _classify_known(line, user, people):
            newcomers.append((line, user))
    return lines, newcomers


def _classify_known(line: BulkLine, user: User, people: _BulkPeople) -> bool:
    """Fill the line of someone already enrolled or not eligible; True when the person is to be enrolled."""
    enrollment = people.existing.get(user.id)
    if enrollment is not None:
        line.position = enrollment.waitlist_position
        line.detail = "waitlisted" if enrollment.status == "waitlisted" else "confirmed"
        return False
    problem = people.eligibility.problem(user.skill_level, people.paths.get(user.department_id))
    if problem is not None:
        line.outcome, line.detail = "not_eligible", str(problem)
        return False
    return True


def _compute_seats(training_session: TrainingSession, wanted: int) -> int:
    """Take the free seats for the first of `wanted` newcomers (none while people wait); returns how many."""
    free = training_session.capacity - training_session.confirmed_count if training_session.waitlist_count == 0 else 0
    n_confirm = max(min(free, wanted), 0)
    if not take_seats(training_session.id, n_confirm):
        raise RuntimeError("seat counter disagrees with the lock")
    return n_confirm


def _enroll_newcomers(training_session: TrainingSession, newcomers: list[tuple[BulkLine, User]], n_confirm: int,
                      actor: User) -> int:
    """Insert the newcomers' enrollments (seats first, then the end of the waitlist), tell each of them, and fill
    in their answer lines; returns how many were waitlisted."""
    now = utcnow()
    rows, notes = [], []
    position = training_session.waitlist_count
    link = session_link(training_session.id)
    start = local_text(training_session.starts_at)
    for index, (line, user) in enumerate(newcomers):
        row = {"session_id": training_session.id, "user_id": user.id, "enrolled_by_id": actor.id, "created_at": now}
        if index < n_confirm:
            row.update(status="confirmed", confirmed_at=now, waitlist_position=None)
            line.outcome = "confirmed"
            notes.append((user.id, N_("培训管理员为您报名了培训《%(title)s》（%(start)s 开始），名额已确认。"), link,
                          {"title": training_session.title, "start": start}))
        else:
            position += 1
            row.update(status="waitlisted", confirmed_at=None, waitlist_position=position)
            line.outcome, line.position = "waitlisted", position
            notes.append((user.id, N_("培训管理员为您报名了培训《%(title)s》，"
                                      "目前名额已满，您在候补名单第 %(pos)s 位。"),
                          link, {"title": training_session.title, "pos": position}))
        rows.append(row)
    if rows:
        db.session.execute(insert(Enrollment), rows)
        notify_each(notes)
    n_wait = len(rows) - n_confirm
    if n_wait:
        training_session.waitlist_count = TrainingSession.waitlist_count + n_wait
    return n_wait


ROSTER_COLUMNS = {"employee_no": ("工号", "employee_no", "employee no", "员工编号"), "name": ("姓名", "name")}


def parse_roster_file(filename: str, data: bytes) -> list[str]:
    """工号 from an uploaded .xlsx/.csv (first row: column names); any bad row refuses the whole file."""
    from blueprints.core.spreadsheets import map_columns, read_table

    rows = read_table(filename, data)
    columns = map_columns(rows[0], ROSTER_COLUMNS, required=["employee_no"])
    index = columns["employee_no"]
    found, problems = [], []
    for line, row in enumerate(rows[1:], start=2):
        value = row[index].strip() if index < len(row) else ""
        if not value:
            problems.append(gettext("第 %(line)s 行没有填写工号", line=line))
        elif not EMPLOYEE_NO.match(value):
            problems.append(gettext("第 %(line)s 行的工号“%(no)s”格式不对", line=line, no=value[:40]))
        else:
            found.append(value)
    if problems:
        shown = "；".join(problems[:10]) + ("……" if len(problems) > 10 else "")
        raise DomainError(N_("文件中有 %(n)s 行有问题，没有报名任何人：%(rows)s。"), field="file", n=len(problems),
                          rows=shown)
    if not found:
        raise DomainError(N_("文件里只有列名，没有工号。"), field="file")
    return list(dict.fromkeys(found))


# --- HR: sessions -----------------------------------------------------------------------------------------


@dataclass
class SessionData:
    """The editable fields of a session, already validated by the form and converted to UTC."""

    title: str
    kind: str
    description: str
    instructor: str
    location: str
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime
    capacity: int
    department_ids: list[int]
    skill_levels: list[str]
    manager_id: int | None


def _check_data(data: SessionData) -> None:
    if data.kind not in KINDS:
        raise DomainError(N_("请选择培训类型。"), field="kind")
    if data.ends_at <= data.starts_at:
        raise DomainError(N_("结束时间必须晚于开始时间。"), field="ends_at")
    if data.signup_deadline > data.starts_at:
        raise DomainError(N_("报名截止时间不能晚于开始时间。"), field="signup_deadline")
    if data.capacity < 1:
        raise DomainError(N_("名额至少为 1。"), field="capacity")


def _set_departments(training_session: TrainingSession, department_ids: list[int]) -> None:
    from sqlalchemy import delete

    db.session.execute(delete(SessionDepartment).where(SessionDepartment.session_id == training_session.id))
    ids = list(dict.fromkeys(department_ids))
    if ids:
        db.session.execute(insert(SessionDepartment),
                           [{"session_id": training_session.id, "department_id": d} for d in ids])


def create_session(data: SessionData, actor: User) -> TrainingSession:
    """A new session as a draft; HR opens it for signup when ready."""
    _check_data(data)
    training_session = TrainingSession(
        title=data.title, kind=data.kind, description=data.description, instructor=data.instructor,
        location=data.location, starts_at=data.starts_at, ends_at=data.ends_at, signup_deadline=data.signup_deadline,
        capacity=data.capacity, skill_levels=list(data.skill_levels), status="draft",
        manager_id=data.manager_id or actor.id, created_by_id=actor.id, confirmed_count=0, waitlist_count=0)
    db.session.add(training_session)
    db.session.flush()
    _set_departments(training_session, data.department_ids)
    audit.record("training.created", target=training_session, actor=actor, detail=data.title)
    return training_session


def change_capacity(training_session: TrainingSession, capacity: int, actor=None) -> list[int]:
    """Set the number of seats: lowering below the confirmed count is refused; raising promotes from the waitlist."""
    training_session = lock_session(training_session.id)
    if capacity < 1:
        raise DomainError(N_("名额至少为 1。"), field="capacity")
    if capacity < training_session.confirmed_count:
        raise DomainError(N_("已有 %(confirmed)s 人确认参加，名额不能少于 %(confirmed)s（您填写的是 %(capacity)s）。"
                             "如需减少名额，请先在名单中移除学员。"),
                          field="capacity", confirmed=training_session.confirmed_count, capacity=capacity)
    old = training_session.capacity
    if capacity == old:
        return []
    training_session.capacity = capacity
    db.session.flush()
    audit.record("training.capacity_changed", target=training_session, actor=actor, detail=f"{old} -> {capacity}")
    return promote_waitlist(training_session, actor) if capacity > old else []


def update_session(training_session: TrainingSession, data: SessionData, actor: User) -> list[int]:
    """Edit a session that is not over; trainees hear about a new time or place. Returns promoted user ids."""
    _check_data(data)
    training_session = lock_session(training_session.id)
    if training_session.status not in EDITABLE:
        raise DomainError(N_("已结束或已取消的场次不能再修改。"))
    promoted = change_capacity(training_session, data.capacity, actor)
    moved = (data.starts_at != training_session.starts_at or data.ends_at != training_session.ends_at
             or data.location != training_session.location)
    for name in ("title", "kind", "description", "instructor", "location", "starts_at", "ends_at", "signup_deadline"):
        setattr(training_session, name, getattr(data, name))
    training_session.skill_levels = list(data.skill_levels)
    training_session.manager_id = data.manager_id or training_session.manager_id
    _set_departments(training_session, data.department_ids)
    db.session.flush()
    if moved and training_session.status in ROSTER_OPEN:
        people = db.session.scalars(select(Enrollment.user_id).where(
            Enrollment.session_id == training_session.id, Enrollment.status.in_(ACTIVE_STATUSES))).all()
        notify_many(people, N_("培训《%(title)s》的时间或地点有变更：%(start)s 开始，地点：%(location)s。"),
                    link=session_link(training_session.id), title=training_session.title,
                    start=local_text(training_session.starts_at),
                    location=training_session.location or "—")
    audit.record("training.updated", target=training_session, actor=actor)
    return promoted


def transition(training_session: TrainingSession, action: str, actor: User, reason: str = "") -> TrainingSession:
    """Move a session through the status machine (open, close, complete, cancel) with its side effects."""
    training_session = lock_session(training_session.id)
    if not can_transition(training_session, action):
        raise DomainError(N_("当前状态下不能执行这个操作。"))
    old = training_session.status
    if TRANSITIONS[action].needs_reason:
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(N_("取消场次必须填写原因，它会通知给所有报名的人。"), field="reason")
    if action == "cancel":
        _cancel_everyone(training_session, reason, actor)
        training_session.status_reason = reason[:1000]
    elif action == "open" and training_session.signup_deadline <= utcnow():
        raise DomainError(N_("报名截止时间已过，请先修改截止时间再发布。"))
    elif action == "complete" and utcnow() < training_session.starts_at:
        raise DomainError(N_("培训还没有开始，不能标记为已结束。"))
    training_session.status = TRANSITIONS[action].target
    db.session.flush()
    if action == "complete":
        issue_certificates(training_session, actor)
    audit.record(f"training.{action}", target=training_session, actor=actor,
                 detail=f"{old} -> {training_session.status} {reason}")
    return training_session


def _cancel_everyone(training_session: TrainingSession, reason: str, actor: User) -> None:
    people = db.session.scalars(select(Enrollment.user_id).where(
        Enrollment.session_id == training_session.id, Enrollment.status.in_(ACTIVE_STATUSES))).all()
    db.session.execute(
        update(Enrollment).where(Enrollment.session_id == training_session.id, Enrollment.status.in_(ACTIVE_STATUSES))
        .values(status="cancelled", waitlist_position=None, cancelled_at=utcnow(), cancelled_by_id=actor.id)
        .execution_options(synchronize_session=False))
    training_session.confirmed_count = 0
    training_session.waitlist_count = 0
    notify_many(people, N_("培训《%(title)s》（原定 %(start)s 开始）已取消，您的报名随之取消。原因：%(reason)s"),
                link=session_link(training_session.id), title=training_session.title,
                start=local_text(training_session.starts_at),
                reason=reason[:200])


# --- Attendance, results, certificates --------------------------------------------------------------------


def _recordable(training_session: TrainingSession, enrollment_id: int) -> Enrollment:
    if training_session.status not in RECORDING:
        raise DomainError(N_("只有已发布且未取消的场次才能记录考勤和成绩。"))
    enrollment = _locked_enrollment(training_session, enrollment_id)
    if enrollment.status != "confirmed":
        raise DomainError(N_("只能为已确认的学员记录考勤和成绩。"))
    return enrollment


def set_attendance(training_session: TrainingSession, enrollment_id: int, value: str | None, actor: User) -> Enrollment:
    """Mark one trainee present or absent (None clears the mark)."""
    if value not in ("present", "absent", None):
        raise DomainError(N_("考勤只能是出勤或缺勤。"))
    enrollment = _recordable(training_session, enrollment_id)
    if value != "present" and enrollment.result == "pass":
        raise DomainError(N_("该学员已记为合格，不能标为缺勤；请先修改成绩。"))
    enrollment.attendance = value
    audit.record("training.attendance", target=enrollment, actor=actor, detail=str(value))
    db.session.flush()
    return enrollment


def mark_all_present(training_session: TrainingSession, actor: User) -> int:
    """Mark every confirmed trainee without a mark present (explicit absences stay); returns how many."""
    if training_session.status not in RECORDING:
        raise DomainError(N_("只有已发布且未取消的场次才能记录考勤和成绩。"))
    count = db.session.execute(
        update(Enrollment).where(Enrollment.session_id == training_session.id, Enrollment.status == "confirmed",
                                 Enrollment.attendance.is_(None))
        .values(attendance="present").execution_options(synchronize_session=False)).rowcount
    audit.record("training.attendance_all", target=training_session, actor=actor, detail=f"present={count}")
    return count


def set_result(training_session: TrainingSession, enrollment_id: int, result: str | None, score: int | None,
               actor: User) -> Enrollment:
    """Record pass or fail and a score; a pass on a completed session issues the certificate, a fail withdraws it."""
    if result not in ("pass", "fail", None):
        raise DomainError(N_("结果只能是合格或不合格。"), field="result")
    if score is not None and not 0 <= score <= 100:
        raise DomainError(N_("成绩应在 0 到 100 之间。"), field="score")
    enrollment = _recordable(training_session, enrollment_id)
    if result == "pass" and enrollment.attendance != "present":
        raise DomainError(N_("只有出勤的学员才能记为合格，请先记录出勤。"), field="result")
    enrollment.result, enrollment.score = result, score
    if result != "pass" and enrollment.certificate_no:
        audit.record("training.certificate_withdrawn", target=enrollment, actor=actor,
                     detail=enrollment.certificate_no)
        enrollment.certificate_no = None
        enrollment.certified_at = None
    audit.record("training.result", target=enrollment, actor=actor, detail=f"{result} {score}")
    db.session.flush()
    if result == "pass" and training_session.status == "completed" and not enrollment.certificate_no:
        issue_certificates(training_session, actor)
    return enrollment


def next_certificate_numbers(year: int, n: int) -> list[str]:
    """Reserve n certificate numbers PX-<year>-<seq>; the counter row is locked until commit, so none repeats."""
    return [f"PX-{year}-{seq:05d}" for seq in counters.reserve(CERTIFICATE_SERIES, year, n)]


def issue_certificates(training_session: TrainingSession, actor=None) -> int:
    """Give every passed trainee of a completed session without a certificate its number, and tell them."""
    waiting = db.session.scalars(
        select(Enrollment).where(Enrollment.session_id == training_session.id, Enrollment.status == "confirmed",
                                 Enrollment.result == "pass", Enrollment.certificate_no.is_(None))
        .order_by(Enrollment.id)
    ).all()
    if not waiting:
        return 0
    now = utcnow()
    notes = []
    numbers = next_certificate_numbers(local_year(training_session.starts_at), len(waiting))
    for enrollment, number in zip(waiting, numbers, strict=True):
        enrollment.certificate_no = number
        enrollment.certified_at = now
        notes.append((enrollment.user_id, N_("恭喜！您已通过培训《%(title)s》，证书编号 %(no)s。"),
                      certificate_link(enrollment.id), {"title": training_session.title, "no": number}))
    db.session.flush()
    notify_each(notes)
    audit.record("training.certificates_issued", target=training_session, actor=actor, detail=f"count={len(waiting)}")
    return len(waiting)


# --- Reminders --------------------------------------------------------------------------------------------


def send_reminders(now: datetime | None = None, within: timedelta = timedelta(hours=24)) -> int:
    """Remind confirmed trainees of sessions starting within 24 hours, once each (safe to run every hour)."""
    now = now or utcnow()
    due = db.session.execute(
        select(Enrollment.id, TrainingSession.id.label("session_id"))
        .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(Enrollment.status == "confirmed", Enrollment.reminded_at.is_(None),
               TrainingSession.status.in_(tuple(ROSTER_OPEN)), TrainingSession.starts_at > now,
               TrainingSession.starts_at <= now + within)
    ).all()
    if not due:
        return 0
    # Claim the rows with a conditional UPDATE: a second run at the same moment finds nothing left to claim.
    claimed = db.session.execute(
        update(Enrollment).where(Enrollment.id.in_([row.id for row in due]), Enrollment.reminded_at.is_(None))
        .values(reminded_at=now).returning(Enrollment.user_id, Enrollment.session_id)
        .execution_options(synchronize_session=False)
    ).all()
    sessions = {s.id: s for s in db.session.scalars(
        select(TrainingSession).where(TrainingSession.id.in_({row.session_id for row in claimed})))}
    message = N_("提醒：您报名的培训《%(title)s》将于 %(start)s 开始，地点：%(location)s。")
    return notify_each((row.user_id, message, session_link(row.session_id),
                        {"title": sessions[row.session_id].title,
                         "start": local_text(sessions[row.session_id].starts_at),
                         "location": sessions[row.session_id].location or "—"}) for row in claimed)


# --- Calendar feed token ----------------------------------------------------------------------------------


def feed_token(user_id: int, reset: bool = False) -> str:
    """The secret of the person's calendar subscription URL, created on first use; reset makes a new one."""
    row = db.session.get(FeedToken, user_id)
    if row is None:
        row = FeedToken(user_id=user_id, token=secrets.token_urlsafe(24))
        db.session.add(row)
    elif reset:
        row.token = secrets.token_urlsafe(24)
        row.created_at = utcnow()
    db.session.flush()
    return row.token


def subscribe_feed(user: User, reset: bool = False) -> str:
    """Create (or with reset replace) the person's calendar subscription secret, audited; returns it."""
    token = feed_token(user.id, reset=reset)
    audit.record("training.feed_reset" if reset else "training.feed_created", target=user)
    return token


def user_for_feed(token: str) -> int | None:
    """The user id a calendar subscription secret belongs to."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(FeedToken.user_id).where(FeedToken.token == token))
