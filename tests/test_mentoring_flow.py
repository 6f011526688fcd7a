"""Mentoring (名师带徒): making a pair, check-ins, assessments, completion with the skill upgrade, ending early —
each refusal with its message and nothing stored, by role and scope."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from blueprints.core.clock import local_today
from blueprints.core.models import AuditLog, Notification, SkillLevelChange, User
from blueprints.mentoring.models import MentoringAssessment, MentoringCheckin, MentoringPair
from extensions import db
from tests import fixtures_mentoring
from tests.conftest import both_backends, html_text
from tests.fixtures_mentoring import count_pairs, denials, make_pair, pair_form

# Who may use each mentoring route: "user" = anyone signed in (sees only their own and their scope's pairs),
# "staff" = HR and union admins, "pair" = the pair and the staff of its scope (anyone else: 404, audited).
# tests/test_security_routes.py reads this table; a new route missing here fails
# test_every_mentoring_route_has_an_access_rule.
ACCESS = {
    "mentoring.index": "user",
    "mentoring.new": "staff",
    "mentoring.detail": "pair",
    "mentoring.checkin": "pair",
    "mentoring.assess": "pair",
    "mentoring.complete": "pair",
    "mentoring.end": "pair",
    "mentoring.agreement": "pair",
}

world = fixtures_mentoring.world  # this domain's `world` fixture (three domains use the name)


def test_every_mentoring_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("mentoring.")}
    assert endpoints == set(ACCESS)


def test_signed_out_visitors_go_to_the_login_page(app, client, world):
    pair_id = make_pair(app, world)
    for endpoint, _access in ACCESS.items():
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **({"pair_id": pair_id} if endpoint not in ("mentoring.index", "mentoring.new")
                                       else {}))
        for method in ("GET", "POST"):
            response = client.open(url, method=method)
            if response.status_code == 405:
                continue
            assert response.status_code in (302, 303) and "/auth/login" in response.headers["Location"], url


def _login(auth, user):
    """Sign out whoever is signed in, then in as `user`."""
    auth.logout()
    assert auth.login(user.employee_no).status_code == 303


def _pair(app, pair_id: int) -> MentoringPair:
    with app.app_context():
        pair = db.session.get(MentoringPair, pair_id)
        db.session.expunge(pair)
        return pair


def _count(app, model, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return db.session.scalar(stmt)


def _level(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).skill_level


# --- Making a pair -------------------------------------------------------------------------------------------------


def test_hr_makes_a_pair_of_their_scope(app, client, auth, world):
    _login(auth, world.hr1)
    response = client.post("/mentoring/new", data=pair_form(world))
    assert response.status_code == 303
    with app.app_context():
        pair = db.session.scalar(select(MentoringPair))
        assert response.headers["Location"].endswith(f"/mentoring/{pair.id}")
        assert (pair.master_id, pair.apprentice_id, pair.status) == (world.master.id, world.apprentice.id, "active")
        assert pair.department_id == world.apprentice.department_id
        assert (pair.start_level, pair.target_level) == ("中级工", "高级工")
        assert pair.midterm_on == pair.starts_on + timedelta(days=182)
        notified = set(db.session.scalars(select(Notification.user_id)))
        assert {world.master.id, world.apprentice.id} <= notified
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "mentoring.created"))


def test_pair_with_an_agreement_file(app, client, auth, world):
    import io

    _login(auth, world.hr1)
    data = pair_form(world)
    data["agreement"] = (io.BytesIO(b"%PDF-1.4 agreement"), "协议.pdf")
    response = client.post("/mentoring/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    pair_id = int(response.headers["Location"].rsplit("/", 1)[1])
    download = client.get(f"/mentoring/{pair_id}/agreement")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


BAD_PAIRS = [
    ({"apprentice_no": "MASTER"}, "师傅和徒弟不能是同一个人"),
    ({"ends_on": (local_today() - timedelta(days=1)).isoformat()}, "结束日期必须晚于开始日期"),
    ({"target_level": "中级工"}, "目标等级必须高于徒弟现在的技能等级"),
    ({"target_level": "初级工"}, "目标等级必须高于徒弟现在的技能等级"),
    ({"apprentice_no": "OUTSIDER"}, "在您的管理范围内没有找到工号"),
    ({"master_no": "nobody-here"}, "在您的管理范围内没有找到工号"),
    ({"master_no": ""}, "请选择师傅"),
]


def test_bad_pairs_are_refused_and_nothing_is_stored(app, client, auth, world):
    import pytest

    _login(auth, world.hr1)
    for changes, message in BAD_PAIRS:
        changes = {key: {"MASTER": world.master.employee_no, "OUTSIDER": world.outsider.employee_no}.get(value, value)
                   for key, value in changes.items()}
        response = client.post("/mentoring/new", data=pair_form(world, **changes))
        text = html_text(response)
        assert response.status_code == 200, changes
        assert message in text, (changes, message)
        assert 'value="掌握数控宏程序。' in text or "掌握数控宏程序。" in text  # what was typed is kept
        assert count_pairs(app) == 0, changes
    del pytest


def test_an_apprentice_has_one_active_pair_at_a_time(app, client, auth, world, make_user):
    make_pair(app, world)
    other_master = make_user(department=world.e1, skill_level="高级技师")
    _login(auth, world.hr1)
    response = client.post("/mentoring/new", data=pair_form(world, master_no=other_master.employee_no))
    assert "同一时间只能有一对师徒关系" in html_text(response)
    assert count_pairs(app) == 1


def test_workers_cannot_make_pairs(client, auth, world, app):
    _login(auth, world.worker)
    assert client.get("/mentoring/new").status_code == 403
    assert client.post("/mentoring/new", data=pair_form(world)).status_code == 403
    assert count_pairs(app) == 0


# --- Check-ins ------------------------------------------------------------------------------------------------------


def _checkin(client, pair_id, body="今天练习了对刀。", day=None):
    return client.post(f"/mentoring/{pair_id}/checkin",
                       data={"written_on": (day or local_today()).isoformat(), "body": body})


def test_master_and_apprentice_check_in(app, client, auth, world):
    pair_id = make_pair(app, world)
    for person in (world.master, world.apprentice):
        _login(auth, person)
        assert _checkin(client, pair_id, f"{person.name}的记录").status_code == 303
    assert _count(app, MentoringCheckin, pair_id=pair_id) == 2
    _login(auth, world.hr1)
    page = html_text(client.get(f"/mentoring/{pair_id}"))
    assert "王师傅的记录" in page and "李徒弟的记录" in page  # HR of the scope reads them


def test_check_in_refusals(app, client, auth, world):
    pair_id = make_pair(app, world)
    _login(auth, world.hr1)  # sees the pair, but is not in it
    response = _checkin(client, pair_id)
    assert response.status_code == 422 and "只有师傅和徒弟本人可以填写带徒记录" in html_text(response)
    _login(auth, world.apprentice)
    response = _checkin(client, pair_id, day=local_today() + timedelta(days=1))
    assert "记录日期不能晚于今天" in html_text(response)
    response = _checkin(client, pair_id, day=local_today() - timedelta(days=3))
    assert "记录日期不能早于带徒开始日期" in html_text(response)
    response = _checkin(client, pair_id, body="   ")
    assert "请填写记录内容" in html_text(response)
    assert _count(app, MentoringCheckin) == 0


@both_backends
def test_outsiders_get_404_like_a_missing_pair_and_it_is_audited(app, client, auth, world):
    pair_id = make_pair(app, world)
    for person in (world.worker, world.outsider, world.hr2):
        _login(auth, person)
        for method, url in (("GET", f"/mentoring/{pair_id}"), ("POST", f"/mentoring/{pair_id}/checkin"),
                            ("POST", f"/mentoring/{pair_id}/assess"), ("POST", f"/mentoring/{pair_id}/complete"),
                            ("POST", f"/mentoring/{pair_id}/end"), ("GET", f"/mentoring/{pair_id}/agreement")):
            before = denials(app)
            response = client.open(url, method=method, data={"body": "x", "written_on": local_today().isoformat()})
            assert response.status_code == 404, (person.name, url)
            assert denials(app) == before + 1
        assert client.get("/mentoring/999999").status_code == 404
        assert "李徒弟" not in html_text(client.get("/mentoring/"))
    assert _count(app, MentoringCheckin) == 0


def test_the_list_shows_each_person_their_own(app, client, auth, world):
    make_pair(app, world)
    for person, sees in ((world.master, True), (world.apprentice, True), (world.hr1, True), (world.admin1, True),
                         (world.worker, False), (world.hr2, False)):
        _login(auth, person)
        assert ("李徒弟" in html_text(client.get("/mentoring/"))) is sees, person.name


# --- Assessments and completion ------------------------------------------------------------------------------------


def _assess(client, pair_id, kind, **extra):
    data = {"kind": kind, "score": "85", "grade": "good", "comment": "很好"}
    data.update(extra)
    return client.post(f"/mentoring/{pair_id}/assess", data=data)


def test_assessments_by_staff_only_in_order_and_once(app, client, auth, world):
    pair_id = make_pair(app, world, starts_ago=200)
    _login(auth, world.apprentice)
    response = _assess(client, pair_id, "midterm")
    assert response.status_code == 422 and "只有该师徒对子所在单位的培训管理员或工会管理员" in html_text(response)
    _login(auth, world.hr1)
    assert "请先登记中期考核" in html_text(_assess(client, pair_id, "final", target_reached="yes"))
    assert "分数应在 0 到 100 之间" in html_text(_assess(client, pair_id, "midterm", score="101"))
    assert _count(app, MentoringAssessment) == 0
    assert _assess(client, pair_id, "midterm").status_code == 303
    assert "该考核已经登记过了" in html_text(_assess(client, pair_id, "midterm"))
    assert "请说明徒弟是否达到了目标技能等级" in html_text(_assess(client, pair_id, "final"))
    assert _count(app, MentoringAssessment) == 1
    _login(auth, world.admin1)  # the union admin of the scope records the final
    assert _assess(client, pair_id, "final", target_reached="yes", grade="excellent").status_code == 303
    assert _count(app, MentoringAssessment) == 2


@both_backends
def test_completion_with_the_target_reached_upgrades_with_history(app, client, auth, world):
    pair_id = make_pair(app, world, starts_ago=360)
    _login(auth, world.hr1)
    response = client.post(f"/mentoring/{pair_id}/complete")
    assert response.status_code == 303
    assert _pair(app, pair_id).status == "active"  # no final assessment yet: refused
    assert "请先登记结业考核" in html_text(client.get(f"/mentoring/{pair_id}"))
    _assess(client, pair_id, "midterm")
    _assess(client, pair_id, "final", target_reached="yes")
    assert client.post(f"/mentoring/{pair_id}/complete").status_code == 303
    pair = _pair(app, pair_id)
    assert (pair.status, pair.target_reached, pair.closed_on) == ("completed", True, local_today())
    assert _level(app, world.apprentice.id) == "高级工"
    with app.app_context():
        change = db.session.scalar(select(SkillLevelChange))
        assert (change.user_id, change.from_level, change.to_level, change.source, change.source_id,
                change.changed_on, change.changed_by_id) == (world.apprentice.id, "中级工", "高级工", "mentoring",
                                                             pair_id, local_today(), world.hr1.id)
    # Completing twice: refused, nothing more stored.
    client.post(f"/mentoring/{pair_id}/complete")
    assert "该师徒对子已经结束" in html_text(client.get(f"/mentoring/{pair_id}"))
    assert _count(app, SkillLevelChange) == 1
    assert _count(app, AuditLog, action="mentoring.completed") == 1
    # The upgrade shows on the apprentice's record; the master is credited on theirs.
    record = html_text(client.get(f"/stats/people/{world.apprentice.id}"))
    assert "中级工 → <strong>高级工</strong>" in record and "名师带徒出师" in record
    assert "带徒出师达标 1 人" in html_text(client.get(f"/stats/people/{world.master.id}"))


def test_completion_without_the_target_keeps_the_level(app, client, auth, world):
    pair_id = make_pair(app, world, starts_ago=360)
    _login(auth, world.hr1)
    _assess(client, pair_id, "midterm")
    _assess(client, pair_id, "final", target_reached="no", grade="pass")
    client.post(f"/mentoring/{pair_id}/complete")
    pair = _pair(app, pair_id)
    assert (pair.status, pair.target_reached) == ("completed", False)
    assert _level(app, world.apprentice.id) == "中级工"
    assert _count(app, SkillLevelChange) == 0


def test_ending_early_needs_a_reason_and_frees_the_apprentice(app, client, auth, world, make_user):
    pair_id = make_pair(app, world)
    _login(auth, world.master)
    assert "只有该师徒对子所在单位的培训管理员或工会管理员" in html_text(
        client.post(f"/mentoring/{pair_id}/end", data={"reason": "我不想带了"}))
    _login(auth, world.hr1)
    assert "请填写提前结束的原因" in html_text(client.post(f"/mentoring/{pair_id}/end", data={"reason": ""}))
    assert _pair(app, pair_id).status == "active"
    assert client.post(f"/mentoring/{pair_id}/end", data={"reason": "师傅调离"}).status_code == 303
    pair = _pair(app, pair_id)
    assert (pair.status, pair.close_reason) == ("ended", "师傅调离")
    _login(auth, world.apprentice)
    assert "该师徒对子已经结束" in html_text(_checkin(client, pair_id))
    new_master = make_user(department=world.e1, skill_level="高级技师")
    _login(auth, world.hr1)
    response = client.post("/mentoring/new", data=pair_form(world, master_no=new_master.employee_no))
    assert response.status_code == 303 and count_pairs(app) == 2


def test_admin_edit_of_a_skill_level_keeps_history(app, world):
    from blueprints.core import people

    with app.test_request_context():
        actor, person = db.session.get(User, world.admin1.id), db.session.get(User, world.worker.id)
        people.update_user(person, employee_no=person.employee_no, name=person.name,
                           department_id=person.department_id, job_title="", skill_level="中级工", phone=None,
                           email=None, roles=["worker"], actor=actor)
        db.session.commit()
        change = db.session.scalar(select(SkillLevelChange))
        assert (change.from_level, change.to_level, change.source) == ("初级工", "中级工", "admin")


# --- My space ---------------------------------------------------------------------------------------------------------


@both_backends
def test_my_space_shows_the_next_step(app, client, auth, world):
    pair_id = make_pair(app, world, starts_ago=200)  # midpoint passed: the mid-term is due
    _login(auth, world.apprentice)
    home = html_text(client.get("/"))
    assert "我的师傅：王师傅" in home and "带徒记录已逾期" in home
    assert "等待培训管理员或工会登记中期考核" in home
    _login(auth, world.master)
    _checkin(client, pair_id)
    home = html_text(client.get("/"))
    assert "我带的徒弟：李徒弟" in home and "带徒记录已逾期" not in home
    due = (local_today() + timedelta(days=30)).isoformat()
    assert due in home or "下次记录" in home
    _login(auth, world.hr1)
    home = html_text(client.get("/"))
    assert "王师傅 带 李徒弟" in home and "待中期考核" in home
    _login(auth, world.hr2)
    assert "王师傅 带 李徒弟" not in html_text(client.get("/"))


def test_a_fresh_pair_owes_no_assessment(app, client, auth, world):
    make_pair(app, world)
    _login(auth, world.hr1)
    assert "您范围内的师徒对子目前都不需要考核" in html_text(client.get("/"))


# --- Honours evidence -------------------------------------------------------------------------------------------------


def test_masters_completed_pairs_are_honours_evidence(app, client, auth, world):
    from blueprints.core.evidence import Subject, evidence_for

    pair_id = make_pair(app, world, starts_ago=360)
    _login(auth, world.hr1)
    _assess(client, pair_id, "midterm")
    _assess(client, pair_id, "final", target_reached="yes")
    client.post(f"/mentoring/{pair_id}/complete")
    with app.test_request_context():
        lines = [line for line in evidence_for(Subject(user_id=world.master.id)) if line.kind == "mentoring"]
        assert len(lines) == 1 and "李徒弟" in lines[0].text and "中级工 → 高级工" in lines[0].text
        assert not [line for line in evidence_for(Subject(user_id=world.apprentice.id)) if line.kind == "mentoring"]
        by_unit = evidence_for(Subject(department_id=world.e1.id, path=world.e1.path))
        assert [line.kind for line in by_unit].count("mentoring") == 1
