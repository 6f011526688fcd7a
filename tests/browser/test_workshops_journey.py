"""Innovation workshops in a real browser: register → approve → ask to join → approve the request → my space."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, axe_context
from tests.browser.conftest import login, screenshot

NAME = "王振华智能制造工匠创新工作室"


def pick_person(page, field_id: str, query: str, employee_no: str) -> None:
    """Use the person picker's type-ahead: search, then click the person in the results."""
    page.wait_for_load_state("load")  # htmx must be listening before the type-ahead gets its input
    search = page.locator(f"#{field_id}").locator("xpath=ancestor::div[contains(@class,'person-picker')]") \
        .locator("input[type=search]")
    search.fill(query)
    page.locator(f"#{field_id}-results [data-pick-employee='{employee_no}']").click()


def test_register_approve_join_and_see_it_in_my_space(new_page):
    # 1. lead1 registers a workshop with two founding members and submits it in one go.
    lead = new_page()
    login(lead, "lead1")
    lead.get_by_role("link", name="创新工作室", exact=True).click()
    lead.get_by_role("link", name="登记工作室").first.click()
    expect(lead.get_by_role("heading", name="登记创新工作室")).to_be_visible()
    lead.fill("#name", NAME)
    lead.select_option("#kind", "craftsman")
    lead.fill("#founded_on", "2024-03-01")
    lead.fill("#expertise", "智能制造")
    lead.fill("#description", "围绕数控车间的自动上下料和在线检测开展攻关，带徒传授数控编程与智能产线运维技能。")
    pick_person(lead, "members", "worker11", "worker11")
    pick_person(lead, "members", "worker12", "worker12")
    expect(lead.locator("#members")).to_have_value("worker11, worker12")
    screenshot(lead, "workshops-01-register")
    lead.get_by_role("button", name="保存并提交审批").click()
    expect(lead.get_by_role("heading", name="等待工会审批")).to_be_visible()
    expect(lead.locator("#flashes")).to_contain_text("已登记并提交")
    profile_url = lead.url
    assert re.search(r"/workshops/\d+$", profile_url)

    # 2. The admin sees the queue count on "my space" and approves in place.
    admin = new_page()
    login(admin, "admin")
    expect(admin.get_by_text("有 3 个工作室等待审批。")).to_be_visible()
    admin.get_by_role("link", name="去审批").click()
    card = admin.locator("article.ws-review", has_text=NAME)
    expect(admin.locator("#queue-count")).to_have_text("3")
    card.get_by_role("button", name="批准").click()
    expect(card.get_by_text("已批准")).to_be_visible()  # swapped in place, no page load
    expect(admin.locator("#queue-count")).to_have_text("2")
    assert admin.url.endswith("/workshops/review")
    screenshot(admin, "workshops-02-approved-in-queue")
    admin.goto("/")
    expect(admin.get_by_text("有 2 个工作室等待审批。")).to_be_visible()

    # 3. worker1 finds it with the live search and asks to join with one button.
    worker = new_page()
    login(worker, "worker1")
    expect(worker.get_by_text("您还没有加入创新工作室")).to_be_visible()
    worker.goto("/workshops/")
    worker.fill("#q", "智能制造")
    rows = worker.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(worker).to_have_url(re.compile(r"q=%E6%99%BA"))
    rows.get_by_role("link", name=NAME).click()
    membership = worker.locator("#membership")
    membership.get_by_role("button", name="申请加入").click()
    expect(membership.get_by_text("已申请，等待审核")).to_be_visible()
    expect(membership.get_by_role("button", name="撤回申请")).to_be_visible()
    assert worker.url == profile_url  # the button changed in place
    screenshot(worker, "workshops-03-join-requested")

    # 4. lead1 sees the request on "my space" and approves it in place.
    lead.goto("/")
    panel = lead.locator("section", has_text="工作室加入申请")
    expect(panel).to_contain_text("有 4 条加入申请等您处理。")  # three from the demo data plus worker1
    panel.get_by_role("link", name="去处理").click()
    row = lead.locator("li.ws-request", has_text="李明")
    expect(row).to_contain_text(NAME)
    row.get_by_role("button", name="同意").click()
    expect(row.get_by_text("已同意，已加入")).to_be_visible()
    screenshot(lead, "workshops-04-request-approved")

    # 5. worker1 sees the workshop in "my space" (and the notification), in Chinese and in English.
    worker.goto("/")
    mine = worker.locator("section", has_text="我的工作室")
    expect(mine.get_by_role("link", name=NAME)).to_be_visible()
    expect(mine).to_contain_text("成员")
    expect(worker.get_by_text(f"您已加入工作室“{NAME}”。")).to_be_visible()
    screenshot(worker, "workshops-05-my-space-zh")
    worker.get_by_role("button", name="English").click()
    expect(worker.locator("section", has_text="My workshops").get_by_role("link", name=NAME)).to_be_visible()
    expect(worker.get_by_text(f"You have joined the workshop “{NAME}”.")).to_be_visible()
    screenshot(worker, "workshops-06-my-space-en")
    worker.goto(profile_url)
    expect(worker.get_by_role("heading", name="Me and this workshop")).to_be_visible()
    expect(worker.get_by_role("button", name="Leave the workshop")).to_be_visible()
    worker.get_by_role("button", name="中文").click()


