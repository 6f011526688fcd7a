"""Factory fixtures of the training domain (registered in conftest.pytest_plugins)."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from blueprints.core.types import utcnow
from blueprints.training import services
from blueprints.training.models import Enrollment, SessionDepartment, TrainingSession
from extensions import db

_numbers = itertools.count(1)


@pytest.fixture
def make_session(app):
    """Factory: make_session(capacity=5, status="open", starts_in=timedelta(days=7), ...) -> TrainingSession.

    The row is written directly (any status), with no enrollments; departments are Department objects or ids;
    starts_at (an aware datetime) overrides starts_in for a session at a fixed moment.
    """

    def make(*, capacity: int = 5, status: str = "open", starts_in: timedelta = timedelta(days=7),
             starts_at: datetime | None = None, hours: float = 2, deadline_in: timedelta | None = None,
             kind: str = "skills", title: str | None = None, departments=(), skill_levels=(),
             manager_id: int | None = None, location: str = "培训楼 301", instructor: str = "王老师",
             description: str = "") -> TrainingSession:
        n = next(_numbers)
        now = utcnow()
        starts = starts_at or now + starts_in
        with app.app_context():
            training_session = TrainingSession(
                title=title or f"测试培训{n}", kind=kind, description=description, instructor=instructor,
                location=location, starts_at=starts, ends_at=starts + timedelta(hours=hours),
                signup_deadline=now + deadline_in if deadline_in is not None else starts, capacity=capacity,
                confirmed_count=0, waitlist_count=0, skill_levels=list(skill_levels), status=status,
                manager_id=manager_id, created_by_id=manager_id)
            db.session.add(training_session)
            db.session.flush()
            for dept in departments:
                db.session.add(SessionDepartment(session_id=training_session.id,
                                                 department_id=getattr(dept, "id", dept)))
            db.session.commit()
            db.session.refresh(training_session)
            db.session.expunge(training_session)
        return training_session

    return make


@pytest.fixture
def session_people(make_users):
    """Factory: session_people(n, prefix=None, department_id=None, skill_level="中级工") -> [user ids]: the shared
    bulk user factory (make_users) with the skill level training sessions ask for."""

    def make(n: int, prefix: str | None = None, department_id: int | None = None,
             skill_level: str = "中级工") -> list[int]:
        return make_users(n, prefix=prefix, department_id=department_id, skill_level=skill_level)

    return make


@pytest.fixture
def session_enroll(app):
    """Factory: session_enroll(session_id, *user_ids) signs people up in order through the real service rules."""

    def enroll(session_id: int, *user_ids: int) -> list[str]:
        statuses = []
        with app.app_context():
            for user_id in user_ids:
                training_session = services.lock_session(session_id)
                statuses.append(services.new_enrollment(training_session, user_id, user_id).status)
            db.session.commit()
        return statuses

    return enroll


def session_state(app, session_id: int) -> dict:
    """The session's counters and its enrollment rows, read fresh: for assertions on the rows themselves."""
    with app.app_context():
        training_session = db.session.get(TrainingSession, session_id)
        rows = db.session.execute(select(Enrollment.user_id, Enrollment.status, Enrollment.waitlist_position)
                                  .where(Enrollment.session_id == session_id).order_by(Enrollment.id)).all()
        db.session.remove()
    confirmed = [r.user_id for r in rows if r.status == "confirmed"]
    waiting = sorted((r for r in rows if r.status == "waitlisted"), key=lambda r: r.waitlist_position)
    return {"capacity": training_session.capacity, "confirmed_count": training_session.confirmed_count,
            "waitlist_count": training_session.waitlist_count, "confirmed": confirmed,
            "waitlist": [r.user_id for r in waiting], "positions": [r.waitlist_position for r in waiting],
            "cancelled": [r.user_id for r in rows if r.status == "cancelled"], "status": training_session.status}
