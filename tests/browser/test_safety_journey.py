"""The hazard journey in a real browser: worker2 reports a hazard from a phone-sized screen with a photo, safety1
confirms it (较大) and orders the rectification, a person of the responsible department records the fix with an
evidence photo (never seeing who reported), safety1 verifies, and e1admin pays the reward from the union ledger;
worker2 sees the reward paid."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select, text

from blueprints.core.clock import local_today
from blueprints.core.models import Department, User
from extensions import db
from tests.browser.conftest import login, name_of, pick, screenshot

DESCRIPTION = "二号行车南侧走道护栏松动，旅程测试"


def _jpeg(colour) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "JPEG")
    return {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_from_a_phone_report_to_a_verified_fix_and_a_paid_reward(new_page, browser, live_server):
    app = live_server.app
    with app.app_context():
        reporter = db.session.scalar(select(User).where(User.employee_no == "worker2"))
        reporter_name, reporter_department = reporter.name, reporter.department_id
        # Someone of another team does the fix: the responsible department is their team.
        fixer_no, fixer_department = db.session.execute(text(
            "SELECT employee_no, department_id FROM users WHERE employee_no LIKE 'worker%' "
            "AND department_id != :d AND employee_no != 'worker1' ORDER BY id LIMIT 1"),
            {"d": reporter_department}).one()

    # 1. worker2 reports on a 390-pixel-wide phone screen.
    phone_context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    login(phone, "worker2")
    phone.goto("/safety/hazards/new")
    phone.locator("label[for=kind-0]").click()
    pick(phone, "department_id", name_of(app, Department, reporter_department), reporter_department)
    phone.fill("#place", "二号行车南侧走道")
    phone.fill("#description", DESCRIPTION)
    phone.locator("label[for=proposed_severity-1]").click()
    phone.set_input_files("#photos", files=[_jpeg((200, 60, 40))])
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the form is wider than the phone: {width}px"
    screenshot(phone, "safety-report-phone")
    phone.get_by_role("button", name="提交报告").click()
    expect(phone.get_by_text("已提交，安全员核实后会通知您")).to_be_visible()
    serial = re.search(r"YH-\d{4}-\d{4}", phone.content()).group(0)
    hazard_url = phone.url
    expect(phone.locator("img.hazard-thumb")).to_have_count(1)

    # 2. safety1 confirms it as 较大 and orders the rectification.
    officer = new_page()
    login(officer, "safety1")
    officer.goto(hazard_url)
    expect(officer.get_by_text(reporter_name).first).to_be_visible()
    officer.locator("label[for=decision-0]").click()
    officer.select_option("#grade", "major")
    officer.get_by_role("button", name="提交核实结论").click()
    expect(officer.get_by_text("已记录核实结论。")).to_be_visible()
    pick(officer, "department_id", name_of(app, Department, fixer_department), fixer_department)
    officer.fill("#measures", "更换护栏紧固件，加装警示标识")
    officer.fill("#deadline", (local_today() + timedelta(days=5)).isoformat())
    officer.get_by_role("button", name="下达整改").click()
    expect(officer.get_by_text("已下达整改。")).to_be_visible()

    # 3. The responsible department records the fix; it never sees the reporter.
    fixer = new_page()
    login(fixer, fixer_no)
    fixer.goto("/safety/hazards/?tab=tasks")
    fixer.get_by_text(DESCRIPTION).click()
    assert reporter_name not in fixer.content() and "worker2" not in fixer.content()
    fixer.fill("#note", "紧固件已更换，警示标识已安装")
    fixer.set_input_files("#photos", files=[_jpeg((40, 160, 60))])
    fixer.get_by_role("button", name="提交整改完成").click()
    expect(fixer.get_by_text("等待安全员验收")).to_be_visible()
    assert reporter_name not in fixer.content()

    # 4. safety1 verifies.
    officer.goto(hazard_url)
    officer.locator("label[for=decision-0]").click()
    officer.get_by_role("button", name="提交验收结论").click()
    expect(officer.get_by_text("已记录验收结论。")).to_be_visible()
    expect(officer.locator(".badge", has_text="已验收").first).to_be_visible()
    screenshot(officer, "safety-verified")

    # 5. e1admin pays the reward from the union's ledger.
    admin = new_page()
    admin.on("dialog", lambda dialog: dialog.accept())
    login(admin, "e1admin")
    admin.goto("/suggestions/rewards?kind=hazard&status=pending")
    admin.get_by_role("checkbox", name=re.compile(serial)).check()
    admin.get_by_role("button", name="标记为已发放").click()
    expect(admin.get_by_text("已将 1 笔奖金标记为已发放。")).to_be_visible()

    # 6. worker2 sees the reward paid.
    phone.goto(hazard_url)
    expect(phone.get_by_text("已发放").first).to_be_visible()
    phone.goto("/notifications/")
    expect(phone.get_by_text(f"您报告的隐患 {serial} 的奖金 200.00 元已发放。")).to_be_visible()
    phone_context.close()