def test_join_and_approve_without_javascript(new_page):
    worker = new_page(java_script_enabled=False)
    login(worker, "worker1")
    worker.goto("/workshops/?q=王振华数控")
    worker.get_by_role("link", name="王振华数控技能大师工作室").click()
    worker.get_by_role("button", name="申请加入").click()
    expect(worker.locator("#flashes")).to_contain_text("已提交申请")
    expect(worker.get_by_text("已申请，等待审核")).to_be_visible()

    lead = new_page(java_script_enabled=False)
    login(lead, "lead1")
    lead.goto(worker.url)
    row = lead.locator("#requests li", has_text="李明")
    row.get_by_role("button", name="同意").click()
    expect(lead.locator("#flashes")).to_contain_text("已同意 李明 加入。")
    expect(lead.locator("#members")).to_contain_text("李明")

    worker.goto("/")
    expect(worker.locator("section", has_text="我的工作室").get_by_role("link", name="王振华数控技能大师工作室")) \
        .to_be_visible()


def test_ineligible_submit_names_the_rule_and_keeps_the_form(page):
    login(page, "worker30")
    page.goto("/workshops/new")
    page.fill("#name", "试验工作室")
    page.select_option("#kind", "worker")
    page.fill("#founded_on", "2024-03-01")
    page.fill("#expertise", "试验")
    page.get_by_role("button", name="保存并提交审批").click()
    alert = page.locator(".alert-warning")
    expect(alert).to_contain_text("至少 3 名在册成员（含负责人）（目前 1 名）")
    expect(alert).to_contain_text("工作室简介至少 20 个字（目前 0 个字）")
    expect(page.locator("#name")).to_have_value("试验工作室")
    screenshot(page, "workshops-07-ineligible")


def test_workshop_pages_pass_axe(browser, live_server):
    """No serious or critical accessibility violations on the workshops pages (axe-core, vendored)."""
    with axe_context(browser, live_server) as context:
        page = context.new_page()
        for user, paths in (("lead1", ["/", "/workshops/", "/workshops/1", "/workshops/new", "/workshops/requests",
                                       "/workshops/1/achievements/new", "/workshops/1/edit"]),
                            ("admin", ["/workshops/review", "/workshops/9", "/workshops/1/level"])):
            login(page, user)
            for path in paths:
                page.goto(path)
                # The core's notifications panel on "/" is not this domain's (its header link is reported to the lead).
                assert_accessible(page, exclude=("section[aria-labelledby=panel-notifications]",),
                                  label=f"{user} {path}")
            page.click("nav form[action$='/auth/logout'] button")
            page.wait_for_url("**/auth/login")
