"""Effects once under load (QUALITY §13): real threads send simultaneous requests through the whole app, on SQLite
and on PostgreSQL. Whatever the race, a change happens once, and so do its audit row, its history event and the
notifications: only the request whose conditional UPDATE changed a row records and tells anyone.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blueprints.core.models import AuditLog, Notification
from blueprints.suggestions.models import AnswerTemplate, RewardShare, Suggestion, SuggestionEvent
from blueprints.suggestions.services import transitions
from extensions import db
from tests.concurrency import all_at_once as _all_at_once
from tests.conftest import TEST_PASSWORD, PortalClient, both_backends

# Enough connections for real overlap, few enough to share the PostgreSQL server with other test runs.
POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "max_overflow": 8, "pool_timeout": 60}}
COPIES = 6


def _clients(app, users) -> list[PortalClient]:
    """One signed-in test client (own cookies, own login session) per entry; a user may appear several times."""
    app.test_client_class = PortalClient
    clients = []
    for user in users:
        client = app.test_client()
        response = client.post("/auth/login", data={"employee_no": user.employee_no, "password": TEST_PASSWORD})
        assert response.status_code == 303
        clients.append(client)
    return clients




def _count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _notes(app, user_id: int, message: str) -> int:
    return _count(app, Notification, Notification.user_id == user_id, Notification.message == message)


def _no_server_error(responses) -> None:
    assert [r.status_code for r in responses if r.status_code >= 500] == []


@both_backends
@pytest.mark.app_config(POOL)
def test_paying_the_same_lines_at_once_audits_and_notifies_once(app, suggestion_setup, make_suggestion, make_user):
    world = suggestion_setup
    second_admin = make_user(roles=("admin", "worker"))
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop,
                                 coauthors=[world.coauthor])
    admin_client = _clients(app, [world.admin])[0]
    assert admin_client.post(f"/suggestions/{suggestion.id}/award", data={
        "grade": "second", "amount": "1000", f"share-{world.author.id}": "50",
        f"share-{world.coauthor.id}": "50"}).status_code == 303
    with app.app_context():
        ids = [str(i) for i in db.session.scalars(select(RewardShare.id))]
    clients = _clients(app, [world.admin, second_admin] * (COPIES // 2))
    responses = _all_at_once([lambda c=c: c.post("/suggestions/rewards/pay", data={"paid_on": "2026-01-10",
                                                                                  "ids": ids})
                              for c in clients])

    _no_server_error(responses)
    assert _count(app, RewardShare, RewardShare.status == "paid") == 2
    paid_message = "您在建议 %(serial)s 中的奖金 %(amount)s 元已发放。"
    assert (_notes(app, world.author.id, paid_message), _notes(app, world.coauthor.id, paid_message)) == (1, 1)
    with app.app_context():
        details = list(db.session.scalars(select(AuditLog.detail)
                                          .where(AuditLog.action == "suggestion.reward_paid")))
    assert len(details) == 1 and f"ledger ids {','.join(sorted(ids))} " in details[0]


def _bulk(client, template_id: int, ids: list[str]):
    return lambda: client.post("/suggestions/review/bulk", data={"action": "return", "template_id": str(template_id),
                                                                 "ids": ids})


@both_backends
@pytest.mark.app_config(POOL)
def test_two_reviewers_bulk_returning_the_same_suggestions_decide_each_once(app, suggestion_setup, make_suggestion):
    world = suggestion_setup
    waiting = [make_suggestion(world.author, workshop=world.workshop) for _ in range(4)]
    with app.app_context():
        template = AnswerTemplate(owner_id=world.lead.id, kind="return", title="补数据", body="请补充对比数据。",
                                  shared=False)
        db.session.add(template)
        db.session.commit()
        shared = AnswerTemplate(owner_id=world.deputy.id, kind="return", title="补数据", body="请补充对比数据。",
                                shared=False)
        db.session.add(shared)
        db.session.commit()
        lead_template, deputy_template = template.id, shared.id
    ids = [str(s.id) for s in waiting]
    lead_clients = _clients(app, [world.lead] * (COPIES // 2))
    deputy_clients = _clients(app, [world.deputy] * (COPIES // 2))
    # The deputy ticked them in the other order: the rows are still taken in one order, so no deadlock.
    calls = ([_bulk(c, lead_template, ids) for c in lead_clients]
             + [_bulk(c, deputy_template, ids[::-1]) for c in deputy_clients])
    responses = _all_at_once(calls)

    _no_server_error(responses)
    assert _count(app, Suggestion, Suggestion.status == "returned") == len(waiting)
    assert _count(app, AuditLog, AuditLog.action == "suggestion.return") == len(waiting)
    assert _count(app, SuggestionEvent, SuggestionEvent.action == "return") == len(waiting)
    assert _notes(app, world.author.id, transitions.TRANSITION_MESSAGES["return"]) == len(waiting)


@both_backends
@pytest.mark.app_config(POOL)
@pytest.mark.parametrize("decision, data, message", [
    ("accept", {"score_innovation": "28", "score_practicality": "27", "score_benefit": "20",
                "score_replicability": "12"}, "accept"),
    ("return", {"comment": "请补充数据"}, "return"),
    ("reject", {"comment": "不在范围内"}, "reject"),
])
def test_one_decision_made_twice_at_once_is_recorded_once(app, suggestion_setup, make_suggestion, decision, data,
                                                          message):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop, coauthors=[world.coauthor])
    clients = _clients(app, [world.lead, world.deputy] * (COPIES // 2))
    responses = _all_at_once([lambda c=c: c.post(f"/suggestions/{suggestion.id}/decide/{decision}", data=data)
                              for c in clients])

    _no_server_error(responses)
    assert sum(r.status_code == 303 for r in responses) == 1  # the others see "changed meanwhile"
    assert _count(app, AuditLog, AuditLog.action == f"suggestion.{decision}") == 1
    assert _count(app, SuggestionEvent, SuggestionEvent.action == decision) == 1
    text = transitions.TRANSITION_MESSAGES[message]
    assert (_notes(app, world.author.id, text), _notes(app, world.coauthor.id, text)) == (1, 1)


@both_backends
@pytest.mark.app_config(POOL)
def test_two_admins_awarding_at_once_award_once(app, suggestion_setup, make_suggestion, make_user):
    world = suggestion_setup
    second_admin = make_user(roles=("admin", "worker"))
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop,
                                 coauthors=[world.coauthor])
    clients = _clients(app, [world.admin, second_admin] * (COPIES // 2))
    data = {"grade": "second", "amount": "1000", f"share-{world.author.id}": "50", f"share-{world.coauthor.id}": "50"}
    responses = _all_at_once([lambda c=c: c.post(f"/suggestions/{suggestion.id}/award", data=data)
                              for c in clients])

    _no_server_error(responses)
    assert sum(r.status_code == 303 for r in responses) == 1
    assert _count(app, RewardShare, RewardShare.suggestion_id == suggestion.id) == 2
    for action in ("suggestion.award", "suggestion.reward_ledger"):
        assert _count(app, AuditLog, AuditLog.action == action) == 1
    text = transitions.AWARD_MESSAGES["second"]
    assert (_notes(app, world.author.id, text), _notes(app, world.coauthor.id, text)) == (1, 1)


@both_backends
@pytest.mark.app_config(POOL)
@pytest.mark.parametrize("button", ["submit", "save"])
def test_the_new_form_sent_many_times_at_once_creates_one_suggestion(app, suggestion_setup, suggestion_form_data,
                                                                      button):
    world = suggestion_setup
    first = _clients(app, [world.author])[0]
    token = re.search(r'name="client_token" type="hidden" value="([^"]+)"',
                      first.get("/suggestions/new").get_data(as_text=True)).group(1)
    # The same browser session sends the same form several times (double click, impatient reloads).
    copies = [first] + [_same_session(app, first) for _ in range(COPIES - 1)]
    data = suggestion_form_data(workshop_id=str(world.workshop.id), client_token=token, action=button)
    responses = _all_at_once([lambda c=c: c.post("/suggestions/new", data=dict(data)) for c in copies])

    _no_server_error(responses)
    with app.app_context():
        created = list(db.session.scalars(select(Suggestion.id).where(Suggestion.author_id == world.author.id)))
    assert len(created) == 1
    assert {r.status_code for r in responses} == {303}
    assert {r.headers["Location"] for r in responses} == {f"/suggestions/{created[0]}"}
    assert _count(app, AuditLog, AuditLog.action == "suggestion.created") == 1
    assert _count(app, AuditLog, AuditLog.action == "suggestion.submit") == (button == "submit")


def _same_session(app, client: PortalClient) -> PortalClient:
    """Another client carrying the same session cookie (the same signed-in browser, another connection)."""
    other = app.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


@both_backends
@pytest.mark.app_config(POOL)
def test_two_admins_reassigning_at_once_move_it_once(app, suggestion_setup, make_suggestion, make_user):
    world = suggestion_setup
    second_admin = make_user(roles=("admin", "worker"))
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    clients = _clients(app, [world.admin, second_admin] * (COPIES // 2))
    responses = _all_at_once([lambda c=c: c.post(f"/suggestions/{suggestion.id}/reassign",
                                                 data={"workshop_id": str(world.other_workshop.id)})
                              for c in clients])

    _no_server_error(responses)
    assert _count(app, Suggestion, Suggestion.workshop_id == world.other_workshop.id) == 1
    assert _count(app, AuditLog, AuditLog.action == "suggestion.reassign") == 1
    assert _count(app, SuggestionEvent, SuggestionEvent.action == "reassign") == 1
    assert _count(app, Notification, Notification.user_id == world.author.id) == 1
    assert _count(app, Notification, Notification.user_id == world.other_lead.id) == 1
