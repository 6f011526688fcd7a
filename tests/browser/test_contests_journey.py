"""The skills-contest journey in a real browser (SPEC §9): hr1 sets up a contest, the enterprise union nominates,
the draw, three judges score blind, the chief judge resolves a flagged spread, results go provisional, an objection
is answered, the results are final and the winner prints a certificate."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import login, pick, screenshot

JUDGES = ("worker21", "worker22", "worker23")
CHIEF = "worker24"
ENTRANTS = ("worker1", "worker2", "worker3")
# Per judge: theory then practical scores of contestants 1, 2, 3. Contestant 1's theory spread is 95 − 70 = 25 > 15.
SCORES = {"worker21": ([95, 80, 60], [90, 85, 70]), "worker22": ([70, 81, 61], [91, 84, 71]),
          "worker23": ([72, 82, 62], [92, 86, 72])}


def _person(new_page, employee_no: str):
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, employee_no)
    return page


def _set_up(hr, names: dict[str, str]) -> str:
    hr.goto("/contests/")
    hr.get_by_role("link", name="新建比武").click()
    hr.fill("#name", "钳工技术比武（旅程测试）")
    hr.fill("#trade", "钳工")
    hr.fill("#venue", "设备检修中心实训场")
    hr.fill("#items-1-weight", "60")  # 30 + 60: refused, what was typed kept
    hr.get_by_role("button", name="保存").click()
    expect(hr.get_by_text(re.compile("各项目权重之和必须等于 100%，现在是 90"))).to_be_visible()
    hr.fill("#items-1-weight", "70")
    hr.get_by_role("button", name="保存").click()
    expect(hr.get_by_text("比武已创建")).to_be_visible()
    url = hr.url
    pick(hr, "unit", "滨江重工集团有限公司")
    hr.fill("#quota", "3")
    hr.get_by_role("button", name="保存").last.click()
    expect(hr.get_by_text("名额已保存")).to_be_visible()
    for n in range(2):
        panel = hr.locator("details").nth(n)
        panel.locator("summary").click()
        panel.locator("input[name=judges]").fill(", ".join(JUDGES))
        panel.get_by_role("button", name="保存评委").click()
        expect(hr.get_by_text("的评委已保存")).to_be_visible()
    hr.fill("#chief-no", CHIEF)
    hr.get_by_role("button", name="指定裁判长").click()
    expect(hr.get_by_text("裁判长已指定")).to_be_visible()
    hr.get_by_role("button", name="开放报名").click()
    expect(hr.get_by_text("已完成：开放报名")).to_be_visible()
    screenshot(hr, "contests-1-hr-registration")
    return url


def _score(judge, url: str, employee_no: str) -> None:
    judge.goto(url + "/judge")
    body = judge.locator("body")
    for scores in SCORES[employee_no]:
        form = judge.locator("form[action$='/judge/save']").first
        for box, value in zip(form.locator("input[name^=score-]").all(), scores, strict=True):
            box.fill(str(value))
        form.get_by_role("button", name="提交并锁定").click()
        expect(judge.get_by_text("评分表已提交并锁定")).to_be_visible()
    expect(body).to_contain_text("已提交")


def test_contest_from_set_up_to_certificate(new_page, live_server):
    hr = _person(new_page, "hr1")
    url = _set_up(hr, {})
    contest_id = int(url.rstrip("/").rsplit("/", 1)[1])

    union = _person(new_page, "e1admin")  # the unit's union nominates its people within the quota
    union.goto(url)
    union.fill("#employee_no", ", ".join(ENTRANTS))
    union.get_by_role("button", name="推荐").click()
    expect(union.get_by_text("已推荐 3 名选手")).to_be_visible()
    union.fill("#employee_no", "worker4")
    union.get_by_role("button", name="推荐").click()
    expect(union.get_by_text("3 个名额已满")).to_be_visible()

    hr.goto(url)
    hr.get_by_role("button", name="抽签确定参赛号").click()
    expect(hr.get_by_text("已完成：抽签确定参赛号")).to_be_visible()
    hr.get_by_role("button", name="开始评分").click()
    expect(hr.get_by_text("已完成：开始评分")).to_be_visible()

    from blueprints.contests.models import Entrant
    from blueprints.core.models import User
    from extensions import db

    with live_server.app.app_context():
        rows = db.session.execute(select(Entrant.number, User.employee_no, User.name).join(User, User.id ==
                                  Entrant.user_id).where(Entrant.contest_id == contest_id)).all()
    by_number = {number: (no, name) for number, no, name in rows}

    for employee_no in JUDGES:
        judge = _person(new_page, employee_no)
        _score(judge, url, employee_no)
        for page_url in (url, url + "/judge", url + "/results", "/"):
            judge.goto(page_url)
            text = judge.locator("body").inner_text()
            leaks = [s for no, name in by_number.values() for s in (name, no)
                     if (s == name and name in text) or re.search(rf"\b{no}\b", text)]
            assert not leaks, (page_url, leaks)
        if employee_no == JUDGES[0]:
            screenshot(judge, "contests-2-judge-home")

    chief = _person(new_page, CHIEF)
    chief.goto(url + "/judge")
    expect(chief.locator("#flags-title")).to_be_visible()
    expect(chief.get_by_text("25")).to_be_visible()
    screenshot(chief, "contests-3-chief-flag")
    chief.get_by_role("button", name="确认有效").click()
    expect(chief.get_by_text("已确认该成绩有效")).to_be_visible()

    hr.goto(url)
    hr.get_by_role("button", name="公示成绩").click()
    expect(hr.get_by_text("已完成：公示成绩")).to_be_visible()

    # theory: 1 → 70,72,95 = 79.00; 2 → 81; 3 → 61; practical: 1 → 91; 2 → 85; 3 → 71
    # totals: 1: 23.7 + 63.7 = 87.40; 2: 24.3 + 59.5 = 83.80; 3: 18.3 + 49.7 = 68.00
    first_no, first_name = by_number[1]
    last_no, _last_name = by_number[3]
    objector = _person(new_page, last_no)
    objector.goto(url + "/results")
    expect(objector.get_by_role("row", name=re.compile(first_name))).to_contain_text("87.40")
    objector.fill("#reason", "实操第三题计时有误，请复核。")
    objector.get_by_role("button", name="提出异议").click()
    expect(objector.get_by_text("异议已提交")).to_be_visible()

    hr.goto(url)
    hr.get_by_role("button", name="确认最终成绩").click()
    expect(hr.get_by_text("还有未答复的异议")).to_be_visible()

    chief.goto(url + "/results")
    chief.fill("textarea[name=answer]", "经复核计时记录，成绩无误，维持原成绩。")
    chief.get_by_role("button", name="答复异议").click()
    expect(chief.get_by_text("已答复异议")).to_be_visible()
    screenshot(chief, "contests-4-results-answered")

    hr.goto(url)
    hr.get_by_role("button", name="确认最终成绩").click()
    expect(hr.get_by_text("已完成：确认最终成绩")).to_be_visible()

    winner = _person(new_page, first_no)
    winner.goto(url + "/results")
    winner.get_by_role("link", name="打印我的证书").click()
    expect(winner.locator(".certificate")).to_contain_text("一等奖")
    expect(winner.locator(".certificate")).to_contain_text("技术能手")
    expect(winner.locator(".certificate")).to_contain_text("87.40")
    screenshot(winner, "contests-5-certificate")
