"""Bulk signup by HR: 工号 from the picker, pasted text or a file, enrolled in a few queries whatever their number."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import insert, select

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from blueprints.core.notify import notify_each
from blueprints.core.people import EMPLOYEE_NO, resolve_people
from blueprints.core.types import utcnow
from blueprints.training.models import ACTIVE_STATUSES, Enrollment, TrainingSession
from blueprints.training.services import seats
from blueprints.training.services.enrolment import Eligibility, eligibility_of
from blueprints.training.services.rules import ROSTER_OPEN, local_text, session_link
from extensions import db

MAX_BULK = 5000  # people in one bulk signup


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
        # Not one field's fault: the picker, the pasted text and the file were all empty.
        raise DomainError(N_("请至少填写一个工号。"))
    if len(employee_nos) > MAX_BULK:
        raise DomainError(N_("一次最多报名 %(n)s 人，请分批提交。"), field="pasted", n=MAX_BULK)
    training_session = seats.lock_session(training_session.id)
    if training_session.status not in ROSTER_OPEN:
        raise DomainError(N_("只有报名中或已截止报名的场次才能添加学员。"))
    people = _compute_people(training_session, employee_nos)
    lines, newcomers = _compute_lines(employee_nos, people)
    n_confirm = _compute_seats(training_session, len(newcomers))
    n_wait = _enroll_newcomers(training_session, newcomers, n_confirm, actor)
    if newcomers:  # the same list sent again at the same moment adds nobody, and records nothing
        audit.record("training.bulk_enrolled", target=training_session, actor=actor,
                     detail=f"asked={len(employee_nos)} confirmed={n_confirm} waitlisted={n_wait}")
    seats.refresh_counts(training_session)
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
    if eligibility.needs_paths:
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
    seen: set[str] = set()
    for no in employee_nos:
        user = people.by_no.get(no.lower())
        if no.lower() in seen:  # listed twice: said so on its own line, and counted once
            lines.append(BulkLine(user.employee_no if user else no, "duplicate", user.name if user else ""))
            continue
        seen.add(no.lower())
        if user is None:
            lines.append(BulkLine(no, "inactive" if no.lower() in people.inactive_nos else "not_found"))
            continue
        line = BulkLine(user.employee_no, "already", user.name)
        lines.append(line)
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
    if not seats.take_seats(training_session.id, n_confirm):
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
    """工号 from an uploaded .xlsx/.csv (first row: column names), in file order; any bad row refuses the file."""
    from blueprints.core.spreadsheets import map_columns, read_table

    try:
        rows = read_table(filename, data)
        columns = map_columns(rows[0], ROSTER_COLUMNS, required=["employee_no"])
    except DomainError as error:
        error.field = error.field or "file"  # shown under the file input, not as a flash on some later page
        raise
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
    return found  # repeats stay, so the answer can say which 工号 was listed twice
