"""The suggestion status machine: every transition for every role and state, through the rules and the pages."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blueprints.core import counters
from blueprints.core.models import AuditLog, Notification, User, YearlyCounter
from blueprints.suggestions import services
from blueprints.suggestions.models import SERIAL_SERIES, STATUSES, Suggestion, SuggestionEvent
from extensions import db
from tests.conftest import html_text

# Who may make each move from which state (SPEC §2), written out independently of services.TRANSITIONS.
ALLOWED = {
    ("submit", "draft"): {"author"},
    ("resubmit", "returned"): {"author"},
    ("accept", "submitted"): {"lead", "deputy", "admin"},
    ("return", "submitted"): {"lead", "deputy", "admin"},
    ("reject", "submitted"): {"lead", "deputy", "admin"},
    ("implement", "accepted"): {"lead", "deputy", "admin"},
    ("award", "implemented"): {"admin"},
    ("withdraw", "draft"): {"author"},
    ("withdraw", "submitted"): {"author"},
    ("withdraw", "returned"): {"author"},
}
ROLES = ("author", "coauthor", "colleague", "lead", "deputy", "member", "other_lead", "admin")
ACTIONS = ("submit", "resubmit", "accept", "return", "reject", "implement", "award", "withdraw")


def test_transition_table_matches_the_spec():
    moves = {(rule.action, source): rule.target for rule in services.TRANSITIONS.values() for source in rule.sources}
    assert set(moves) == set(ALLOWED)
    assert moves[("accept", "submitted")] == "accepted"
    assert moves[("resubmit", "returned")] == "submitted"
    assert moves[("award", "implemented")] == "awarded"
    assert set(moves.values()) | {"draft"} == set(STATUSES)


def test_every_action_in_every_state_for_every_role(app, suggestion_setup, make_suggestion):
    world = suggestion_setup
    ids = {status: make_suggestion(world.author, status=status, workshop=world.workshop, coauthors=[world.coauthor]).id
           for status in STATUSES}
    checked = 0
    with app.test_request_context():
        for status, suggestion_id in ids.items():
            suggestion = services.load_with_people(suggestion_id)
            for role in ROLES:
                user = db.session.get(User, getattr(world, role).id)
                for action in ACTIONS:
                    expected = role in ALLOWED.get((action, status), set())
                    assert services.can(user, action, suggestion) is expected, (action, status, role)
                    checked += 1
    assert checked == len(STATUSES) * len(ROLES) * len(ACTIONS)


def test_nobody_reviews_their_own_suggestion(app, suggestion_setup, make_suggestion):
    world = suggestion_setup
    own = make_suggestion(world.lead, workshop=world.workshop)
    coauthored = make_suggestion(world.colleague, workshop=world.workshop, coauthors=[world.deputy])
    with app.test_request_context():
        lead, deputy = db.session.get(User, world.lead.id), db.session.get(User, world.deputy.id)
        assert not services.can(lead, "accept", services.load_with_people(own.id))
        assert services.can(deputy, "accept", services.load_with_people(own.id))
        assert not services.can(deputy, "reject", services.load_with_people(coauthored.id))
        assert services.can(lead, "reject", services.load_with_people(coauthored.id))


def test_admins_review_suggestions_without_a_workshop_and_leads_do_not(app, suggestion_setup, make_suggestion):
    world = suggestion_setup
    union = make_suggestion(world.author, workshop=None)
    with app.test_request_context():
        suggestion = services.load_with_people(union.id)
        assert services.can(db.session.get(User, world.admin.id), "accept", suggestion)
        assert not services.can(db.session.get(User, world.lead.id), "accept", suggestion)


# --- Through the pages ---------------------------------------------------------------------------------------------


def _events(app, suggestion_id):
    with app.app_context():
        return [(event.action, event.from_status, event.to_status, event.comment) for event in db.session.scalars(
            select(SuggestionEvent).where(SuggestionEvent.suggestion_id == suggestion_id).order_by(SuggestionEvent.id))]


def _notes_for(app, user_id):
    with app.app_context():
        return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)))


def test_worker_submits_a_suggestion_gets_a_serial_and_reviewers_hear(app, client, auth, suggestion_setup,
                                                                       suggestion_form_data):
    world = suggestion_setup
    auth.login(world.author.employee_no)
    response = client.post("/suggestions/new", data=suggestion_form_data(
        workshop_id=str(world.workshop.id), coauthors=world.coauthor.employee_no))
    assert response.status_code == 303
    with app.app_context():
        suggestion = db.session.scalar(select(Suggestion))
        year = services.competition_year()
        assert suggestion.status == "submitted"
        assert suggestion.serial == f"WX-{year}-0001"
        assert suggestion.department_id == world.team.id
        assert counters.last_number(SERIAL_SERIES, year) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "suggestion.submit")) == 1
        suggestion_id = suggestion.id
    assert response.headers["Location"].endswith(f"/suggestions/{suggestion_id}")
    assert [event[:3] for event in _events(app, suggestion_id)] == [("create", None, "draft"),
                                                            ("submit", "draft", "submitted")]
    # The author gets a receipt with the serial; the co-author hears too; the lead and deputy are told it arrived.
    assert "WX-" in _notes_for(app, world.author.id)[0].params["serial"]
    assert len(_notes_for(app, world.coauthor.id)) == 1
    for reviewer in (world.lead, world.deputy):
        notes = _notes_for(app, reviewer.id)
        assert len(notes) == 1 and notes[0].message == services.ARRIVAL_MESSAGE
    assert _notes_for(app, world.member.id) == [] and _notes_for(app, world.other_lead.id) == []
    page = html_text(client.get(f"/suggestions/{suggestion_id}"))
    assert f"WX-{year}-0001" in page and "待审核" in page


def test_union_suggestion_notifies_admins(app, client, auth, suggestion_setup, suggestion_form_data):
    world = suggestion_setup
    auth.login(world.author.employee_no)
    assert client.post("/suggestions/new", data=suggestion_form_data(workshop_id="")).status_code == 303
    assert [n.message for n in _notes_for(app, world.admin.id)] == [services.ARRIVAL_MESSAGE]
    assert _notes_for(app, world.lead.id) == []


def test_draft_is_saved_without_serial_then_submitted_from_its_page(app, client, auth, suggestion_setup,
                                                                    suggestion_form_data, suggestion_row):
    world = suggestion_setup
    auth.login(world.author.employee_no)
    response = client.post("/suggestions/new", data=suggestion_form_data(action="draft", problem="", proposal=""))
    assert response.status_code == 303
    suggestion_id = int(response.headers["Location"].rsplit("/", 1)[1])
    draft = suggestion_row(suggestion_id)
    assert draft.status == "draft" and draft.serial is None
    # An incomplete draft cannot be submitted: the author is sent to the form with the reason.
    response = client.post(f"/suggestions/{suggestion_id}/submit")
    assert response.status_code == 303 and response.headers["Location"].endswith("/edit")
    assert suggestion_row(suggestion_id).status == "draft"
    assert "提交前请填写现状与问题" in html_text(client.get(response.headers["Location"]))
    client.post(f"/suggestions/{suggestion_id}/edit", data=suggestion_form_data(action="draft"))
    response = client.post(f"/suggestions/{suggestion_id}/submit")
    assert response.status_code == 303
    assert suggestion_row(suggestion_id).status == "submitted"


def test_double_submit_is_refused_and_uses_one_serial(app, client, auth, suggestion_setup, make_suggestion,
                                                      suggestion_row):
    world = suggestion_setup
    draft = make_suggestion(world.author, status="draft", workshop=world.workshop)
    auth.login(world.author.employee_no)
    assert client.post(f"/suggestions/{draft.id}/submit").status_code == 303
    response = client.post(f"/suggestions/{draft.id}/submit", follow_redirects=True)
    assert "不能提交" in html_text(response)
    with app.app_context():
        assert sum(row.last for row in db.session.scalars(select(YearlyCounter))) == 1
    assert suggestion_row(draft.id).serial.endswith("-0001")


def test_returned_suggestion_is_edited_and_resubmitted_keeping_its_serial(app, client, auth, suggestion_setup,
                                                                          make_suggestion, suggestion_form_data,
                                                                          suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.lead.employee_no)
    response = client.post(f"/suggestions/{suggestion.id}/decide/return", data={"comment": "请补充数据"})
    assert response.status_code == 303
    assert suggestion_row(suggestion.id).status == "returned"
    auth.logout()
    auth.login(world.author.employee_no)
    edit_page = html_text(client.get(f"/suggestions/{suggestion.id}/edit"))
    assert "请补充数据" in edit_page and "重新提交" in edit_page
    response = client.post(f"/suggestions/{suggestion.id}/edit",
                           data=suggestion_form_data(workshop_id=str(world.workshop.id), problem="补充了数据"))
    assert response.status_code == 303
    row = suggestion_row(suggestion.id)
    assert row.status == "submitted" and row.serial == suggestion.serial and row.problem == "补充了数据"
    assert [event[0] for event in _events(app, suggestion.id)][-2:] == ["return", "resubmit"]


def test_reviewer_accepts_with_the_rubric_and_the_total_is_computed(app, client, auth, suggestion_setup,
                                                                     make_suggestion, suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop, coauthors=[world.coauthor])
    auth.login(world.deputy.employee_no)
    response = client.post(f"/suggestions/{suggestion.id}/decide/accept", data={
        "score_innovation": "28", "score_practicality": "27", "score_benefit": "20", "score_replicability": "12",
        "comment": "很好", "score_total": "100"})
    assert response.status_code == 303
    row = suggestion_row(suggestion.id)
    assert (row.status, row.score_total, row.decided_at is not None) == ("accepted", 87, True)
    assert _events(app, suggestion.id)[-1] == ("accept", "submitted", "accepted", "很好")
    assert _notes_for(app, world.author.id)[-1].params["total"] == 87
    assert len(_notes_for(app, world.coauthor.id)) == 1
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "suggestion.accept"))
        assert entry.actor_id == world.deputy.id and entry.target_id == str(suggestion.id)


@pytest.mark.parametrize("scores, message", [
    ({"score_innovation": "31"}, "评分必须在 0 到 30 之间"),
    ({"score_benefit": "-1"}, "评分必须在 0 到 25 之间"),
    ({"score_replicability": ""}, "请填写评分"),
    ({"score_practicality": "很高"}, ""),
])
def test_accept_refuses_bad_scores_keeps_input_and_changes_nothing(app, client, auth, suggestion_setup,
                                                                   make_suggestion, suggestion_row, scores, message):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.lead.employee_no)
    data = {"score_innovation": "20", "score_practicality": "20", "score_benefit": "20", "score_replicability": "10",
            "comment": "保留我写的意见"}
    data.update(scores)
    response = client.post(f"/suggestions/{suggestion.id}/decide/accept", data=data)
    body = html_text(response)
    assert response.status_code == 200
    assert message in body and "is-invalid" in body and "保留我写的意见" in body
    row = suggestion_row(suggestion.id)
    assert row.status == "submitted" and row.score_total is None


def test_return_needs_a_comment_and_reject_needs_a_reason(app, client, auth, suggestion_setup, make_suggestion,
                                                          suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.lead.employee_no)
    body = html_text(client.post(f"/suggestions/{suggestion.id}/decide/return", data={"comment": "  "}))
    assert "退回时请写明需要修改的地方" in body
    body = html_text(client.post(f"/suggestions/{suggestion.id}/decide/reject", data={"comment": ""}))
    assert "不予采纳时请写明理由" in body
    assert suggestion_row(suggestion.id).status == "submitted"
    assert client.post(f"/suggestions/{suggestion.id}/decide/reject",
                       data={"comment": "与规程冲突"}).status_code == 303
    row = suggestion_row(suggestion.id)
    assert row.status == "rejected" and row.decided_at is not None
    assert "与规程冲突" in _notes_for(app, world.author.id)[-1].params["comment"]


def test_implement_records_date_and_decimal_benefit(app, client, auth, suggestion_setup, make_suggestion,
                                                    suggestion_row):
    from decimal import Decimal

    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="accepted", workshop=world.workshop)
    auth.login(world.lead.employee_no)
    url = f"/suggestions/{suggestion.id}/decide/implement"
    for bad, message in (("-5", "金额不能为负数"), ("12.345", "最多保留两位小数"), ("abc", "请填写有效的金额"),
                         ("", "请填写年经济效益")):
        body = html_text(client.post(url, data={"implemented_on": "2026-01-15", "annual_benefit": bad}))
        assert message in body, bad
    body = html_text(client.post(url, data={"implemented_on": "2999-01-01", "annual_benefit": "10"}))
    assert "实施日期不能晚于今天" in body
    assert suggestion_row(suggestion.id).status == "accepted"
    assert client.post(url, data={"implemented_on": "2026-01-15", "annual_benefit": "123,456.78"}).status_code == 303
    row = suggestion_row(suggestion.id)
    assert row.status == "implemented" and row.annual_benefit == Decimal("123456.78")
    assert str(row.implemented_on) == "2026-01-15"


def test_author_withdraws_and_the_serial_is_not_reused(app, client, auth, suggestion_setup, make_suggestion,
                                                       suggestion_row):
    world = suggestion_setup
    first = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.author.employee_no)
    assert client.post(f"/suggestions/{first.id}/withdraw", data={"comment": "重复了"}).status_code == 303
    assert suggestion_row(first.id).status == "withdrawn"
    second = make_suggestion(world.author, status="draft", workshop=world.workshop)
    client.post(f"/suggestions/{second.id}/submit")
    assert suggestion_row(second.id).serial.endswith("-0002")
    # Withdrawn is final: no further moves.
    response = client.post(f"/suggestions/{first.id}/withdraw", follow_redirects=True)
    assert "不能撤回" in html_text(response)


@pytest.mark.parametrize("who", ["colleague", "coauthor", "member", "other_lead"])
def test_decisions_by_non_reviewers_are_forbidden_and_audited(app, client, auth, suggestion_setup, make_suggestion,
                                                              suggestion_row, who):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop, coauthors=[world.coauthor])
    auth.login(getattr(world, who).employee_no)
    for action in ("accept", "return", "reject", "implement"):
        assert client.get(f"/suggestions/{suggestion.id}/decide/{action}").status_code == 403
        assert client.post(f"/suggestions/{suggestion.id}/decide/{action}", data={
            "comment": "x", "score_innovation": "1", "score_practicality": "1", "score_benefit": "1",
            "score_replicability": "1"}).status_code == 403
    assert client.post(f"/suggestions/{suggestion.id}/award").status_code == 403
    assert suggestion_row(suggestion.id).status == "submitted"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "access.denied")) >= 1


def test_reviewers_cannot_withdraw_or_edit_and_authors_cannot_decide(app, client, auth, suggestion_setup,
                                                                     make_suggestion, suggestion_row,
                                                                     suggestion_form_data):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.lead.employee_no)
    assert client.post(f"/suggestions/{suggestion.id}/withdraw").status_code == 403
    assert client.post(f"/suggestions/{suggestion.id}/edit", data=suggestion_form_data()).status_code == 403
    auth.logout()
    auth.login(world.author.employee_no)
    assert client.post(f"/suggestions/{suggestion.id}/decide/reject", data={"comment": "x"}).status_code == 403
    assert suggestion_row(suggestion.id).status == "submitted"


@pytest.mark.parametrize("status, action", [
    ("accepted", "accept"), ("rejected", "return"), ("returned", "reject"), ("submitted", "implement"),
    ("withdrawn", "accept"), ("awarded", "implement")])
def test_a_decision_in_the_wrong_state_is_refused_with_a_clear_message(app, client, auth, suggestion_setup,
                                                                       make_suggestion, suggestion_row,
                                                                       status, action):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status=status, workshop=world.workshop)
    auth.login(world.lead.employee_no)
    page = html_text(client.get(f"/suggestions/{suggestion.id}/decide/{action}"))
    assert "不能" in page and "<form method=\"post\" action=\"/suggestions" not in page
    body = html_text(client.post(f"/suggestions/{suggestion.id}/decide/{action}", data={
        "comment": "x", "score_innovation": "1", "score_practicality": "1", "score_benefit": "1",
        "score_replicability": "1", "implemented_on": "2026-01-01", "annual_benefit": "1"}))
    assert "不能" in body
    assert suggestion_row(suggestion.id).status == status


def test_a_move_made_meanwhile_by_someone_else_is_not_overwritten(app, suggestion_setup, make_suggestion):
    from sqlalchemy import update

    from blueprints.core.errors import DomainError

    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    with app.test_request_context(method="POST"):
        mine = services.load_with_people(suggestion.id)  # loaded as "submitted"
        # The row changes underneath the loaded object (as another reviewer's committed reject would look).
        db.session.execute(update(Suggestion).where(Suggestion.id == suggestion.id).values(status="rejected")
                           .execution_options(synchronize_session=False))
        assert mine.status == "submitted"
        with pytest.raises(DomainError, match="刚刚被别人改变"):
            services.accept(mine, db.session.get(User, world.lead.id),
                            {"score_innovation": 20, "score_practicality": 20, "score_benefit": 20,
                             "score_replicability": 10})
        # The other decision stands and no history or score was written for ours.
        assert db.session.scalar(select(Suggestion.status).where(Suggestion.id == suggestion.id)) == "rejected"
        assert db.session.scalar(select(Suggestion.score_total).where(Suggestion.id == suggestion.id)) is None
        assert db.session.scalar(select(func.count()).select_from(SuggestionEvent)) == 0
        db.session.rollback()


def test_admin_reassigns_a_waiting_suggestion_and_new_reviewers_hear(app, client, auth, suggestion_setup,
                                                                     make_suggestion, suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.lead.employee_no)
    assert client.post(f"/suggestions/{suggestion.id}/reassign",
                       data={"workshop_id": str(world.other_workshop.id)}).status_code == 403
    auth.logout()
    auth.login(world.admin.employee_no)
    assert client.post(f"/suggestions/{suggestion.id}/reassign",
                       data={"workshop_id": str(world.other_workshop.id)}).status_code == 303
    assert suggestion_row(suggestion.id).workshop_id == world.other_workshop.id
    assert [n.message for n in _notes_for(app, world.other_lead.id)] == [services.ARRIVAL_MESSAGE]
    assert _events(app, suggestion.id)[-1][0] == "reassign"
    # The old lead no longer reviews it; the new one does.
    auth.logout()
    auth.login(world.lead.employee_no)
    assert client.get(f"/suggestions/{suggestion.id}/decide/accept").status_code == 403


def test_sending_the_new_form_twice_creates_one_suggestion(app, client, auth, suggestion_setup,
                                                           suggestion_form_data):
    import re

    world = suggestion_setup
    auth.login(world.author.employee_no)
    token = re.search(r'name="client_token" type="hidden" value="([^"]+)"',
                      html_text(client.get("/suggestions/new"))).group(1)
    data = suggestion_form_data(workshop_id=str(world.workshop.id), client_token=token)
    first = client.post("/suggestions/new", data=data)
    second = client.post("/suggestions/new", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert "重复提交被忽略" in html_text(client.get(second.headers["Location"]))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 1
        assert sum(row.last for row in db.session.scalars(select(YearlyCounter))) == 1
