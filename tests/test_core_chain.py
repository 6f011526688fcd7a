"""core.chain, the one recommendation chain (SPEC §7), tested through both of its adapters: each step, refusals by
level, scope and state (nothing stored), the one-query history and "waiting for my level", and two admins deciding at
once deciding once. The domain tests (test_federation_workshops/suggestions) test the pages around it."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from blueprints.core import chain, grants
from blueprints.core.errors import DomainError
from blueprints.core.models import AuditLog, Department, Notification, User
from blueprints.core.scopes import scope_of
from blueprints.suggestions.models import Suggestion
from blueprints.suggestions.services.recommendations import ADAPTER as SUGGESTIONS
from blueprints.workshops.chain import ADAPTER as WORKSHOPS
from blueprints.workshops.models import Workshop
from extensions import db
from tests.concurrency import all_at_once
from tests.conftest import both_backends

POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "max_overflow": 8, "pool_timeout": 60}}
pytestmark = pytest.mark.app_config(POOL)
ADAPTERS = {"workshops": WORKSHOPS, "suggestions": SUGGESTIONS}


@pytest.fixture
def tree(app, make_department, make_user, make_workshop, make_suggestion):
    """市总工会 → 松北区总工会 → A, B; 市总工会 → 建设交通物流工会 → C; an admin over each node, a city admin, and in
    A an approved enterprise-level workshop and an awarded suggestion (the two things recommended)."""
    root = make_department("市总工会", kind="federation")
    district = make_department("松北区总工会", parent=root, kind="district")
    industry = make_department("建设交通物流工会", parent=root, kind="industry")
    a = make_department("滨江重工", parent=district)
    plant = make_department("一分厂", parent=a, kind="branch")
    b = make_department("松北电机", parent=district)
    c = make_department("龙江建工", parent=industry)
    people = SimpleNamespace(city=make_user(roles=("worker", "admin"), name="市总管理员", department=root))
    for key, node in (("ent_a", a), ("ent_a2", a), ("ent_b", b), ("district", district), ("district2", district),
                      ("industry", industry), ("ent_c", c)):
        user = make_user(name=f"{key}管理员", department=node)
        with app.app_context():
            grants.grant(db.session.get(User, user.id), "admin", db.session.get(Department, node.id))
            db.session.commit()
        setattr(people, key, user)
    people.owner = make_user(roles=("worker", "lead"), name="滨江负责人", department=plant)
    workshop = make_workshop(status="approved", lead=people.owner, department=plant, name="滨江数控工作室")
    suggestion = make_suggestion(people.owner, status="awarded", title="冷却液回收")
    return SimpleNamespace(people=people, subjects={"workshops": workshop.id, "suggestions": suggestion.id},
                           district=district, industry=industry, a=a, b=b, c=c)


def _subject(domain: str, subject_id: int):
    if domain == "workshops":
        return db.session.get(Workshop, subject_id)
    return db.session.scalar(select(Suggestion).options(selectinload(Suggestion.coauthors))
                             .where(Suggestion.id == subject_id))


def _user(user) -> User:
    return db.session.get(User, user.id)


def _record(domain: str, subject_id: int):
    adapter = ADAPTERS[domain]
    found = chain.history(adapter, subject_id)
    return found[0][0] if found else None


def _act(app, domain, tree, who: str, move: str, reason: str = ""):
    """One step in its own transaction, as the web layer does: committed, or rolled back with the refusal's text."""
    adapter = ADAPTERS[domain]
    with app.app_context():
        subject = _subject(domain, tree.subjects[domain])
        actor = _user(getattr(tree.people, who))
        try:
            if move == "recommend":
                chain.recommend(adapter, actor, subject, reason)
            else:
                chain.decide(adapter, actor, subject, _record(domain, subject.id), move, reason)
        except DomainError as error:
            db.session.rollback()
            return error
        db.session.commit()
        return None


def _rows(app, domain) -> tuple[int, int, int]:
    """(recommendations, steps, audit rows) of the domain."""
    adapter = ADAPTERS[domain]
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (adapter.model, adapter.step_model, AuditLog))


def _status(app, domain, tree) -> str | None:
    with app.app_context():
        record = _record(domain, tree.subjects[domain])
        return record.status if record is not None else None


def _told(app, user, text: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.message.contains(text)))


def _waiting_for(app, domain, user) -> int:
    with app.app_context():
        return chain.waiting_count(ADAPTERS[domain], _user(user))


