"""The roster's bulk-add panel shows its refusals in place, attendance and results open at the session's start,
a draft dated in the past is saved with a warning, and the roster, sign-in sheet and .xlsx share one order."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from blueprints.core.clock import to_local_naive
from blueprints.core.errors import DomainError
from blueprints.core.models import Notification
from blueprints.core.types import utcnow
from blueprints.training import services
from blueprints.training.models import Enrollment, TrainingSession
from extensions import db
from tests.conftest import html_text
from tests.fixtures_training import session_state

HTMX = {"HX-Request": "true"}

# --- The bulk-add panel -------------------------------------------------------------------------------------


def _flashes(client) -> list:
    with client.session_transaction() as sess:
        return list(sess.get("_flashes", []))


@pytest.mark.parametrize(("data", "message"), [
    ({}, "请至少填写一个工号"),
    ({"pasted": "  ,  "}, "请至少填写一个工号"),
    ({"file": (b"PK\x03\x04 not really a workbook", "名单.xlsx")}, "无法读取这个 Excel 文件"),
    ({"file": ("姓名\n张三\n".encode(), "名单.csv")}, "缺少必需的列：工号"),
    ({"file": (b"", "名单.csv")}, "文件是空的"),
])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_refused_bulk_add_says_why_in_the_panel(app, client, login_as, make_session, data, message, htmx):
    training_session = make_session(capacity=3)
    login_as("hr")
    data = {k: (io.BytesIO(v[0]), v[1]) if k == "file" else v for k, v in data.items()}
    response = client.post(f"/training/{training_session.id}/roster/add", data=data,
                           content_type="multipart/form-data", headers=HTMX if htmx else {})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    if htmx:
        assert "<html" not in body and "HX-Trigger" not in response.headers
        panel = body
    else:
        assert re.search(r'id="bulk-card"[^>]* open', body)  # the panel stays open on the page
        panel = body[body.index('id="bulk"'):body.index('id="roster-search"')]
    assert message in panel
    assert 'role="alert"' in panel
    # Said here and only here: nothing is left waiting to show up on some later page.
    assert _flashes(client) == []
    assert session_state(app, training_session.id)["confirmed"] == []


def test_file_errors_sit_under_the_file_input(app, client, login_as, make_session):
    training_session = make_session(capacity=3)
    login_as("hr")
    body = client.post(f"/training/{training_session.id}/roster/add",
                       data={"file": (io.BytesIO("姓名\n张三\n".encode()), "名单.csv")},
                       content_type="multipart/form-data", headers=HTMX).get_data(as_text=True)
    assert re.search(r'id="file-error"[^>]*>[^<]*缺少必需的列', body)


def test_an_exact_repeat_in_the_pasted_list_is_reported_as_listed_twice(app, client, login_as, make_session,
                                                                        session_people):
    training_session = make_session(capacity=5)
    session_people(2, prefix="rp")
    login_as("hr")
    body = client.post(f"/training/{training_session.id}/roster/add", data={"pasted": "rp0001 rp0002\nrp0002"},
                       content_type="multipart/form-data", headers=HTMX).get_data(as_text=True)
    lines = re.findall(r'<li class="list-group-item.*?</li>', body, flags=re.S)
    assert len(lines) == 3
    assert "rp0002" in lines[2] and "重复填写" in lines[2] and "已确认" not in lines[2]
    assert "处理结果（2 人）" in body and "另有 1 个工号重复填写" in body
    state = session_state(app, training_session.id)
    assert len(state["confirmed"]) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2


# --- Attendance and results open at the start ---------------------------------------------------------------


@pytest.fixture
def upcoming_roster(app, make_session, session_people, session_enroll):
    training_session = make_session(capacity=2, starts_in=timedelta(days=3))
    people = session_people(2, prefix="up")
    session_enroll(training_session.id, *people)
    with app.app_context():
        ids = db.session.scalars(select(Enrollment.id).where(Enrollment.session_id == training_session.id)
                                 .order_by(Enrollment.id)).all()
    return training_session, ids


def test_attendance_and_results_before_the_start_are_refused_with_the_opening_time(app, client, login_as,
                                                                                   upcoming_roster):
    training_session, ids = upcoming_roster
    login_as("hr")
    base = f"/training/{training_session.id}/roster"
    row = html_text(client.post(f"{base}/{ids[0]}/attendance", data={"value": "present"}, headers=HTMX))
    assert "培训还没有开始：考勤和成绩从开始时间" in row and "起才能记录" in row
    row = html_text(client.post(f"{base}/{ids[0]}/result", data={"result": "fail", "score": "10"}, headers=HTMX))
    assert "培训还没有开始" in row
    response = client.post(f"{base}/present-all")
    assert response.status_code == 303
    assert "培训还没有开始" in html_text(client.get(response.headers["Location"]))
    with app.app_context():
        rows = db.session.execute(select(Enrollment.attendance, Enrollment.result, Enrollment.score)).all()
    assert all(tuple(r) == (None, None, None) for r in rows)


def test_the_roster_hides_the_recording_controls_until_the_start_and_says_when(app, client, login_as,
                                                                              upcoming_roster, started_roster):
    upcoming, _ids = upcoming_roster
    started, _started_ids = started_roster
    login_as("hr")
    page = client.get(f"/training/{upcoming.id}/roster").get_data(as_text=True)
    assert "attendance-toggle" not in page and "result-form" not in page and "present-all" not in page
    assert 'id="recording-later"' in page and "考勤和成绩从培训开始时" in page
    page = client.get(f"/training/{started.id}/roster").get_data(as_text=True)
    assert "attendance-toggle" in page and "result-form" in page and "present-all" in page
    assert 'id="recording-later"' not in page


def test_the_recording_rule_opens_exactly_at_the_start(app, make_session):
    training_session = make_session(starts_in=timedelta(days=1))
    with app.test_request_context():
        session = db.session.get(TrainingSession, training_session.id)
        assert isinstance(services.recording_problem(session, now=session.starts_at - timedelta(seconds=1)),
                          DomainError)
        assert services.recording_problem(session, now=session.starts_at) is None


@pytest.fixture
def started_roster(app, make_session, session_people, session_enroll):
    training_session = make_session(capacity=2, starts_in=timedelta(hours=-1))
    session_enroll(training_session.id, *session_people(2, prefix="sr"))
    return training_session, None


# --- A draft dated in the past ------------------------------------------------------------------------------


def _session_form(starts, hours: int = 2) -> dict:
    return {"title": "过去的培训", "kind": "skills", "location": "培训楼", "capacity": "5",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")}


def test_a_draft_dated_in_the_past_is_saved_with_a_warning_and_cannot_be_published(app, client, login_as):
    login_as("hr")
    past = to_local_naive(utcnow() - timedelta(days=2)).replace(second=0, microsecond=0)
    response = client.post("/training/new", data=_session_form(past))
    assert response.status_code == 303
    roster = html_text(client.get(response.headers["Location"]))
    assert "已保存为草稿" in roster and "这个草稿不能发布" in roster and "已经过去" in roster
    with app.app_context():
        training_session = db.session.scalar(select(TrainingSession))
    # The form shows the warning (visible) while the start is past.
    form = client.get(f"/training/{training_session.id}/edit").get_data(as_text=True)
    assert re.search(r'id="start-passed"(?![^>]*hidden)[^>]*>', form) and "开始时间已经过去" in form
    response = client.post(f"/training/{training_session.id}/status/open")
    assert "截止时间已过" in html_text(client.get(response.headers["Location"]))
    assert session_state(app, training_session.id)["status"] == "draft"


def test_a_future_draft_gets_no_warning(app, client, login_as):
    login_as("hr")
    future = to_local_naive(utcnow() + timedelta(days=5)).replace(second=0, microsecond=0)
    form = client.get("/training/new").get_data(as_text=True)
    assert re.search(r'id="start-passed"[^>]* hidden', form)
    response = client.post("/training/new", data=_session_form(future))
    roster = html_text(client.get(response.headers["Location"]))
    assert "已保存为草稿" in roster and "不能发布" not in roster and "已经过去" not in roster


# --- One order for the roster, the sign-in sheet and the .xlsx ----------------------------------------------


def test_roster_signin_sheet_and_xlsx_list_people_in_the_same_order(app, client, login_as, make_session, make_user,
                                                                   make_department, session_enroll):
    training_session = make_session(capacity=4)
    depts = [make_department(name="乙车间"), make_department(name="甲车间")]
    # Signup order differs from 工号 order and from department order.
    people = [make_user(employee_no=no, department=dept) for no, dept in
              (("z900", depts[1]), ("a100", depts[0]), ("m500", depts[1]), ("b200", depts[0]), ("c300", None))]
    session_enroll(training_session.id, *[p.id for p in people])
    login_as("hr")
    expected = ["z900", "a100", "m500", "b200"]
    roster = client.get(f"/training/{training_session.id}/roster").get_data(as_text=True)
    assert re.findall(r'<td class="text-nowrap">(\w+)</td>', roster) == expected
    sheet = client.get(f"/training/{training_session.id}/signin").get_data(as_text=True)
    assert re.findall(r"<td>(\w+)</td><td>", sheet) == expected
    book = load_workbook(io.BytesIO(client.get(f"/training/{training_session.id}/roster.xlsx").data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))[1:]
    assert [r[1] for r in rows] == [*expected, "c300"]  # then the waitlist, in its order
