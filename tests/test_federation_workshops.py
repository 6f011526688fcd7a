"""Workshops in the federation (SPEC §7): an admin's workshop powers stay inside their scope (404, audited, outside
it), the city decides workshops registered above enterprise level, and the city-level recommendation moves along the
union chain — enterprise recommends, district forwards or declines, city approves or declines — once, audited,
notified, with a dated history; every refusal says why and stores nothing."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from blueprints.core import grants
from blueprints.core.models import AuditLog, Department, Notification, User
from blueprints.workshops.models import LevelChange, Recommendation, RecommendationStep, Workshop
from extensions import db
from tests.concurrency import all_at_once
from tests.conftest import TEST_PASSWORD, PortalClient, both_backends, html_text

POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "max_overflow": 8, "pool_timeout": 60}}
pytestmark = pytest.mark.app_config(POOL)


# --- The world: a city, a district with enterprises A and B, an industry union with C, and their admins -----------


def _grant(app, user: User, department: Department) -> None:
    with app.app_context():
        grants.grant(db.session.get(User, user.id), "admin", db.session.get(Department, department.id))
        db.session.commit()


@pytest.fixture
def world(app, make_department, make_user, make_workshop):
    root = make_department("市总工会", kind="federation")
    district = make_department("松北区总工会", parent=root)
    industry = make_department("建设交通物流工会", parent=root, kind="industry")
    a = make_department("滨江重工", parent=district)
    a_plant = make_department("一分厂", parent=a)
    b = make_department("松北电机", parent=district)
    c = make_department("龙江建工", parent=industry)
    people = SimpleNamespace(city=make_user(roles=("worker", "admin"), name="市总管理员"))
    for key, node in (("ent_a", a), ("ent_b", b), ("district", district), ("district2", district),
                      ("industry", industry)):
        user = make_user(name=f"{key}管理员")
        _grant(app, user, node)
        setattr(people, key, user)
    people.lead_a = make_user(roles=("worker", "lead"), department=a_plant)
    people.lead_b = make_user(roles=("worker", "lead"), department=b)
    return SimpleNamespace(
        root=root, district=district, industry=industry, a=a, a_plant=a_plant, b=b, c=c, people=people,
        a_approved=make_workshop(status="approved", lead=people.lead_a, department=a_plant, name="滨江数控工作室"),
        a_pending=make_workshop(status="pending", lead=people.lead_a, department=a, name="滨江焊接工作室"),
        b_approved=make_workshop(status="approved", lead=people.lead_b, department=b, name="松北电机工作室"),
        b_pending=make_workshop(status="pending", lead=people.lead_b, department=b, name="松北绕线工作室"),
        b_draft=make_workshop(status="draft", lead=people.lead_b, department=b, name="松北草稿工作室"),
    )


def client_of(app, user: User):
    """A fresh client signed in as `user` (several people act in one test)."""
    app.test_client_class = PortalClient
    client = app.test_client()
    response = client.post("/auth/login", data={"employee_no": user.employee_no, "password": TEST_PASSWORD})
    assert response.status_code == 303
    return client


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def workshop_of(app, workshop_id: int) -> Workshop:
    with app.app_context():
        return db.session.get(Workshop, workshop_id)


def denials(app) -> int:
    return count(app, AuditLog, AuditLog.action == "access.denied")


def notes(app, user: User, text: str) -> int:
    return count(app, Notification, Notification.user_id == user.id, Notification.message.contains(text))


def the_recommendation(app, workshop_id: int) -> Recommendation | None:
    with app.app_context():
        return db.session.scalar(select(Recommendation).where(Recommendation.workshop_id == workshop_id)
                                 .order_by(Recommendation.id.desc()).limit(1))


def chain_rows(app) -> tuple[int, int]:
    return count(app, Recommendation), count(app, RecommendationStep)


# --- Scope of the admin's workshop powers --------------------------------------------------------------------------


def test_queue_lists_and_counts_only_the_workshops_in_scope(app, world):
    page = html_text(client_of(app, world.people.ent_a).get("/workshops/review"))
    assert "滨江焊接工作室" in page and "松北绕线工作室" not in page
    district_page = html_text(client_of(app, world.people.district).get("/workshops/review"))
    assert "滨江焊接工作室" in district_page and "松北绕线工作室" in district_page
    assert "没有待审批的工作室" in html_text(client_of(app, world.people.industry).get("/workshops/review"))
    with app.test_request_context():
        from blueprints.workshops import services

        assert services.pending_count(db.session.get(User, world.people.ent_a.id)) == 1
        assert services.pending_count(db.session.get(User, world.people.district.id)) == 2
        assert services.pending_count(db.session.get(User, world.people.city.id)) == 2


def test_my_space_counts_the_queue_in_scope(app, world):
    with app.test_request_context():
        from blueprints.workshops.panels import approval_queue_panel

        assert approval_queue_panel(db.session.get(User, world.people.ent_b.id)).context["waiting"] == 1
        assert approval_queue_panel(db.session.get(User, world.people.industry.id)).context["waiting"] == 0


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/workshops/{b_pending}"),
    ("get", "/workshops/{b_draft}"),
    ("post", "/workshops/{b_pending}/approve"),
    ("post", "/workshops/{b_pending}/reject"),
    ("post", "/workshops/{b_approved}/revoke"),
    ("get", "/workshops/{b_approved}/level"),
    ("post", "/workshops/{b_approved}/level"),
    ("post", "/workshops/{b_approved}/recommend"),
])
def test_out_of_scope_answers_404_audited_and_changes_nothing(app, world, method, path):
    client = client_of(app, world.people.ent_a)
    ids = {key: getattr(world, key).id for key in ("b_pending", "b_draft", "b_approved")}
    before = {key: workshop_of(app, ident).status for key, ident in ids.items()}
    denied = denials(app)
    response = getattr(client, method)(path.format(**ids), data={"reason": "越权", "level": "city",
                                                                 "changed_on": "2026-01-01"})
    assert response.status_code == 404
    assert denials(app) == denied + 1
    assert {key: workshop_of(app, ident).status for key, ident in ids.items()} == before
    assert workshop_of(app, ids["b_approved"]).level == "enterprise"
    assert chain_rows(app) == (0, 0)


def test_admin_in_scope_approves_and_public_directory_stays_open(app, world):
    client = client_of(app, world.people.ent_b)
    assert client.post(f"/workshops/{world.b_pending.id}/approve").status_code == 303
    assert workshop_of(app, world.b_pending.id).status == "approved"
    directory = html_text(client.get("/workshops/"))
    assert "滨江数控工作室" in directory  # approved workshops are public to everyone
    assert "滨江焊接工作室" not in directory  # another enterprise's pending one is not
    assert client.get(f"/workshops/{world.a_approved.id}").status_code == 200


def test_export_with_people_keeps_to_the_admins_scope(app, world):
    sheet = load_workbook(io.BytesIO(client_of(app, world.people.ent_a).get("/workshops/export.xlsx").data)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"滨江数控工作室", "滨江焊接工作室"}
    sheet = load_workbook(io.BytesIO(client_of(app, world.people.city).get("/workshops/export.xlsx").data)).active
    assert len(list(sheet.iter_rows(min_row=2))) == 5


def test_higher_level_registration_needs_the_city(app, world, make_workshop):
    higher = make_workshop(status="pending", lead=world.people.lead_a, department=world.a, level="city",
                           name="滨江市级申报工作室")
    # The enterprise's queue does not list it (nor count it); the city's does.
    assert "滨江市级申报工作室" not in html_text(client_of(app, world.people.ent_a).get("/workshops/review"))
    assert "滨江市级申报工作室" in html_text(client_of(app, world.people.city).get("/workshops/review"))
    with app.test_request_context():
        from blueprints.workshops import services

        assert services.pending_count(db.session.get(User, world.people.ent_a.id)) == 1
        assert services.pending_count(db.session.get(User, world.people.city.id)) == 3
    page = html_text(client_of(app, world.people.ent_a).post(f"/workshops/{higher.id}/approve",
                                                             follow_redirects=True))
    assert "由市总工会审批" in page
    assert workshop_of(app, higher.id).status == "pending"
    assert count(app, AuditLog, AuditLog.action == "workshop.approve") == 0
    client_of(app, world.people.city).post(f"/workshops/{higher.id}/approve")
    assert workshop_of(app, higher.id).status == "approved"


def test_level_changes_directly_are_the_citys(app, world):
    assert client_of(app, world.people.ent_a).get(f"/workshops/{world.a_approved.id}/level").status_code == 403
    assert client_of(app, world.people.city).get(f"/workshops/{world.a_approved.id}/level").status_code == 200


def test_submission_notifies_the_admins_covering_the_workshop(app, world, make_workshop, make_user):
    draft = make_workshop(status="draft", lead=world.people.lead_a, department=world.a_plant, name="滨江新工作室",
                          members=[make_user(), make_user()])
    assert client_of(app, world.people.lead_a).post(f"/workshops/{draft.id}/submit").status_code == 303
    assert workshop_of(app, draft.id).status == "pending"
    told = {key: notes(app, getattr(world.people, key), "已提交审批") for key in
            ("ent_a", "district", "city", "ent_b", "industry")}
    assert told == {"ent_a": 1, "district": 1, "city": 1, "ent_b": 0, "industry": 0}


# --- The recommendation chain --------------------------------------------------------------------------------------


def test_the_whole_chain_enterprise_district_city(app, world):
    people, workshop_id = world.people, world.a_approved.id
    response = client_of(app, people.ent_a).post(f"/workshops/{workshop_id}/recommend", data={"reason": "成果突出"})
    assert response.status_code == 303
    rec = the_recommendation(app, workshop_id)
    assert (rec.status, rec.from_level, rec.to_level, rec.open_workshop_id) == \
        ("recommended", "enterprise", "city", workshop_id)
    assert notes(app, people.lead_a, "已被推荐参评市级") == 1
    assert notes(app, people.district, "请审核") == 1 and notes(app, people.district2, "请审核") == 1
    assert notes(app, people.industry, "被推荐参评") == 0 and notes(app, people.city, "被推荐参评") == 0
    assert "滨江数控工作室" in html_text(client_of(app, people.district).get("/workshops/review"))
    assert "滨江数控工作室" not in html_text(client_of(app, people.city).get("/workshops/review"))
    assert "有 1 条市级推荐等待本级审核" in html_text(client_of(app, people.district).get("/"))
    assert "市级推荐等待本级审核" not in html_text(client_of(app, people.industry).get("/"))

    client_of(app, people.district).post(f"/workshops/recommendations/{rec.id}/forward", data={"reason": "同意"})
    assert the_recommendation(app, workshop_id).status == "forwarded"
    assert notes(app, people.city, "请审定") == 1
    assert notes(app, people.ent_a, "已转报市总工会") == 1 and notes(app, people.lead_a, "已转报市总工会") == 1
    assert "滨江数控工作室" in html_text(client_of(app, people.city).get("/workshops/review"))

    client_of(app, people.city).post(f"/workshops/recommendations/{rec.id}/approve", data={"reason": "市总〔2026〕8号"})
    done = the_recommendation(app, workshop_id)
    assert (done.status, done.open_workshop_id) == ("approved", None)
    assert workshop_of(app, workshop_id).level == "city"
    with app.app_context():
        change = db.session.scalars(select(LevelChange).where(LevelChange.workshop_id == workshop_id)
                                    .order_by(LevelChange.id.desc())).first()
        assert (change.from_level, change.to_level, change.note, change.changed_by_id) == \
            ("enterprise", "city", "市总〔2026〕8号", people.city.id)
        steps = db.session.execute(select(RecommendationStep.action, RecommendationStep.actor_id,
                                          RecommendationStep.reached, RecommendationStep.reason)
                                   .where(RecommendationStep.recommendation_id == rec.id)
                                   .order_by(RecommendationStep.id)).all()
    assert [tuple(s) for s in steps] == [("recommend", people.ent_a.id, "district", "成果突出"),
                                         ("forward", people.district.id, "federation", "同意"),
                                         ("approve", people.city.id, "federation", "市总〔2026〕8号")]
    for code in ("workshop.recommended", "workshop.recommendation_forwarded", "workshop.recommendation_approved"):
        assert count(app, AuditLog, AuditLog.action == code) == 1
    assert notes(app, people.lead_a, "已被认定为市级") == 1 and notes(app, people.district, "已被认定为市级") == 1
    profile = html_text(client_of(app, people.lead_a).get(f"/workshops/{workshop_id}"))
    assert "市级推荐" in profile and "转报" in profile and "市总〔2026〕8号" in profile and "已认定为市级" in profile


def _recommended(app, world) -> Recommendation:
    client_of(app, world.people.ent_a).post(f"/workshops/{world.a_approved.id}/recommend")
    return the_recommendation(app, world.a_approved.id)


@pytest.mark.parametrize(("who", "move", "message"), [
    ("ent_a", "forward", "等待区县（产业）工会审核"),   # wrong level: the enterprise cannot forward its own
    ("city", "forward", "等待区县（产业）工会审核"),    # wrong level: the city waits for the district
    ("district", "approve", "不能再认定"),             # wrong state: approval follows forwarding
    ("district", "decline", "请填写原因"),              # a decline without a reason
])
def test_refusals_at_the_union_step_say_why_and_store_nothing(app, world, who, move, message):
    rec = _recommended(app, world)
    rows = chain_rows(app)
    page = html_text(client_of(app, getattr(world.people, who)).post(
        f"/workshops/recommendations/{rec.id}/{move}", data={"reason": ""}, follow_redirects=True))
    assert message in page
    assert chain_rows(app) == rows
    assert the_recommendation(app, world.a_approved.id).status == "recommended"
    assert workshop_of(app, world.a_approved.id).level == "enterprise"


@pytest.mark.parametrize(("who", "move", "message"), [
    ("district", "approve", "由市总工会审定"),   # wrong level
    ("district", "forward", "不能再转报"),       # wrong state: already forwarded
    ("city", "decline", "请填写原因"),
])
def test_refusals_at_the_city_step(app, world, who, move, message):
    rec = _recommended(app, world)
    client_of(app, world.people.district).post(f"/workshops/recommendations/{rec.id}/forward")
    rows = chain_rows(app)
    page = html_text(client_of(app, getattr(world.people, who)).post(
        f"/workshops/recommendations/{rec.id}/{move}", data={"reason": " "}, follow_redirects=True))
    assert message in page
    assert chain_rows(app) == rows and the_recommendation(app, world.a_approved.id).status == "forwarded"


@pytest.mark.parametrize("who", ["ent_b", "industry"])
def test_deciding_outside_the_scope_is_404(app, world, who):
    rec = _recommended(app, world)
    rows, denied = chain_rows(app), denials(app)
    response = client_of(app, getattr(world.people, who)).post(f"/workshops/recommendations/{rec.id}/decline",
                                                               data={"reason": "越权"})
    assert response.status_code == 404 and denials(app) == denied + 1
    assert chain_rows(app) == rows and the_recommendation(app, world.a_approved.id).status == "recommended"


def test_workers_and_leads_cannot_recommend_or_decide(app, world):
    rec = _recommended(app, world)
    lead = client_of(app, world.people.lead_a)
    assert lead.post(f"/workshops/{world.b_approved.id}/recommend").status_code == 403
    assert lead.post(f"/workshops/recommendations/{rec.id}/forward").status_code == 403
    assert the_recommendation(app, world.a_approved.id).status == "recommended"


@pytest.mark.parametrize(("who", "target", "message"), [
    ("city", "a_approved", "直接调整工作室的级别"),       # the city needs no recommendation
    ("ent_b", "b_pending", "只有已批准的工作室可以推荐"),
    ("ent_a", "twice", "已经在推荐中"),
    ("ent_a", "city_level", "只有企业级工作室可以推荐"),
])
def test_recommend_refusals(app, world, make_workshop, who, target, message):
    if target == "twice":
        _recommended(app, world)
        target_id = world.a_approved.id
    elif target == "city_level":
        target_id = make_workshop(status="approved", lead=world.people.lead_a, department=world.a,
                                  level="city").id
    else:
        target_id = getattr(world, target).id
    rows = chain_rows(app)
    page = html_text(client_of(app, getattr(world.people, who)).post(f"/workshops/{target_id}/recommend",
                                                                     follow_redirects=True))
    assert message in page
    assert chain_rows(app) == rows


def test_district_declines_with_a_reason_and_the_enterprise_may_recommend_again(app, world):
    rec = _recommended(app, world)
    client_of(app, world.people.district).post(f"/workshops/recommendations/{rec.id}/decline",
                                               data={"reason": "成果材料不足"})
    declined = the_recommendation(app, world.a_approved.id)
    assert (declined.status, declined.open_workshop_id) == ("declined", None)
    assert notes(app, world.people.lead_a, "未获通过") == 1 and notes(app, world.people.ent_a, "未获通过") == 1
    with app.app_context():
        note = db.session.scalars(select(Notification).where(Notification.user_id == world.people.lead_a.id,
                                                             Notification.message.contains("未获通过"))).one()
        assert note.params["reason"] == "成果材料不足"
    assert count(app, AuditLog, AuditLog.action == "workshop.recommendation_declined") == 1
    with app.app_context():
        step = db.session.scalars(select(RecommendationStep).where(RecommendationStep.action == "decline")).one()
        assert (step.reached, step.reason) == ("district", "成果材料不足")
    assert _recommended(app, world).status == "recommended"
    assert count(app, Recommendation) == 2


def test_city_declines_a_forwarded_recommendation(app, world):
    rec = _recommended(app, world)
    client_of(app, world.people.district).post(f"/workshops/recommendations/{rec.id}/forward")
    client_of(app, world.people.city).post(f"/workshops/recommendations/{rec.id}/decline", data={"reason": "名额已满"})
    assert the_recommendation(app, world.a_approved.id).status == "declined"
    assert workshop_of(app, world.a_approved.id).level == "enterprise"
    assert notes(app, world.people.district, "未获通过") == 1 and notes(app, world.people.ent_a, "未获通过") == 1


def test_a_union_admin_recommending_sends_it_straight_to_the_city(app, world):
    client_of(app, world.people.district).post(f"/workshops/{world.b_approved.id}/recommend")
    rec = the_recommendation(app, world.b_approved.id)
    assert rec.status == "forwarded"
    assert notes(app, world.people.city, "请审核") == 1


def test_an_enterprise_under_no_union_goes_straight_to_the_city(app, make_department, make_user, make_workshop):
    solo = make_department("独立企业")  # a Part I tree: a top-level enterprise, no federation
    admin = make_user(name="企业管理员")
    _grant(app, admin, solo)
    workshop = make_workshop(status="approved", department=solo)
    client_of(app, admin).post(f"/workshops/{workshop.id}/recommend")
    rec = the_recommendation(app, workshop.id)
    with app.app_context():
        reached = db.session.scalar(select(RecommendationStep.reached))
    assert (rec.status, reached) == ("forwarded", "federation")


def test_revoking_a_workshop_closes_its_recommendation(app, world):
    rec = _recommended(app, world)
    client_of(app, world.people.district).post(f"/workshops/recommendations/{rec.id}/forward")
    client_of(app, world.people.ent_a).post(f"/workshops/{world.a_approved.id}/revoke", data={"reason": "停办"})
    closed = the_recommendation(app, world.a_approved.id)
    assert (closed.status, closed.open_workshop_id) == ("declined", None)
    with app.app_context():
        last = db.session.scalars(select(RecommendationStep).order_by(RecommendationStep.id.desc())).first()
        assert (last.action, last.reason, last.actor_id) == ("decline", "停办", world.people.ent_a.id)
    rows = chain_rows(app)
    page = html_text(client_of(app, world.people.city).post(f"/workshops/recommendations/{rec.id}/approve",
                                                            follow_redirects=True))
    assert "不能再认定" in page
    assert chain_rows(app) == rows and workshop_of(app, world.a_approved.id).level == "enterprise"


def test_approval_refused_when_the_level_changed_meanwhile(app, world):
    rec = _recommended(app, world)
    client_of(app, world.people.district).post(f"/workshops/recommendations/{rec.id}/forward")
    city = client_of(app, world.people.city)
    response = city.post(f"/workshops/{world.a_approved.id}/level",
                         data={"level": "province", "changed_on": "2026-01-05", "note": "省总认定"})
    assert response.status_code == 303 and workshop_of(app, world.a_approved.id).level == "province"
    rows = chain_rows(app)
    page = html_text(city.post(f"/workshops/recommendations/{rec.id}/approve", follow_redirects=True))
    assert "不能再认定为市级" in page
    assert chain_rows(app) == rows and the_recommendation(app, world.a_approved.id).status == "forwarded"
    assert workshop_of(app, world.a_approved.id).level == "province"


# --- Two admins deciding at once decide once ------------------------------------------------------------------------




def post_together(app, users, path: str, data=None) -> list[int]:
    clients = [client_of(app, user) for user in users]
    return [r.status_code for r in all_at_once([lambda c=c: c.post(path, data=data or {}) for c in clients])]


@both_backends
def test_two_enterprise_admins_recommending_at_once_recommend_once(app, world, make_user):
    second = make_user(name="滨江第二管理员")
    _grant(app, second, world.a)
    codes = post_together(app, [world.people.ent_a, second, world.people.ent_a],
                          f"/workshops/{world.a_approved.id}/recommend")
    assert codes == [303] * 3
    assert chain_rows(app) == (1, 1)
    assert count(app, AuditLog, AuditLog.action == "workshop.recommended") == 1
    assert notes(app, world.people.lead_a, "已被推荐参评市级") == 1


@both_backends
def test_two_district_admins_forwarding_at_once_forward_once(app, world):
    rec = _recommended(app, world)
    codes = post_together(app, [world.people.district, world.people.district2, world.people.district],
                          f"/workshops/recommendations/{rec.id}/forward")
    assert codes == [303] * 3
    assert count(app, RecommendationStep, RecommendationStep.action == "forward") == 1
    assert count(app, AuditLog, AuditLog.action == "workshop.recommendation_forwarded") == 1
    assert notes(app, world.people.city, "请审定") == 1


@both_backends
def test_two_city_admins_approving_at_once_raise_the_level_once(app, world, make_user):
    rec = _recommended(app, world)
    client_of(app, world.people.district).post(f"/workshops/recommendations/{rec.id}/forward")
    second_city = make_user(roles=("worker", "admin"))
    codes = post_together(app, [world.people.city, second_city, world.people.city],
                          f"/workshops/recommendations/{rec.id}/approve")
    assert codes == [303] * 3
    assert workshop_of(app, world.a_approved.id).level == "city"
    assert count(app, LevelChange, LevelChange.workshop_id == world.a_approved.id,
                 LevelChange.to_level == "city") == 1
    assert count(app, AuditLog, AuditLog.action == "workshop.recommendation_approved") == 1
    assert notes(app, world.people.lead_a, "已被认定为市级") == 1


@both_backends
def test_a_decline_racing_an_approval_decides_once(app, world):
    rec = _recommended(app, world)
    client_of(app, world.people.district).post(f"/workshops/recommendations/{rec.id}/forward")
    city = client_of(app, world.people.city)
    responses = all_at_once([
        lambda: city.post(f"/workshops/recommendations/{rec.id}/approve"),
        lambda: client_of(app, world.people.city).post(f"/workshops/recommendations/{rec.id}/decline",
                                                       data={"reason": "重复"}),
    ])
    assert [r.status_code for r in responses] == [303, 303]
    final = the_recommendation(app, world.a_approved.id)
    assert final.status in ("approved", "declined")
    assert count(app, RecommendationStep, RecommendationStep.action.in_(("approve", "decline"))) == 1
    assert workshop_of(app, world.a_approved.id).level == ("city" if final.status == "approved" else "enterprise")


def test_an_admin_registers_workshops_for_others_only_in_scope(app, world):
    client = client_of(app, world.people.ent_a)
    form = {"name": "越权登记工作室", "kind": "worker", "level": "enterprise", "expertise": "焊接",
            "description": "以焊接工艺为方向的创新工作室，专攻薄板焊接变形。", "lead": world.people.lead_b.employee_no,
            "members": "", "founded_on": "2024-03-01", "action": "save"}
    before = count(app, Workshop)
    page = html_text(client.post("/workshops/new", data={**form, "department_id": world.b.id}))
    assert count(app, Workshop) == before
    assert "越权登记工作室" in page  # the form comes back with the refusal
    page = html_text(client.get("/pick/departments-admin?q="))  # the form's unit picker (an admin's source)
    assert "一分厂" in page and "松北电机" not in page  # the unit picker offers the admin's scope only
    assert "departments-admin" in client.get("/workshops/new").get_data(as_text=True)
    with app.test_request_context():
        from blueprints.core.errors import DomainError
        from blueprints.workshops import services

        actor, lead = db.session.get(User, world.people.ent_a.id), db.session.get(User, world.people.lead_b.id)
        data = services.WorkshopData(name="越权登记工作室", kind="worker", level="enterprise",
                                     department_id=world.b.id, field="", founded_on=None, description="")
        with pytest.raises(DomainError, match="不在您的管理范围内"):
            services.create_workshop(actor, lead, data, [])
        db.session.rollback()
    response = client.post("/workshops/new", data={**form, "department_id": world.a_plant.id})
    assert response.status_code == 303 and count(app, Workshop) == before + 1
