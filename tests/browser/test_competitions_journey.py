"""The competitions journey in a real browser (SPEC §8): the city publishes a competition with weighted indicators,
enterprise 1's union admin enrols the enterprise and reports progress, the city accepts the report, closes the
competition, scores the unit and publishes provisional results that the enterprise sees."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.competitions.models import Competition, Report
from blueprints.core.clock import local_today
from extensions import db
from tests.browser.conftest import login, pick, screenshot

NAME = "旅程测试：全市技术革新竞赛"


def _competition(app) -> Competition:
    with app.app_context():
        return db.session.scalar(select(Competition).where(Competition.name == NAME))


def _create(city, today: date) -> None:
    city.goto("/competitions/new")
    city.fill("#name", NAME)
    city.select_option("#kind", "wuxiao")
    city.fill("#year", str(today.year))
    city.fill("#starts_on", today.replace(day=1).isoformat())
    city.fill("#ends_on", date(today.year, 12, 31).isoformat())
    for n, (name, weight, top) in enumerate((("革新项目", "60", "30"), ("推广应用", "30", "20"))):
        city.fill(f"[name=indicator_name-{n}]", name)
        city.fill(f"[name=indicator_weight-{n}]", weight)
        city.fill(f"[name=indicator_max-{n}]", top)
    city.get_by_role("button", name="保存").click()
    expect(city.locator("#indicators-error")).to_contain_text("权重合计必须为 100%")  # 60 + 30
    expect(city.locator("[name=indicator_name-0]")).to_have_value("革新项目")  # what was typed is kept
    city.fill("[name=indicator_weight-1]", "40")
    city.get_by_role("button", name="保存").click()
    expect(city.locator("h1")).to_have_text(NAME)
    city.get_by_role("button", name="发布竞赛").click()
    expect(city.locator(".alert-success")).to_contain_text("已发布")


def test_city_publishes_enterprise_enrols_and_reports_city_assesses(new_page, live_server):
    today = local_today()
    city = new_page()
    city.on("dialog", lambda dialog: dialog.accept())
    login(city, "admin")
    _create(city, today)
    competition = _competition(live_server.app)
    url = f"/competitions/{competition.id}"

    enterprise = new_page()
    enterprise.on("dialog", lambda dialog: dialog.accept())
    login(enterprise, "e1admin")
    enterprise.goto(url)
    pick(enterprise, "unit_id", "滨江重工集团有限公司")
    enterprise.get_by_role("button", name="报名").click()
    expect(enterprise.locator("#units tbody")).to_contain_text("滨江重工集团有限公司")

    city.goto(url)
    city.get_by_role("button", name="开始竞赛").click()
    expect(city.locator("header")).to_contain_text("进行中")

    enterprise.goto(f"{url}/reports")
    enterprise.get_by_role("link", name="填报").first.click()
    enterprise.locator("input[name^=figure_]").nth(0).fill("-3")
    enterprise.locator("input[name^=figure_]").nth(1).fill("5")
    enterprise.fill("#narrative", "完成数控冷却液回收装置革新")
    enterprise.get_by_role("button", name="提交审核").click()
    expect(enterprise.locator(".invalid-feedback")).to_contain_text("不能为负数")
    expect(enterprise.locator("#narrative")).to_have_value("完成数控冷却液回收装置革新")
    enterprise.locator("input[name^=figure_]").nth(0).fill("12")
    enterprise.get_by_role("button", name="提交审核").click()
    expect(enterprise.locator(".alert-success")).to_contain_text("已提交")
    screenshot(enterprise, "competitions-reports-enterprise")

    city.goto(f"{url}/reports")
    city.get_by_role("button", name="通过").first.click()
    expect(city.locator(".alert-success")).to_contain_text("已通过")
    with live_server.app.app_context():
        assert db.session.scalar(select(Report.status).where(Report.competition_id == competition.id)) == "accepted"

    city.goto(url)
    city.get_by_role("button", name="结束竞赛并开始评审").click()
    expect(city.locator("header")).to_contain_text("已结束")
    city.goto(f"{url}/results")
    boxes = city.locator("input[name^=score_]")
    expect(boxes.nth(0).locator("xpath=..")).to_contain_text("填报 12")  # the accepted figure beside the box
    boxes.nth(0).fill("31")
    city.get_by_role("button", name="保存").first.click()
    expect(city.locator(".invalid-feedback")).to_contain_text("不能超过满分")
    expect(city.locator("input[name^=score_]").nth(0)).to_have_value("31")
    city.locator("input[name^=score_]").nth(0).fill("27")
    city.locator("input[name^=score_]").nth(1).fill("15")
    city.get_by_role("button", name="保存").first.click()
    expect(city.locator("#ranking-h").locator("xpath=../..")).to_contain_text("84.00")  # 27/30*60 + 15/20*40
    city.get_by_role("button", name="公示评审结果").click()
    expect(city.locator(".alert-success")).to_contain_text("评审结果已公示")
    screenshot(city, "competitions-results-city")

    enterprise.goto(f"{url}/results")
    expect(enterprise.locator("main")).to_contain_text("84.00")
    expect(enterprise.get_by_role("button", name="提交异议")).to_be_visible()
