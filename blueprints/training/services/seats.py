"""Seats and the waitlist under the session lock: the one place a seat is taken, and promotion from the waitlist.

Every change to a session's enrollments starts with lock_session(), which holds the session row until commit
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite every write transaction already starts with BEGIN IMMEDIATE, which
excludes all other writers). Under that lock, take_seats() is the one place a seat is taken: a conditional UPDATE on
the seat counter that only succeeds while enough seats are free, with its rowcount checked, backed by a CHECK
constraint (confirmed_count <= capacity) in the schema. Waitlist positions are kept as 1..n with no gaps: every
removal shifts the positions behind it in one UPDATE.
"""
from __future__ import annotations

from sqlalchemy import select, update

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.notify import notify_many
from blueprints.core.types import utcnow
from blueprints.training.models import Enrollment, TrainingSession
from blueprints.training.services.rules import ROSTER_OPEN, local_text, session_link
from extensions import db

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


def release_seats(training_session: TrainingSession, n: int) -> None:
    if n:
        training_session.confirmed_count = TrainingSession.confirmed_count - n


def refresh_counts(training_session: TrainingSession) -> None:
    db.session.flush()
    db.session.refresh(training_session, ["confirmed_count", "waitlist_count", "capacity"])


def shift_waitlist(session_id: int, after_position: int, by: int) -> None:
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
    refresh_counts(training_session)
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
    shift_waitlist(training_session.id, 0, len(ids))
    training_session.waitlist_count = TrainingSession.waitlist_count - len(ids)
    user_ids = [row.user_id for row in first]
    notify_many(user_ids, N_("好消息：您已从候补转为正式学员，培训《%(title)s》（%(start)s 开始）为您保留了名额。"),
                link=session_link(training_session.id), title=training_session.title,
                start=local_text(training_session.starts_at))
    audit.record("training.promoted", target=training_session, actor=actor,
                 detail=f"users={','.join(map(str, user_ids))}")
    refresh_counts(training_session)
    return user_ids
