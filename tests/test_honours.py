"""Honours nominations (SPEC §8, chain of §7): an admin nominates a unit, team or person of their scope with evidence
from the records; the district or industry union forwards or declines with a reason; the city approves or declines;
each step dated, audited and notified once; outside the scope 404 (audited); wrong level, missing reason, second
decision, wrong subject: refused, nothing stored. The approved honour shows on the personal record and the unit list.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from blueprints.core.models import AuditLog, Notification
from blueprints.honours import services
from blueprints.honours.models import Nomination, NominationStep
from extensions import db
from tests.concurrency import all_at_once
from tests.conftest import both_backends, html_text
from tests.fixtures_honours import client_of, count, denials, notes

POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "max_overflow": 8, "pool_timeout": 60}}
pytestmark = pytest.mark.app_config(POOL)


def team_form(federation, **fields) -> dict:
    data = {"subject_kind": "team", "department_id": federation.a_team.id, "employee_no": "", "honour": "pioneer",
            "honour_name": "", "level": "city", "year": "2026", "summary": "三年安全无事故",
            "evidence": "2026-05-10 合理化建议被采纳\n\n  职工取得培训证书 4 份  ", "step": "submit"}
    data.update({key: str(value) for key, value in fields.items()})
    return data


def person_form(employee_no: str, **fields) -> dict:
    data = {"subject_kind": "person", "department_id": "", "employee_no": employee_no, "honour": "labour_medal",
            "honour_name": "", "level": "city", "year": "2026", "summary": "", "evidence": "", "step": "submit"}
    data.update({key: str(value) for key, value in fields.items()})
    return data


def nominate(app, user, data) -> int:
    response = client_of(app, user).post("/honours/new", data=data)
    assert response.status_code == 303, html_text(response)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def nomination(app, nomination_id: int) -> Nomination:
    with app.app_context():
        return db.session.get(Nomination, nomination_id)


def steps(app, nomination_id: int) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(s.action, s.reached, s.reason) for s in db.session.scalars(
            select(NominationStep).where(NominationStep.nomination_id == nomination_id).order_by(NominationStep.id))]


def decide(app, user, nomination_id: int, move: str, reason: str = ""):
    return client_of(app, user).post(f"/honours/{nomination_id}/{move}", data={"reason": reason})


# --- The chain -------------------------------------------------------------------------------------------------------


def test_a_team_goes_from_the_enterprise_through_the_district_to_the_city(app, federation):
    people = federation.people
    nomination_id = nominate(app, people.ent_a, team_form(federation))
    row = nomination(app, nomination_id)
    assert (row.status, row.subject_kind, row.department_id, row.user_id, row.honour, row.level, row.year) == (
        "nominated", "team", federation.a_team.id, None, "pioneer", "city", 2026)
    assert row.evidence_lines == ["2026-05-10 合理化建议被采纳", "职工取得培训证书 4 份"]
    assert steps(app, nomination_id) == [("nominate", "district", "")]
    assert notes(app, people.district, "请审核") == 1 and notes(app, people.district2, "请审核") == 1
    assert notes(app, people.city, "请审") == 0 and notes(app, people.industry, "请审") == 0

    assert decide(app, people.district, nomination_id, "forward", "事迹突出").status_code == 303
    assert nomination(app, nomination_id).status == "forwarded"
    assert notes(app, people.city, "请审定") == 1 and notes(app, people.city2, "请审定") == 1
    assert notes(app, people.ent_a, "已转报市总工会") == 1

    assert decide(app, people.city, nomination_id, "approve").status_code == 303
    row = nomination(app, nomination_id)
    assert (row.status, row.open_key) == ("approved", None)
    assert steps(app, nomination_id) == [("nominate", "district", ""), ("forward", "federation", "事迹突出"),
                                         ("approve", "federation", "")]
    assert notes(app, people.ent_a, "已获批准") == 1 and notes(app, people.district, "已获批准") == 1
    audit = [AuditLog.action.in_(("honour.nominated", "honour.forwarded", "honour.approved"))]
    assert count(app, AuditLog, *audit) == 3
    page = html_text(client_of(app, people.city).get(f"/honours/{nomination_id}"))
    assert "事迹突出" in page and "数控一班" in page and "工人先锋号" in page


def test_an_approved_person_sees_the_honour_on_the_personal_record(app, federation):
    people = federation.people
    nomination_id = nominate(app, people.ent_a, person_form("wa1"))
    decide(app, people.district, nomination_id, "forward")
    decide(app, people.city, nomination_id, "approve")
    assert notes(app, people.worker_a, "祝贺您") == 1
    record = html_text(client_of(app, people.worker_a).get(f"/stats/people/{people.worker_a.id}"))
    assert "五一劳动奖章" in record and "2026" in record
    unit_page = html_text(client_of(app, people.ent_a).get(f"/honours/?unit={federation.a.id}&status=approved"))
    assert "李明" in unit_page[unit_page.index('id="results"'):]


def test_the_district_declines_with_a_reason_and_everyone_before_hears_it(app, federation):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    assert decide(app, federation.people.district, nomination_id, "decline", "考核未达标").status_code == 303
    row = nomination(app, nomination_id)
    assert (row.status, row.open_key) == ("declined", None)
    assert steps(app, nomination_id)[-1] == ("decline", "district", "考核未达标")
    assert notes(app, federation.people.ent_a, "未获通过") == 1


def test_a_district_level_honour_is_decided_by_the_district_itself(app, federation):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation, level="union"))
    response = decide(app, federation.people.district, nomination_id, "forward")
    assert "无需转报市总工会" in html_text(response)
    assert nomination(app, nomination_id).status == "nominated"
    assert decide(app, federation.people.district, nomination_id, "approve").status_code == 303
    assert nomination(app, nomination_id).status == "approved"
    assert steps(app, nomination_id)[-1] == ("approve", "district", "")


def test_an_enterprise_under_an_industry_union_goes_to_the_industry_union(app, federation):
    nomination_id = nominate(app, federation.people.ent_c, team_form(federation, subject_kind="unit",
                                                                department_id=federation.c.id, honour="labour_award"))
    assert steps(app, nomination_id) == [("nominate", "industry", "")]
    assert notes(app, federation.people.industry, "请审核") == 1
    assert notes(app, federation.people.district, "请审核") == 0
    assert decide(app, federation.people.district, nomination_id, "forward").status_code == 404
    assert decide(app, federation.people.industry, nomination_id, "forward").status_code == 303


def test_a_union_admin_nominating_sends_it_straight_to_the_city(app, federation):
    nomination_id = nominate(app, federation.people.district, team_form(federation, department_id=federation.b_team.id))
    assert nomination(app, nomination_id).status == "forwarded"
    assert steps(app, nomination_id) == [("nominate", "federation", "")]
    assert notes(app, federation.people.city, "请审核") == 1


# --- Refusals: nothing stored -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("data,message", [
    (lambda w: person_form("wb1"), "工号为 wb1 的职工不在您的管理范围内"),
    (lambda w: person_form("nobody"), "工号为 nobody 的职工不在您的管理范围内"),
    (lambda w: team_form(w, subject_kind="unit", department_id=w.c.id, honour="labour_award"),
     "请选择您管理范围内的单位或班组"),
    (lambda w: team_form(w, department_id=w.b_team.id), "请选择您管理范围内的单位或班组"),
    (lambda w: team_form(w, department_id=w.a.id), "不是可以作为班组推荐的单位"),
    (lambda w: person_form("wa1", honour="labour_award"), "不能推荐给这类对象"),
    (lambda w: team_form(w, honour="other"), "选择“其他荣誉”时请填写荣誉名称"),
])
def test_a_bad_nomination_is_refused_and_nothing_is_stored(app, federation, data, message):
    response = client_of(app, federation.people.ent_a).post("/honours/new", data=data(federation))
    assert response.status_code == 200
    assert message in html_text(response)
    assert count(app, Nomination) == 0 and count(app, NominationStep) == 0
    assert count(app, Notification) == 0


def test_the_same_subject_cannot_be_on_its_way_twice(app, federation):
    nominate(app, federation.people.ent_a, team_form(federation))
    response = client_of(app, federation.people.ent_a2).post("/honours/new", data=team_form(federation))
    assert "已经在审核中了" in html_text(response)
    assert count(app, Nomination) == 1


@pytest.mark.parametrize("who,move,message", [
    ("city", "forward", "正等待区县（产业）工会审核"),
    ("city", "approve", "正等待区县（产业）工会审核"),
    ("ent_a", "forward", "正等待区县（产业）工会审核"),
    ("ent_a", "decline", "正等待区县（产业）工会审核"),
    ("district", "approve", "市级荣誉须转报市总工会审定"),
    ("district", "decline", "不予通过时请填写原因"),
])
def test_a_nominated_one_refuses_the_wrong_level_and_a_missing_reason(app, federation, who, move, message):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    response = decide(app, getattr(federation.people, who), nomination_id, move, "" if move == "decline" else "意见")
    assert response.status_code == 200
    assert message in html_text(response)
    assert nomination(app, nomination_id).status == "nominated"
    assert len(steps(app, nomination_id)) == 1


@pytest.mark.parametrize("who", ["district", "ent_a"])
def test_a_forwarded_one_is_for_the_city_only(app, federation, who):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    decide(app, federation.people.district, nomination_id, "forward")
    response = decide(app, getattr(federation.people, who), nomination_id, "approve")
    assert "由市总工会审定" in html_text(response)
    assert nomination(app, nomination_id).status == "forwarded"


def test_a_second_decision_is_refused(app, federation):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    decide(app, federation.people.district, nomination_id, "forward")
    decide(app, federation.people.city, nomination_id, "approve")
    response = decide(app, federation.people.city2, nomination_id, "decline", "改主意了")
    assert "当前是“已批准”，不能再不予通过" in html_text(response)
    assert nomination(app, nomination_id).status == "approved"
    assert len(steps(app, nomination_id)) == 3


@pytest.mark.parametrize("who", ["ent_b", "ent_c", "industry"])
def test_outside_the_scope_a_nomination_answers_404_audited(app, federation, who):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    browser = client_of(app, getattr(federation.people, who))
    before = denials(app)
    assert browser.get(f"/honours/{nomination_id}").status_code == 404
    assert browser.post(f"/honours/{nomination_id}/decline", data={"reason": "x"}).status_code == 404
    assert denials(app) == before + 2
    assert nomination(app, nomination_id).status == "nominated"
    assert "数控一班" not in html_text(browser.get("/honours/"))


def test_workers_are_refused(app, federation):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    browser = client_of(app, federation.people.worker_a)
    for path in ("/honours/", "/honours/new", f"/honours/{nomination_id}"):
        assert browser.get(path).status_code == 403
    assert browser.post(f"/honours/{nomination_id}/decline", data={"reason": "x"}).status_code == 403
    assert nomination(app, nomination_id).status == "nominated"


def test_the_waiting_block_shows_what_waits_for_my_level(app, federation):
    nominate(app, federation.people.ent_a, team_form(federation))
    district_page = html_text(client_of(app, federation.people.district).get("/honours/"))
    assert "待我审核" in district_page
    assert "待我审核" not in html_text(client_of(app, federation.people.city).get("/honours/"))


# --- Evidence from hand-built records ---------------------------------------------------------------------------------


@pytest.fixture
def records(app, federation, make_suggestion, make_user, make_workshop, make_session):
    """worker_a: an awarded suggestion, a co-written adopted one, a submitted one (not evidence), a certificate and
    an achievement of a workshop they belong to."""
    from blueprints.training.models import Enrollment
    from blueprints.workshops.models import Achievement

    colleague = make_user(name="王强", department=federation.a_team)
    awarded = make_suggestion(federation.people.worker_a, status="awarded", title="冷却液回收装置",
                              at=datetime(2026, 5, 10, 2, 0, tzinfo=UTC), grade="second",
                              awarded_at=datetime(2026, 6, 1, 4, 0, tzinfo=UTC))
    adopted = make_suggestion(colleague, status="accepted", title="刀具寿命看板",
                              coauthors=[federation.people.worker_a], at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    make_suggestion(federation.people.worker_a, status="submitted", title="还在审核的建议")
    workshop = make_workshop(lead=colleague, members=[federation.people.worker_a], department=federation.a_floor,
                             name="数控创新工作室")
    training = make_session(status="completed", title="数控车工技能提升班")
    with app.app_context():
        db.session.add(Achievement(workshop_id=workshop.id, title="薄壁件夹具", kind="patent",
                                   achieved_on=date(2026, 4, 15), description=""))
        db.session.add(Enrollment(session_id=training.id, user_id=federation.people.worker_a.id, status="confirmed",
                                  certificate_no="PX-2026-0007", certified_at=datetime(2026, 2, 1, 3, 0, tzinfo=UTC)))
        db.session.commit()
    return awarded, adopted


def test_a_persons_evidence_lines_come_from_every_domain(app, federation, records):
    awarded, adopted = records
    with app.test_request_context():
        person = db.session.get(type(federation.people.worker_a), federation.people.worker_a.id)
        department = db.session.get(type(federation.a_team), federation.a_team.id)
        text = services.evidence_text(department, person)
    assert text.splitlines() == [
        f"2026-06-01 合理化建议《冷却液回收装置》（{awarded.serial}）获二等奖",
        "2026-04-15 创新工作室“数控创新工作室”成果：薄壁件夹具（专利）",
        f"2026-03-02 合理化建议《刀具寿命看板》（{adopted.serial}）被采纳",
        "2026-02-01 取得培训证书 PX-2026-0007：数控车工技能提升班",
    ]


def test_a_units_evidence_names_the_people_and_counts_certificates(app, federation, records):
    awarded, adopted = records
    with app.test_request_context():
        unit = db.session.get(type(federation.a_floor), federation.a_floor.id)
        text = services.evidence_text(unit, None)
    assert text.splitlines() == [
        f"2026-06-01 李明：合理化建议《冷却液回收装置》（{awarded.serial}）获二等奖",
        "2026-04-15 创新工作室“数控创新工作室”成果：薄壁件夹具（专利）",
        f"2026-03-02 王强：合理化建议《刀具寿命看板》（{adopted.serial}）被采纳",
        "职工取得培训证书 1 份（1 人）",
    ]
    with app.test_request_context():
        other = db.session.get(type(federation.b), federation.b.id)
        assert services.evidence_text(other, None) == ""


def test_the_form_fills_the_evidence_box_from_the_records(app, federation, records):
    awarded, _adopted = records
    response = client_of(app, federation.people.ent_a).post("/honours/new", data=person_form("wa1", step="evidence"))
    assert response.status_code == 200
    page = html_text(response)
    assert f"合理化建议《冷却液回收装置》（{awarded.serial}）获二等奖" in page
    assert count(app, Nomination) == 0


# --- Lists and concurrency -------------------------------------------------------------------------------------------


def _bulk(app, federation, n: int, start: int = 0) -> None:
    with app.app_context():
        for i in range(start, start + n):
            db.session.add(Nomination(honour="pioneer", level="city", year=2000 + i % 50, subject_kind="team",
                                      department_id=federation.a_team.id, status="forwarded" if i % 2 else "approved",
                                      summary="", evidence="", honour_name=""))
        db.session.commit()


@both_backends
def test_the_list_costs_the_same_queries_for_3_rows_as_for_30(app, federation, count_queries):
    browser = client_of(app, federation.people.city)
    _bulk(app, federation, 3)
    browser.get("/honours/")
    with count_queries() as few:
        assert browser.get("/honours/").status_code == 200
    _bulk(app, federation, 27, start=3)
    with count_queries() as many:
        assert browser.get("/honours/").status_code == 200
    assert many.count == few.count


def post_together(app, users, path: str, data=None) -> list[int]:
    clients = [client_of(app, user) for user in users]
    return [r.status_code for r in all_at_once([lambda c=c: c.post(path, data=data or {}) for c in clients])]


@both_backends
def test_two_district_admins_forwarding_at_once_forward_once(app, federation):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    codes = post_together(app, [federation.people.district, federation.people.district2, federation.people.district],
                          f"/honours/{nomination_id}/forward")
    assert sorted(codes).count(303) == 1 and set(codes) <= {200, 303}
    assert count(app, NominationStep, NominationStep.action == "forward") == 1
    assert count(app, AuditLog, AuditLog.action == "honour.forwarded") == 1
    assert notes(app, federation.people.city, "请审定") == 1


@both_backends
def test_two_city_admins_deciding_at_once_decide_once(app, federation):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    decide(app, federation.people.district, nomination_id, "forward")
    people = federation.people
    clients = [client_of(app, user) for user in (people.city, people.city2, people.city)]
    calls = [lambda c=clients[0]: c.post(f"/honours/{nomination_id}/approve", data={}),
             lambda c=clients[1]: c.post(f"/honours/{nomination_id}/decline", data={"reason": "名额已满"}),
             lambda c=clients[2]: c.post(f"/honours/{nomination_id}/approve", data={})]
    codes = [r.status_code for r in all_at_once(calls)]
    assert codes.count(303) == 1
    decided = count(app, NominationStep, NominationStep.action.in_(("approve", "decline")))
    assert decided == 1
    assert count(app, AuditLog, AuditLog.action.in_(("honour.approved", "honour.declined"))) == 1
    status = nomination(app, nomination_id).status
    assert status in ("approved", "declined")
    assert notes(app, federation.people.ent_a, "已获批准" if status == "approved" else "未获通过") == 1


# --- Editing the evidence -------------------------------------------------------------------------------------------


def test_the_evidence_is_edited_while_the_nomination_is_at_the_editors_level(app, federation):
    people = federation.people
    nomination_id = nominate(app, people.ent_a, team_form(federation))
    edited = {"evidence": "第一条\n\n 第二条 ", "summary": "补充后的事迹"}
    assert client_of(app, people.ent_a).post(f"/honours/{nomination_id}/edit", data=edited).status_code == 303
    row = nomination(app, nomination_id)
    assert (row.evidence_lines, row.summary) == (["第一条", "第二条"], "补充后的事迹")
    assert count(app, AuditLog, AuditLog.action == "honour.evidence_edited") == 1

    decide(app, people.district, nomination_id, "forward")
    response = client_of(app, people.ent_a).post(f"/honours/{nomination_id}/edit", data={"evidence": "改了"})
    assert "您不能再修改事迹材料" in html_text(response)
    assert nomination(app, nomination_id).evidence_lines == ["第一条", "第二条"]
    assert client_of(app, people.city).post(f"/honours/{nomination_id}/edit",
                                            data={"evidence": "市总补充", "summary": ""}).status_code == 303
    assert nomination(app, nomination_id).evidence_lines == ["市总补充"]


def test_outside_the_scope_the_evidence_cannot_be_edited(app, federation):
    nomination_id = nominate(app, federation.people.ent_a, team_form(federation))
    before = denials(app)
    response = client_of(app, federation.people.ent_b).post(f"/honours/{nomination_id}/edit", data={"evidence": "x"})
    assert response.status_code == 404 and denials(app) == before + 1
    assert nomination(app, nomination_id).evidence_lines == ["2026-05-10 合理化建议被采纳", "职工取得培训证书 4 份"]
