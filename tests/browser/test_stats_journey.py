"""The statistics journey in a real browser: the admin opens /stats/, changes year and department (htmx), sorts,
edits a target inline (a refusal first), sees the charts drawn and downloads the workbook; a lead and HR see their
parts; a worker opens their record from my space; English; JavaScript off; and an accessibility check."""
from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, axe_context
from tests.browser.conftest import login, logout, pick, screenshot


def _this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Shanghai")).year


def _watch_console(page) -> list[str]:
    """Collect console errors (a CSP violation or a script error would show here)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_admin_reads_filters_sorts_edits_a_target_and_exports(new_page):
    page = new_page()
    errors = _watch_console(page)
    login(page, "admin")
    page.get_by_role("link", name="竞赛统计").first.click()
    expect(page.get_by_role("heading", name="竞赛统计", exact=True)).to_be_visible()
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)  # participation, suggestions, training, hazards
    # The root's admin starts at the whole city; the demo's targets are set in the Part I enterprise.
    expect(page.locator("#stats-body")).to_contain_text("哈尔滨市总工会")
    pick(page, "dept", "滨江重工集团有限公司")
    expect(page.locator("#kpi-rate")).to_contain_text("目标 80%")
    screenshot(page, "stats-1-admin")

    # The year picker swaps the body in place (htmx) and the address follows.
    year = _this_year()
    page.select_option("#year", str(year - 1))
    expect(page.locator("#stats-body")).to_contain_text(f"{year - 1} 年 · 滨江重工集团有限公司")
    expect(page).to_have_url(re.compile(f"year={year - 1}"))
    expect(page.locator("#kpi-rate")).to_contain_text("目标 70%")
    page.select_option("#year", str(year))
    expect(page.locator("#kpi-rate")).to_contain_text("目标 80%")

    # The department picker narrows to a plant and its workshop floors; the breadcrumb leads back.
    pick(page, "dept", "第一机械厂")
    plant = page.locator("input[name=dept]").input_value()
    table = page.locator("#department-table")
    expect(table).to_contain_text("机加工车间")
    expect(table).to_contain_text("装配车间")
    expect(page).to_have_url(re.compile(f"dept={plant}"))
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)  # redrawn after the swap
    page.get_by_role("navigation", name="单位层级").get_by_role("link", name="滨江重工集团有限公司").click()
    expect(table).to_contain_text("动力分公司")

    # Sorting by participation rate re-renders the table only.
    table.get_by_role("link", name="参与率").click()
    expect(table.locator("th[aria-sort]")).to_contain_text("参与率")
    first = table.locator("tbody tr").first
    expect(first).to_contain_text("设备检修中心")  # the highest rate
    table.get_by_role("link", name="参与率").click()
    expect(table.locator("th[aria-sort=ascending]")).to_have_count(1)

    # Inline target: a bad value is refused in place with what was typed; then a good one is saved.
    row = table.locator("tbody tr", has_text="第二机械厂")
    row.get_by_role("link", name="修改第二机械厂的目标").click()
    box = row.get_by_role("textbox")
    expect(box).to_be_focused()
    box.fill("abc")
    row.get_by_role("button", name="保存").click()
    expect(row.get_by_role("alert")).to_contain_text("0 到 100 之间的整数")
    expect(row.get_by_role("textbox")).to_have_value("abc")
    row.get_by_role("textbox").fill("60")
    row.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已将“第二机械厂”{year} 年的目标参与率设为 60%。")
    row = page.locator("#department-table tbody tr", has_text="第二机械厂")
    expect(row).to_contain_text("60%")
    expect(row).to_contain_text("已达标")
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)
    screenshot(page, "stats-2-admin-target-saved")

    # The export is a background job: the button queues it and opens its page, which offers the file when done.
    page.get_by_role("button", name="导出 Excel").click()
    expect(page.locator("#job-download")).to_be_visible()
    with page.expect_download() as download:
        page.locator("#job-download").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    assert "各单位参与情况" in book.sheetnames and "创新之星" in book.sheetnames
    lines = {r[0]: r for r in book["各单位参与情况"].iter_rows(values_only=True)}
    assert lines["第二机械厂"][4] == 60 and lines["第二机械厂"][7] == "已达标"
    assert download.value.suggested_filename == f"竞赛统计-{year}-滨江重工集团有限公司.xlsx"
    assert errors == [], errors


def test_lead_and_hr_see_their_parts_also_in_english(new_page):
    lead = new_page()
    errors = _watch_console(lead)
    login(lead, "lead1")
    lead.goto("/stats/")
    mine = lead.locator("#my-workshops-table")
    expect(mine).to_contain_text("王振华数控技能大师工作室")
    expect(lead.get_by_text("各单位参与情况")).to_have_count(0)
    expect(lead.locator("#dept")).to_have_count(0)
    expect(lead.locator("canvas[data-drawn=true]")).to_have_count(1)
    expect(lead.locator("#workshop-levels")).to_contain_text("国家级 1")
    screenshot(lead, "stats-3-lead")

    hr = new_page()
    errors += _watch_console(hr)
    login(hr, "hr1")
    hr.get_by_role("button", name="English").click()
    hr.goto("/stats/")
    expect(hr.get_by_role("heading", name="Statistics", exact=True)).to_be_visible()
    expect(hr.get_by_role("heading", name="Training by department")).to_be_visible()
    expect(hr.get_by_text("Participation by department")).to_have_count(0)
    expect(hr.locator("canvas[data-drawn=true]")).to_have_count(1)
    hr.locator("#training-table").get_by_role("link", name="Training person-times").click()
    expect(hr.locator("#training-table th[aria-sort=descending]")).to_contain_text("Training person-times")
    screenshot(hr, "stats-4-hr-english")

    # HR looks a worker up and opens their record.
    hr.get_by_role("link", name="Personal records").click()
    hr.wait_for_load_state("load")  # htmx must be listening before the type-ahead gets its input
    hr.get_by_role("searchbox").fill("李明")
    hr.locator("[data-pick-employee=worker1]").click()
    hr.get_by_role("button", name="Open the record").click()
    expect(hr.get_by_role("heading", name="Competition record of 李明")).to_be_visible()
    expect(hr.locator("#record-trainings")).to_contain_text("PX-")
    expect(hr.get_by_text("Awards and rewards")).to_have_count(0)  # HR does not see reward money
    assert errors == [], errors


def test_worker_opens_their_record_from_my_space(new_page):
    page = new_page()
    login(page, "worker1")
    card = page.locator("section[aria-labelledby=panel-my-record]")
    expect(card).to_contain_text("我的竞赛档案")
    card.get_by_role("link", name="查看完整档案").click()
    expect(page.get_by_role("heading", name="我的竞赛档案")).to_be_visible()
    expect(page.locator("#record-suggestions")).to_contain_text("作为作者")
    expect(page.locator("#record-trainings a[href*='/training/certificates/']")).to_have_count(2)
    screenshot(page, "stats-5-worker-record")
    page.goto("/stats/")
    expect(page.get_by_role("heading", name="没有权限")).to_be_visible()


def test_statistics_work_without_javascript(new_page):
    page = new_page(java_script_enabled=False)
    login(page, "admin")
    page.goto("/stats/")
    pick(page, "dept", "动力分公司", javascript=False)  # the department picker's text box, sent with the form
    page.get_by_role("button", name="按条件查看").click()  # the noscript button submits the filters
    plant = page.locator("input[name=dept]").input_value()  # the exact unique name was taken
    assert plant.isdigit()
    expect(page.locator("#department-table")).to_contain_text("供电车间")
    page.get_by_role("link", name="修改供电车间的目标").click()
    expect(page.get_by_role("heading", name=re.compile("供电车间 · .* 年目标参与率"))).to_be_visible()
    page.fill("#rate", "150")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("目标参与率不能超过 100%。")).to_be_visible()
    expect(page.locator("#rate")).to_have_value("150")
    page.fill("#rate", "77")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(re.compile("已将“供电车间”.* 年的目标参与率设为 77%。"))).to_be_visible()
    expect(page).to_have_url(re.compile(f"dept={plant}"))
    expect(page.locator("#department-table tbody tr", has_text="供电车间")).to_contain_text("77%")
    logout(page)


def test_statistics_pages_pass_axe(browser, live_server):
    """No serious or critical accessibility violations on the statistics pages (axe-core, vendored)."""
    with axe_context(browser, live_server) as context:
        page = context.new_page()
        for user, paths in (("admin", ["/stats/", "/stats/?dept=2", "/stats/people/", "/stats/people/4",
                                       "/stats/targets/2/edit"]),
                            ("hr1", ["/stats/"]), ("lead1", ["/stats/", "/"])):
            login(page, user)
            for path in paths:
                page.goto(path)
                # The core's notifications panel on "/" is not this domain's.
                assert_accessible(page, exclude=("section[aria-labelledby=panel-notifications]",),
                                  label=f"{user} {path}")
            logout(page)
