"""The review queue: inline htmx decisions, counts, bulk answers with templates, blind review; and the conversation
around a suggestion (comments, +1s), My space panels and the workshop profile's list of adopted suggestions."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from blueprints.core.models import Notification
from blueprints.core.settings import set_setting
from blueprints.suggestions.models import AnswerTemplate, SuggestionEndorsement
from extensions import db
from tests.conftest import html_text
from tests.jobs_helpers import export_file

HX = {"HX-Request": "true"}


def test_inline_accept_in_the_queue_swaps_the_row_and_refreshes_the_counts(app, client, auth, suggestion_setup,
                                                                           make_suggestion, suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop, title="行内采纳")
    auth.login(world.lead.employee_no)
    form = client.get(f"/suggestions/{suggestion.id}/decide/accept?inline=1", headers=HX)
    body = html_text(form)
    assert form.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith("<tbody") and f'id="item-{suggestion.id}"' in body and "score_innovation" in body
    # A bad score re-renders the inline form (200, so htmx swaps it) with the message and the typed values.
    bad = client.post(f"/suggestions/{suggestion.id}/decide/accept?inline=1", headers=HX, data={
        "score_innovation": "40", "score_practicality": "21", "score_benefit": "20", "score_replicability": "10"})
    assert bad.status_code == 200 and "评分必须在 0 到 30 之间" in html_text(bad) and 'value="21"' in html_text(bad)
    assert "HX-Trigger" not in bad.headers
    good = client.post(f"/suggestions/{suggestion.id}/decide/accept?inline=1", headers=HX, data={
        "score_innovation": "30", "score_practicality": "21", "score_benefit": "20", "score_replicability": "10"})
    assert good.status_code == 200 and good.headers["HX-Trigger"] == "queue-changed"
    assert "已采纳" in html_text(good) and "合计 81 分" in html_text(good)
    assert suggestion_row(suggestion.id).status == "accepted"
    counts = client.get("/suggestions/review/counts?status=submitted", headers=HX)
    assert "<html" not in html_text(counts) and "待审核" in html_text(counts)
    # Without htmx the same URLs are whole pages or redirects.
    assert client.get(f"/suggestions/{suggestion.id}/decide/implement?inline=1").status_code == 200
    assert "<html" in html_text(client.get(f"/suggestions/{suggestion.id}/decide/implement"))
    assert client.get("/suggestions/review/counts").status_code == 303


def test_queue_rows_and_cancel(app, client, auth, suggestion_setup, make_suggestion):
    world = suggestion_setup
    mine = make_suggestion(world.lead, workshop=world.workshop, title="负责人自己的")
    other = make_suggestion(world.author, workshop=world.workshop, title="别人的")
    make_suggestion(world.colleague, workshop=world.other_workshop, title="别的工作室的")
    auth.login(world.lead.employee_no)
    page = html_text(client.get("/suggestions/review"))
    assert "别人的" in page and "负责人自己的" in page and "别的工作室的" not in page
    # The lead's own suggestion has no actions and no checkbox: someone else decides it.
    own_row = re.search(rf'<tbody id="item-{mine.id}".*?</tbody>', page, re.S).group(0)
    assert "回避" in own_row and 'name="ids"' not in own_row and "decide/accept" not in own_row
    item = client.get(f"/suggestions/review/item/{other.id}", headers=HX)
    assert item.status_code == 200 and "decide/accept" in html_text(item)
    assert client.get(f"/suggestions/{mine.id}/decide/accept").status_code == 403


def test_bulk_return_with_a_template_skips_what_cannot_be_returned(app, client, auth, suggestion_setup,
                                                                  make_suggestion, suggestion_row):
    world = suggestion_setup
    waiting = [make_suggestion(world.author, workshop=world.workshop) for _ in range(3)]
    decided = make_suggestion(world.author, status="accepted", workshop=world.workshop)
    elsewhere = make_suggestion(world.author, workshop=world.other_workshop)
    auth.login(world.lead.employee_no)
    assert client.post("/suggestions/review/templates", data={
        "kind": "return", "title": "补数据", "body": "请补充对比数据。"}).status_code == 303
    with app.app_context():
        template_id = db.session.scalar(select(AnswerTemplate.id))
    ids = [str(suggestion.id) for suggestion in waiting] + [str(decided.id), str(elsewhere.id)]
    response = client.post("/suggestions/review/bulk?status=submitted", data={
        "action": "return", "template_id": str(template_id), "extra": "谢谢", "ids": ids}, follow_redirects=True)
    body = html_text(response)
    assert "已处理 3 条" in body
    assert f"{decided.serial} 未处理" in body and "不能退回修改" in body
    assert f"{elsewhere.serial} 未处理" in body and "不是这条建议的审核人" in body
    for suggestion in waiting:
        assert suggestion_row(suggestion.id).status == "returned"
    assert suggestion_row(decided.id).status == "accepted"
    assert suggestion_row(elsewhere.id).status == "submitted"
    with app.app_context():
        note = db.session.scalars(select(Notification).where(Notification.user_id == world.author.id)).all()[-1]
        assert note.params["comment"] == "请补充对比数据。\n谢谢"


def test_bulk_needs_a_selection_and_a_template_of_the_same_kind(app, client, auth, suggestion_setup,
                                                                make_suggestion, suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.lead.employee_no)
    client.post("/suggestions/review/templates", data={"kind": "reject", "title": "不采纳", "body": "不在范围内。"})
    with app.app_context():
        template_id = db.session.scalar(select(AnswerTemplate.id))
    body = html_text(client.post("/suggestions/review/bulk", data={
        "action": "return", "template_id": str(template_id), "ids": [str(suggestion.id)]}, follow_redirects=True))
    assert "请选择一个与操作相符的答复模板" in body
    body = html_text(client.post("/suggestions/review/bulk", data={
        "action": "reject", "template_id": str(template_id)}, follow_redirects=True))
    assert "请先勾选要处理的建议" in body
    assert suggestion_row(suggestion.id).status == "submitted"


def test_a_template_fills_an_empty_return_comment(client, auth, suggestion_setup, make_suggestion, suggestion_row,
                                                  app):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.lead.employee_no)
    client.post("/suggestions/review/templates", data={"kind": "return", "title": "补照片", "body": "请上传现场照片。"})
    with app.app_context():
        template_id = db.session.scalar(select(AnswerTemplate.id))
    form = html_text(client.get(f"/suggestions/{suggestion.id}/decide/return"))
    assert 'data-body="请上传现场照片。"' in form
    client.post(f"/suggestions/{suggestion.id}/decide/return", data={"template_id": str(template_id), "comment": ""})
    assert suggestion_row(suggestion.id).status == "returned"


def test_answer_templates_are_personal_unless_an_admin_shares_them(app, client, auth, suggestion_setup):
    world = suggestion_setup
    auth.login(world.lead.employee_no)
    client.post("/suggestions/review/templates", data={"kind": "return", "title": "我的模板", "body": "内容",
                                                       "shared": "y"})
    body = html_text(client.post("/suggestions/review/templates", data={"kind": "return", "title": "我的模板",
                                                                        "body": "再来"}))
    assert "已经有一个叫“我的模板”的模板" in body
    auth.logout()
    auth.login(world.admin.employee_no)
    client.post("/suggestions/review/templates", data={"kind": "reject", "title": "公共模板", "body": "内容",
                                                       "shared": "y"})
    page = html_text(client.get("/suggestions/review/templates"))
    assert "公共模板" in page and "我的模板" not in page  # the lead's (not shared: only admins share) stays theirs
    auth.logout()
    auth.login(world.deputy.employee_no)
    page = html_text(client.get("/suggestions/review/templates"))
    assert "公共模板" in page and "我的模板" not in page
    with app.app_context():
        lead_template = db.session.scalar(select(AnswerTemplate).where(AnswerTemplate.title == "我的模板"))
        shared = db.session.scalar(select(AnswerTemplate).where(AnswerTemplate.title == "公共模板"))
        assert lead_template.shared is False
    # Someone else's template is not found; a shared one cannot be deleted by a non-admin.
    assert client.post(f"/suggestions/review/templates/{lead_template.id}/delete").status_code == 404
    response = client.post(f"/suggestions/review/templates/{shared.id}/delete", follow_redirects=True)
    assert "只能删除自己的模板" in html_text(response)
    auth.logout()
    auth.login(world.lead.employee_no)
    assert client.post(f"/suggestions/review/templates/{lead_template.id}/delete").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnswerTemplate)) == 1


def test_blind_review_hides_the_author_from_reviewers_until_a_decision(app, client, auth, suggestion_setup,
                                                                       make_suggestion):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop, coauthors=[world.coauthor], title="盲审的建议")
    with app.test_request_context():
        set_setting("suggestions.blind_review", True)
        db.session.commit()
    auth.login(world.lead.employee_no)
    for url in (f"/suggestions/{suggestion.id}", "/suggestions/", "/suggestions/review",
                f"/suggestions/{suggestion.id}/decide/accept"):
        body = html_text(client.get(url))
        assert "盲审的建议" in body
        assert world.author.name not in body and world.coauthor.name not in body, url
        # The department is hidden too (the list's filter bar names every department, so look at the rows only).
        rows = html_text(client.get(url, headers=HX)) if "decide" not in url else body
        assert "数控一班" not in rows, url
    sheet = load_workbook(io.BytesIO(export_file(client, "/suggestions/export").data)).active
    assert world.author.name not in [c for row in sheet.iter_rows(values_only=True) for c in row]
    # A colleague who reviews nothing, and the author, see names as usual.
    auth.logout()
    auth.login(world.colleague.employee_no)
    assert world.author.name in html_text(client.get(f"/suggestions/{suggestion.id}"))
    auth.logout()
    # After the decision the reviewer sees who wrote it.
    auth.login(world.lead.employee_no)
    client.post(f"/suggestions/{suggestion.id}/decide/accept", data={
        "score_innovation": "20", "score_practicality": "20", "score_benefit": "20", "score_replicability": "10"})
    assert world.author.name in html_text(client.get(f"/suggestions/{suggestion.id}"))


def test_comments_and_endorsements(app, client, auth, suggestion_setup, make_suggestion, suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.colleague.employee_no)
    response = client.post(f"/suggestions/{suggestion.id}/comments", data={"body": "我们班也需要"}, headers=HX)
    assert response.status_code == 200 and "<html" not in html_text(response) and "我们班也需要" in html_text(response)
    empty = client.post(f"/suggestions/{suggestion.id}/comments", data={"body": "  "}, headers=HX)
    assert "请填写评论内容" in html_text(empty)
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.user_id == world.author.id))
        assert note.params["name"] == world.colleague.name
    # +1 once per person; pressing again takes it back; the count always equals the rows.
    first = client.post(f"/suggestions/{suggestion.id}/endorse", headers=HX)
    assert first.status_code == 200 and "已点赞" in html_text(first)
    assert suggestion_row(suggestion.id).endorsement_count == 1
    client.post(f"/suggestions/{suggestion.id}/endorse")
    assert suggestion_row(suggestion.id).endorsement_count == 0
    client.post(f"/suggestions/{suggestion.id}/endorse")
    auth.logout()
    auth.login(world.member.employee_no)
    client.post(f"/suggestions/{suggestion.id}/endorse")
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(SuggestionEndorsement))
    assert rows == 2 == suggestion_row(suggestion.id).endorsement_count
    # Authors cannot +1 their own idea.
    auth.logout()
    auth.login(world.author.employee_no)
    refused = client.post(f"/suggestions/{suggestion.id}/endorse", headers=HX)
    assert refused.status_code == 200 and "不能点赞" in html_text(refused)
    assert suggestion_row(suggestion.id).endorsement_count == 2


def test_endorsing_twice_at_the_same_moment_counts_once(app, suggestion_setup, make_suggestion):
    from blueprints.core.models import User
    from blueprints.suggestions import services
    from blueprints.suggestions.services.conversation import dialect_insert

    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    with app.test_request_context(method="POST"):
        user = db.session.get(User, world.colleague.id)
        loaded = services.load_with_people(suggestion.id)
        # Both requests saw "not endorsed yet"; the insert is "do nothing on conflict" and the count a recount.
        insert = dialect_insert(SuggestionEndorsement).values(
            suggestion_id=suggestion.id, user_id=user.id).on_conflict_do_nothing()
        db.session.execute(insert)
        db.session.execute(insert)
        services.toggle_endorsement(loaded, user)  # sees the row: takes the +1 back
        services.toggle_endorsement(loaded, user)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SuggestionEndorsement)) == 1
        db.session.refresh(loaded)
        assert loaded.endorsement_count == 1


def test_my_space_shows_my_suggestions_and_what_waits_for_review(client, auth, suggestion_setup, make_suggestion):
    world = suggestion_setup
    make_suggestion(world.author, workshop=world.workshop, title="首页上的建议")
    auth.login(world.author.employee_no)
    home = html_text(client.get("/"))
    assert "我的建议" in home and "首页上的建议" in home and "待我审核的建议" not in home
    auth.logout()
    auth.login(world.deputy.employee_no)
    home = html_text(client.get("/"))
    assert "待我审核的建议" in home
    assert re.search(r'display-6[^>]*>\s*1\s*<', home)


def test_the_workshop_profile_lists_adopted_suggestions(app, suggestion_setup, make_suggestion):
    from flask import render_template_string

    world = suggestion_setup
    make_suggestion(world.author, status="awarded", workshop=world.workshop, title="获奖的", grade="second")
    make_suggestion(world.author, status="accepted", workshop=world.workshop, title="采纳的")
    make_suggestion(world.author, status="submitted", workshop=world.workshop, title="待审的")
    make_suggestion(world.author, status="accepted", workshop=world.other_workshop, title="别处的")
    with app.test_request_context():
        html = render_template_string(
            '{% include "suggestions/_workshop_adopted.html" ignore missing with context %}', workshop=world.workshop)
    assert "获奖的" in html and "采纳的" in html and "二等奖" in html
    assert "待审的" not in html and "别处的" not in html
    assert f"/suggestions/?workshop={world.workshop.id}" in html


def test_the_queues_status_counts_read_the_status_index_alone(app, make_user):
    """A whole-city admin's per-status counts (each stopping at the cap) read ix_suggestions_status_listed without
    visiting a row: it holds the status and the serial the queue tests (SQLite's plan; PostgreSQL's at 1M in bench)."""
    from sqlalchemy import event

    from blueprints.core.models import User
    from blueprints.suggestions import services

    admin = make_user(roles=("admin",))
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    with app.test_request_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite query plan")
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            services.queue_counts(db.session.get(User, admin.id))
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        statement, parameters = next((s, p) for s, p in sent if "count(" in s)
        plan = [row[3] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters).all()]
    reads = [step for step in plan if "suggestions" in step]
    assert len(reads) == len(services.QUEUE_STATUSES), plan
    assert all("USING COVERING INDEX ix_suggestions_status_listed (status=?)" in step for step in reads), plan
