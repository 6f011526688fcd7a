"""No overbooking under load (QUALITY §1 and §2): real threads send simultaneous requests through the whole app to a
file database, on SQLite and on PostgreSQL, and the assertions read the enrollment rows themselves.

The control variant turns the locking off (no row lock, and the seat check done as a read in its own transaction
before the write, which is what unlocked check-then-book code amounts to) and shows the oversell, so these tests
are known to catch it.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from blueprints.core.models import Notification
from blueprints.training.models import Enrollment, TrainingSession
from blueprints.training.services import seats
from extensions import db
from tests.concurrency import all_at_once as _all_at_once
from tests.conftest import PortalClient, both_backends
from tests.fixtures_training import session_state

# Enough connections for real overlap, few enough to share the PostgreSQL server with other test runs.
POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10, "max_overflow": 15, "pool_timeout": 60}}
SIGNUPS = 60
CAPACITY = 7


def _clients(app, users) -> list[PortalClient]:
    """One signed-in test client (own cookies, own login session) per user."""
    app.test_client_class = PortalClient
    clients = []
    for user in users:
        client = app.test_client()
        response = client.post("/auth/login", data={"employee_no": user.employee_no, "password": "Correct-Horse-42"})
        assert response.status_code == 303
        clients.append(client)
    return clients




def _signup(client, session_id):
    return lambda: client.post(f"/training/{session_id}/signup", headers={"HX-Request": "true"})


@both_backends
@pytest.mark.app_config(POOL)
def test_simultaneous_signups_fill_exactly_the_seats(app, make_session, make_user):
    training_session = make_session(capacity=CAPACITY)
    users = [make_user() for _ in range(SIGNUPS)]
    clients = _clients(app, users)
    responses = _all_at_once([_signup(client, training_session.id) for client in clients])

    assert [r.status_code for r in responses] == [200] * SIGNUPS  # no server error, no "database is locked"
    state = session_state(app, training_session.id)
    assert len(state["confirmed"]) == CAPACITY
    assert len(state["waitlist"]) == SIGNUPS - CAPACITY
    assert state["positions"] == list(range(1, SIGNUPS - CAPACITY + 1))
    assert (state["confirmed_count"], state["waitlist_count"]) == (CAPACITY, SIGNUPS - CAPACITY)
    assert sorted(state["confirmed"] + state["waitlist"]) == sorted(u.id for u in users)
    texts = [r.get_data(as_text=True) for r in responses]
    assert sum("名额已确认" in t for t in texts) == CAPACITY


def _naive_lock(session_id):
    """Control: load the session with no lock at all."""
    return db.session.scalars(select(TrainingSession).where(TrainingSession.id == session_id)
                              .execution_options(populate_existing=True)).one()


def _naive_take_seats(session_id, n=1):
    """Control: count the confirmed rows, end the transaction, book later (nothing holds the seat meanwhile)."""
    taken = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.session_id == session_id, Enrollment.status == "confirmed"))
    capacity = db.session.scalar(select(TrainingSession.capacity).where(TrainingSession.id == session_id))
    db.session.commit()
    time.sleep(0.02)
    return taken + n <= capacity


@both_backends
@pytest.mark.app_config(POOL)
def test_control_without_locking_oversells(app, make_session, make_user, monkeypatch):
    training_session = make_session(capacity=CAPACITY)
    users = [make_user() for _ in range(SIGNUPS)]
    clients = _clients(app, users)
    monkeypatch.setattr(seats, "lock_session", _naive_lock)
    monkeypatch.setattr(seats, "take_seats", _naive_take_seats)
    _all_at_once([_signup(client, training_session.id) for client in clients])

    state = session_state(app, training_session.id)
    assert len(state["confirmed"]) > CAPACITY, "the unlocked path should oversell; if not, the test proves nothing"


@both_backends
@pytest.mark.app_config(POOL)
def test_cancellations_racing_signups_keep_seats_and_promote_once(app, make_session, make_user, session_enroll):
    capacity = 8
    training_session = make_session(capacity=capacity)
    holders = [make_user() for _ in range(capacity)]
    waiting = [make_user() for _ in range(8)]
    newcomers = [make_user() for _ in range(16)]
    twice = make_user()
    session_enroll(training_session.id, *[u.id for u in holders + waiting])

    calls = []
    for client in _clients(app, holders[:6] + waiting[:3]):  # 6 give up their seat, 3 leave the waitlist
        calls.append(lambda c=client: c.post(f"/training/{training_session.id}/withdraw",
                                             headers={"HX-Request": "true"}))
    calls += [_signup(client, training_session.id) for client in _clients(app, newcomers)]
    calls += [_signup(client, training_session.id) for client in _clients(app, [twice] * 4)]  # one person, four tabs
    responses = _all_at_once(calls)

    assert all(r.status_code == 200 for r in responses)
    state = session_state(app, training_session.id)
    assert len(state["confirmed"]) == capacity == state["confirmed_count"]
    assert state["positions"] == list(range(1, len(state["waitlist"]) + 1)) and state["waitlist_count"] == \
        len(state["waitlist"])
    active = state["confirmed"] + state["waitlist"]
    assert len(active) == len(set(active)) and active.count(twice.id) == 1
    assert len(active) == capacity + 8 - 9 + 16 + 1
    with app.app_context():
        promoted = dict(db.session.execute(
            select(Notification.user_id, func.count()).where(Notification.message.contains("转为正式学员"))
            .group_by(Notification.user_id)).all())
        leavers = {u.id for u in waiting[:3]}
        could_move_up = {u.id for u in waiting} | {u.id for u in newcomers} | {twice.id}
        # A promotion is told exactly once, and only people who were waiting are promoted (a leaver may have been
        # promoted just before their own request cancelled the seat again).
        assert promoted and all(count == 1 for count in promoted.values())
        assert set(promoted) <= could_move_up
        assert {u.id for u in waiting[3:]} <= set(promoted)
        assert leavers.isdisjoint(active)
        # The people waiting before the rush came first: they were all promoted before any newcomer.
        assert {u.id for u in waiting[3:]} <= set(state["confirmed"])
        assert db.session.scalar(select(TrainingSession.confirmed_count)
                                 .where(TrainingSession.id == training_session.id)) == capacity
