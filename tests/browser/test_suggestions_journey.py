"""Suggestions in a real browser: worker1 submits with an attachment → lead1 accepts with scores → lead1 marks it
implemented → admin awards it → worker1 sees the award and the notification. Plus the same core flow with
JavaScript switched off."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.core.models import User
from blueprints.workshops.models import Workshop
from extensions import db
from tests.browser.conftest import fill_suggestion_title, login, logout, name_of, pick, screenshot
from tests.fixtures_suggestions import png_bytes


def _lead1_workshop_id(live_server) -> int:
    with live_server.app.app_context():
        lead1 = db.session.scalar(select(User.id).where(User.employee_no == "lead1"))
        return db.session.scalar(select(Workshop.id).where(Workshop.lead_id == lead1, Workshop.status == "approved")
                                 .order_by(Workshop.id).limit(1))


def test_submit_accept_implement_award_and_see_it(new_page, live_server):
    workshop_id = _lead1_workshop_id(live_server)
    worker = new_page()
    login(worker, "worker1")
    worker.goto("/suggestions/new")
    # The duplicate hint: typing a title shows similar existing suggestions (debounced htmx).
    worker.fill("#title", "数控车床冷却液回收")
    expect(worker.locator("#similar")).to_contain_text("已有类似的建议")
    fill_suggestion_title(worker, "数控车床冷却液过滤再生小车")
    worker.select_option("#category", "invention")
    pick(worker, "workshop_id", name_of(live_server.app, Workshop, workshop_id), workshop_id)
    worker.fill("#problem", "冷却液每班更换，废液多，成本高。")
    worker.fill("#proposal", "自制过滤再生小车，沉淀+磁性过滤后回用。")
    worker.fill("#expected_benefit", "每年节约冷却液约 4 万元。")
    # Co-author through the type-ahead person picker.
    picker = worker.locator(".person-picker input[type=search]")
    picker.fill("worker3")
    worker.locator("[data-pick-employee=worker3]").click()
    expect(worker.locator("#coauthors")).to_have_value("worker3")
    worker.set_input_files("#files", files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": png_bytes()}])
    screenshot(worker, "suggestions-01-form")
    worker.get_by_role("button", name="提交审核").click()
    worker.wait_for_url(re.compile(r"/suggestions/\d+$"))
    expect(worker.locator("#flashes")).to_contain_text("已提交，编号 WX-")
    serial = re.search(r"WX-\d{4}-\d{4}", worker.locator("#flashes").inner_text()).group(0)
    suggestion_url = worker.url
    expect(worker.get_by_role("link", name="现场照片.png")).to_be_visible()
    screenshot(worker, "suggestions-02-submitted")

    # lead1 reviews it inline in the queue, with the rubric.
    lead = new_page()
    login(lead, "lead1")
    expect(lead.locator("#panel-review")).to_be_visible()
    lead.goto("/suggestions/review")
    row = lead.locator("tbody.queue-item", has_text=serial)
    row.get_by_role("link", name="采纳", exact=True).click()
    row = lead.locator("tbody.queue-item", has_text=serial)
    expect(row.locator("input[name=score_innovation]")).to_be_focused()  # settled: focus moves no more
    row.locator("input[name=score_innovation]").fill("27")
    row.locator("input[name=score_practicality]").fill("26")
    row.locator("input[name=score_benefit]").fill("20")
    row.locator("input[name=score_replicability]").fill("12")
    expect(row.locator("[data-rubric-total]")).to_have_text("85")
    expect(row.locator("[data-rubric-grade]")).to_have_text("二等奖")
    screenshot(lead, "suggestions-03-inline-accept")
    row.get_by_role("button", name="确认采纳").click()
    expect(lead.locator("tbody.queue-item", has_text=serial)).to_contain_text("合计 85 分")

    # …and marks it implemented from the "to implement" tab.
    lead.goto("/suggestions/review?status=accepted")
    row = lead.locator("tbody.queue-item", has_text=serial)
    row.get_by_role("link", name="标记实施").click()
    row = lead.locator("tbody.queue-item", has_text=serial)
    # The inline form focuses its first field once htmx has settled; typing before that could land in it.
    expect(row.locator("input[name=implemented_on]")).to_be_focused()
    row.locator("input[name=annual_benefit]").fill("41000.50")
    expect(row.locator("input[name=annual_benefit]")).to_have_value("41000.50")
    row.get_by_role("button", name="确认已实施").click()
    expect(lead.locator("tbody.queue-item", has_text=serial)).to_contain_text("标记为已实施")

    # The admin awards it: the grade comes from the rubric, the reward from the settings, split equally.
    admin = new_page()
    login(admin, "admin")
    admin.goto(suggestion_url)
    admin.get_by_role("link", name="评奖").click()
    expect(admin.locator("#grade")).to_have_value("second")
    expect(admin.locator("#amount")).to_have_value("1000.00")
    expect(admin.locator("#award-preview")).to_contain_text("¥500.00")
    screenshot(admin, "suggestions-04-award")
    admin.get_by_role("button", name="确认评奖").click()
    expect(admin.locator("#flashes")).to_contain_text("已评奖：二等奖")

    # worker1 sees the award, the ledger lines and the notification.
    worker.goto("/")
    expect(worker.locator("#notification-badge")).not_to_have_text("0")
    award_note = f"建议 {serial}《数控车床冷却液过滤再生小车》荣获二等奖，奖金 1,000.00 元。"
    expect(worker.get_by_text(award_note)).to_be_visible()
    screenshot(worker, "suggestions-05-home")
    worker.goto(suggestion_url)
    award = worker.locator("#h-award").locator("xpath=ancestor::section")
    expect(award).to_contain_text("二等奖")
    expect(award).to_contain_text("¥500.00")
    expect(award).to_contain_text("待发放")
    history = worker.locator("#h-history").locator("xpath=ancestor::section")
    for step in ("提交", "采纳", "标记已实施", "评奖"):
        expect(history).to_contain_text(step)
    screenshot(worker, "suggestions-06-awarded")
    # The attachment downloads (never opens inline).
    with worker.expect_download() as download:
        worker.get_by_role("link", name="现场照片.png").click()
    assert download.value.suggested_filename == "现场照片.png"


def test_the_core_flow_works_with_javascript_off(new_page, live_server):
    workshop_id = _lead1_workshop_id(live_server)
    worker = new_page(java_script_enabled=False)
    login(worker, "worker5")
    worker.goto("/suggestions/new")
    worker.fill("#title", "无脚本也能提交的建议")
    worker.select_option("#category", "suggestion")
    pick(worker, "workshop_id", name_of(live_server.app, Workshop, workshop_id), javascript=False)
    worker.fill("#problem", "问题")
    worker.fill("#proposal", "措施")
    worker.fill("#expected_benefit", "效益")
    worker.fill("#coauthors", "worker6, nobody-here")
    worker.get_by_role("button", name="提交审核").click()
    # A refused co-author: the message is next to the field and everything typed is still there.
    expect(worker.locator("#coauthors-error")).to_contain_text("找不到这些工号：nobody-here")
    expect(worker.locator("#title")).to_have_value("无脚本也能提交的建议")
    worker.fill("#coauthors", "worker6")
    worker.get_by_role("button", name="提交审核").click()
    worker.wait_for_url(re.compile(r"/suggestions/\d+$"))
    suggestion_url = worker.url

    lead = new_page(java_script_enabled=False)
    login(lead, "lead1")
    lead.goto(suggestion_url)
    lead.get_by_role("link", name="退回修改").click()
    lead.fill("#comment", "请补充照片。")
    lead.get_by_role("button", name="确认退回").click()
    expect(lead.locator("#flashes")).to_contain_text("已退回")

    worker.goto(suggestion_url)
    expect(worker.locator(".alert-warning")).to_contain_text("请补充照片。")
    worker.get_by_role("link", name="去修改并重新提交").click()
    worker.fill("#problem", "问题（已补充照片）")
    worker.get_by_role("button", name="重新提交").click()
    worker.wait_for_url(re.compile(r"/suggestions/\d+$"))
    expect(worker.locator("#flashes")).to_contain_text("已提交")
    expect(worker.locator(".badge-status").first).to_contain_text("待审核")
    logout(worker)
