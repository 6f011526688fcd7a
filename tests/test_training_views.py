"""Training pages: permissions on every route, htmx fragments and full pages, forms, imports, exports, query counts."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from icalendar import Calendar
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from blueprints.core.clock import to_local_naive
from blueprints.core.models import AuditLog, Notification, User
from blueprints.core.types import utcnow
from blueprints.training import services
from blueprints.training.models import Enrollment, TrainingSession
from extensions import db
from tests.conftest import html_text
from tests.fixtures_training import session_state

# Who may use each training route: "user" = anyone signed in, "hr" = HR only, "token" = the secret feed URL,
# "owner" = the trainee (or HR). A new route missing here fails test_every_training_route_has_an_access_rule.
ACCESS = {
    "training.index": ("GET", "user"),
    "training.detail": ("GET", "user"),
    "training.seats": ("GET", "user"),
    "training.signup": ("POST", "user"),
    "training.withdraw": ("POST", "user"),
    "training.session_ics": ("GET", "user"),
    "training.my_record": ("GET", "user"),
    "training.my_ics": ("GET", "user"),
    "training.my_feed": ("POST", "user"),
    "training.feed": ("GET", "token"),
    "training.certificate": ("GET", "owner"),
    "training.manage": ("GET", "hr"),
    "training.new": ("GET", "hr"),
    "training.edit": ("GET", "hr"),
    "training.change_status": ("POST", "hr"),
    "training.roster": ("GET", "hr"),
    "training.roster_add": ("POST", "hr"),
    "training.people_search": ("GET", "hr"),
    "training.attendance": ("POST", "hr"),
    "training.present_all": ("POST", "hr"),
    "training.result": ("POST", "hr"),
    "training.move": ("POST", "hr"),
    "training.remove": ("POST", "hr"),
    "training.roster_xlsx": ("GET", "hr"),
    "training.signin_sheet": ("GET", "hr"),
    "training.roster_template": ("GET", "hr"),
}


@pytest.fixture
def roster_setup(app, make_session, session_people, session_enroll):
    """An open session with two confirmed trainees and one waiting."""
    training_session = make_session(capacity=2, title="焊工培训")
    people = session_people(3, prefix="rs")
    session_enroll(training_session.id, *people)
    with app.app_context():
        ids = db.session.scalars(select(Enrollment.id).where(Enrollment.session_id == training_session.id)
                                 .order_by(Enrollment.id)).all()
    return training_session, people, ids


@pytest.fixture
def started_roster(app, make_session, session_people, session_enroll):
    """Like roster_setup, for a session that started an hour ago (attendance and results are open)."""
    training_session = make_session(capacity=2, title="焊工培训", starts_in=timedelta(hours=-1))
    people = session_people(3, prefix="st")
    session_enroll(training_session.id, *people)
    with app.app_context():
        ids = db.session.scalars(select(Enrollment.id).where(Enrollment.session_id == training_session.id)
                                 .order_by(Enrollment.id)).all()
    return training_session, people, ids


def _url(app, endpoint, session_id, enrollment_id):
    args = {"session_id": session_id, "enrollment_id": enrollment_id, "action": "close", "token": "nope"}
    with app.test_request_context():
        from flask import url_for

        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        return url_for(endpoint, **{k: v for k, v in args.items() if k in rule.arguments})


def test_every_training_route_has_an_access_rule(app):
    routes = {r.endpoint: r.methods - {"HEAD", "OPTIONS"} for r in app.url_map.iter_rules()
              if r.endpoint.startswith("training.")}
    assert set(routes) == set(ACCESS)
    for endpoint, methods in routes.items():
        assert ACCESS[endpoint][0] in methods, endpoint


def test_anonymous_is_sent_to_login_everywhere(app, client, roster_setup):
    training_session, _people, ids = roster_setup
    for endpoint, (method, access) in ACCESS.items():
        response = client.open(_url(app, endpoint, training_session.id, ids[0]), method=method)
        if access == "token":
            assert response.status_code == 404
        else:
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], endpoint
    assert session_state(app, training_session.id)["confirmed_count"] == 2


def test_workers_cannot_reach_hr_routes_and_refusals_are_audited(app, client, login_as, roster_setup):
    training_session, _people, ids = roster_setup
    login_as("worker")
    for endpoint, (method, access) in ACCESS.items():
        if access != "hr":
            continue
        response = client.open(_url(app, endpoint, training_session.id, ids[0]), method=method,
                               data={"value": "present"})
        assert response.status_code == 403, endpoint
    with app.app_context():
        denied = db.session.scalar(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.action == "access.denied")) or 0
    assert denied == sum(1 for _m, access in ACCESS.values() if access == "hr")
    state = session_state(app, training_session.id)
    assert (state["confirmed_count"], state["waitlist_count"], state["status"]) == (2, 1, "open")


def test_hr_reaches_every_hr_page(app, client, login_as, roster_setup):
    training_session, _people, ids = roster_setup
    login_as("hr", "worker")
    for endpoint, (method, access) in ACCESS.items():
        if access == "hr" and method == "GET":
            response = client.get(_url(app, endpoint, training_session.id, ids[0]))
            assert response.status_code == 200, endpoint


def test_drafts_are_hidden_from_workers(app, client, login_as, make_session):
    draft = make_session(status="draft", title="未发布的培训")
    login_as("worker")
    assert client.get(f"/training/{draft.id}").status_code == 404
    assert client.post(f"/training/{draft.id}/signup").status_code == 404
    assert "未发布的培训" not in html_text(client.get("/training/?show=all"))
    with app.app_context():
        assert db.session.scalar(select(AuditLog.detail).where(AuditLog.action == "access.denied")).startswith("404")


def test_certificate_only_for_its_owner_and_hr(app, client, auth, make_user, make_session, session_enroll):
    owner, other, hr = make_user(), make_user(), make_user(roles=("hr",))
    training_session = make_session(status="completed", starts_in=timedelta(days=-3), deadline_in=timedelta(days=-4))
    session_enroll(training_session.id, owner.id)
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == owner.id))
        enrollment.attendance, enrollment.result, enrollment.score = "present", "pass", 88
        enrollment.certificate_no, enrollment.certified_at = "PX-2026-00077", training_session.starts_at
        db.session.commit()
        eid = enrollment.id
    auth.login(other.employee_no)
    assert client.get(f"/training/certificates/{eid}").status_code == 404
    auth.logout()
    auth.login(owner.employee_no)
    page = html_text(client.get(f"/training/certificates/{eid}"))
    assert "PX-2026-00077" in page and owner.name in page and "data-print" in page
    auth.logout()
    auth.login(hr.employee_no)
    assert client.get(f"/training/certificates/{eid}").status_code == 200


def test_signup_without_csrf_token_is_refused_and_changes_nothing(app, client, login_as, make_session):
    training_session = make_session()
    login_as("worker")
    assert client.post(f"/training/{training_session.id}/signup", csrf=False).status_code == 400
    assert session_state(app, training_session.id)["confirmed"] == []


def test_signup_with_the_token_as_a_form_field_works_without_javascript(app, client, login_as, make_session):
    training_session = make_session(capacity=1)
    user = login_as("worker")
    token = client.csrf_token()
    response = client.post(f"/training/{training_session.id}/signup", data={"csrf_token": token}, csrf=False)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/training/{training_session.id}")
    page = html_text(client.get(response.headers["Location"]))
    assert "报名成功" in page and "取消报名" in page
    assert session_state(app, training_session.id)["confirmed"] == [user.id]


def test_htmx_signup_updates_the_box_and_the_seats_in_place(app, client, login_as, make_session, session_people,
                                                            session_enroll):
    training_session = make_session(capacity=2)
    session_enroll(training_session.id, session_people(1)[0])
    login_as("worker")
    response = client.post(f"/training/{training_session.id}/signup", headers={"HX-Request": "true"})
    body = html_text(response)
    assert response.status_code == 200 and "<html" not in body
    assert 'id="mybox"' in body and "报名成功" in body
    assert 'id="seats"' in body and 'hx-swap-oob="true"' in body and "2<span" in body
    # Signing up again is refused with the reason, in place, and changes nothing.
    again = html_text(client.post(f"/training/{training_session.id}/signup", headers={"HX-Request": "true"}))
    assert "已经报名" in again
    assert session_state(app, training_session.id)["confirmed_count"] == 2


def test_full_session_shows_waitlist_position_and_leaving_it(app, client, login_as, make_session, session_people,
                                                             session_enroll):
    training_session = make_session(capacity=1)
    session_enroll(training_session.id, *session_people(2))
    user = login_as("worker")
    page = html_text(client.get(f"/training/{training_session.id}"))
    assert "报名候补" in page and "前面有 1 人" in page
    body = html_text(client.post(f"/training/{training_session.id}/signup", headers={"HX-Request": "true"}))
    assert "当前第 2 位" in body and "退出候补" in body
    body = html_text(client.post(f"/training/{training_session.id}/withdraw", headers={"HX-Request": "true"}))
    assert "已退出候补名单" in body
    assert user.id not in session_state(app, training_session.id)["waitlist"]


@pytest.mark.parametrize(("setup", "reason"), [
    ({"status": "closed"}, "报名已关闭"),
    ({"deadline_in": timedelta(hours=-2)}, "截止"),
    ({"skill_levels": ["高级技师"]}, "技能等级为高级技师"),
])
def test_detail_page_explains_why_signup_is_not_possible(client, login_as, make_session, setup, reason):
    training_session = make_session(**setup)
    login_as("worker", skill_level="初级工")
    page = html_text(client.get(f"/training/{training_session.id}"))
    assert reason in page and "立即报名" not in page
    refused = html_text(client.post(f"/training/{training_session.id}/signup", headers={"HX-Request": "true"}))
    assert reason in refused


def test_overlap_warning_after_signup(client, login_as, make_session, session_enroll):
    first = make_session(starts_in=timedelta(days=2), hours=3, title="上午的培训")
    second = make_session(starts_in=timedelta(days=2, hours=1), hours=3)
    user = login_as("worker")
    session_enroll(first.id, user.id)
    body = html_text(client.post(f"/training/{second.id}/signup", headers={"HX-Request": "true"}))
    assert "时间重叠" in body and "上午的培训" in body


@pytest.mark.parametrize(("url", "block_marker"), [
    ("/training/", 'class="list-group training-list'),
    ("/training/?show=all", 'class="list-group training-list'),
    ("/training/my", "<table"),
])
def test_list_fragments_and_full_pages(client, login_as, make_session, session_enroll, url, block_marker):
    user = login_as("worker")
    training_session = make_session()
    session_enroll(training_session.id, user.id)
    full = html_text(client.get(url))
    fragment = html_text(client.get(url, headers={"HX-Request": "true"}))
    assert "<html" in full and block_marker in full
    assert "<html" not in fragment and block_marker in fragment and "<nav" not in fragment.split(block_marker)[0]


def test_mine_filter_and_kind_and_date_filters(client, login_as, make_session, session_enroll):
    user = login_as("worker")
    mine = make_session(title="我的焊接课", kind="drill", starts_in=timedelta(days=3))
    make_session(title="别人的安全课", kind="safety", starts_in=timedelta(days=20))
    session_enroll(mine.id, user.id)
    assert "别人的安全课" not in html_text(client.get("/training/?show=mine"))
    assert "我的焊接课" in html_text(client.get("/training/?show=mine"))
    page = html_text(client.get("/training/?kind=safety"))
    assert "别人的安全课" in page and "我的焊接课" not in page
    soon = (utcnow() + timedelta(days=10)).date().isoformat()
    page = html_text(client.get(f"/training/?date_from={soon}"))
    assert "别人的安全课" in page and "我的焊接课" not in page
    assert "日期格式不对" in html_text(client.get("/training/?date_from=not-a-date"))
    make_session(title="截止了的课", deadline_in=timedelta(hours=-1))
    assert "截止了的课" not in html_text(client.get("/training/"))
    page = html_text(client.get("/training/?show=all"))
    assert "截止了的课" in page and "报名已截止" in page


def test_seats_fragment_polls_and_plain_request_redirects(client, login_as, make_session):
    training_session = make_session(capacity=9)
    login_as("worker")
    fragment = client.get(f"/training/{training_session.id}/seats", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 15s"' in html_text(fragment) and "剩余 9 个名额" in html_text(fragment)
    assert client.get(f"/training/{training_session.id}/seats").status_code == 302


def _count_page(app, client, url, count_queries):
    client.get(url)  # warm up caches (settings, translations)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def _copy_sessions(app, n: int) -> None:
    """n more copies of the first session, in one insert."""
    with app.app_context():
        base = db.session.get(TrainingSession, 1)
        db.session.execute(TrainingSession.__table__.insert(), [
            {c.key: getattr(base, c.key) for c in TrainingSession.__table__.columns if c.key != "id"}
            for _ in range(n)])
        db.session.commit()


def test_session_list_query_count_does_not_grow(app, client, login_as, make_session, count_queries):
    login_as("worker")
    for _ in range(10):
        make_session()
    small = _count_page(app, client, "/training/", count_queries)
    _copy_sessions(app, 190)
    large = _count_page(app, client, "/training/", count_queries)
    assert small == large <= 6


def test_manage_list_query_count_does_not_grow(app, client, login_as, make_session, count_queries):
    hr = login_as("hr", "worker")
    for _ in range(10):
        make_session(manager_id=hr.id)
    small = _count_page(app, client, "/training/manage", count_queries)
    _copy_sessions(app, 190)
    assert small == _count_page(app, client, "/training/manage", count_queries) <= 6


def test_roster_query_count_is_the_same_for_10_and_200(app, client, login_as, make_session, session_people,
                                                       session_enroll, count_queries):
    hr = login_as("hr", "worker")
    small_session = make_session(capacity=300)
    session_enroll(small_session.id, *session_people(10))
    big_session = make_session(capacity=300)
    ids = session_people(200, prefix="big")
    with app.app_context():
        services.bulk_enroll(db.session.get(TrainingSession, big_session.id),
                             [f"big{i:04d}" for i in range(1, 201)], db.session.get(User, hr.id))
        db.session.commit()
    assert len(session_state(app, big_session.id)["confirmed"]) == len(ids)
    small = _count_page(app, client, f"/training/{small_session.id}/roster", count_queries)
    large = _count_page(app, client, f"/training/{big_session.id}/roster", count_queries)
    # 7: the page's queries and the user's HR scope (one grant lookup, cached for the request).
    assert small == large <= 6
    fragment = client.get(f"/training/{big_session.id}/roster?tab=confirmed", headers={"HX-Request": "true"})
    body = html_text(fragment)
    assert "<html" not in body and body.count('<tr id="e') == 50 and 'rel="next"' in body


def test_hr_creates_a_session_and_bad_input_keeps_what_was_typed(app, client, login_as):
    login_as("hr", "worker")
    form = {"title": "<script>alert(1)</script>叉车安全培训", "kind": "safety", "location": "3 号库",
            "starts_at": "2030-05-01T09:00", "ends_at": "2030-05-01T08:00", "capacity": "12",
            "instructor": "李工", "description": "带安全帽"}
    response = client.post("/training/new", data=form)
    page = html_text(response)
    assert response.status_code == 200 and "结束时间必须晚于开始时间" in page and "3 号库" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    form["ends_at"] = "2030-05-01T11:30"
    response = client.post("/training/new", data=form)
    assert response.status_code == 303
    with app.app_context():
        training_session = db.session.scalar(select(TrainingSession))
        assert training_session.status == "draft" and training_session.capacity == 12
        # 09:00 in Asia/Shanghai is 01:00 UTC
        assert training_session.starts_at.hour == 1 and training_session.signup_deadline == training_session.starts_at


def test_manager_must_be_an_hr_user(app, client, login_as, make_user):
    login_as("hr")
    worker = make_user()
    form = {"title": "t", "kind": "skills", "location": "x", "starts_at": "2030-05-01T09:00",
            "ends_at": "2030-05-01T10:00", "capacity": "3", "manager": worker.employee_no}
    page = html_text(client.post("/training/new", data=form))
    assert "不是在用的培训管理员" in page


def test_lowering_capacity_below_confirmed_is_refused_with_the_numbers(app, client, login_as, roster_setup):
    training_session, _people, _ids = roster_setup
    login_as("hr")
    page = html_text(client.get(f"/training/{training_session.id}/edit"))
    assert 'value="2"' in page
    with app.app_context():
        starts, ends = to_local_naive(training_session.starts_at), to_local_naive(training_session.ends_at)
    form = {"title": training_session.title, "kind": "skills", "location": "x", "capacity": "1",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "ends_at": ends.strftime("%Y-%m-%dT%H:%M")}
    page = html_text(client.post(f"/training/{training_session.id}/edit", data=form))
    assert "已有 2 人确认参加" in page and "您填写的是 1" in page
    assert session_state(app, training_session.id)["capacity"] == 2
    form["capacity"] = "3"
    response = client.post(f"/training/{training_session.id}/edit", data=form)
    assert response.status_code == 303
    state = session_state(app, training_session.id)
    assert state["capacity"] == 3 and len(state["confirmed"]) == 3 and state["waitlist"] == []


def test_status_buttons_follow_the_machine_and_cancel_needs_a_reason(app, client, login_as, roster_setup):
    training_session, people, _ids = roster_setup
    login_as("hr")
    page = html_text(client.get(f"/training/{training_session.id}/roster"))
    assert "截止报名" in page and "发布并开放报名" not in page and "标记为已结束" not in page
    assert client.post(f"/training/{training_session.id}/status/open").status_code == 303  # refused: flashed
    assert session_state(app, training_session.id)["status"] == "open"
    response = client.post(f"/training/{training_session.id}/status/cancel", data={"reason": ""})
    assert response.status_code == 303
    assert "请填写取消原因" in html_text(client.get(response.headers["Location"]))
    client.post(f"/training/{training_session.id}/status/cancel", data={"reason": "讲师临时出差"})
    state = session_state(app, training_session.id)
    assert state["status"] == "cancelled" and sorted(state["cancelled"]) == sorted(people)
    assert client.post(f"/training/{training_session.id}/status/nonsense").status_code == 404


def test_attendance_toggle_returns_the_row_and_plain_post_redirects(app, client, login_as, started_roster):
    training_session, _people, ids = started_roster
    login_as("hr")
    response = client.post(f"/training/{training_session.id}/roster/{ids[0]}/attendance", data={"value": "present"},
                           headers={"HX-Request": "true"})
    row = html_text(response)
    assert row.startswith(f'\n<tr id="e{ids[0]}"') or row.lstrip().startswith(f'<tr id="e{ids[0]}"')
    assert 'aria-pressed="true"' in row
    plain = client.post(f"/training/{training_session.id}/roster/{ids[1]}/attendance", data={"value": "absent"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#e{ids[1]}")
    # Waitlisted people have no attendance: refused in the row, nothing stored.
    refused = html_text(client.post(f"/training/{training_session.id}/roster/{ids[2]}/attendance",
                                    data={"value": "present"}, headers={"HX-Request": "true"}))
    assert f'<tr id="e{ids[2]}"' in refused and "只能为已确认的学员" in refused
    with app.app_context():
        marks = db.session.scalars(select(Enrollment.attendance).order_by(Enrollment.id)).all()
    assert marks == ["present", "absent", None]


def test_result_form_validates_and_saves(app, client, login_as, started_roster):
    training_session, _people, ids = started_roster
    login_as("hr")
    url = f"/training/{training_session.id}/roster/{ids[0]}/result"
    row = html_text(client.post(url, data={"result": "pass", "score": "95"}, headers={"HX-Request": "true"}))
    assert "只有出勤的学员才能记为合格" in row
    client.post(f"/training/{training_session.id}/roster/{ids[0]}/attendance", data={"value": "present"})
    row = html_text(client.post(url, data={"result": "pass", "score": "180"}, headers={"HX-Request": "true"}))
    assert "0 到 100" in row
    row = html_text(client.post(url, data={"result": "pass", "score": "95"}, headers={"HX-Request": "true"}))
    assert 'value="95"' in row and "结束后发证" in row


def test_move_needs_a_reason_and_remove_promotes(app, client, login_as, make_session, session_people,
                                                 session_enroll):
    training_session = make_session(capacity=1)
    a, b, c = session_people(3)
    session_enroll(training_session.id, a, b, c)
    login_as("hr")
    with app.app_context():
        ids = dict(db.session.execute(select(Enrollment.user_id, Enrollment.id)).all())
    response = client.post(f"/training/{training_session.id}/roster/{ids[c]}/move",
                           data={"position": "1", "reason": ""})
    assert "必须填写原因" in html_text(client.get(response.headers["Location"]))
    client.post(f"/training/{training_session.id}/roster/{ids[c]}/move", data={"position": "1", "reason": "先考证"})
    assert session_state(app, training_session.id)["waitlist"] == [c, b]
    waitlist_page = html_text(client.get(f"/training/{training_session.id}/roster?tab=waitlisted"))
    assert "调整原因：先考证" in waitlist_page
    client.post(f"/training/{training_session.id}/roster/{ids[a]}/remove", data={"tab": "confirmed"})
    state = session_state(app, training_session.id)
    assert state["confirmed"] == [c] and state["waitlist"] == [b]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == a, Notification.message.contains("移除"))) == 1


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_bulk_add_by_picker_paste_and_file_answers_per_person(app, client, login_as, make_session,
                                                             session_people):
    training_session = make_session(capacity=2)
    session_people(4, prefix="bk")
    login_as("hr")
    data = {"people": "bk0001", "pasted": "bk0002\nbk0003，nobody9", "file": (io.BytesIO(_xlsx(
        [["工号", "姓名"], ["bk0004", "四"], ["bk0001", "一"]])), "名单.xlsx")}
    response = client.post(f"/training/{training_session.id}/roster/add", data=data, content_type="multipart/form-data",
                           headers={"HX-Request": "true"})
    body = html_text(response)
    assert response.headers.get("HX-Trigger") == "roster-changed" and "<html" not in body
    # bk0001 is in the picker and in the file: its second line says it was listed twice, and it counts once.
    assert body.count("bk0001") == 2 and "重复填写" in body and "未找到此工号" in body and "候补第 2 位" in body
    assert "处理结果（5 人）" in body
    assert "确认 2，候补 2，已在名单 0，未找到 1，不符合条件 0。 另有 1 个工号重复填写" in body
    state = session_state(app, training_session.id)
    assert len(state["confirmed"]) == 2 and len(state["waitlist"]) == 2


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("名单.csv", b"", "空的"),
    ("名单.csv", "姓名\n张三\n".encode(), "缺少必需的列"),
    ("名单.xlsx", b"PK\x03\x04 not really a workbook", "无法读取"),
    ("名单.txt", b"worker1", "只支持"),
    ("名单.csv", "工号\nbk0001\n\n,备注\nbad id!\n".encode(), "有问题"),
])
def test_a_malformed_file_changes_nothing_and_keeps_what_was_typed(app, client, login_as, make_session,
                                                                   session_people, filename, content, message):
    training_session = make_session(capacity=5)
    session_people(2, prefix="bk")
    login_as("hr")
    data = {"pasted": "bk0002", "file": (io.BytesIO(content), filename)}
    response = client.post(f"/training/{training_session.id}/roster/add", data=data, content_type="multipart/form-data")
    page = html_text(response)
    assert response.status_code == 200 and message in page and "bk0002" in page
    assert session_state(app, training_session.id)["confirmed"] == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_bulk_add_with_nothing_given_asks_for_people(client, login_as, make_session):
    training_session = make_session()
    login_as("hr")
    add_url = f"/training/{training_session.id}/roster/add"
    assert "请至少填写一个工号" in html_text(client.post(add_url, data={"pasted": " "}))


def test_roster_xlsx_opens_and_has_a_signature_column(app, client, login_as, roster_setup):
    training_session, _people, _ids = roster_setup
    login_as("hr")
    response = client.get(f"/training/{training_session.id}/roster.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][-1] == "签名" and rows[0][1] == "工号" and len(rows) == 4
    assert [r[6] for r in rows[1:]] == ["已确认", "已确认", "候补中"]
    assert rows[3][7] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "training.roster_exported")) == 1
    sheet = html_text(client.get(f"/training/{training_session.id}/signin"))
    assert "签到表" in sheet and sheet.count("signature-col") == 3  # header + two confirmed trainees


def test_template_download_is_a_workbook_the_upload_accepts(app, client, login_as):
    login_as("hr")
    data = client.get("/training/roster-template.xlsx").data
    with app.test_request_context():
        assert services.parse_roster_file("t.xlsx", data) == ["worker2"]


def test_session_ics_parses_with_times_in_utc(client, login_as, make_session):
    training_session = make_session(title="叉车培训", location="3 号库")
    login_as("worker")
    response = client.get(f"/training/{training_session.id}.ics")
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "叉车培训" and str(event["LOCATION"]) == "3 号库"
    assert event.decoded("DTSTART") == training_session.starts_at.replace(microsecond=0)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)


def test_personal_feed_lists_confirmed_trainings_and_the_token_url_needs_no_login(app, client, login_as,
                                                                                  make_session, session_people,
                                                                                  session_enroll):
    user = login_as("worker")
    confirmed = make_session(capacity=1, title="已确认的课")
    full = make_session(capacity=1, title="候补的课")
    session_enroll(full.id, session_people(1)[0])
    session_enroll(confirmed.id, user.id)
    session_enroll(full.id, user.id)
    titles = [str(e["SUMMARY"]) for e in Calendar.from_ical(client.get("/training/my.ics").data).walk("VEVENT")]
    assert titles == ["已确认的课"]
    client.post("/training/my/feed")
    page = html_text(client.get("/training/my"))
    with app.app_context():
        token = services.feed_token(user.id)
    assert f"/training/feed/{token}.ics" in page
    client.post("/auth/logout")
    feed = client.get(f"/training/feed/{token}.ics")
    assert feed.status_code == 200 and b"\xe5\xb7\xb2\xe7\xa1\xae\xe8\xae\xa4" in feed.data
    assert client.get("/training/feed/wrong-token.ics").status_code == 404


def test_my_space_panels_for_worker_and_hr(app, client, auth, make_user, make_session, session_enroll,
                                           session_people, count_queries):
    worker = make_user()
    hr = make_user(roles=("hr", "worker"))
    soon = make_session(capacity=1, title="明天的安全课", starts_in=timedelta(days=1))
    session_enroll(soon.id, session_people(1)[0], worker.id)
    auth.login(worker.employee_no)
    page = html_text(client.get("/"))
    assert "明天的安全课" in page and "候补第 1 位" in page
    auth.logout()
    auth.login(hr.employee_no)
    page = html_text(client.get("/"))
    assert "培训待办" in page and f"/training/{soon.id}/roster" in page and "候补 1 人" in page


def test_search_boxes_treat_sql_metacharacters_as_text(client, login_as, roster_setup):
    training_session, _people, _ids = roster_setup
    login_as("hr")
    for q in ("%", "_", "' OR 1=1 --", "\\"):
        manage = client.get("/training/manage", query_string={"q": q, "scope": "all"})
        roster = client.get(f"/training/{training_session.id}/roster", query_string={"q": q})
        assert manage.status_code == roster.status_code == 200
        assert "焊工培训" not in html_text(manage).split('id="results"')[1]
        assert '<tr id="e' not in html_text(roster)
