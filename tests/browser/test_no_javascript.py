"""The core flows with JavaScript switched off: plain form posts and redirects do all the work.

A worker signs in, submits a suggestion to lead1's workshop and signs up for a training session; lead1 signs in
and accepts the suggestion with the rubric (after a refusal that keeps what was typed). Nothing here may depend on
htmx or app.js: the browser contexts run no script at all.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import login, logout, screenshot

WORKSHOP = "王振华数控技能大师工作室"
SESSION = "安全培训：电气防火与应急处置"


def test_sign_in_submit_sign_up_and_review_without_javascript(new_page):
    worker = new_page(java_script_enabled=False)
    login(worker, "worker40")

    # A suggestion, submitted straight away (no type-ahead, no duplicate hint: plain fields).
    worker.get_by_role("link", name="五小建议", exact=True).click()
    worker.get_by_role("link", name="提建议").first.click()
    worker.fill("#title", "行车遥控器挂架防跌落改造")
    worker.select_option("#category", "renovation")
    worker.fill("#workshop_id", WORKSHOP)  # the picker's text box: an exact unique name is taken
    worker.fill("#problem", "遥控器常挂在立柱钉子上，跌落摔坏。")
    worker.fill("#proposal", "加装带锁扣的挂架。")
    worker.fill("#expected_benefit", "每年少坏 4 台遥控器。")
    worker.get_by_role("button", name="提交审核").click()
    worker.wait_for_url(re.compile(r"/suggestions/\d+$"))
    expect(worker.locator("#flashes")).to_contain_text("已提交，编号 WX-")
    suggestion_url = worker.url
    expect(worker.locator(".badge-status").first).to_contain_text("待审核")

    # A training signup: the form posts, the server redirects back to the session with the seat confirmed.
    worker.get_by_role("link", name="培训报名", exact=True).click()
    worker.get_by_role("link", name=SESSION).click()
    expect(worker.locator("#seats")).to_contain_text("12")
    worker.get_by_role("button", name="立即报名").click()
    expect(worker.get_by_text("报名成功，您的名额已确认。").first).to_be_visible()
    expect(worker.locator("#mybox")).to_contain_text("您已报名，名额已确认。")
    expect(worker.locator("#seats")).to_contain_text("13")
    screenshot(worker, "nojs-1-worker-signed-up")
    logout(worker)

    # lead1 accepts it on the full decision page. A missing score is refused next to its field, the rest kept.
    lead = new_page(java_script_enabled=False)
    login(lead, "lead1")
    lead.goto(suggestion_url)
    lead.get_by_role("link", name="采纳并评分").click()
    lead.fill("#score_innovation", "26")
    lead.fill("#score_practicality", "25")
    lead.fill("#score_benefit", "")
    lead.fill("#score_replicability", "12")
    lead.get_by_role("button", name="确认采纳").click()
    expect(lead.locator("#score_benefit-error")).to_be_visible()
    expect(lead.locator("#score_innovation")).to_have_value("26")
    screenshot(lead, "nojs-2-lead-refused")
    lead.fill("#score_benefit", "20")
    lead.get_by_role("button", name="确认采纳").click()
    lead.wait_for_url(suggestion_url)
    expect(lead.locator("#flashes")).to_contain_text("已采纳")
    expect(lead.locator(".badge-status").first).to_contain_text("已采纳")
    screenshot(lead, "nojs-3-lead-accepted")

    # The author sees the decision (a plain page load; no badge polling without script).
    login(worker, "worker40")
    worker.goto(suggestion_url)
    expect(worker.locator(".badge-status").first).to_contain_text("已采纳")
    expect(worker.locator("#h-history").locator("xpath=ancestor::section")).to_contain_text("采纳")
