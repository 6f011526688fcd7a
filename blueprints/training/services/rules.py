"""The status machine of a training session, the status sets that gate changes, and the text and links its
notifications use."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, url_for

from blueprints.core.clock import to_local
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.states import Transition, actions_from, can_move, machine
from blueprints.core.types import utcnow
from blueprints.training.models import TrainingSession

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


def start_has_passed(starts_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether a start time lies in the past (a draft so dated can be saved, with a warning, but not published)."""
    return starts_at is not None and starts_at <= (now or utcnow())


def recording_problem(training_session: TrainingSession, now: datetime | None = None) -> DomainError | None:
    """Why attendance and results cannot be recorded now (wrong status, or the session has not started), or None."""
    if training_session.status not in RECORDING:
        return DomainError(N_("只有已发布且未取消的场次才能记录考勤和成绩。"))
    if (now or utcnow()) < training_session.starts_at:
        return DomainError(N_("培训还没有开始：考勤和成绩从开始时间 %(start)s 起才能记录。"),
                           start=local_text(training_session.starts_at))
    return None


def is_recording(training_session: TrainingSession) -> bool:
    """Whether attendance and results may be recorded now."""
    return recording_problem(training_session) is None


def records_later(training_session: TrainingSession) -> bool:
    """Whether recording will open at the session's start (a published session that has not started yet)."""
    return training_session.status in RECORDING and utcnow() < training_session.starts_at


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
