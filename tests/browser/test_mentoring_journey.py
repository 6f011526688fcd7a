"""名师带徒 in a real browser: HR pairs a master with an apprentice, both check in, HR records the mid-term and the
final assessment, confirms completion, and the apprentice's new skill level shows on their record."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.core.clock import local_today
from blueprints.core.models import SKILL_LEVELS, User
from blueprints.mentoring.models import MentoringPair
from extensions import db
from tests.browser.conftest import login, logout, screenshot

MASTER = "worker18"  # in no demo pair


def _apprentice(app) -> tuple[str, str, str]:
    """A demo worker of enterprise 1 without a pair whose level leaves room for a target: (工号, level, target)."""
    with app.app_context():
        paired = set(db.session.scalars(select(MentoringPair.apprentice_id)))
        for n in range(21, 60):
            user = db.session.scalar(select(User).where(User.employee_no == f"worker{n}"))
            if user.id not in paired and SKILL_LEVELS.index(user.skill_level) <= 3:
                level = user.skill_level
                return user.employee_no, level, SKILL_LEVELS[SKILL_LEVELS.index(level) + 1]
    raise AssertionError("no apprentice candidate in the demo")


def pick_person(page, field_id: str, employee_no: str) -> None:
    """The person picker's type-ahead: search by 工号, then click the person."""
    page.wait_for_load_state("load")
    search = page.locator(f"#{field_id}").locator("xpath=ancestor::div[contains(@class,'person-picker')]") \
        .locator("input[type=search]")
    search.fill(employee_no)
    page.locator(f"#{field_id}-results [data-pick-employee='{employee_no}']").click()


def _check_in(page, text: str) -> None:
    page.fill("#body", text)
    page.get_by_role("button", name="添加记录").click()
    expect(page.locator("#flashes")).to_contain_text("记录已保存")
    expect(page.locator("#checkins")).to_contain_text(text)


def _assess(page, score: str, grade: str, reached: bool | None = None) -> None:
    page.fill("#score", score)
    page.select_option("#grade", grade)
    if reached is not None:
        page.check("#target_reached-0" if reached else "#target_reached-1")
    page.fill("#comment", "按计划完成，实操过关。")
    page.get_by_role("button", name="登记考核").click()
    expect(page.locator("#flashes")).to_contain_text("考核已登记")


def test_hr_pairs_both_check_in_assessed_and_completed(page, live_server):
    apprentice_no, level, target = _apprentice(live_server.app)
    starts_on = local_today() - timedelta(days=200)

    # 1. hr1 makes the pair with the person picker; the target must be above the apprentice's level.
    login(page, "hr1")
    page.goto("/mentoring/")
    page.get_by_role("link", name="新建师徒对子").first.click()
    pick_person(page, "master_no", MASTER)
    pick_person(page, "apprentice_no", apprentice_no)
    page.fill("#starts_on", starts_on.isoformat())
    page.fill("#ends_on", (starts_on + timedelta(days=365)).isoformat())
    page.select_option("#target_level", level)  # not above the current level: refused, what was typed kept
    page.fill("#goals", "掌握数控车床宏程序编程，独立完成典型零件加工。")
    page.get_by_role("button", name="建立师徒对子").click()
    expect(page.locator("#target_level-error")).to_contain_text("目标等级必须高于徒弟现在的技能等级")
    expect(page.locator("#goals")).to_have_value("掌握数控车床宏程序编程，独立完成典型零件加工。")
    page.select_option("#target_level", target)
    screenshot(page, "mentoring-01-new")
    page.get_by_role("button", name="建立师徒对子").click()
    expect(page.locator("#flashes")).to_contain_text("师徒对子已建立")
    assert re.search(r"/mentoring/\d+$", page.url)
    pair_url = page.url
    logout(page)

    # 2. The master sees the pair on my space and writes a check-in; then the apprentice does.
    login(page, MASTER)
    expect(page.get_by_text("我带的徒弟：")).to_be_visible()
    page.goto(pair_url)
    _check_in(page, "第一周：讲解设备结构与安全规程，徒弟已能独立开机对刀。")
    logout(page)
    login(page, apprentice_no)
    expect(page.get_by_text("我的师傅：")).to_be_visible()
    page.goto(pair_url)
    _check_in(page, "学会了工件坐标系设定，刀具补偿还要多练。")
    logout(page)

    # 3. hr1 sees the mid-term due, records it, then the final (target reached), and confirms completion.
    login(page, "hr1")
    expect(page.get_by_text("待中期考核").first).to_be_visible()
    page.goto(pair_url)
    expect(page.get_by_text("请登记中期考核")).to_be_visible()
    _assess(page, "84", "good")
    _assess(page, "92", "excellent", reached=True)
    screenshot(page, "mentoring-02-assessed")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认出师").click()
    expect(page.locator("#flashes")).to_contain_text(f"徒弟的技能等级已更新为 {target}")
    expect(page.get_by_text("已出师").first).to_be_visible()
    screenshot(page, "mentoring-03-completed")

    # 4. The apprentice's record shows the new level with its dated history.
    with live_server.app.app_context():
        person_id = db.session.scalar(select(User.id).where(User.employee_no == apprentice_no))
    page.goto(f"/stats/people/{person_id}")
    expect(page.get_by_text(f"现在的技能等级：{target}")).to_be_visible()
    expect(page.locator("#skill-history")).to_contain_text(f"{level} → {target}")
    expect(page.locator("#skill-history")).to_contain_text("名师带徒出师")
    screenshot(page, "mentoring-04-record")


def test_mentoring_pages_pass_axe(browser, live_server):
    """No serious or critical accessibility violations on the mentoring pages and panels (axe-core, vendored)."""
    from tests.browser.axe import assert_accessible, axe_context

    with axe_context(browser, live_server) as context:
        page = context.new_page()
        for user, paths in (("hr1", ["/", "/mentoring/", "/mentoring/new", "/mentoring/1", "/mentoring/2",
                                     "/stats/", "/stats/people/"]),
                            ("worker1", ["/", "/mentoring/", "/mentoring/2"])):
            login(page, user)
            for path in paths:
                page.goto(path)
                # The core's notifications panel on "/" is not this domain's.
                assert_accessible(page, exclude=("section[aria-labelledby=panel-notifications]",),
                                  label=f"{user} {path}")
            logout(page)
