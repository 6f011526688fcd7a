"""Honours in a real browser: an enterprise admin nominates a team with evidence filled from the records, the
district union forwards it, the city approves it, and the honour shows in the unit's honours list; the demo's
approved medal shows on lead1's personal record."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import login, pick, screenshot

TEAM = "数控二班"


def watch_console(page) -> list[str]:
    """Collect console errors (a CSP violation or a script error fails the journey)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_nominate_forward_approve_and_see_the_honour(new_page):
    # 1. The enterprise admin nominates a team; the evidence box is filled from the records and edited.
    enterprise = new_page()
    errors = watch_console(enterprise)
    login(enterprise, "e1admin")
    enterprise.goto("/honours/")
    enterprise.get_by_role("link", name="推荐先进").first.click()
    expect(enterprise.get_by_role("heading", name="推荐先进")).to_be_visible()
    enterprise.select_option("#subject_kind", "team")
    pick(enterprise, "department_id", TEAM)
    enterprise.select_option("#honour", "pioneer")
    enterprise.get_by_role("button", name="从平台记录提取").click()
    evidence = enterprise.locator("#evidence")
    expect(evidence).to_have_value(re.compile("合理化建议"))
    expect(enterprise.locator("#honour")).to_have_value("pioneer")  # what was chosen is kept
    evidence.fill(evidence.input_value() + "\n班组连续三年安全生产无事故")
    enterprise.fill("#summary", "数控二班开展“五小”创新，带出高级工 8 名。")
    screenshot(enterprise, "honours-01-nominate")
    enterprise.get_by_role("button", name="提交推荐").click()
    expect(enterprise.locator("#flashes")).to_contain_text("已提交推荐")
    expect(enterprise.get_by_text("待区县（产业）工会审核").first).to_be_visible()
    expect(enterprise.get_by_text("班组连续三年安全生产无事故")).to_be_visible()
    detail_url = enterprise.url
    assert re.search(r"/honours/\d+$", detail_url)
    expect(enterprise.get_by_role("button", name="转报市总工会")).to_have_count(0)  # not the enterprise's to decide

    # 2. The district union finds it waiting and forwards it with a comment.
    district = new_page()
    errors += watch_console(district)
    login(district, "d1admin")
    district.goto("/honours/")
    waiting = district.locator("section", has_text="待我审核")
    waiting.get_by_role("link", name=TEAM).click()
    district.fill("#reason", "事迹突出，同意推荐。")
    district.get_by_role("button", name="转报市总工会").click()
    expect(district.locator("#flashes")).to_contain_text("转报市总工会")
    expect(district.get_by_text("待市总工会审定").first).to_be_visible()
    screenshot(district, "honours-02-forwarded")

    # 3. The city approves it.
    city = new_page()
    errors += watch_console(city)
    login(city, "admin")
    city.goto("/honours/")
    city.locator("section", has_text="待我审核").get_by_role("link", name=TEAM).click()
    city.get_by_role("button", name="批准").click()
    expect(city.locator("#flashes")).to_contain_text("已批准")
    expect(city.get_by_text("事迹突出，同意推荐。")).to_be_visible()  # the history keeps the district's reason
    screenshot(city, "honours-03-approved")

    # 4. The unit's honours list shows it; the demo's approved medal is on lead1's personal record.
    enterprise.goto(detail_url)
    enterprise.get_by_role("link", name="本单位荣誉").click()
    results = enterprise.locator("#results")
    expect(results.get_by_role("row", name=re.compile(TEAM))).to_contain_text("已批准")
    screenshot(enterprise, "honours-04-unit-honours")
    city.goto("/honours/?status=approved")
    city.locator("#results").get_by_role("link", name="王振华").click()
    city.get_by_role("link", name="王振华").click()
    expect(city.locator("#rec-honours")).to_be_visible()
    expect(city.locator("section[aria-labelledby=rec-honours]")).to_contain_text("五一劳动奖章")
    screenshot(city, "honours-05-personal-record")
    assert not errors, errors
