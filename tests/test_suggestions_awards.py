"""Awards and the reward ledger: suggested grades, overrides with a reason, splits exact to the fen, payouts."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from blueprints.core.models import AuditLog, Notification
from blueprints.core.settings import set_setting
from blueprints.suggestions import services
from blueprints.suggestions.models import RewardShare
from extensions import db
from tests.conftest import html_text
from tests.jobs_helpers import export_file


@pytest.mark.parametrize("total, grade", [(100, "first"), (90, "first"), (89, "second"), (80, "second"),
                                          (79, "third"), (70, "third"), (69, "excellence"), (60, "excellence"),
                                          (59, None), (0, None), (None, None)])
def test_grade_suggested_by_the_rubric_total(total, grade):
    assert services.suggested_grade(total) == grade


@pytest.mark.parametrize("n", range(1, 7))
def test_equal_shares_sum_to_one_hundred_percent_with_the_rest_to_the_author(n):
    shares = services.equal_shares(n)
    assert sum(shares) == 10000 and len(shares) == n
    assert shares[0] >= max(shares[1:], default=0) and shares[0] - min(shares) < n


@st.composite
def amounts_and_shares(draw):
    fen = draw(st.integers(min_value=1, max_value=100_000_000))
    n = draw(st.integers(min_value=1, max_value=6))
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=10000), min_size=n - 1, max_size=n - 1)))
    shares = [b - a for a, b in zip([0] + cuts, cuts + [10000], strict=True)]
    return Decimal(fen) / 100, shares


@settings(max_examples=300, deadline=None)
@given(amounts_and_shares())
def test_a_split_always_adds_up_to_the_reward_to_the_fen(case):
    amount, shares = case
    parts = services.split_reward(amount, shares)
    assert sum(parts) == amount
    assert all(p >= 0 and p == p.quantize(Decimal("0.01")) for p in parts)
    # Nobody is off by more than the leftover fen, which goes to the author.
    for part, share in zip(parts[1:], shares[1:], strict=True):
        assert abs(part - amount * share / 10000) < Decimal("0.01")
    assert abs(parts[0] - amount * shares[0] / 10000) < Decimal("0.01") * len(shares)


def test_a_split_that_does_not_make_one_hundred_percent_is_a_programming_error():
    with pytest.raises(ValueError):
        services.split_reward(Decimal("100"), [5000, 4000])


def _ledger(app, suggestion_id):
    with app.app_context():
        return db.session.execute(select(RewardShare.user_id, RewardShare.share_bp, RewardShare.amount,
                                         RewardShare.status, RewardShare.approved_by_id)
                                  .where(RewardShare.suggestion_id == suggestion_id)
                                  .order_by(RewardShare.id)).all()


def test_admin_awards_with_the_suggested_grade_and_an_equal_split(app, client, auth, suggestion_setup,
                                                                  make_suggestion, make_user, suggestion_row):
    world = suggestion_setup
    third = make_user()
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop,
                                 coauthors=[world.coauthor, third])  # rubric total 84: second prize, 1000 yuan
    auth.login(world.admin.employee_no)
    page = html_text(client.get(f"/suggestions/{suggestion.id}/award"))
    assert 'value="1000.00"' in page and "33.34" in page and "33.33" in page
    preview = client.get(f"/suggestions/{suggestion.id}/award/preview?amount=500&share-{world.author.id}=33.34"
                         f"&share-{world.coauthor.id}=33.33&share-{third.id}=33.33", headers={"HX-Request": "true"})
    assert "¥166.70" in html_text(preview) and "¥166.65" in html_text(preview)
    response = client.post(f"/suggestions/{suggestion.id}/award", data={
        "grade": "second", "amount": "1000.00", f"share-{world.author.id}": "33.34",
        f"share-{world.coauthor.id}": "33.33", f"share-{third.id}": "33.33"})
    assert response.status_code == 303
    row = suggestion_row(suggestion.id)
    assert (row.status, row.grade, row.suggested_grade, row.reward_amount) == ("awarded", "second", "second",
                                                                               Decimal("1000.00"))
    lines = _ledger(app, suggestion.id)
    assert [(line.user_id, line.amount) for line in lines] == [(world.author.id, Decimal("333.40")),
                                                      (world.coauthor.id, Decimal("333.30")),
                                                      (third.id, Decimal("333.30"))]
    assert {(line.status, line.approved_by_id) for line in lines} == {("pending", world.admin.id)}
    with app.app_context():
        note = db.session.scalars(select(Notification).where(Notification.user_id == world.author.id)).all()[-1]
        assert note.message == services.AWARD_MESSAGES["second"] and note.params["amount"] == "1,000.00"
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "suggestion.award")) == 1


def test_another_grade_or_amount_needs_a_reason(app, client, auth, suggestion_setup, make_suggestion,
                                                suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop)
    auth.login(world.admin.employee_no)
    share = {f"share-{world.author.id}": "100"}
    for data in ({"grade": "first", "amount": "2000"}, {"grade": "second", "amount": "1200"}):
        body = html_text(client.post(f"/suggestions/{suggestion.id}/award", data={**data, **share}))
        assert "请填写调整理由" in body
        assert data["amount"] in body  # what the admin typed is still there
    assert suggestion_row(suggestion.id).status == "implemented"
    assert _ledger(app, suggestion.id) == []
    response = client.post(f"/suggestions/{suggestion.id}/award", data={
        "grade": "first", "amount": "2000", "reason": "推广到全公司，效益显著", **share})
    assert response.status_code == 303
    row = suggestion_row(suggestion.id)
    assert (row.grade, row.suggested_grade, row.grade_reason) == ("first", "second", "推广到全公司，效益显著")


def test_reward_amounts_come_from_the_settings(app, client, auth, suggestion_setup, make_suggestion):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop)
    with app.test_request_context():
        set_setting("suggestions.reward_second", 1500)
        db.session.commit()
    auth.login(world.admin.employee_no)
    assert 'value="1500.00"' in html_text(client.get(f"/suggestions/{suggestion.id}/award"))
    client.post(f"/suggestions/{suggestion.id}/award", data={"grade": "second", "amount": "1500",
                                                             f"share-{world.author.id}": "100"})
    assert _ledger(app, suggestion.id)[0].amount == Decimal("1500.00")


@pytest.mark.parametrize("shares, message", [
    (("60", "30"), "现在是 90%"),
    (("abc", "50"), "请填写 0 到 100 之间的百分比"),
    (("50.001", "49.999"), "请填写 0 到 100 之间的百分比"),
    (("-10", "110"), "请填写 0 到 100 之间的百分比"),
])
def test_shares_must_make_one_hundred_percent(app, client, auth, suggestion_setup, make_suggestion, suggestion_row,
                                              shares, message):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop,
                                 coauthors=[world.coauthor])
    auth.login(world.admin.employee_no)
    body = html_text(client.post(f"/suggestions/{suggestion.id}/award", data={
        "grade": "second", "amount": "1000", f"share-{world.author.id}": shares[0],
        f"share-{world.coauthor.id}": shares[1]}))
    assert message in body and f'value="{shares[0]}"' in body
    assert suggestion_row(suggestion.id).status == "implemented" and _ledger(app, suggestion.id) == []


@pytest.mark.parametrize("amount, message", [("0", "奖金必须大于 0"), ("12.345", "最多保留两位小数"),
                                             ("一千", "请填写有效的金额"), ("2000000", "金额过大")])
def test_bad_reward_amounts_are_refused(app, client, auth, suggestion_setup, make_suggestion, amount, message):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop)
    auth.login(world.admin.employee_no)
    body = html_text(client.post(f"/suggestions/{suggestion.id}/award", data={
        "grade": "second", "amount": amount, "reason": "调整", f"share-{world.author.id}": "100"}))
    assert message in body


def test_only_implemented_suggestions_are_awarded_and_not_twice(app, client, auth, suggestion_setup,
                                                                make_suggestion):
    world = suggestion_setup
    accepted = make_suggestion(world.author, status="accepted", workshop=world.workshop)
    implemented = make_suggestion(world.author, status="implemented", workshop=world.workshop)
    auth.login(world.admin.employee_no)
    data = {"grade": "second", "amount": "1000", f"share-{world.author.id}": "100"}
    assert "不能评奖" in html_text(client.post(f"/suggestions/{accepted.id}/award", data=data))
    assert client.post(f"/suggestions/{implemented.id}/award", data=data).status_code == 303
    assert "不能评奖" in html_text(client.post(f"/suggestions/{implemented.id}/award", data=data))
    assert len(_ledger(app, implemented.id)) == 1


def test_the_ledger_marks_payouts_once_and_exports_for_finance(app, client, auth, suggestion_setup,
                                                              make_suggestion):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop,
                                 coauthors=[world.coauthor])
    auth.login(world.admin.employee_no)
    client.post(f"/suggestions/{suggestion.id}/award", data={
        "grade": "second", "amount": "1000", f"share-{world.author.id}": "50", f"share-{world.coauthor.id}": "50"})
    with app.app_context():
        ids = [str(i) for i in db.session.scalars(select(RewardShare.id).order_by(RewardShare.id))]
    page = html_text(client.get("/suggestions/rewards?status=pending"))
    assert world.author.name in page and "¥500.00" in page and "待发放" in page
    body = html_text(client.post("/suggestions/rewards/pay", data={"paid_on": "2999-01-01", "ids": ids},
                                 follow_redirects=True))
    assert "发放日期不能晚于今天" in body
    body = html_text(client.post("/suggestions/rewards/pay", data={"paid_on": "2026-01-10", "ids": ids[:1]},
                                 follow_redirects=True))
    assert "已将 1 笔奖金标记为已发放" in body
    body = html_text(client.post("/suggestions/rewards/pay", data={"paid_on": "2026-01-11", "ids": ids},
                                 follow_redirects=True))
    assert "已将 1 笔奖金标记为已发放" in body and "1 笔已经是已发放状态" in body
    with app.app_context():
        lines = db.session.execute(select(RewardShare.status, RewardShare.paid_on).order_by(RewardShare.id)).all()
        assert [(s, str(d)) for s, d in lines] == [("paid", "2026-01-10"), ("paid", "2026-01-11")]
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.message.like("%奖金%已发放%"))) == 2
    response = export_file(client, "/suggestions/rewards/export")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][3:5] == ("工号", "姓名")
    assert sorted(r[4] for r in rows[1:]) == sorted([world.author.name, world.coauthor.name])
    assert {r[7] for r in rows[1:]} == {500}
    assert {r[10] for r in rows[1:]} == {"已发放"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "suggestion.rewards_export")) == 1


def test_the_ledger_is_for_admins_only(client, auth, suggestion_setup):
    for who in (suggestion_setup.lead, suggestion_setup.author):
        auth.login(who.employee_no)
        assert client.get("/suggestions/rewards").status_code == 403
        assert client.post("/suggestions/rewards/export").status_code == 403
        assert client.post("/suggestions/rewards/pay", data={"paid_on": "2026-01-01", "ids": ["1"]}).status_code == 403
        auth.logout()
