"""One day of each role, end to end across the domains, in a real browser, in Chinese and in English.

- worker1: live search, a suggestion, a training signup (seat count changes in place), asking to join a workshop
  (the button changes in place), all three in My space, and the navbar badge changing in place when lead1 acts in
  another browser.
- lead1: the review queue (search and filter, accept with the rubric, return with a comment, a bulk answer from a
  template, a private note) and the workshop roster (join requests approved in place, a deputy appointed).
- hr1: a session created and published, bulk signup by pasted 工号 and by an uploaded .xlsx, attendance toggles and
  "all present", a result, the .xlsx export and the printable sign-in sheet.
- admin: a workshop approved in the queue, an award on an implemented suggestion, statistics (year and department
  in place, a target edited inline) and a user import (a bad file refused, a good one applied, the new person found
  by live search).

Elements are found by id and role where possible; the words the user reads come from a small label table per
language, so the same journey proves both catalogues. Screenshots go to tests/browser/screenshots/.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fill_suggestion_title, login, pick, screenshot

LANGUAGES = ["zh-CN", "en"]

# What the user reads, per language. Keys are short English names; values are the exact visible text.
LABELS = {
    "zh-CN": {
        "my_space": "我的空间",
        "submit_for_review": "提交审核",
        "submitted_flash": "已提交，编号 WX-",
        "sign_up_now": "立即报名",
        "signed_up": "报名成功，您的名额已确认。",
        "seats_left": "剩余 {n} 个名额",
        "ask_to_join": "申请加入",
        "join_requested": "已申请，等待审核",
        "withdraw_request": "撤回申请",
        "my_suggestions": "我的建议",
        "my_trainings": "我的培训",
        "my_workshops": "我的工作室",
        "requested": "申请中",
        "awaiting_review": "待审核",
        "unread": "{n} 条未读通知",
        "joined_note": "您已加入工作室“{name}”。",
        "certificate": "培训合格证书",
        "print_certificate": "打印证书",
    },
    "en": {
        "my_space": "My space",
        "submit_for_review": "Submit for review",
        "submitted_flash": "Submitted as WX-",
        "sign_up_now": "Sign up now",
        "signed_up": "You are signed up and your seat is confirmed.",
        "seats_left": "{n} seats left",
        "ask_to_join": "Ask to join",
        "join_requested": "Requested, waiting for the lead",
        "withdraw_request": "Withdraw request",
        "my_suggestions": "My suggestions",
        "my_trainings": "My trainings",
        "my_workshops": "My workshops",
        "requested": "Requested",
        "awaiting_review": "Awaiting review",
        "unread": "{n} unread notifications",
        "joined_note": "You have joined the workshop “{name}”.",
        "certificate": "Training Certificate",
        "print_certificate": "Print certificate",
    },
}

LEAD1_WORKSHOP = "王振华数控技能大师工作室"
OPEN_SESSION = "安全培训：电气防火与应急处置"  # open, 12 of 60 seats taken, worker1 not on it


def _switch_language(page, locale: str) -> None:
    """Use the navbar switch (the choice is saved on the account) unless the page is already in that language."""
    if locale == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def _watch(page) -> dict:
    """Collect script errors (a CSP violation would show here)."""
    seen = {"errors": []}
    page.on("console", lambda m: seen["errors"].append(f"{page.url}: {m.text[:60]} {m.location}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return seen


def _mark(page) -> None:
    """Tag the current document; a full page load (instead of an htmx swap) would lose the tag."""
    page.wait_for_load_state("load")
    page.evaluate("() => { window.journeyMark = true; }")


def _same_document(page) -> bool:
    """True while the document tagged by _mark is still the one shown (nothing reloaded the page)."""
    return page.evaluate("() => window.journeyMark === true")


def _assert_unique_ids(page) -> None:
    """Two elements with one id break labels (a click on a label focuses the wrong box) and htmx targets.

    Hidden CSRF inputs share "csrf_token" harmlessly: nothing points at them.
    """
    ids = page.locator("[id]:not(input[type=hidden])").evaluate_all("els => els.map(e => e.id)")
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate ids on {page.url}: {duplicates}"


def _unread(page) -> int:
    return int(page.locator("#notification-badge").inner_text())


@pytest.mark.parametrize("locale", LANGUAGES)
def test_worker_day(new_page, locale):
    t = LABELS[locale]
    page = new_page()
    seen = _watch(page)
    login(page, "worker1")
    _switch_language(page, locale)

    # 1. Live search on the suggestion list narrows the table in place and keeps the address bookmarkable.
    page.goto("/suggestions/")
    _mark(page)
    page.fill("#q", "电缆剥皮")
    rows = page.locator("#results tbody tr")
    expect(rows.filter(has_not_text="电缆剥皮")).to_have_count(0)  # waits for the swap
    expect(rows).to_have_count(4)
    expect(page).to_have_url(re.compile(r"q=%E7%94%B5%E7%BC%86"))
    assert _same_document(page), "the live search reloaded the page"
    screenshot(page, f"role-worker-{locale}-1-search")

    # 2. A suggestion, submitted for review.
    page.goto("/suggestions/new")
    fill_suggestion_title(page, "车间照明分区控制节电改造")
    page.select_option("#category", "renovation")
    page.fill("#problem", "夜班时整个车间灯全开，没人的区域也亮着。")
    page.fill("#proposal", "按工位分区加装开关和人体感应器。")
    page.fill("#expected_benefit", "每年节电约 2 万千瓦时。")
    page.get_by_role("button", name=t["submit_for_review"]).click()
    page.wait_for_url(re.compile(r"/suggestions/\d+$"))
    expect(page.locator("#flashes")).to_contain_text(t["submitted_flash"])
    serial = re.search(r"WX-\d{4}-\d{4}", page.locator("#flashes").inner_text()).group(0)
    screenshot(page, f"role-worker-{locale}-2-suggestion")
    # On paper: the suggestion itself, without navigation, buttons or the comment box.
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="车间照明分区控制节电改造")).to_be_visible()
    for hidden in ("nav.navbar", ".breadcrumb", "#comments", "#flashes"):  # no comments yet: no empty card
        expect(page.locator(hidden)).to_be_hidden()
    screenshot(page, f"role-worker-{locale}-2-suggestion-print")
    page.emulate_media(media="screen")

    # 3. A training signup: the seat count and the button change in place.
    page.goto("/training/")
    page.get_by_role("link", name=OPEN_SESSION).click()
    seats = page.locator("#seats")
    expect(seats).to_contain_text(t["seats_left"].format(n=48))
    _mark(page)
    page.locator("#mybox").get_by_role("button", name=t["sign_up_now"]).click()
    expect(page.locator("#mybox")).to_contain_text(t["signed_up"])
    expect(seats).to_contain_text(t["seats_left"].format(n=47))
    expect(seats.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "13")
    assert _same_document(page), "signing up reloaded the page"
    screenshot(page, f"role-worker-{locale}-3-signed-up")

    # 4. Asking to join lead1's workshop: the box changes in place.
    page.goto("/workshops/")
    page.get_by_role("link", name=LEAD1_WORKSHOP).click()
    page.wait_for_url(re.compile(r"/workshops/\d+$"))
    workshop_url = page.url
    membership = page.locator("#membership")
    _mark(page)
    membership.get_by_role("button", name=t["ask_to_join"]).click()
    expect(membership.get_by_text(t["join_requested"])).to_be_visible()
    expect(membership.get_by_role("button", name=t["withdraw_request"])).to_be_visible()
    assert _same_document(page) and page.url == workshop_url
    screenshot(page, f"role-worker-{locale}-4-join-requested")

    # 5. My space shows all three.
    page.get_by_role("link", name=t["my_space"]).first.click()
    mine = page.locator("section[aria-labelledby=panel-my-suggestions]")
    expect(mine.get_by_role("heading", name=t["my_suggestions"])).to_be_visible()
    expect(mine.locator("li", has_text=serial)).to_contain_text(t["awaiting_review"])
    trainings = page.locator("section[aria-labelledby=panel-training]")
    expect(trainings.get_by_role("heading", name=t["my_trainings"])).to_be_visible()
    expect(trainings.get_by_role("link", name=OPEN_SESSION)).to_be_visible()
    workshops = page.locator("section[aria-labelledby=panel-workshops]")
    expect(workshops.locator("li", has_text=LEAD1_WORKSHOP)).to_contain_text(t["requested"])
    screenshot(page, f"role-worker-{locale}-5-my-space")

    # A certificate from My space prints as a certificate, nothing else.
    trainings.get_by_role("link", name="数控车工技能提升（第一期）").click()
    expect(page.get_by_role("heading", name=t["certificate"])).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("article.certificate")).to_contain_text("PX-2026-00001")
    expect(page.get_by_role("button", name=t["print_certificate"])).to_be_hidden()
    expect(page.locator("nav.navbar")).to_be_hidden()
    screenshot(page, f"role-worker-{locale}-5-certificate-print")
    page.emulate_media(media="screen")
    page.go_back()

    # 6. lead1 approves the request in another browser; worker1's badge changes without a reload.
    expect(workshops.locator("li", has_text=LEAD1_WORKSHOP)).to_be_visible()  # back in My space
    before = _unread(page)
    _mark(page)
    lead = new_page()
    login(lead, "lead1")
    lead.goto(workshop_url)
    lead.locator("#requests li", has_text="李明").get_by_role("button", name=re.compile("同意")).click()
    expect(lead.locator("#requests li", has_text="李明")).to_contain_text("已同意，已加入")
    badge = page.locator("#notification-badge")
    expect(badge).to_have_text(str(before + 1))
    expect(badge).to_have_attribute("aria-label", t["unread"].format(n=before + 1))
    assert _same_document(page), "the badge changed by reloading the page"
    page.reload()
    expect(page.get_by_text(t["joined_note"].format(name=LEAD1_WORKSHOP))).to_be_visible()
    screenshot(page, f"role-worker-{locale}-6-badge")
    assert seen["errors"] == [], seen["errors"]


LEAD_LABELS = {
    "zh-CN": {
        "invention": "小发明",
        "accept": "采纳",
        "confirm_accept": "确认采纳",
        "accepted": "已采纳 {serial}，合计 81 分。",
        "grade_second": "二等奖",
        "return": "退回",
        "confirm_return": "确认退回",
        "comment_required": "退回时请写明需要修改的地方。",
        "returned": "已退回 {serial}，作者会收到通知。",
        "bulk_done": "已处理 2 条：",
        "bulk_run": "批量处理所选",
        "selected_2": "已选 2 条",
        "note_label": "添加备注",
        "save_note": "保存备注",
        "approve": "同意",
        "approved": "已同意，已加入",
        "manage": "管理",
        "appoint": "任命为副负责人",
        "deputy": "副负责人",
    },
    "en": {
        "invention": "Small invention",
        "accept": "Adopt",
        "confirm_accept": "Adopt",
        "accepted": "{serial} adopted with a total of 81 points.",
        "grade_second": "Second prize",
        "return": "Return",
        "confirm_return": "Return",
        "comment_required": "When returning, say what needs to change.",
        "returned": "{serial} was returned; the author will be notified.",
        "bulk_done": "Processed 2: ",
        "bulk_run": "Answer selected",
        "selected_2": "2 selected",
        "note_label": "Add a note",
        "save_note": "Save note",
        "approve": "Approve",
        "approved": "Approved, has joined",
        "manage": "Manage",
        "appoint": "Appoint as deputy",
        "deputy": "Deputy",
    },
}


def _choose_template(page, title: str) -> None:
    """Pick an answer template by its visible title (the option text also carries the kind)."""
    select = page.locator("#bulk-template")
    value = select.locator("option", has_text=title).get_attribute("value")
    select.select_option(value)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_lead_day(new_page, locale):
    t = LEAD_LABELS[locale]
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm questions
    seen = _watch(page)
    login(page, "lead1")
    _switch_language(page, locale)

    # 1. The queue: a category filter and a search narrow it in place.
    page.locator("#panel-review").locator("xpath=ancestor::section").get_by_role("link").last.click()
    page.wait_for_url(re.compile(r"/suggestions/review"))
    _mark(page)
    rows = page.locator("#results tbody.queue-item")
    page.select_option("#category", "invention")
    expect(rows.filter(has_not_text=t["invention"])).to_have_count(0)
    page.fill("#q", "扳手")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"category=invention"))
    assert _same_document(page)

    # 2. Accept with the rubric, inline: the total and the grade follow the typing.
    item = rows.filter(has_text="WX-2026-0096")
    item.get_by_role("link", name=t["accept"], exact=True).click()
    expect(item.locator("input[name=score_innovation]")).to_be_focused()  # keyboard users carry on in the form
    item.locator("input[name=score_innovation]").fill("25")
    item.locator("input[name=score_practicality]").fill("24")
    item.locator("input[name=score_benefit]").fill("20")
    item.locator("input[name=score_replicability]").fill("12")
    expect(item.locator("[data-rubric-total]")).to_have_text("81")
    expect(item.locator("[data-rubric-grade]")).to_have_text(t["grade_second"])
    screenshot(page, f"role-lead-{locale}-1-accept")
    item.get_by_role("button", name=t["confirm_accept"]).click()
    expect(item).to_contain_text(t["accepted"].format(serial="WX-2026-0096"))
    assert _same_document(page)

    # 3. Return with a comment: an empty comment is refused in place first.
    page.fill("#q", "")
    page.select_option("#category", "")
    item = rows.filter(has_text="WX-2026-0092")
    expect(item).to_be_visible()
    item.get_by_role("link", name=t["return"], exact=True).click()
    item.get_by_role("button", name=t["confirm_return"]).click()
    expect(item.get_by_role("alert")).to_contain_text(t["comment_required"])
    expect(item.locator("textarea[name=comment]")).to_be_focused()
    item.locator("textarea[name=comment]").fill("请补充模具更换前后的用时对比。")
    item.get_by_role("button", name=t["confirm_return"]).click()
    expect(item).to_contain_text(t["returned"].format(serial="WX-2026-0092"))
    assert _same_document(page)
    screenshot(page, f"role-lead-{locale}-2-returned")

    # 4. A bulk answer: two suggestions returned with one of lead1's templates.
    page.get_by_role("checkbox", name=re.compile("WX-2026-0099")).check()
    page.get_by_role("checkbox", name=re.compile("WX-2026-0100")).check()
    expect(page.locator("[data-bulk-count]")).to_have_text(t["selected_2"])
    page.select_option("#bulk-action", "return")
    _choose_template(page, "补充对比数据")
    page.get_by_role("button", name=t["bulk_run"]).click()
    expect(page.locator("#flashes")).to_contain_text(t["bulk_done"])
    expect(page.locator("#flashes")).to_contain_text("WX-2026-0099")
    expect(rows.filter(has_text="WX-2026-0099")).to_have_count(0)
    expect(rows.filter(has_text="WX-2026-0100")).to_have_count(0)
    screenshot(page, f"role-lead-{locale}-3-bulk")

    # 5. A private note on a suggestion, added in place.
    rows.filter(has_text="WX-2026-0088").get_by_role("link", name="数控车床冷却液回收装置改进").click()
    page.wait_for_url(re.compile(r"/suggestions/\d+$"))
    notes = page.locator("#notes")
    _mark(page)
    _assert_unique_ids(page)  # the note box and the comment box are told apart
    notes.get_by_label(t["note_label"]).fill("与 WX-2026-0091 思路相近，可一起评审。")
    notes.get_by_role("button", name=t["save_note"]).click()
    expect(notes.locator("li", has_text="与 WX-2026-0091 思路相近")).to_contain_text("王振华")
    expect(notes.get_by_label(t["note_label"])).to_have_value("")
    assert _same_document(page)
    screenshot(page, f"role-lead-{locale}-4-note")

    # 6. The roster: a join request approved in place, then a deputy appointed.
    page.goto("/workshops/")
    page.get_by_role("link", name=LEAD1_WORKSHOP).click()
    page.wait_for_url(re.compile(r"/workshops/\d+$"))
    request = page.locator("#requests li", has_text="戴志明")
    _mark(page)
    members = page.locator("#members li")
    expect(members).to_have_count(7)
    request.get_by_role("button", name=re.compile(t["approve"])).click()
    expect(request).to_contain_text(t["approved"])
    expect(members.filter(has_text="戴志明")).to_have_count(1)  # the member list follows, in place
    expect(members).to_have_count(8)
    expect(page.locator("#requests-count")).to_have_text("2")
    expect(page.locator("#workshop-stats")).to_contain_text("8")
    assert _same_document(page)
    screenshot(page, f"role-lead-{locale}-5-request")
    member = page.locator("#members li", has_text="秦凤英")
    member.get_by_role("button", name=re.compile(t["manage"])).click()
    member.get_by_role("button", name=t["appoint"]).click()
    expect(page.locator("#flashes")).to_be_visible()
    expect(page.locator("#members li", has_text="秦凤英")).to_contain_text(t["deputy"])
    screenshot(page, f"role-lead-{locale}-6-deputy")
    assert seen["errors"] == [], seen["errors"]


HR_LABELS = {
    "zh-CN": {
        "manage": "培训管理",
        "new_session": "新建场次",
        "save": "保存",
        "draft_saved": "已保存为草稿",
        "publish": "发布并开放报名",
        "published": "已发布，职工现在可以报名了。",
        "add": "添加到名单",
        "paste_label": "粘贴工号",
        "file_label": "或上传名单文件",
        "result_of": "处理结果（{n} 人）",
        "confirmed": "已确认",
        "waitlisted_1": "候补第 1 位",
        "already": "已在名单中",
        "twice": "重复填写",
        "print": "打印",
        "not_found": "未找到此工号",
        "present": "出勤",
        "absent": "缺勤",
        "all_present": "未记录的全部标为出勤",
        "all_present_done": "已将 2 人标为出勤。",
        "pass": "合格",
        "export": "导出名单（.xlsx）",
        "signature": "签名",
        "print_sheet": "打印签到表",
        "sheet": "签到表",
    },
    "en": {
        "manage": "Manage training",
        "new_session": "New session",
        "save": "Save",
        "draft_saved": "Saved as a draft",
        "publish": "Publish and open signups",
        "published": "Published: staff can sign up now.",
        "add": "Add to roster",
        "paste_label": "Paste employee numbers",
        "file_label": "Or upload a list",
        "result_of": "Result ({n} people)",
        "confirmed": "Confirmed",
        "waitlisted_1": "Waitlist no. 1",
        "already": "Already on the roster",
        "twice": "Listed twice",
        "print": "Print",
        "not_found": "Employee no. not found",
        "present": "Present",
        "absent": "Absent",
        "all_present": "Mark all unmarked as present",
        "all_present_done": "Marked 2 people present.",
        "pass": "Pass",
        "export": "Export roster (.xlsx)",
        "signature": "Signature",
        "print_sheet": "Print sign-in sheet",
        "sheet": "Sign-in sheet",
    },
}


def _local(days: int, hour: int):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    moment = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def _starts_at(app, title: str, starts) -> None:
    """Move the session's start (and its signup deadline) to `starts`, as if the days before it had passed."""
    from sqlalchemy import update

    from blueprints.training.models import TrainingSession
    from extensions import db

    with app.app_context():
        db.session.execute(update(TrainingSession).where(TrainingSession.title == title)
                           .values(starts_at=starts, signup_deadline=starts))
        db.session.commit()


