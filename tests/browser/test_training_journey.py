"""The training journey in a real browser: hr1 creates a session with 2 seats, three workers sign up (the third
waits), the first cancels, the third moves up and sees the notification, hr1 takes attendance and exports."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot


def _local(days: int, hour: int) -> str:
    moment = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def _start_now(app, title: str) -> None:
    """Time passes: the session started at today 00:00 (attendance opens at the start)."""
    from sqlalchemy import update

    from blueprints.training.models import TrainingSession
    from extensions import db

    starts = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=0, minute=0, second=0, microsecond=0)
    with app.app_context():
        db.session.execute(update(TrainingSession).where(TrainingSession.title == title)
                           .values(starts_at=starts, signup_deadline=starts))
        db.session.commit()


def _sign_up(new_page, employee_no: str, session_url: str):
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, employee_no)
    page.goto(session_url)
    page.locator("#mybox button[type=submit]").click()
    return page


def test_signup_waitlist_promotion_attendance_and_export(new_page, live_server):
    hr = new_page()
    hr.on("dialog", lambda dialog: dialog.accept())
    login(hr, "hr1")
    hr.get_by_role("link", name="培训管理").first.click()
    hr.get_by_role("link", name="新建场次").click()
    hr.fill("#title", "数控铣床安全操作培训（旅程测试）")
    hr.select_option("#kind", "safety")
    hr.fill("#location", "第一机械厂培训楼 302")
    hr.fill("#instructor", "王振华")
    hr.fill("#starts_at", _local(3, 9))
    hr.fill("#ends_at", _local(3, 11))
    hr.fill("#capacity", "2")
    hr.get_by_role("button", name="保存").click()
    expect(hr.get_by_text("已保存为草稿")).to_be_visible()
    hr.get_by_role("button", name="发布并开放报名").click()
    expect(hr.get_by_text("已发布，职工现在可以报名了。")).to_be_visible()
    session_url = re.sub(r"/roster.*$", "", hr.url)
    screenshot(hr, "training-1-hr-published")

    worker1 = _sign_up(new_page, "worker1", session_url)
    expect(worker1.locator("#mybox")).to_contain_text("报名成功")
    worker2 = _sign_up(new_page, "worker2", session_url)
    expect(worker2.locator("#mybox")).to_contain_text("报名成功")
    expect(worker2.locator("#seats")).to_contain_text("名额已满")  # the seat count changed in place
    worker3 = _sign_up(new_page, "worker3", session_url)
    expect(worker3.locator("#mybox")).to_contain_text("您已进入候补名单，当前第 1 位")
    expect(worker3.locator(".training-position")).to_have_text("1")
    screenshot(worker3, "training-2-worker3-waitlisted")

    worker1.reload()
    worker1.get_by_role("button", name="取消报名").click()
    expect(worker1.locator("#mybox")).to_contain_text("已取消报名")
    expect(worker1.locator("#seats")).to_contain_text("候补 0 人")

    worker3.goto("/notifications/")
    expect(worker3.get_by_text(re.compile("您已从候补转为正式学员"))).to_be_visible()
    expect(worker3.locator("nav .badge").first).to_have_text("1")
    screenshot(worker3, "training-3-worker3-notified")
    worker3.goto(session_url)
    expect(worker3.locator("#mybox")).to_contain_text("您已报名，名额已确认")

    hr.reload()
    expect(hr.locator("#recording-later")).to_be_visible()  # attendance opens at the start, not before
    _start_now(live_server.app, "数控铣床安全操作培训（旅程测试）")
    hr.reload()
    rows = hr.locator("table.roster-table tbody tr")
    expect(rows).to_have_count(2)
    row2 = rows.filter(has_text="worker2")
    row2.get_by_role("button", name="出勤").click()
    expect(row2.get_by_role("button", name="出勤")).to_have_attribute("aria-pressed", "true")  # swapped in place
    row3 = rows.filter(has_text="worker3")
    row3.get_by_role("button", name="缺勤").click()
    expect(row3.get_by_role("button", name="缺勤")).to_have_attribute("aria-pressed", "true")
    screenshot(hr, "training-4-hr-attendance")

    with hr.expect_download() as download_info:
        hr.get_by_role("link", name="导出名单（.xlsx）").click()
    book = load_workbook(io.BytesIO(download_info.value.path().read_bytes()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][-1] == "签名"
    by_no = {row[1]: row for row in rows[1:]}
    assert set(by_no) == {"worker2", "worker3"}
    assert by_no["worker2"][8] == "出勤" and by_no["worker3"][8] == "缺勤"


def test_journey_pages_in_english_and_without_javascript(new_page, live_server):
    page = new_page(java_script_enabled=False)
    login(page, "hr1")  # hr1 is also a worker and is on no demo roster
    page.get_by_role("button", name="English").click()
    page.goto("/training/")
    expect(page.get_by_role("heading", name="Training", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("电气防火")).click()
    page.get_by_role("button", name="Sign up now").click()  # a plain form post and redirect
    expect(page.get_by_text("You are signed up and your seat is confirmed.").first).to_be_visible()
    screenshot(page, "training-5-worker-english-nojs")
