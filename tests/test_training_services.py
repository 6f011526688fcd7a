"""Training rules at the service level: seats, the waitlist, refusals, bulk signup, results, certificates, reminders."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blueprints.core.clock import local_year
from blueprints.core.errors import DomainError
from blueprints.core.models import AuditLog, Notification, User
from blueprints.core.types import utcnow
from blueprints.training import services
from blueprints.training.models import Enrollment, TrainingSession
from extensions import db
from tests.fixtures_training import session_state


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _session(session_id: int) -> TrainingSession:
    return db.session.get(TrainingSession, session_id)


def _notes(user_id: int, fragment: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.message.contains(fragment))) or 0


def test_status_machine_table_drives_allowed_actions(app, make_session):
    expected = {"draft": ["open", "cancel"], "open": ["close", "cancel"], "closed": ["complete", "cancel"],
                "completed": [], "cancelled": []}
    for status, actions in expected.items():
        training_session = make_session(status=status)
        assert services.allowed_actions(training_session) == actions
        for action in services.TRANSITIONS:
            assert services.can_transition(training_session, action) == (action in actions)


def test_signup_confirms_until_full_then_waitlists_in_order(app, make_session, session_people):
    training_session = make_session(capacity=2)
    people = session_people(4)
    with app.test_request_context():
        results = [services.signup(_session(training_session.id), _user(uid)) for uid in people]
        db.session.commit()
        assert [r.enrollment.status for r in results] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    state = session_state(app, training_session.id)
    assert state["confirmed"] == people[:2] and state["waitlist"] == people[2:]
    assert state["positions"] == [1, 2]
    assert (state["confirmed_count"], state["waitlist_count"]) == (2, 2)


@pytest.mark.parametrize(("setup", "message"), [
    ({"status": "closed"}, "报名已关闭"),
    ({"status": "cancelled"}, "已取消"),
    ({"status": "completed"}, "已结束"),
    ({"deadline_in": timedelta(hours=-1)}, "截止"),
    ({"starts_in": timedelta(hours=-1), "deadline_in": timedelta(hours=-2)}, "已经开始"),
    ({"skill_levels": ["技师"]}, "技能等级"),
])
def test_signup_refusals_give_the_reason_and_change_nothing(app, make_session, session_people, setup, message):
    training_session = make_session(**setup)
    (person,) = session_people(1)
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        services.signup(_session(training_session.id), _user(person))
    assert message in str(refused.value)
    state = session_state(app, training_session.id)
    assert state["confirmed"] == state["waitlist"] == [] and state["confirmed_count"] == 0


def test_department_eligibility_includes_the_subtree(app, make_session, make_department, session_people):
    plant = make_department("第一机械厂")
    team = make_department("数控一班", parent=plant)
    other = make_department("动力分公司")
    training_session = make_session(departments=[plant])
    inside = session_people(1, department_id=team.id)[0]
    outside = session_people(1, department_id=other.id)[0]
    nowhere = session_people(1)[0]
    with app.test_request_context():
        assert services.signup(_session(training_session.id), _user(inside)).enrollment.status == "confirmed"
        for uid in (outside, nowhere):
            with pytest.raises(DomainError, match="第一机械厂"):
                services.signup(_session(training_session.id), _user(uid))
        db.session.commit()


def test_signing_up_twice_is_refused_with_the_current_status(app, make_session, session_people):
    training_session = make_session(capacity=1)
    a, b = session_people(2)
    with app.test_request_context():
        services.signup(_session(training_session.id), _user(a))
        services.signup(_session(training_session.id), _user(b))
        db.session.commit()
        with pytest.raises(DomainError, match="已经报名"):
            services.signup(_session(training_session.id), _user(a))
        with pytest.raises(DomainError, match="第 1 位"):
            services.signup(_session(training_session.id), _user(b))
    assert session_state(app, training_session.id)["confirmed"] == [a]


def test_overlap_with_another_confirmed_session_is_reported(app, make_session, session_people):
    first = make_session(starts_in=timedelta(days=3), hours=4)
    second = make_session(starts_in=timedelta(days=3, hours=2), hours=4)
    apart = make_session(starts_in=timedelta(days=5), hours=4)
    (person,) = session_people(1)
    with app.test_request_context():
        services.signup(_session(first.id), _user(person))
        result = services.signup(_session(second.id), _user(person))
        assert [s.id for s in result.overlaps] == [first.id]
        assert services.signup(_session(apart.id), _user(person)).overlaps == []


def test_cancel_promotes_the_first_waitlisted_once_with_one_notification(app, make_session, session_people,
                                                                         session_enroll):
    training_session = make_session(capacity=2)
    a, b, c, d = session_people(4)
    session_enroll(training_session.id, a, b, c, d)
    with app.test_request_context():
        assert services.withdraw(_session(training_session.id), _user(a)) == "confirmed"
        db.session.commit()
    state = session_state(app, training_session.id)
    assert state["confirmed"] == [b, c] and state["waitlist"] == [d] and state["positions"] == [1]
    with app.test_request_context():
        assert _notes(c, "转为正式学员") == 1
        assert _notes(d, "转为正式学员") == 0
        # Running the promotion again changes nothing: the seat is taken and nobody is promoted twice.
        assert services.promote_waitlist(services.lock_session(training_session.id)) == []
        db.session.commit()
        assert _notes(c, "转为正式学员") == 1


def test_leaving_the_waitlist_closes_the_gap(app, make_session, session_people, session_enroll):
    training_session = make_session(capacity=1)
    a, b, c, d = session_people(4)
    session_enroll(training_session.id, a, b, c, d)
    with app.test_request_context():
        assert services.withdraw(_session(training_session.id), _user(c)) == "waitlisted"
        db.session.commit()
    state = session_state(app, training_session.id)
    assert state["waitlist"] == [b, d] and state["positions"] == [1, 2] and state["waitlist_count"] == 2


def test_withdraw_refused_after_start_and_for_non_members(app, make_session, session_people, session_enroll):
    training_session = make_session(capacity=2)
    a, stranger = session_people(2)
    session_enroll(training_session.id, a)
    with app.test_request_context():
        with pytest.raises(DomainError, match="没有报名"):
            services.withdraw(_session(training_session.id), _user(stranger))
        row = _session(training_session.id)
        row.starts_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        with pytest.raises(DomainError, match="已经开始"):
            services.withdraw(_session(training_session.id), _user(a))


def test_raising_capacity_promotes_in_order_and_lowering_below_confirmed_is_refused(app, make_session,
                                                                                    session_people, session_enroll):
    training_session = make_session(capacity=2)
    people = session_people(5)
    session_enroll(training_session.id, *people)
    with app.test_request_context():
        with pytest.raises(DomainError) as refused:
            services.change_capacity(_session(training_session.id), 1)
        assert "2" in str(refused.value) and "1" in str(refused.value)
        db.session.rollback()
        promoted = services.change_capacity(_session(training_session.id), 4)
        db.session.commit()
        assert promoted == people[2:4]
    state = session_state(app, training_session.id)
    assert state["capacity"] == 4 and state["confirmed"] == people[:4] and state["waitlist"] == people[4:]
    assert state["positions"] == [1]
    with app.test_request_context():
        services.change_capacity(_session(training_session.id), 4)  # equal: allowed, nothing happens
        db.session.commit()


def test_moving_in_the_waitlist_needs_a_reason_and_keeps_positions_dense(app, make_session, session_people,
                                                                         session_enroll, make_user):
    hr = make_user(roles=("hr", "worker"))
    training_session = make_session(capacity=1)
    a, b, c, d = session_people(4)
    session_enroll(training_session.id, a, b, c, d)
    with app.test_request_context():
        d_id = db.session.scalar(select(Enrollment.id).where(Enrollment.user_id == d))
        with pytest.raises(DomainError, match="原因"):
            services.move_in_waitlist(_session(training_session.id), d_id, 1, "  ", _user(hr.id))
        with pytest.raises(DomainError, match="1 到 3"):
            services.move_in_waitlist(_session(training_session.id), d_id, 9, "照顾", _user(hr.id))
        services.move_in_waitlist(_session(training_session.id), d_id, 1, "车间主任申请，需持证上岗", _user(hr.id))
        db.session.commit()
        assert db.session.scalar(select(AuditLog.detail).where(AuditLog.action == "training.waitlist_moved")) \
            == "3 -> 1: 车间主任申请，需持证上岗"
        assert _notes(d, "位次已调整") == 1
    state = session_state(app, training_session.id)
    assert state["waitlist"] == [d, b, c] and state["positions"] == [1, 2, 3]


def test_cancelling_a_session_cancels_everyone_and_tells_them(app, make_session, session_people, session_enroll,
                                                              make_user):
    hr = make_user(roles=("hr",))
    training_session = make_session(capacity=1)
    a, b = session_people(2)
    session_enroll(training_session.id, a, b)
    with app.test_request_context():
        with pytest.raises(DomainError, match="原因"):
            services.transition(_session(training_session.id), "cancel", _user(hr.id), reason="")
        db.session.rollback()
        services.transition(_session(training_session.id), "cancel", _user(hr.id), reason="场地检修")
        db.session.commit()
        assert _notes(a, "已取消") == 1 and _notes(b, "已取消") == 1
    state = session_state(app, training_session.id)
    assert state["status"] == "cancelled" and state["cancelled"] == [a, b]
    assert (state["confirmed_count"], state["waitlist_count"]) == (0, 0)


def test_bulk_enroll_answers_one_line_per_person(app, make_session, make_department, session_people, make_user,
                                                 session_enroll):
    hr = make_user(roles=("hr",))
    plant = make_department("第二机械厂")
    training_session = make_session(capacity=2, departments=[plant])
    inside = session_people(4, prefix="in", department_id=plant.id)
    outside = session_people(1, prefix="out")
    make_user(employee_no="gone1", active=False, department=plant)
    session_enroll(training_session.id, inside[0])
    with app.test_request_context():
        nos = ["in0001", "in0002", "IN0002", "in0003", "in0004", "out0001", "nobody", "gone1"]
        lines = services.bulk_enroll(_session(training_session.id), nos, _user(hr.id))
        db.session.commit()
        outcomes = [(line.employee_no, line.outcome, line.position) for line in lines]
        assert outcomes == [
            ("in0001", "already", None), ("in0002", "confirmed", None), ("in0002", "duplicate", None),
            ("in0003", "waitlisted", 1), ("in0004", "waitlisted", 2), ("out0001", "not_eligible", None),
            ("nobody", "not_found", None), ("gone1", "inactive", None)]
        assert "第二机械厂" in lines[5].detail
        assert _notes(inside[1], "名额已确认") == 1
        assert db.session.scalars(select(Notification.params).where(Notification.user_id == inside[3])).all() \
            == [{"title": training_session.title, "pos": 2}]
    state = session_state(app, training_session.id)
    assert state["confirmed"] == inside[:2] and state["waitlist"] == inside[2:]
    assert (state["confirmed_count"], state["waitlist_count"]) == (2, 2)
    assert outside[0] not in state["confirmed"] + state["waitlist"]


def test_bulk_enroll_of_a_thousand_is_a_few_queries(app, make_session, session_people, make_user, count_queries):
    hr = make_user(roles=("hr",))
    training_session = make_session(capacity=600)
    people = session_people(1000, prefix="bulk")
    with app.test_request_context():
        nos = [f"bulk{i:04d}" for i in range(1, 1001)]
        with count_queries() as counter:
            lines = services.bulk_enroll(_session(training_session.id), nos, _user(hr.id))
            db.session.commit()
        assert sum(line.outcome == "confirmed" for line in lines) == 600
        assert sum(line.outcome == "waitlisted" for line in lines) == 400
        assert counter.count <= 20, counter.statements
    state = session_state(app, training_session.id)
    assert len(state["confirmed"]) == 600 and state["positions"] == list(range(1, 401))
    assert state["confirmed_count"] == 600 and state["waitlist_count"] == 400
    assert set(state["confirmed"] + state["waitlist"]) == set(people)


def test_bulk_enroll_refused_on_drafts_and_when_empty(app, make_session, make_user):
    hr = make_user(roles=("hr",))
    draft = make_session(status="draft")
    with app.test_request_context():
        with pytest.raises(DomainError, match="报名中"):
            services.bulk_enroll(_session(draft.id), ["x"], _user(hr.id))
        with pytest.raises(DomainError, match="至少"):
            services.bulk_enroll(_session(draft.id), [], _user(hr.id))


@pytest.mark.parametrize(("content", "message"), [
    (b"", "空的"),
    ("姓名,部门\n张三,机加\n".encode(), "缺少必需的列"),
    ("工号,姓名\n".encode(), "只有列名"),
    ("工号,姓名\nw1,张三\n,李四\nbad no!,王五\n".encode(), "2 行有问题"),
])
def test_roster_file_problems_refuse_the_whole_file(app, content, message):
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        services.parse_roster_file("名单.csv", content)
    assert message in str(refused.value)


def test_roster_file_accepts_gbk_csv_and_english_header(app):
    with app.test_request_context():
        assert services.parse_roster_file("a.csv", "工号,姓名\nw1,张三\nw2,李四\nw1,张三\n".encode("gb18030")) \
            == ["w1", "w2", "w1"]  # the repeat stays, for the "listed twice" line
        assert services.parse_roster_file("a.csv", b"Employee_No\nw9\n") == ["w9"]


def test_attendance_results_and_certificates(app, make_session, session_people, session_enroll, make_user):
    hr = make_user(roles=("hr",))
    training_session = make_session(capacity=3, status="closed", starts_in=timedelta(hours=-3),
                                    deadline_in=timedelta(days=-1))
    a, b, c = session_people(3)
    session_enroll(training_session.id, a, b, c)
    with app.test_request_context():
        actor = _user(hr.id)
        ids = dict(db.session.execute(select(Enrollment.user_id, Enrollment.id)
                                      .where(Enrollment.session_id == training_session.id)).all())
        with pytest.raises(DomainError, match="出勤"):
            services.set_result(_session(training_session.id), ids[a], "pass", 90, actor)
        services.set_attendance(_session(training_session.id), ids[b], "absent", actor)
        assert services.mark_all_present(_session(training_session.id), actor) == 2  # b's absence stays
        services.set_result(_session(training_session.id), ids[a], "pass", 90, actor)
        services.set_result(_session(training_session.id), ids[c], "pass", 75, actor)
        with pytest.raises(DomainError, match="0 到 100"):
            services.set_result(_session(training_session.id), ids[c], "pass", 101, actor)
        with pytest.raises(DomainError, match="合格"):
            services.set_attendance(_session(training_session.id), ids[a], "absent", actor)
        services.transition(_session(training_session.id), "complete", actor)
        db.session.commit()
        year = local_year(training_session.starts_at)
        numbers = db.session.execute(select(Enrollment.user_id, Enrollment.certificate_no)
                                     .where(Enrollment.session_id == training_session.id).order_by(Enrollment.id)).all()
        assert numbers == [(a, f"PX-{year}-00001"), (b, None), (c, f"PX-{year}-00002")]
        assert _notes(a, "证书编号") == 1
        # A pass recorded after completion gets the next number; a withdrawn certificate's number is never reused.
        services.set_result(_session(training_session.id), ids[c], "fail", 40, actor)
        services.set_attendance(_session(training_session.id), ids[b], "present", actor)
        services.set_result(_session(training_session.id), ids[b], "pass", 66, actor)
        db.session.commit()
        assert db.session.get(Enrollment, ids[b]).certificate_no == f"PX-{year}-00003"
        assert db.session.get(Enrollment, ids[c]).certificate_no is None


def test_complete_before_start_is_refused(app, make_session, make_user):
    hr = make_user(roles=("hr",))
    training_session = make_session(status="closed")
    with app.test_request_context(), pytest.raises(DomainError, match="还没有开始"):
        services.transition(_session(training_session.id), "complete", _user(hr.id))


def test_reminders_reach_confirmed_trainees_once(app, make_session, session_people, session_enroll, runner):
    soon = make_session(capacity=1, starts_in=timedelta(hours=5))
    later = make_session(capacity=5, starts_in=timedelta(days=3))
    a, b = session_people(2)
    session_enroll(soon.id, a, b)  # b waits: no reminder
    session_enroll(later.id, a)
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0 and "reminders sent: 1" in first.output
    second = runner.invoke(args=["send-reminders"])
    assert "reminders sent: 0" in second.output
    with app.test_request_context():
        assert _notes(a, "提醒") == 1 and _notes(b, "提醒") == 0


def test_feed_token_is_created_once_and_reset_replaces_it(app, make_user):
    user = make_user()
    with app.test_request_context():
        token = services.feed_token(user.id)
        assert services.feed_token(user.id) == token
        new = services.feed_token(user.id, reset=True)
        db.session.commit()
        assert new != token and services.user_for_feed(new) == user.id and services.user_for_feed(token) is None