@pytest.mark.parametrize("domain", ADAPTERS)
def test_acting_levels_follow_the_grants_and_the_tree(app, tree, domain):
    expected = {"city": "city", "district": "union", "district2": "union", "ent_a": "enterprise",
                "industry": None, "ent_b": None, "ent_c": None, "owner": None}
    with app.app_context():
        department = ADAPTERS[domain].department(_subject(domain, tree.subjects[domain]))
        found = {who: chain.acting_level(_user(getattr(tree.people, who)), department) for who in expected}
    assert found == expected


@pytest.mark.parametrize("domain", ADAPTERS)
def test_each_step_enterprise_union_city(app, tree, domain):
    people = tree.people
    assert _act(app, domain, tree, "ent_a", "recommend", "成果突出") is None
    assert _status(app, domain, tree) == "recommended"
    waiting = {who: _waiting_for(app, domain, getattr(people, who))
               for who in ("district", "district2", "industry", "city", "ent_a")}
    assert waiting == {"district": 1, "district2": 1, "industry": 0, "city": 0, "ent_a": 0}
    assert _told(app, people.district, "") == 1 and _told(app, people.industry, "") == 0
    assert _told(app, people.owner, "") == 1

    assert _act(app, domain, tree, "district", "forward", "同意") is None
    assert _status(app, domain, tree) == "forwarded"
    assert (_waiting_for(app, domain, people.district), _waiting_for(app, domain, people.city)) == (0, 1)
    assert _told(app, people.city, "") == 1  # the city hears that it waits
    assert _told(app, people.ent_a, "") == 1  # the recommender hears of the forward

    assert _act(app, domain, tree, "city", "approve", "市总〔2026〕8号") is None
    assert _status(app, domain, tree) == "approved"
    assert _waiting_for(app, domain, people.city) == 0
    assert _told(app, people.owner, "") == 3 and _told(app, people.district, "") == 2
    with app.app_context():
        [(record, steps)] = chain.history(ADAPTERS[domain], tree.subjects[domain])
        assert [(step.action, step.actor_id, step.reason, name) for step, name in steps] == [
            ("recommend", people.ent_a.id, "成果突出", people.ent_a.name),
            ("forward", people.district.id, "同意", people.district.name),
            ("approve", people.city.id, "市总〔2026〕8号", people.city.name)]
        assert all(step.created_at if domain == "suggestions" else step.acted_at for step, _ in steps)
        audited = db.session.scalars(select(AuditLog.action).where(
            AuditLog.action.in_(ADAPTERS[domain].audit_actions.values())).order_by(AuditLog.id)).all()
        assert audited == [ADAPTERS[domain].audit_actions[m] for m in ("recommend", "forward", "approve")]
        if domain == "workshops":
            assert db.session.get(Workshop, tree.subjects[domain]).level == "city"


@pytest.mark.parametrize("domain", ADAPTERS)
def test_a_union_admin_recommending_sends_it_to_the_city(app, tree, domain):
    assert _act(app, domain, tree, "district", "recommend") is None
    assert _status(app, domain, tree) == "forwarded"
    assert _waiting_for(app, domain, tree.people.city) == 1


@pytest.mark.parametrize("domain", ADAPTERS)
@pytest.mark.parametrize(("who", "move", "status"), [
    ("ent_a", "forward", "recommended"),    # the enterprise cannot forward its own
    ("city", "forward", "recommended"),     # the city waits for the district
    ("industry", "decline", "recommended"),  # another union: not its enterprise
    ("ent_b", "decline", "recommended"),    # another enterprise
    ("district", "approve", "forwarded"),   # the district cannot approve for the city
    ("ent_a", "decline", "forwarded"),
])
def test_a_step_at_the_wrong_level_is_refused_and_stores_nothing(app, tree, domain, who, move, status):
    _act(app, domain, tree, "ent_a", "recommend")
    if status == "forwarded":
        _act(app, domain, tree, "district", "forward")
    before = _rows(app, domain)
    error = _act(app, domain, tree, who, move, "越级")
    assert isinstance(error, DomainError)
    needed = chain.DECIDER[status]
    assert error.message == ADAPTERS[domain].wrong_level[needed]
    assert _rows(app, domain) == before and _status(app, domain, tree) == status


@pytest.mark.parametrize("domain", ADAPTERS)
def test_wrong_state_and_missing_reason_are_refused(app, tree, domain):
    _act(app, domain, tree, "ent_a", "recommend")
    before = _rows(app, domain)
    assert _act(app, domain, tree, "district", "approve").message == chain.WRONG_STATE  # approve follows a forward
    assert _act(app, domain, tree, "district", "decline", "   ").field == "reason"
    assert _act(app, domain, tree, "district", "promote").message == chain.UNKNOWN_MOVE
    assert _rows(app, domain) == before
    assert _act(app, domain, tree, "district", "decline", "材料不足") is None
    assert _status(app, domain, tree) == "declined"
    declined = _rows(app, domain)
    for who, move in (("district", "forward"), ("city", "approve"), ("city", "decline")):
        assert _act(app, domain, tree, who, move, "再议").message == chain.WRONG_STATE
    assert _rows(app, domain) == declined
    with app.app_context():
        note = db.session.scalars(select(Notification).where(Notification.user_id == tree.people.owner.id)
                                  .order_by(Notification.id.desc())).first()
        assert note.params["reason"] == "材料不足"


