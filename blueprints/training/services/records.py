"""After the training: attendance, results and certificates; and the reminders before it."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from blueprints.core import audit, counters
from blueprints.core.clock import local_year
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import User
from blueprints.core.notify import notify_each
from blueprints.core.types import utcnow
from blueprints.training.models import CERTIFICATE_SERIES, Enrollment, TrainingSession
from blueprints.training.services import seats
from blueprints.training.services.rules import (
    ROSTER_OPEN,
    certificate_link,
    local_text,
    recording_problem,
    session_link,
)
from extensions import db

# --- Attendance, results, certificates --------------------------------------------------------------------


def _open_for_recording(training_session: TrainingSession) -> TrainingSession:
    """The session under its lock, read fresh (so a completion or cancellation at the same moment is seen), once
    attendance and results may be recorded."""
    training_session = seats.lock_session(training_session.id)
    problem = recording_problem(training_session)
    if problem is not None:
        raise problem
    return training_session


def _recordable(training_session: TrainingSession, enrollment_id: int) -> Enrollment:
    """The confirmed enrollment to record on, its row locked and read fresh, once recording is open."""
    # The row lock makes simultaneous changes of one trainee take turns, so each sees what the other stored.
    enrollment = db.session.scalars(
        select(Enrollment).where(Enrollment.id == enrollment_id, Enrollment.session_id == training_session.id)
        .with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if enrollment is None:
        raise DomainError(N_("名单中没有这个人。"))
    if enrollment.status != "confirmed":
        raise DomainError(N_("只能为已确认的学员记录考勤和成绩。"))
    return enrollment


def _changed(enrollment: Enrollment, condition, **values) -> bool:
    """Store values on the enrollment only where `condition` says they differ; True when the row changed."""
    changed = db.session.execute(
        update(Enrollment).where(Enrollment.id == enrollment.id, condition).values(**values)
        .returning(Enrollment.id).execution_options(synchronize_session=False)
    ).first() is not None
    db.session.refresh(enrollment)
    return changed


def set_attendance(training_session: TrainingSession, enrollment_id: int, value: str | None, actor: User) -> Enrollment:
    """Mark one trainee present or absent (None clears the mark); audited only when the mark changed."""
    if value not in ("present", "absent", None):
        raise DomainError(N_("考勤只能是出勤或缺勤。"))
    training_session = _open_for_recording(training_session)
    enrollment = _recordable(training_session, enrollment_id)
    if value != "present" and enrollment.result == "pass":
        raise DomainError(N_("该学员已记为合格，不能标为缺勤；请先修改成绩。"))
    if _changed(enrollment, Enrollment.attendance.is_distinct_from(value), attendance=value):
        audit.record("training.attendance", target=enrollment, actor=actor, detail=str(value))
    return enrollment


def mark_all_present(training_session: TrainingSession, actor: User) -> int:
    """Mark every confirmed trainee without a mark present (explicit absences stay); returns how many."""
    training_session = _open_for_recording(training_session)
    count = db.session.execute(
        update(Enrollment).where(Enrollment.session_id == training_session.id, Enrollment.status == "confirmed",
                                 Enrollment.attendance.is_(None))
        .values(attendance="present").execution_options(synchronize_session=False)).rowcount
    if count:  # a second click at the same moment finds nobody left to mark, and records nothing
        audit.record("training.attendance_all", target=training_session, actor=actor, detail=f"present={count}")
    return count


def set_result(training_session: TrainingSession, enrollment_id: int, result: str | None, score: int | None,
               actor: User) -> Enrollment:
    """Record pass or fail and a score; a pass on a completed session issues the certificate, a fail withdraws it.
    Audited (and certified) only when the result or score changed."""
    if result not in ("pass", "fail", None):
        raise DomainError(N_("结果只能是合格或不合格。"), field="result")
    if score is not None and not 0 <= score <= 100:
        raise DomainError(N_("成绩应在 0 到 100 之间。"), field="score")
    training_session = _open_for_recording(training_session)
    enrollment = _recordable(training_session, enrollment_id)
    if result == "pass" and enrollment.attendance != "present":
        raise DomainError(N_("只有出勤的学员才能记为合格，请先记录出勤。"), field="result")
    certificate_no = enrollment.certificate_no
    withdraw = result != "pass" and certificate_no is not None
    values = {"result": result, "score": score}
    if withdraw:
        values.update(certificate_no=None, certified_at=None)
    if not _changed(enrollment, or_(Enrollment.result.is_distinct_from(result),
                                    Enrollment.score.is_distinct_from(score)), **values):
        return enrollment
    if withdraw:
        audit.record("training.certificate_withdrawn", target=enrollment, actor=actor, detail=certificate_no)
    audit.record("training.result", target=enrollment, actor=actor, detail=f"{result} {score}")
    if result == "pass" and training_session.status == "completed" and not enrollment.certificate_no:
        issue_certificates(training_session, actor)
    return enrollment


def next_certificate_numbers(year: int, n: int) -> list[str]:
    """Reserve n certificate numbers PX-<year>-<seq>; the counter row is locked until commit, so none repeats."""
    return [f"PX-{year}-{seq:05d}" for seq in counters.reserve(CERTIFICATE_SERIES, year, n)]


def issue_certificates(training_session: TrainingSession, actor=None) -> int:
    """Give every passed trainee of a completed session without a certificate its number, and tell them."""
    # Locked and read fresh: a row another request certified meanwhile no longer matches, so no one is certified
    # (or told) twice and no number is spent on them.
    waiting = db.session.scalars(
        select(Enrollment).where(Enrollment.session_id == training_session.id, Enrollment.status == "confirmed",
                                 Enrollment.result == "pass", Enrollment.certificate_no.is_(None))
        .order_by(Enrollment.id).with_for_update().execution_options(populate_existing=True)
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
