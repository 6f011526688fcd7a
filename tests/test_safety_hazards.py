"""Hazard reports (SPEC §11): reporting with photos, every transition and its refusals by role and scope, overdue
detection and reminders, rewards through the shared ledger, and the 安康杯 indicators."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select, update

from blueprints.core.clock import local_today
from blueprints.core.models import AuditLog, Notification, SettingOverride, StoredFile
from blueprints.rewards.models import RewardLine
from blueprints.safety.models import HazardEvent, HazardPhoto, HazardReport
from extensions import db
from tests.conftest import html_text
from tests.fixtures_safety import REPORTER_NAME, act, jpeg, png, report
from tests.jobs_helpers import export_file


def _count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _hazard(app, **where) -> HazardReport:
    with app.app_context():
        hazard = db.session.scalars(select(HazardReport).filter_by(**where).order_by(HazardReport.id.desc())).first()
        db.session.expunge(hazard)
        return hazard


def _status(app, hazard_id: int) -> str:
    with app.app_context():
        return db.session.get(HazardReport, hazard_id).status


def _reported(client, auth, hz, **kwargs) -> int:
    response = report(client, auth, hz.reporter, hz.cnc, photos=[("现场.jpg", jpeg())], **kwargs)
    assert response.status_code == 303, html_text(response)[:800]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _confirmed(client, auth, hz, grade="major") -> int:
    hazard_id = _reported(client, auth, hz)
    response = act(client, auth, hz.officer, hazard_id, "triage", {"decision": "confirm", "grade": grade})
    assert response.status_code == 303, html_text(response)[:800]
    return hazard_id


def _rectifying(client, auth, hz, deadline_days=7) -> int:
    hazard_id = _confirmed(client, auth, hz)
    response = act(client, auth, hz.officer, hazard_id, "assign", {
        "department_id": str(hz.welding.id), "measures": "更换钢丝绳",
        "deadline": (local_today() + timedelta(days=deadline_days)).isoformat()})
    assert response.status_code == 303, html_text(response)[:800]
    return hazard_id


# --- Reporting -----------------------------------------------------------------------------------------------------


def test_a_worker_reports_a_hazard_with_photos_and_the_officers_of_the_place_are_told(app, client, auth, hz):
    response = report(client, auth, hz.reporter, hz.cnc, photos=[("a.jpg", jpeg((1200, 900))), ("b.png", png())])
    assert response.status_code == 303
    hazard = _hazard(app)
    assert (hazard.status, hazard.reporter_id, hazard.department_id) == ("reported", hz.reporter.id, hz.cnc.id)
    assert hazard.serial.startswith(f"YH-{local_today().year}-")
    with app.app_context():
        photos = db.session.scalars(select(HazardPhoto).where(HazardPhoto.hazard_id == hazard.id)).all()
        assert [(p.width, p.height) for p in photos] == [(1200, 900), (64, 48)]
        thumb = db.session.get(StoredFile, photos[0].thumb_id)
        assert thumb.content_type == "image/jpeg" and thumb.uploaded_by_id is None
        told = set(db.session.scalars(select(Notification.user_id).where(Notification.link == f"/safety/hazards/"
                                                                                                f"{hazard.id}")))
    assert told == {hz.officer.id, hz.officer2.id}  # not B's officer, not the reporter
    # The thumbnail is a small JPEG shown inline; the original is a download only.
    auth.login(hz.officer.employee_no)
    shown = client.get(f"/safety/hazards/{hazard.id}/photos/{photos[0].id}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert "attachment" not in shown.headers.get("Content-Disposition", "")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert max(Image.open(io.BytesIO(shown.data)).size) <= 480
    original = client.get(f"/safety/hazards/{hazard.id}/photos/{photos[0].id}/original")
    assert original.status_code == 200 and original.headers["Content-Disposition"].startswith("attachment")
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    page = html_text(client.get(f"/safety/hazards/{hazard.id}"))
    assert REPORTER_NAME in page and "二号行车钢丝绳断股" in page


def _bomb_png(size) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")  # a 1-bit picture: huge in pixels, tiny on disk
    return out.getvalue()


@pytest.mark.parametrize("name, body, message", [
    ("not-an-image.jpg", b"<html><script>alert(1)</script></html>", "不是有效的照片"),
    ("renamed.png", b"%PDF-1.4 a pdf renamed to png", "不是有效的照片"),
    ("animation.gif", None, "不是 JPG 或 PNG 照片"),
    ("empty.jpg", b"", "是空的"),
    ("huge.png", "pixels", "像素过多"),  # over the portal's own limit (40 megapixels), under Pillow's
    ("bomb.png", "bomb", "像素过多"),  # over Pillow's own bomb limit
])
def test_photos_that_are_not_images_or_are_bombs_are_refused_and_nothing_is_stored(app, client, auth, hz, name,
                                                                                     body, message):
    if body is None:
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "GIF")
        body = out.getvalue()
    elif body == "pixels":
        body = _bomb_png((8000, 6000))
    elif body == "bomb":
        body = _bomb_png((20000, 10000))
    response = report(client, auth, hz.reporter, hz.cnc, photos=[(name, body)])
    text = html_text(response)
    assert response.status_code == 200 and message in text and "二号行车钢丝绳断股" in text  # typed text kept
    assert _count(app, HazardReport) == 0 and _count(app, StoredFile) == 0


@pytest.mark.app_config({"MAX_UPLOAD_BYTES": 4000})
def test_a_photo_over_the_size_limit_is_refused(app, client, auth, hz):
    noisy = Image.effect_noise((200, 200), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > 4000
    response = report(client, auth, hz.reporter, hz.cnc, photos=[("big.jpg", out.getvalue())])
    assert "超过" in html_text(response) and _count(app, HazardReport) == 0 and _count(app, StoredFile) == 0


def test_six_photos_are_refused(app, client, auth, hz):
    response = report(client, auth, hz.reporter, hz.cnc, photos=[(f"{n}.jpg", jpeg()) for n in range(6)])
    assert "最多上传 5 张照片" in html_text(response) and _count(app, HazardReport) == 0


@pytest.mark.parametrize("change, message", [
    ({"department": "b_team"}, "请选择本企业的一个部门"),
    ({"description": ""}, "请描述隐患的情况"),
    ({"kind": "fire"}, "请选择隐患类别"),
    ({"severity": "huge"}, "请选择您估计的严重程度"),
])
def test_bad_reports_are_refused_with_a_message_and_nothing_stored(app, client, auth, hz, change, message):
    department = getattr(hz, change.pop("department", "cnc"))
    response = report(client, auth, hz.reporter, department, **change)
    assert response.status_code == 200 and message in html_text(response)
    assert _count(app, HazardReport) == 0


def test_a_report_may_be_filed_under_a_running_ankang_competition_of_the_reporters_scope(app, client, auth, hz):
    from blueprints.competitions.models import Competition

    with app.app_context():
        mine = Competition(name="2026 安康杯", kind="ankang", organiser_id=hz.district.id, year=2026,
                           starts_on=local_today(), ends_on=local_today(), report_frequency="monthly", rules="",
                           status="running")
        other = Competition(name="松北电机安康杯", kind="ankang", organiser_id=hz.b.id, year=2026,
                            starts_on=local_today(), ends_on=local_today(), report_frequency="monthly", rules="",
                            status="running")
        db.session.add_all([mine, other])
        db.session.commit()
        mine_id, other_id = mine.id, other.id
    refused = report(client, auth, hz.reporter, hz.cnc, competition_id=str(other_id))
    assert "安康杯" in html_text(refused) and _count(app, HazardReport) == 0
    assert report(client, auth, hz.reporter, hz.cnc, competition_id=str(mine_id)).status_code == 303
    assert _hazard(app).competition_id == mine_id
    from blueprints.core.indicators import linked_activities

    counter = next(a for a in linked_activities() if a.kind == "hazards")
    with app.app_context():
        assert counter.count(mine_id, {hz.a.id: hz.a.path, hz.b.id: hz.b.path}) == {hz.a.id: 1, hz.b.id: 0}


# --- Triage, rectification, verification ---------------------------------------------------------------------------


def test_the_whole_way_from_report_to_verified_fix(app, client, auth, hz):
    hazard_id = _rectifying(client, auth, hz)
    assert _status(app, hazard_id) == "rectifying"
    closed = act(client, auth, hz.rectifier, hazard_id, "close", {"note": "已更换"}, files=[("after.jpg", jpeg())])
    assert closed.status_code == 303 and _status(app, hazard_id) == "rectified"
    assert _count(app, HazardPhoto, HazardPhoto.hazard_id == hazard_id, HazardPhoto.role == "evidence") == 1
    verified = act(client, auth, hz.officer, hazard_id, "verify", {"decision": "verify"})
    assert verified.status_code == 303 and _status(app, hazard_id) == "verified"
    with app.app_context():
        steps = db.session.execute(select(HazardEvent.action, HazardEvent.from_status, HazardEvent.to_status)
                                   .where(HazardEvent.hazard_id == hazard_id).order_by(HazardEvent.id)).all()
        audited = set(db.session.scalars(select(AuditLog.action).where(AuditLog.target_type == "hazard_reports")))
    assert steps == [("report", None, "reported"), ("confirm", "reported", "confirmed"),
                     ("assign", "confirmed", "rectifying"), ("close", "rectifying", "rectified"),
                     ("verify", "rectified", "verified")]
    assert {"safety.report", "safety.confirm", "safety.assign", "safety.close", "safety.verify"} <= audited


def test_confirming_needs_a_grade_and_dismissing_needs_a_reason(app, client, auth, hz):
    hazard_id = _reported(client, auth, hz)
    no_grade = act(client, auth, hz.officer, hazard_id, "triage", {"decision": "confirm", "grade": ""})
    assert no_grade.status_code == 422 and "必须选择隐患等级" in html_text(no_grade)
    no_reason = act(client, auth, hz.officer, hazard_id, "triage", {"decision": "dismiss", "reason": " "})
    assert "请填写判定为非隐患的理由" in html_text(no_reason)
    assert _status(app, hazard_id) == "reported" and _count(app, RewardLine) == 0
    dismissed = act(client, auth, hz.officer, hazard_id, "triage", {"decision": "dismiss", "reason": "已整改过"})
    assert dismissed.status_code == 303 and _status(app, hazard_id) == "not_a_hazard"
    assert _hazard(app, id=hazard_id).reason == "已整改过"
    again = act(client, auth, hz.officer, hazard_id, "triage", {"decision": "confirm", "grade": "major"})
    assert again.status_code == 422 and _status(app, hazard_id) == "not_a_hazard"


def test_a_duplicate_links_an_original_in_scope_that_is_not_itself(app, client, auth, hz):
    original = _reported(client, auth, hz)
    second = _reported(client, auth, hz)
    b_report = report(client, auth, hz.worker_b, hz.b_team)
    b_id = int(b_report.headers["Location"].rsplit("/", 1)[1])
    refusals = ((second, "不能把报告标记为与自身重复"), (b_id, "不在您的管理范围内"), ("", "请选择重复的原报告"))
    for target, message in refusals:
        response = act(client, auth, hz.officer, second, "triage",
                       {"decision": "duplicate", "original_id": str(target), "reason": "同一处"})
        assert response.status_code == 422 and message in html_text(response), message
    no_reason = act(client, auth, hz.officer, second, "triage",
                    {"decision": "duplicate", "original_id": str(original), "reason": ""})
    assert "请填写判定为重复报告的理由" in html_text(no_reason)
    done = act(client, auth, hz.officer, second, "triage",
               {"decision": "duplicate", "original_id": str(original), "reason": "同一处"})
    assert done.status_code == 303
    assert (_status(app, second), _hazard(app, id=second).duplicate_of_id) == ("duplicate", original)


@pytest.mark.parametrize("deadline_days, department, message", [
    (-1, "welding", "整改期限不能早于今天"),
    (3, "b_team", "请选择您管理范围内的责任部门"),
])
def test_assigning_refuses_a_past_deadline_and_a_department_outside_the_scope(app, client, auth, hz, deadline_days,
                                                                             department, message):
    hazard_id = _confirmed(client, auth, hz)
    response = act(client, auth, hz.officer, hazard_id, "assign", {
        "department_id": str(getattr(hz, department).id), "measures": "更换",
        "deadline": (local_today() + timedelta(days=deadline_days)).isoformat()})
    assert response.status_code == 422 and message in html_text(response)
    assert _status(app, hazard_id) == "confirmed"


def test_closing_needs_an_evidence_photo_and_a_rejected_fix_goes_back(app, client, auth, hz):
    hazard_id = _rectifying(client, auth, hz)
    bare = act(client, auth, hz.rectifier, hazard_id, "close", {"note": "好了"})
    assert bare.status_code == 422 and "请上传至少一张整改完成的照片" in html_text(bare)
    assert _status(app, hazard_id) == "rectifying"
    act(client, auth, hz.rectifier_head, hazard_id, "close", {}, files=[("after.jpg", jpeg())])
    assert _status(app, hazard_id) == "rectified"
    no_reason = act(client, auth, hz.officer, hazard_id, "verify", {"decision": "reopen", "comment": ""})
    assert "请填写退回整改的理由" in html_text(no_reason) and _status(app, hazard_id) == "rectified"
    act(client, auth, hz.officer, hazard_id, "verify", {"decision": "reopen", "comment": "护栏仍松动"})
    assert _status(app, hazard_id) == "rectifying"


@pytest.mark.parametrize("who", ["reporter", "worker", "rectifier", "admin_a", "officer_b", "admin_b", "worker_b"])
def test_only_an_officer_of_the_scope_triages_assigns_and_verifies(app, client, auth, hz, who):
    """Everyone else gets 404 (the union admin may look, not act); the refusal is audited; nothing changes."""
    reported = _reported(client, auth, hz)
    confirmed = _confirmed(client, auth, hz)
    rectified = _rectifying(client, auth, hz)
    act(client, auth, hz.rectifier, rectified, "close", {}, files=[("after.jpg", jpeg())])
    before = _count(app, AuditLog, AuditLog.action == "access.denied")
    user = getattr(hz, who)
    answers = [
        act(client, auth, user, reported, "triage", {"decision": "confirm", "grade": "grave"}).status_code,
        act(client, auth, user, confirmed, "assign", {"department_id": str(hz.welding.id), "measures": "x",
                                                      "deadline": local_today().isoformat()}).status_code,
        act(client, auth, user, rectified, "verify", {"decision": "verify"}).status_code,
    ]
    assert answers == [404, 404, 404]
    assert _count(app, AuditLog, AuditLog.action == "access.denied") == before + 3
    assert [_status(app, h) for h in (reported, confirmed, rectified)] == ["reported", "confirmed", "rectified"]


@pytest.mark.parametrize("who", ["reporter", "worker", "officer_b", "admin_a", "worker_b"])
def test_only_the_officer_and_the_responsible_department_record_the_fix(app, client, auth, hz, who):
    hazard_id = _rectifying(client, auth, hz)
    response = act(client, auth, getattr(hz, who), hazard_id, "close", {}, files=[("after.jpg", jpeg())])
    # The reporter and the union admin may open the report but not close it; the others cannot even open it.
    assert response.status_code in (404, 422) and _status(app, hazard_id) == "rectifying"
    assert _count(app, HazardPhoto, HazardPhoto.role == "evidence") == 0


@pytest.mark.parametrize("who, sees", [("reporter", True), ("officer", True), ("officer2", True), ("admin_a", True),
                                       ("rectifier", True), ("worker", False), ("officer_b", False),
                                       ("admin_b", False), ("worker_b", False)])
def test_who_may_open_a_report(app, client, auth, hz, who, sees):
    hazard_id = _rectifying(client, auth, hz)
    auth.login(getattr(hz, who).employee_no)
    assert client.get(f"/safety/hazards/{hazard_id}").status_code == (200 if sees else 404)
    listed = html_text(client.get("/safety/hazards/?tab=queue")) + html_text(client.get("/safety/hazards/?tab=tasks"))
    assert ("二号行车钢丝绳断股" in listed) == (sees and who != "reporter") or who == "reporter"


# --- Overdue and reminders -----------------------------------------------------------------------------------------


def _set_deadline(app, hazard_id, deadline) -> None:
    with app.app_context():
        db.session.execute(update(HazardReport).where(HazardReport.id == hazard_id).values(deadline=deadline))
        db.session.commit()


def test_overdue_is_the_day_after_the_deadline_in_shanghai(app, client, auth, hz, monkeypatch):
    from blueprints.safety import queries

    hazard_id = _rectifying(client, auth, hz)
    _set_deadline(app, hazard_id, local_today() - timedelta(days=1))
    due_today = _rectifying(client, auth, hz)
    _set_deadline(app, due_today, local_today())
    with app.test_request_context():
        overdue = set(db.session.scalars(select(HazardReport.id).where(queries.overdue_clause())))
    assert overdue == {hazard_id}
    # At 00:30 in Shanghai (16:30 UTC the day before) the Shanghai date decides, not the UTC one.
    import datetime as dt

    from blueprints.core import clock

    monkeypatch.setattr(clock, "utcnow", lambda: dt.datetime(2026, 6, 10, 16, 30, tzinfo=dt.UTC))
    assert clock.local_today() == dt.date(2026, 6, 11)
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(HazardReport).where(
            queries.overdue_clause(dt.date(2026, 6, 11)), HazardReport.deadline == dt.date(2026, 6, 10))) == 0
    auth.login(hz.officer.employee_no)
    monkeypatch.undo()
    page = html_text(client.get("/safety/hazards/?tab=queue&overdue=1"))
    assert "已超期" in page and "超期未整改" in page


def test_remind_overdue_is_idempotent_and_a_new_deadline_is_reminded_again(app, client, auth, hz, runner):
    hazard_id = _rectifying(client, auth, hz)
    _set_deadline(app, hazard_id, local_today() - timedelta(days=2))
    _rectifying(client, auth, hz)  # on time: never reminded
    first = runner.invoke(args=["safety", "remind-overdue"])
    second = runner.invoke(args=["safety", "remind-overdue"])
    assert "reminded: 1" in first.output and "reminded: 0" in second.output
    message = "隐患 %(serial)s 已超过整改期限 %(deadline)s，请督促整改。"
    assert _count(app, Notification, Notification.message == message) == 2  # officer and officer2, once each
    with app.app_context():
        texts = [n.params for n in db.session.scalars(select(Notification).where(Notification.message == message))]
    assert all(REPORTER_NAME not in str(params) for params in texts)
    _set_deadline(app, hazard_id, local_today() - timedelta(days=1))
    assert "reminded: 1" in runner.invoke(args=["safety", "remind-overdue"]).output


# --- Rewards through the shared ledger -----------------------------------------------------------------------------


def test_rewards_follow_the_grade_settings_and_the_enterprise_override(app, client, auth, hz):
    for grade in ("general", "major", "grave"):
        _confirmed(client, auth, hz, grade)
    with app.app_context():
        db.session.add(SettingOverride(department_id=hz.a.id, key="safety.reward_major", value=300))
        db.session.commit()
    _confirmed(client, auth, hz, "major")
    with app.app_context():
        lines = db.session.execute(select(RewardLine.kind, RewardLine.user_id, RewardLine.amount, RewardLine.status,
                                          RewardLine.department_id).order_by(RewardLine.id)).all()
        total = sum(line.amount for line in lines)
    assert [line.amount for line in lines] == [Decimal("50.00"), Decimal("200.00"), Decimal("1000.00"),
                                               Decimal("300.00")]
    assert {(line.kind, line.user_id, line.status, line.department_id) for line in lines} == {
        ("hazard", hz.reporter.id, "pending", hz.cnc.id)}
    assert total == Decimal("1550.00")


def test_hazard_rewards_are_exported_and_paid_through_the_union_ledger(app, client, auth, hz):
    hazard_id = _confirmed(client, auth, hz, "grave")
    with app.app_context():
        line_id = db.session.scalar(select(RewardLine.id).where(RewardLine.hazard_id == hazard_id))
    auth.login(hz.admin_b.employee_no)  # another enterprise's union cannot pay it
    assert client.post("/suggestions/rewards/pay", data={"ids": str(line_id),
                                                         "paid_on": local_today().isoformat()}).status_code == 404
    assert "1,000.00" not in html_text(client.get("/suggestions/rewards"))
    auth.logout()
    auth.login(hz.admin_a.employee_no)
    assert "有 1 笔奖金待发放" in html_text(client.get("/"))  # the admin's My-space card counts hazard lines
    page = html_text(client.get("/suggestions/rewards?kind=hazard"))
    assert "隐患报告奖励" in page and REPORTER_NAME in page
    rows = list(load_workbook(io.BytesIO(export_file(client, "/suggestions/rewards/export").data))
                .active.iter_rows(values_only=True))
    assert rows[0][12] == "奖励类别" and [(r[4], r[7], r[12]) for r in rows[1:]] == [(REPORTER_NAME, 1000,
                                                                                   "隐患报告奖励")]
    paid = client.post("/suggestions/rewards/pay", data={"ids": str(line_id), "paid_on": local_today().isoformat()})
    assert paid.status_code == 303
    with app.app_context():
        assert db.session.get(RewardLine, line_id).status == "paid"
    assert _count(app, Notification, Notification.user_id == hz.reporter.id,
                  Notification.message == "您报告的隐患 %(serial)s 的奖金 %(amount)s 元已发放。") == 1


# --- 安康杯 indicators ---------------------------------------------------------------------------------------------


def test_the_ankang_indicators_count_reports_confirmed_and_rectified_on_time(app, client, auth, hz):
    from blueprints.core.indicators import compute_figures

    _reported(client, auth, hz)
    _confirmed(client, auth, hz)
    on_time = _rectifying(client, auth, hz)
    act(client, auth, hz.rectifier, on_time, "close", {}, files=[("after.jpg", jpeg())])
    late = _rectifying(client, auth, hz)
    act(client, auth, hz.rectifier, late, "close", {}, files=[("after.jpg", jpeg())])
    _set_deadline(app, late, local_today() - timedelta(days=1))
    report(client, auth, hz.worker_b, hz.b_team)
    units = {hz.a.id: hz.a.path, hz.machining.id: hz.machining.path, hz.b.id: hz.b.path}
    today = local_today()
    with app.test_request_context():
        reported = compute_figures("hazards_reported", units, today, today)
        confirmed = compute_figures("hazards_confirmed", units, today, today)
        rectified = compute_figures("hazards_rectified_on_time", units, today, today)
        last_year = compute_figures("hazards_reported", units, today.replace(year=today.year - 1),
                                    today.replace(year=today.year - 1))
    assert reported == {hz.a.id: 4, hz.machining.id: 4, hz.b.id: 1}
    assert confirmed == {hz.a.id: 3, hz.machining.id: 3, hz.b.id: 0}
    assert rectified == {hz.a.id: 1, hz.machining.id: 1, hz.b.id: 0}
    assert set(last_year.values()) == {0}