@pytest.mark.parametrize("domain", ADAPTERS)
@pytest.mark.parametrize("who", ["ent_b", "industry", "ent_c", "owner"])
def test_recommending_outside_the_scope_is_refused(app, tree, domain, who):
    before = _rows(app, domain)
    error = _act(app, domain, tree, who, "recommend")
    assert error.message == ADAPTERS[domain].outside
    assert _rows(app, domain) == before
    with app.app_context():
        assert not chain.can_recommend(ADAPTERS[domain], _user(getattr(tree.people, who)),
                                       _subject(domain, tree.subjects[domain]))


@pytest.mark.parametrize("domain", ADAPTERS)
def test_moves_offered_to_each_level(app, tree, domain):
    _act(app, domain, tree, "ent_a", "recommend")
    people = tree.people

    def offered():
        with app.app_context():
            subject = _subject(domain, tree.subjects[domain])
            record = _record(domain, subject.id)
            return {who: chain.moves_for(ADAPTERS[domain], _user(getattr(people, who)), subject, record)
                    for who in ("ent_a", "district", "industry", "city")}

    assert offered() == {"ent_a": (), "district": ("forward", "decline"), "industry": (), "city": ()}
    _act(app, domain, tree, "district", "forward")
    assert offered() == {"ent_a": (), "district": (), "industry": (), "city": ("approve", "decline")}


@pytest.mark.parametrize("domain", ADAPTERS)
def test_history_and_waiting_cost_one_query_each(app, tree, domain, count_queries):
    _act(app, domain, tree, "ent_a", "recommend")
    with app.test_request_context():  # a request caches the user's scope, as the user loader primes it
        district = _user(tree.people.district)
        scope_of(district, "admin")
        with count_queries() as counted:
            found = chain.history(ADAPTERS[domain], tree.subjects[domain])
            chain.waiting_count(ADAPTERS[domain], district)
            db.session.execute(chain.waiting_statement(ADAPTERS[domain], district)).all()
    assert len(found) == 1 and counted.count == 3


def _race(app, domain, tree, moves) -> list:
    return all_at_once([lambda who=who, move=move: _act(app, domain, tree, who, move, "同时")
                        for who, move in moves])


@both_backends
@pytest.mark.parametrize("domain", ADAPTERS)
def test_two_admins_recommending_at_once_recommend_once(app, tree, domain):
    errors = _race(app, domain, tree, [("ent_a", "recommend"), ("ent_a2", "recommend"), ("ent_a", "recommend")])
    assert sum(error is None for error in errors) == 1
    assert _rows(app, domain)[:2] == (1, 1)


@both_backends
@pytest.mark.parametrize("domain", ADAPTERS)
def test_two_union_admins_forwarding_at_once_forward_once(app, tree, domain):
    _act(app, domain, tree, "ent_a", "recommend")
    errors = _race(app, domain, tree, [("district", "forward"), ("district2", "forward"), ("district", "decline")])
    assert sum(error is None for error in errors) == 1
    # A loser read the old status (refused as changed) or the new one, which now waits for the city.
    late = {chain.WRONG_STATE, ADAPTERS[domain].wrong_level["city"]}
    assert all(error is None or error.message in late for error in errors)
    assert _rows(app, domain)[1] == 2 and _status(app, domain, tree) in ("forwarded", "declined")
    assert _told(app, tree.people.city, "") == (1 if _status(app, domain, tree) == "forwarded" else 0)


@both_backends
@pytest.mark.parametrize("domain", ADAPTERS)
def test_an_approval_racing_a_decline_decides_once(app, tree, domain, make_user):
    _act(app, domain, tree, "ent_a", "recommend")
    _act(app, domain, tree, "district", "forward")
    tree.people.city2 = make_user(roles=("worker", "admin"))
    errors = _race(app, domain, tree, [("city", "approve"), ("city2", "decline"), ("city2", "approve")])
    assert sum(error is None for error in errors) == 1
    final = _status(app, domain, tree)
    assert _rows(app, domain)[1] == 3 and final in ("approved", "declined")
    if domain == "workshops":
        with app.app_context():
            assert db.session.get(Workshop, tree.subjects[domain]).level == ("city" if final == "approved"
                                                                             else "enterprise")
