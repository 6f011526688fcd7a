"""Hazard figures on the statistics page, in the workbook and on the personal record (hand-computed)."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from blueprints.core.clock import local_today
from blueprints.rewards.models import RewardLine
from extensions import db
from tests.conftest import html_text
from tests.fixtures_safety import REPORTER_NAME, act, jpeg, report
from tests.jobs_helpers import export_file


def _new(client, auth, user, department) -> int:
    response = report(client, auth, user, department, description=f"隐患 {department.name}")
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _world(app, client, auth, hz) -> None:
    """机加车间: one waiting, one confirmed (一般, 50 pending), one verified on time (较大, 200 paid);
    焊接车间: one dismissed; 松北电机: one report (outside the admin's scope)."""
    _new(client, auth, hz.reporter, hz.cnc)
    second = _new(client, auth, hz.reporter, hz.cnc)
    act(client, auth, hz.officer, second, "triage", {"decision": "confirm", "grade": "general"})
    third = _new(client, auth, hz.worker, hz.weld_team)
    act(client, auth, hz.officer, third, "triage", {"decision": "dismiss", "reason": "不是"})
    fourth = _new(client, auth, hz.reporter, hz.cnc)
    act(client, auth, hz.officer, fourth, "triage", {"decision": "confirm", "grade": "major"})
    act(client, auth, hz.officer, fourth, "assign", {"department_id": str(hz.welding.id), "measures": "修",
                                                     "deadline": (local_today() + timedelta(days=2)).isoformat()})
    act(client, auth, hz.rectifier, fourth, "close", {}, files=[("a.jpg", jpeg())])
    act(client, auth, hz.officer, fourth, "verify", {"decision": "verify"})
    _new(client, auth, hz.worker_b, hz.b_team)
    with app.app_context():
        line = db.session.scalar(select(RewardLine.id).where(RewardLine.hazard_id == fourth))
    auth.login(hz.admin_a.employee_no)
    assert client.post("/suggestions/rewards/pay", data={"ids": str(line), "paid_on": local_today().isoformat()}
                       ).status_code == 303
    auth.logout()


def test_the_workbook_and_the_page_show_the_hazard_figures_by_department_and_month(app, client, auth, hz):
    _world(app, client, auth, hz)
    auth.login(hz.admin_a.employee_no)
    year = local_today().year
    page = html_text(client.get(f"/stats/?year={year}&dept={hz.a.id}"))
    assert "隐患报告（安康杯）" in page and "data-chart" in page and REPORTER_NAME not in page
    book = load_workbook(io.BytesIO(export_file(client, f"/stats/export?year={year}&dept={hz.a.id}").data))
    rows = [list(r) for r in book["隐患报告"].iter_rows(values_only=True)]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    # reported, confirmed, confirmed %, rectified, on time, on-time %, rewards, paid
    assert by_name["机加车间"] == [3, 2, 100, 1, 1, 100, 250, 200]
    assert by_name["焊接车间"] == [1, 0, 0, 0, 0, None, 0, 0]
    assert by_name["行政部"] == [0, 0, None, 0, 0, None, 0, 0]
    assert by_name["合计"] == [4, 2, 67, 1, 1, 100, 250, 200]
    months = [list(r) for r in book["隐患报告（按月）"].iter_rows(values_only=True)]
    month = local_today().month
    assert months[month][1:] == [4, 2] and sum(row[1] for row in months[1:]) == 4


def test_plain_workers_and_hr_get_no_hazard_figures(app, client, auth, hz, make_user):
    _world(app, client, auth, hz)
    hr = make_user(name="人事", roles=("hr", "worker"), department=hz.a)
    auth.login(hr.employee_no)
    page = html_text(client.get(f"/stats/?year={local_today().year}"))
    assert "隐患报告（安康杯）" not in page
    # HR may open the reporter's record but not see their reports (whistle-blower protection).
    record = html_text(client.get(f"/stats/people/{hz.reporter.id}"))
    assert "隐患 数控一班" not in record


def test_the_reporter_sees_their_reports_and_rewards_on_their_record(app, client, auth, hz):
    _world(app, client, auth, hz)
    auth.login(hz.reporter.employee_no)
    page = html_text(client.get(f"/stats/people/{hz.reporter.id}"))
    assert page.count("隐患 数控一班") == 3 and "250.00" in page
