"""Effects once (QUALITY §13): N simultaneous copies of one training action leave one audit row and one
notification per person, because the services audit and notify only for the rows their conditional UPDATE changed.

Every test sends real simultaneous requests from several signed-in HR users (threads released by a barrier) to a
file database, on SQLite and on PostgreSQL, then counts the audit rows and notifications themselves.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from blueprints.core.clock import to_local_naive
from blueprints.core.models import AuditLog, Notification
from blueprints.training.models import Enrollment
from extensions import db
from tests.conftest import both_backends
from tests.fixtures_training import session_state
from tests.test_training_concurrency import POOL, _all_at_once, _clients

COPIES = 4
STARTED = timedelta(hours=-1)  # attendance and results may be recorded once a session has started


@pytest.fixture
def hr_clients(app, make_user):
    """COPIES signed-in HR users, each with its own client."""
    return _clients(app, [make_user(roles=("hr",)) for _ in range(COPIES)])


def _audits(app, action: str) -> list[AuditLog]:
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()
        db.session.remove()
    return rows


def _notes(app, contains: str) -> Counter:
    """How many notifications with this text each person got."""
    with app.app_context():
        ids = db.session.scalars(select(Notification.user_id).where(Notification.message.contains(contains))).all()
        db.session.remove()
    return Counter(ids)


def _enrollments(app, session_id: int) -> list[Enrollment]:
    with app.app_context():
        rows = db.session.scalars(select(Enrollment).where(Enrollment.session_id == session_id)
                                  .order_by(Enrollment.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def _post_all(clients, url: str, data: dict | None = None, htmx: bool = False) -> list:
    headers = {"HX-Request": "true"} if htmx else {}
    responses = _all_at_once([lambda c=c: c.post(url, data=dict(data or {}), headers=headers) for c in clients])
    assert all(r.status_code < 500 for r in responses)
    return responses


@both_backends
@pytest.mark.app_config(POOL)
def test_simultaneous_attendance_marks_are_audited_once(app, make_session, make_users, session_enroll,
                                                        hr_clients):
    training_session = make_session(capacity=3, starts_in=STARTED)
    session_enroll(training_session.id, *make_users(2))
    first = _enrollments(app, training_session.id)[0]
    _post_all(hr_clients, f"/training/{training_session.id}/roster/{first.id}/attendance", {"value": "present"},
              htmx=True)
    assert [e.attendance for e in _enrollments(app, training_session.id)] == ["present", None]
    assert len(_audits(app, "training.attendance")) == 1

    _post_all(hr_clients, f"/training/{training_session.id}/roster/present-all")
    assert [e.attendance for e in _enrollments(app, training_session.id)] == ["present", "present"]
    marks = _audits(app, "training.attendance_all")
    assert len(marks) == 1 and marks[0].detail == "present=1"


@both_backends
@pytest.mark.app_config(POOL)
def test_simultaneous_results_are_audited_once_and_certify_once(app, make_session, make_users, session_enroll,
                                                                hr_clients):
    training_session = make_session(capacity=3, starts_in=timedelta(hours=-3), status="completed")
    people = make_users(2)
    session_enroll(training_session.id, *people)
    with app.app_context():
        db.session.execute(Enrollment.__table__.update().values(attendance="present"))
        db.session.commit()
    first = _enrollments(app, training_session.id)[0]
    _post_all(hr_clients, f"/training/{training_session.id}/roster/{first.id}/result",
              {"result": "pass", "score": "90"}, htmx=True)
    rows = _enrollments(app, training_session.id)
    assert (rows[0].result, rows[0].score) == ("pass", 90) and rows[0].certificate_no
    assert len(_audits(app, "training.result")) == 1
    assert len(_audits(app, "training.certificates_issued")) == 1
    assert _notes(app, "恭喜") == Counter({people[0]: 1})


@both_backends
@pytest.mark.app_config(POOL)
def test_simultaneous_completion_certifies_once(app, make_session, make_users, session_enroll, hr_clients):
    training_session = make_session(capacity=3, starts_in=timedelta(hours=-3), status="closed")
    people = make_users(3)
    session_enroll(training_session.id, *people)
    with app.app_context():
        db.session.execute(Enrollment.__table__.update().where(Enrollment.user_id.in_(people[:2]))
                           .values(attendance="present", result="pass"))
        db.session.commit()
    _post_all(hr_clients, f"/training/{training_session.id}/status/complete")
    numbers = [e.certificate_no for e in _enrollments(app, training_session.id)]
    assert numbers[0] and numbers[1] and numbers[2] is None and numbers[0] != numbers[1]
    assert len(_audits(app, "training.complete")) == 1
    assert len(_audits(app, "training.certificates_issued")) == 1
    assert _notes(app, "恭喜") == Counter({people[0]: 1, people[1]: 1})


def _edit_form(training_session, capacity: int) -> dict:
    starts, ends = to_local_naive(training_session.starts_at), to_local_naive(training_session.ends_at)
    return {"title": training_session.title, "kind": "skills", "location": training_session.location,
            "capacity": str(capacity), "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": ends.strftime("%Y-%m-%dT%H:%M")}


@both_backends
@pytest.mark.app_config(POOL)
def test_simultaneous_capacity_raises_promote_once(app, make_session, make_users, session_enroll, hr_clients):
    training_session = make_session(capacity=2)
    people = make_users(4)
    session_enroll(training_session.id, *people)  # two confirmed, two waiting
    with app.app_context():
        form = _edit_form(training_session, 3)
    _post_all(hr_clients, f"/training/{training_session.id}/edit", form)
    state = session_state(app, training_session.id)
    assert state["capacity"] == 3 and state["confirmed"] == people[:3] and state["waitlist"] == people[3:]
    assert _notes(app, "转为正式学员") == Counter({people[2]: 1})
    assert len(_audits(app, "training.promoted")) == 1
    assert len(_audits(app, "training.capacity_changed")) == 1
    assert len(_audits(app, "training.updated")) == 1


@both_backends
@pytest.mark.app_config(POOL)
def test_two_confirmed_trainees_cancelling_at_once_promote_each_waiting_person_once(app, make_session, make_user,
                                                                                    session_enroll):
    training_session = make_session(capacity=2)
    people = [make_user() for _ in range(5)]
    session_enroll(training_session.id, *[u.id for u in people])
    clients = _clients(app, [people[0], people[1], people[0], people[1]])  # each of the two, twice
    _post_all(clients, f"/training/{training_session.id}/withdraw", htmx=True)
    state = session_state(app, training_session.id)
    assert state["confirmed"] == [people[2].id, people[3].id] and state["waitlist"] == [people[4].id]
    assert _notes(app, "转为正式学员") == Counter({people[2].id: 1, people[3].id: 1})
    promoted = [a.detail for a in _audits(app, "training.promoted")]
    assert sorted(promoted) == sorted([f"users={people[2].id}", f"users={people[3].id}"])
    assert len(_audits(app, "training.withdrawn")) == 2


@both_backends
@pytest.mark.app_config(POOL)
def test_simultaneous_waitlist_moves_are_done_and_told_once(app, make_session, make_users, session_enroll,
                                                            hr_clients):
    training_session = make_session(capacity=1)
    people = make_users(4)
    session_enroll(training_session.id, *people)  # one confirmed, three waiting
    last = _enrollments(app, training_session.id)[-1]
    _post_all(hr_clients, f"/training/{training_session.id}/roster/{last.id}/move",
              {"position": "1", "reason": "先考证"})
    assert session_state(app, training_session.id)["waitlist"] == [people[3], people[1], people[2]]
    assert len(_audits(app, "training.waitlist_moved")) == 1
    assert _notes(app, "位次已调整") == Counter({people[3]: 1})


@both_backends
@pytest.mark.app_config(POOL)
def test_the_same_bulk_signup_sent_twice_at_once_enrolls_and_tells_once(app, make_session, make_users,
                                                                        hr_clients):
    training_session = make_session(capacity=2)
    people = make_users(3, prefix="bk")
    _post_all(hr_clients, f"/training/{training_session.id}/roster/add", {"pasted": "bk0001 bk0002 bk0003"},
              htmx=True)
    state = session_state(app, training_session.id)
    assert state["confirmed"] == people[:2] and state["waitlist"] == people[2:]
    assert _notes(app, "培训管理员为您报名") == Counter(dict.fromkeys(people, 1))
    audits = _audits(app, "training.bulk_enrolled")
    assert len(audits) == 1 and audits[0].detail == "asked=3 confirmed=2 waitlisted=1"


@both_backends
@pytest.mark.app_config(POOL)
def test_two_hr_users_cancelling_a_session_at_once_cancel_and_tell_once(app, make_session, make_users,
                                                                        session_enroll, hr_clients):
    training_session = make_session(capacity=2)
    people = make_users(3)
    session_enroll(training_session.id, *people)
    _post_all(hr_clients, f"/training/{training_session.id}/status/cancel", {"reason": "讲师临时出差"})
    state = session_state(app, training_session.id)
    assert state["status"] == "cancelled" and sorted(state["cancelled"]) == sorted(people)
    assert len(_audits(app, "training.cancel")) == 1
    assert _notes(app, "已取消，您的报名随之取消") == Counter(dict.fromkeys(people, 1))


@both_backends
@pytest.mark.app_config(POOL)
def test_the_same_time_change_saved_twice_at_once_tells_each_trainee_once(app, make_session, make_users,
                                                                          session_enroll, hr_clients):
    training_session = make_session(capacity=2)
    people = make_users(3)
    session_enroll(training_session.id, *people)
    with app.app_context():
        form = _edit_form(training_session, 2)
    form["location"] = "新培训楼 502"
    _post_all(hr_clients, f"/training/{training_session.id}/edit", form)
    assert _notes(app, "时间或地点有变更") == Counter(dict.fromkeys(people, 1))
    assert len(_audits(app, "training.updated")) == 1


@both_backends
@pytest.mark.app_config(POOL)
def test_a_pass_recorded_while_the_session_is_completed_gets_its_certificate_once(app, make_session, make_users,
                                                                                  session_enroll, hr_clients):
    training_session = make_session(capacity=3, starts_in=timedelta(hours=-3), status="closed")
    people = make_users(2)
    session_enroll(training_session.id, *people)
    with app.app_context():
        db.session.execute(Enrollment.__table__.update().values(attendance="present"))
        db.session.execute(Enrollment.__table__.update().where(Enrollment.user_id == people[0]).values(result="pass"))
        db.session.commit()
    second = _enrollments(app, training_session.id)[1]
    result_url = f"/training/{training_session.id}/roster/{second.id}/result"
    complete_url = f"/training/{training_session.id}/status/complete"
    calls = [lambda c=c: c.post(result_url, data={"result": "pass", "score": "80"}, headers={"HX-Request": "true"})
             for c in hr_clients[:2]]
    calls += [lambda c=c: c.post(complete_url) for c in hr_clients[2:]]
    assert all(r.status_code < 500 for r in _all_at_once(calls))
    rows = _enrollments(app, training_session.id)
    assert all(e.certificate_no for e in rows) and rows[0].certificate_no != rows[1].certificate_no
    assert _notes(app, "恭喜") == Counter(dict.fromkeys(people, 1))
    assert len(_audits(app, "training.result")) == 1 and len(_audits(app, "training.complete")) == 1