def _roster_file(employee_nos: list[str]) -> bytes:
    """An .xlsx as HR would fill in the downloaded template: 工号 and 姓名 columns."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["工号", "姓名"])
    for no in employee_nos:
        sheet.append([no, ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("locale", LANGUAGES)
def test_hr_day(new_page, live_server, locale):
    import io

    from openpyxl import load_workbook

    t = HR_LABELS[locale]
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    seen = _watch(page)
    login(page, "hr1")
    _switch_language(page, locale)

    # 1. A session with four seats, saved as a draft and then published.
    page.locator("nav.navbar").get_by_role("link", name=t["manage"]).click()
    page.get_by_role("link", name=t["new_session"]).click()
    title = f"数控铣床 5S 现场管理（{locale}）"
    starts = _local(3, 9)
    page.fill("#title", title)
    page.select_option("#kind", "skills")
    page.fill("#location", "第一机械厂培训楼 201")
    page.fill("#instructor", "王振华")
    page.fill("#starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#ends_at", _local(3, 11).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#capacity", "4")
    page.get_by_role("button", name=t["save"], exact=True).click()
    expect(page.locator("#flashes")).to_contain_text(t["draft_saved"])
    page.get_by_role("button", name=t["publish"]).click()
    expect(page.locator("#flashes")).to_contain_text(t["published"])
    roster_url = page.url
    screenshot(page, f"role-hr-{locale}-1-published")

    # 2. Bulk signup by pasted 工号: one line per person, in place.
    bulk = page.locator("#bulk")
    _mark(page)
    bulk.get_by_label(t["paste_label"]).fill("worker11 worker12\nworker12, nobody-99")
    bulk.get_by_role("button", name=t["add"]).click()
    result = bulk.locator("#bulk-result")
    expect(result).to_contain_text(t["result_of"].format(n=3))  # worker12 typed twice counts once
    lines = result.locator("li")
    expect(lines).to_have_count(4)  # ... and its second line says it was listed twice
    expect(lines.filter(has_text="worker11")).to_contain_text(t["confirmed"])
    expect(lines.filter(has_text="worker12").first).to_contain_text(t["confirmed"])
    expect(lines.filter(has_text="worker12").last).to_contain_text(t["twice"])
    expect(lines.filter(has_text="nobody-99")).to_contain_text(t["not_found"])
    roster_rows = page.locator("#roster table.roster-table tbody tr")
    expect(roster_rows).to_have_count(2)  # the roster below refreshed itself
    assert _same_document(page)
    screenshot(page, f"role-hr-{locale}-2-pasted")

    # 3. Bulk signup by an uploaded .xlsx: the fourth seat goes, then the waitlist starts.
    bulk.get_by_label(t["file_label"]).set_input_files(files=[{
        "name": "名单.xlsx", "buffer": _roster_file(["worker13", "worker14", "worker11", "worker15"]),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    bulk.get_by_role("button", name=t["add"]).click()
    expect(result).to_contain_text(t["result_of"].format(n=4))
    expect(lines.filter(has_text="worker13")).to_contain_text(t["confirmed"])
    expect(lines.filter(has_text="worker14")).to_contain_text(t["confirmed"])
    expect(lines.filter(has_text="worker11")).to_contain_text(t["already"])
    expect(lines.filter(has_text="worker15")).to_contain_text(t["waitlisted_1"])
    expect(roster_rows).to_have_count(4)
    assert _same_document(page)
    screenshot(page, f"role-hr-{locale}-3-uploaded")

    # 4. Attendance opens at the start: until then the roster says from when. Time passes (the session's start is
    # moved to today 00:00), then attendance toggles in place, "all present" for the rest, a result with a score.
    expect(page.locator("#recording-later")).to_be_visible()
    expect(roster_rows.get_by_role("button", name=t["present"])).to_have_count(0)
    starts = _local(0, 0)
    _starts_at(live_server.app, title, starts)
    page.reload()
    _mark(page)
    row11 = roster_rows.filter(has_text="worker11")
    row11.get_by_role("button", name=t["present"]).click()
    expect(row11.get_by_role("button", name=t["present"])).to_have_attribute("aria-pressed", "true")
    row12 = roster_rows.filter(has_text="worker12")
    row12.get_by_role("button", name=t["absent"]).click()
    expect(row12.get_by_role("button", name=t["absent"])).to_have_attribute("aria-pressed", "true")
    assert _same_document(page)
    page.get_by_role("button", name=t["all_present"]).click()
    expect(page.locator("#flashes")).to_contain_text(t["all_present_done"])
    for no, value in (("worker11", t["present"]), ("worker12", t["absent"]), ("worker13", t["present"]),
                      ("worker14", t["present"])):
        expect(roster_rows.filter(has_text=no).get_by_role("button", name=value)) \
            .to_have_attribute("aria-pressed", "true")
    row11 = roster_rows.filter(has_text="worker11")
    row11.get_by_role("combobox").select_option("pass")
    row11.get_by_role("spinbutton").fill("92")
    _mark(page)
    row11.get_by_role("button", name=t["save"]).click()
    expect(row11.get_by_role("spinbutton")).to_have_value("92")
    expect(row11.get_by_role("combobox")).to_have_value("pass")
    assert _same_document(page)
    _assert_unique_ids(page)
    screenshot(page, f"role-hr-{locale}-4-attendance")

    # 5. The .xlsx export, opened as HR would open it.
    with page.expect_download() as download:
        page.get_by_role("link", name=t["export"]).click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][-1] == t["signature"]
    by_no = {row[1]: row for row in rows[1:]}
    assert set(by_no) == {"worker11", "worker12", "worker13", "worker14", "worker15"}
    assert by_no["worker11"][8:11] == (t["present"], t["pass"], 92)
    assert by_no["worker12"][8] == t["absent"]
    assert by_no["worker15"][7] == 1  # waitlist position
    info = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True)}
    assert title in info.values()
    assert starts.replace(tzinfo=None) in info.values()  # local time, not UTC

    # 6. The printable sign-in sheet: confirmed trainees only, and nothing of the screen chrome on paper.
    page.goto(roster_url)
    page.get_by_role("link", name=t["print_sheet"]).click()
    sheet = page.locator("table.signin-table tbody tr")
    expect(sheet).to_have_count(4)
    expect(page.locator("table.signin-table")).not_to_contain_text("worker15")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_role("button", name=t["print"])).to_be_hidden()
    screenshot(page, f"role-hr-{locale}-5-signin-print")
    page.emulate_media(media="screen")
    assert seen["errors"] == [], seen["errors"]


ADMIN_LABELS = {
    "zh-CN": {
        "to_queue": "去审批",
        "approve": "批准",
        "approved": "已批准",
        "to_award": "待评奖",
        "award": "评奖",
        "confirm_award": "确认评奖",
        "awarded": "已评奖：",
        "status_awarded": "已奖励",
        "stats": "竞赛统计",
        "year_scope": "{year} 年 · 滨江重工集团有限公司",
        "edit_target": "修改第二机械厂的目标",
        "target_saved": "已将“第二机械厂”{year} 年的目标参与率设为 65%。",
        "save": "保存",
        "upload": "上传并预览",
        "bad_file": "有 1 行存在问题，整个文件都不会导入。",
        "bad_code": "部门编码“NOPE”不存在",
        "preview": "共 2 行：新建 1 人，更新 1 人。",
        "initial_password": "新账号的初始密码",
        "apply": "确认导入 2 行",
        "imported": "导入完成：新建 1 人，更新 1 人。",
    },
    "en": {
        "to_queue": "Review",
        "approve": "Approve",
        "approved": "Approved",
        "to_award": "To award",
        "award": "Award",
        "confirm_award": "Award",
        "awarded": "Awarded: ",
        "status_awarded": "Awarded",
        "stats": "Statistics",
        "year_scope": "{year} · 滨江重工集团有限公司",
        "edit_target": "Change the target of 第二机械厂",
        "target_saved": "The {year} participation target of “第二机械厂” is now 65%.",
        "save": "Save",
        "upload": "Upload and preview",
        "bad_file": "1 row has a problem, so nothing from this file will be imported.",
        "bad_code": "Department code “NOPE” does not exist",
        "preview": "2 rows: 1 to create, 1 to update.",
        "initial_password": "Initial password for new accounts",
        "apply": "Import 2 rows",
        "imported": "Import finished: 1 created, 1 updated.",
    },
}


def _people_file(rows: list[list[str]]) -> bytes:
    """An .xlsx in the import layout (the first row holds the column names)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["工号", "姓名", "部门编码", "岗位", "技能等级", "手机"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("locale", LANGUAGES)
def test_admin_day(new_page, locale):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    t = ADMIN_LABELS[locale]
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    seen = _watch(page)
    login(page, "admin")
    _switch_language(page, locale)

    # 1. A workshop approved in the queue, in place; the count in the heading follows.
    # The card body's link: the footer links to the same queue for the recommendation waiting for the city.
    page.locator("section[aria-labelledby=panel-ws-review] .card-body").get_by_role("link", name=t["to_queue"]).click()
    count = page.locator("#queue-count")
    expect(count).to_have_text("2")
    _mark(page)
    name = page.locator("article.ws-review").first.get_by_role("heading").inner_text()
    card = page.locator("article.ws-review", has_text=name)
    card.get_by_role("button", name=re.compile(t["approve"])).click()
    expect(card).to_contain_text(t["approved"])
    expect(count).to_have_text("1")
    assert _same_document(page)
    expect(card.get_by_role("link", name=name)).to_be_visible()  # the decided card stays, linking to the profile
    screenshot(page, f"role-admin-{locale}-1-workshop-approved")

    # 2. An award on an implemented suggestion: grade and amount come from the rubric and the settings.
    page.locator("nav.navbar").get_by_role("link", name=re.compile("建议审核|Reviews")).click()
    page.get_by_role("link", name=re.compile(t["to_award"])).click()
    item = page.locator("#results tbody.queue-item").first
    serial = item.locator("td.font-monospace").inner_text()
    item.get_by_role("link", name=t["award"], exact=True).click()
    expect(page.locator("#award-preview")).to_be_visible()
    grade = page.locator("#grade").input_value()
    assert grade, "the grade suggested by the rubric is preselected"
    screenshot(page, f"role-admin-{locale}-2-award")
    page.get_by_role("button", name=t["confirm_award"]).click()
    expect(page.locator("#flashes")).to_contain_text(t["awarded"])
    expect(page.locator(".breadcrumb")).to_contain_text(serial)  # back on the suggestion
    expect(page.locator(".badge-status").first).to_contain_text(t["status_awarded"])

    # 3. Statistics: the year and the unit change in place; a target edited inline.
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    page.locator("nav.navbar").get_by_role("link", name=t["stats"]).click()
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)
    _mark(page)
    # The root's admin starts at the whole city and narrows to the Part I enterprise.
    pick(page, "dept", "滨江重工集团有限公司")
    expect(page.locator("#stats-body")).to_contain_text(t["year_scope"].format(year=year))
    page.select_option("#year", str(year - 1))
    expect(page.locator("#stats-body")).to_contain_text(t["year_scope"].format(year=year - 1))
    page.select_option("#year", str(year))
    expect(page.locator("#stats-body")).to_contain_text(t["year_scope"].format(year=year))
    pick(page, "dept", "第一机械厂")
    table = page.locator("#department-table")
    expect(table).to_contain_text("机加工车间")
    pick(page, "dept", "滨江重工集团有限公司")
    row = table.locator("tbody tr", has_text="第二机械厂")
    row.get_by_role("link", name=t["edit_target"]).click()
    row.get_by_role("textbox").fill("65")
    row.get_by_role("button", name=t["save"]).click()
    expect(page.locator(".alert-success")).to_contain_text(t["target_saved"].format(year=year))
    expect(page.locator("#department-table tbody tr", has_text="第二机械厂")).to_contain_text("65%")
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)
    assert _same_document(page)
    screenshot(page, f"role-admin-{locale}-3-stats")

    # 4. A user import: a file with a bad row changes nothing; a good one is applied.
    page.goto("/admin/import")
    page.locator("#file").set_input_files(files=[{"name": "人员.xlsx", "buffer": _people_file([
        ["worker901", "郑晓光", "BJHI-M1-JJ-1", "数控车工", "中级工", "13800001111"],
        ["worker902", "钱多多", "NOPE", "钳工", "", ""]]),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name=t["upload"]).click()
    expect(page.get_by_role("alert")).to_contain_text(t["bad_file"])
    expect(page.locator("table", has_text="worker902")).to_contain_text(t["bad_code"])
    expect(page.get_by_role("button", name=re.compile(t["apply"][:4]))).to_have_count(0)
    screenshot(page, f"role-admin-{locale}-4-import-refused")
    page.locator("#file").set_input_files(files=[{"name": "人员.xlsx", "buffer": _people_file([
        ["worker901", "郑晓光", "BJHI-M1-JJ-1", "数控车工", "中级工", "13800001111"],
        ["worker50", "王艳", "BJHI-PW-GD-1", "铸造工（班组长）", "", ""]]),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name=t["upload"]).click()
    expect(page.get_by_text(t["preview"])).to_be_visible()
    screenshot(page, f"role-admin-{locale}-5-import-preview")
    page.get_by_label(t["initial_password"]).fill("Xg7!portal-2026")
    page.get_by_role("button", name=t["apply"]).click()
    expect(page.locator("#flashes")).to_contain_text(t["imported"])

    # 5. The new person is found by the live search on the people page.
    _mark(page)
    page.fill("#q", "zxg")  # pinyin initials of 郑晓光
    rows = page.locator("#results tbody tr")
    expect(rows.filter(has_text="worker901")).to_have_count(1)
    expect(rows.filter(has_not_text="worker901")).to_have_count(0)
    assert _same_document(page)
    screenshot(page, f"role-admin-{locale}-6-found")
    assert seen["errors"] == [], seen["errors"]
