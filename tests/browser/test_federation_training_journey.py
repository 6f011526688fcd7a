"""The federation's training journey in a real browser: the HR of one enterprise creates a session for their
enterprise; its worker signs up, a worker of another enterprise does not see it and is refused with the reason."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.core import grants
from blueprints.core.demo import DEMO_PASSWORD
from blueprints.core.models import Department, User
from blueprints.core.people import create_department
from blueprints.training.models import Enrollment, TrainingSession
from extensions import db
from tests.browser.conftest import login, screenshot, type_into_picker
from tests.conftest import _add_user

TITLE = "甲方企业焊工培训（联邦旅程）"


def _local(days: int, hour: int) -> str:
    moment = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def _two_enterprises(app) -> None:
    """Two enterprises of their own (under a district when the demo has a federation root), an HR scoped to the
    first, and a worker in each."""
    with app.app_context():
        root = db.session.scalar(select(Department).where(Department.kind == "federation"))
        parent = create_department("FJ-D", "旅程区总工会", root) if root is not None else None
        first = create_department("FJ-A", "甲方企业", parent, kind="enterprise")
        second = create_department("FJ-B", "乙方企业", parent, kind="enterprise")
        _add_user(employee_no="fjhr", name="甲方培训员", department=first, password=DEMO_PASSWORD)
        _add_user(employee_no="fjwa", name="甲方职工", department=first, password=DEMO_PASSWORD)
        _add_user(employee_no="fjwb", name="乙方职工", department=second, password=DEMO_PASSWORD)
        db.session.flush()
        grants.grant(db.session.scalar(select(User).where(User.employee_no == "fjhr")), "hr", first)
        db.session.commit()


def test_an_enterprise_hr_creates_a_session_only_their_people_can_join(new_page, live_server):
    _two_enterprises(live_server.app)
    hr = new_page()
    hr.on("dialog", lambda dialog: dialog.accept())
    login(hr, "fjhr")
    hr.goto("/training/manage?scope=all")
    expect(hr.locator("#results tbody tr")).to_have_count(0)  # none of the demo's sessions is theirs
    hr.get_by_role("link", name="新建场次").first.click()
    # The organiser picker shows their own enterprise, and offers nothing outside it (not the city level either).
    expect(hr.locator("#organiser")).to_have_value(re.compile("甲方企业$"))
    type_into_picker(hr, hr.locator("#organiser"), "企业")
    expect(hr.locator("#organiser-results [role=option]")).to_have_count(1)
    hr.locator("#organiser-results [role=option]").first.click()
    hr.fill("#title", TITLE)
    hr.fill("#location", "甲方企业培训楼 101")
    hr.fill("#starts_at", _local(5, 9))
    hr.fill("#ends_at", _local(5, 11))
    hr.fill("#capacity", "5")
    hr.get_by_role("button", name="保存").click()
    expect(hr.get_by_text("已保存为草稿")).to_be_visible()
    hr.get_by_role("button", name="发布并开放报名").click()
    expect(hr.get_by_text("已发布，职工现在可以报名了。")).to_be_visible()
    expect(hr.get_by_text("甲方企业的职工")).to_be_visible()
    session_url = re.sub(r"/roster.*$", "", hr.url)

    outsider = new_page()
    login(outsider, "fjwb")
    outsider.goto("/training/")
    expect(outsider.get_by_text(TITLE)).to_have_count(0)
    outsider.goto(session_url)
    expect(outsider.locator("#mybox")).to_contain_text("仅限本单位的职工报名")
    screenshot(outsider, "federation-training-1-outsider-refused")

    insider = new_page()
    login(insider, "fjwa")
    insider.goto("/training/")
    insider.get_by_role("link", name=TITLE).click()
    insider.locator("#mybox button[type=submit]").click()
    expect(insider.locator("#mybox")).to_contain_text("报名成功")

    # The roster's picker offers the enterprise's people only.
    hr.goto(session_url + "/roster")
    hr.locator("#bulk-card summary").click()
    hr.locator(".person-picker input[type=search]").fill("方职工")
    expect(hr.locator(".picker-results")).to_contain_text("甲方职工")
    expect(hr.locator(".picker-results")).not_to_contain_text("乙方职工")
    screenshot(hr, "federation-training-2-hr-roster")
    with live_server.app.app_context():
        session_id = db.session.scalar(select(TrainingSession.id).where(TrainingSession.title == TITLE))
        enrolled = db.session.scalars(select(User.employee_no).join(Enrollment, Enrollment.user_id == User.id)
                                      .where(Enrollment.session_id == session_id)).all()
    assert enrolled == ["fjwa"]
