"""Administration inside an admin's scope (issue 15): the tree with its levels, people, grants, the audit log and
enterprise settings — an admin scoped to enterprise A sees and changes only A, and every refusal stores nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.models import AuditLog, Department, RoleGrant, Setting, SettingOverride, User
from blueprints.core.settings import get_setting, save_overrides
from extensions import db
from tests.conftest import both_backends, html_text
from tests.test_admin_org import HEADER, _upload, _xlsx


@pytest.fixture
def city(make_department):
    """市总工会 → 松北区总工会 → enterprises A (plant, floor, team) and B (team)."""
    root = make_department("市总工会", code="ROOT", kind="federation")
    district = make_department("松北区总工会", code="DIST", parent=root)
    a = make_department("滨江重工", code="A", parent=district)
    a_plant = make_department("一分厂", code="A1", parent=a)
    a_floor = make_department("机加车间", code="A11", parent=a_plant)
    a_team = make_department("数控一班", code="A111", parent=a_floor)
    b = make_department("松北电机", code="B", parent=district)
    b_team = make_department("绕线班", code="B1", parent=b, kind="team")
    return {"root": root, "district": district, "a": a, "a_plant": a_plant, "a_floor": a_floor, "a_team": a_team,
            "b": b, "b_team": b_team}


def narrow(app, user: User, role: str, department: Department | None) -> None:
    """Replace the factory's whole-tree grant of `role` by one over `department`."""
    with app.app_context():
        db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role))
        db.session.add(RoleGrant(user_id=user.id, role=role, department_id=department.id if department else None))
        db.session.commit()


@pytest.fixture
def a_admin(app, auth, make_user, city):
    """An admin scoped to enterprise A, signed in."""
    user = make_user(employee_no="adminA", name="甲管理员", roles=("worker", "admin"), department=city["a"])
    narrow(app, user, "admin", city["a"])
    assert auth.login(user.employee_no).status_code == 303
    return user


@pytest.fixture
def people(make_user, city):
    """One worker in A's team, one in B's team, one without a department."""
    return {"a": make_user(employee_no="wa01", name="王甲", department=city["a_team"]),
            "b": make_user(employee_no="wb01", name="王乙", department=city["b_team"]),
            "none": make_user(employee_no="wn01", name="王无")}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def denials() -> int:
    return db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "access.denied"))


# --- Departments -------------------------------------------------------------------------------------------------


@both_backends
def test_scoped_admin_sees_and_edits_only_their_subtree(app, client, city, a_admin):
    body = html_text(client.get("/admin/departments"))
    assert "一分厂" in body and "数控一班" in body and "分厂/分公司" in body
    assert "松北电机" not in body and "松北区总工会" not in body
    for url in (f"/admin/departments/{city['b'].id}/edit", f"/admin/departments/{city['district'].id}/edit"):
        assert client.get(url).status_code == 404
    with app.app_context():
        before = denials()
    assert client.post(f"/admin/departments/{city['b_team'].id}/delete").status_code == 404
    assert client.post(f"/admin/departments/{city['b'].id}/edit",
                       data={"code": "B", "name": "改名", "parent_id": city["district"].id}).status_code == 404
    with app.app_context():
        assert denials() == before + 2
        assert db.session.get(Department, city["b_team"].id) is not None
        assert db.session.get(Department, city["b"].id).name == "松北电机"


@both_backends
def test_scoped_admin_cannot_create_or_move_a_node_outside_their_scope(app, client, city, a_admin):
    with app.app_context():
        before = count(Department)
    for parent in (city["b"].id, city["district"].id, ""):
        response = client.post("/admin/departments", data={"code": "X1", "name": "外单位", "parent_id": parent})
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    response = client.post(f"/admin/departments/{city['a_plant'].id}/edit",
                           data={"code": "A1", "name": "一分厂", "parent_id": city["b"].id, "kind": "branch"})
    assert response.status_code == 200
    with app.app_context():
        assert count(Department) == before
        assert db.session.get(Department, city["a_plant"].id).parent_id == city["a"].id
    # Their own top node keeps its parent outside the scope and may still be renamed.
    response = client.post(f"/admin/departments/{city['a'].id}/edit",
                           data={"code": "A", "name": "滨江重工集团", "parent_id": city["district"].id,
                                 "kind": "enterprise", "industry": "装备制造"})
    assert response.status_code == 303
    with app.app_context():
        a = db.session.get(Department, city["a"].id)
        assert (a.name, a.industry, a.parent_id) == ("滨江重工集团", "装备制造", city["district"].id)


def test_create_chooses_level_and_industry(app, client, city, a_admin):
    response = client.post("/admin/departments", data={"code": "A2", "name": "二分厂", "parent_id": city["a"].id,
                                                       "kind": "branch", "industry": "装备制造"})
    assert response.status_code == 303
    with app.app_context():
        dept = db.session.scalar(select(Department).where(Department.code == "A2"))
        assert (dept.kind, dept.industry, dept.parent_id) == ("branch", "装备制造", city["a"].id)
    body = html_text(client.get("/admin/departments"))
    assert "二分厂" in body and "装备制造" in body


@both_backends
@pytest.mark.parametrize(("node", "data", "message"), [
    ("new", {"code": "E2", "name": "子企业", "parent": "a", "kind": "enterprise"}, "不能放在"),
    ("new", {"code": "F2", "name": "第二个市总", "parent": "", "kind": "federation"}, "只能有一个"),
    ("a_plant", {"code": "A1", "name": "一分厂", "parent": "a_team", "kind": "branch"}, "下级部门"),
    ("a", {"code": "A", "name": "滨江重工", "parent": "a", "kind": "enterprise"}, "下级部门"),
    ("a_plant", {"code": "A1", "name": "一分厂", "parent": "b", "kind": "enterprise"}, "不能放在"),
])
def test_org_rules_are_refused_on_the_field_and_nothing_changes(app, client, login_as, city, node, data, message):
    login_as("admin")
    form = {**data, "parent_id": city[data["parent"]].id if data["parent"] else ""}
    form.pop("parent")
    with app.app_context():
        before = [(d.id, d.parent_id, d.path, d.kind) for d in db.session.scalars(select(Department))]
    url = "/admin/departments" if node == "new" else f"/admin/departments/{city[node].id}/edit"
    response = client.post(url, data=form)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message in body and "invalid-feedback" in body
    with app.app_context():
        assert [(d.id, d.parent_id, d.path, d.kind) for d in db.session.scalars(select(Department))] == before


@both_backends
def test_a_node_with_people_sub_nodes_or_records_is_not_deleted(app, client, login_as, make_user,
                                                                 make_department, city):
    admin = login_as("admin")
    make_user(department=city["b_team"])
    response = client.post(f"/admin/departments/{city['b_team'].id}/delete", follow_redirects=True)
    assert "名人员" in html_text(response)
    response = client.post(f"/admin/departments/{city['b'].id}/delete", follow_redirects=True)
    assert "个下级部门" in html_text(response)
    granted = make_department("安全科", parent=city["a_plant"], kind="floor")
    with app.app_context():
        db.session.add(RoleGrant(user_id=admin.id, role="safety", department_id=granted.id))
        db.session.commit()
    response = client.post(f"/admin/departments/{granted.id}/delete", follow_redirects=True)
    assert "条业务记录或授权" in html_text(response)
    with app.app_context():
        for dept in (city["b_team"], city["b"], granted):
            assert db.session.get(Department, dept.id) is not None
        assert not db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "department.deleted"))
    empty = make_department("空班组", parent=city["a_floor"], kind="team")
    assert client.post(f"/admin/departments/{empty.id}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(Department, empty.id) is None


# --- People ------------------------------------------------------------------------------------------------------


@both_backends
def test_people_list_search_and_counts_stay_inside_the_scope(app, client, city, people, a_admin):
    body = html_text(client.get("/admin/users?q=王"))
    assert "wa01" in body and "wb01" not in body and "wn01" not in body
    assert "王乙" not in html_text(client.get("/admin/users?q=wb01"))
    assert "王乙" not in html_text(client.get(f"/admin/users?department={city['b'].id}"))
    # The department filter is a type-ahead picker: it offers the admin's scope only.
    options = html_text(client.get("/pick/departments-admin?q="))
    assert "一分厂" in options and "松北电机" not in options
    assert "松北电机" not in html_text(client.get("/pick/departments-admin?q=松北"))


@both_backends
def test_people_outside_the_scope_answer_404_and_nothing_changes(app, client, city, people, a_admin):
    with app.app_context():
        before = {u.id: (u.password_hash, u.active, u.name) for u in db.session.scalars(select(User))}
        denied = denials()
    for person in (people["b"], people["none"]):
        assert client.get(f"/admin/users/{person.id}/edit").status_code == 404
        assert client.post(f"/admin/users/{person.id}/reset-password").status_code == 404
        assert client.post(f"/admin/users/{person.id}/active", data={"active": "0"}).status_code == 404
        assert client.post(f"/admin/users/{person.id}/edit", data={
            "employee_no": person.employee_no, "name": "改名", "skill_level": "无", "roles": ["worker"]}
        ).status_code == 404
        assert client.post(f"/admin/users/{person.id}/grants", data={"role": "hr", "department_id": city["a"].id}
                           ).status_code == 404
    with app.app_context():
        assert {u.id: (u.password_hash, u.active, u.name) for u in db.session.scalars(select(User))} == before
        assert denials() == denied + 10
        assert count(RoleGrant) == 1  # the signed-in admin's own


@both_backends
def test_scoped_admin_cannot_move_a_person_out_of_their_scope(app, client, city, people, a_admin):
    person = people["a"]
    for department in (city["b_team"].id, ""):
        response = client.post(f"/admin/users/{person.id}/edit", data={
            "employee_no": person.employee_no, "name": person.name, "department_id": department,
            "skill_level": "无", "roles": ["worker"]})
        assert response.status_code == 200
    response = client.post("/admin/users/new", data={
        "employee_no": "new01", "name": "新人", "department_id": city["b_team"].id, "skill_level": "无",
        "roles": ["worker"]})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, person.id).department_id == city["a_team"].id
        assert db.session.scalar(select(User).where(User.employee_no == "new01")) is None


def test_whole_tree_admin_still_sees_everyone(app, client, login_as, people):
    login_as("admin")
    body = html_text(client.get("/admin/users?q=王"))
    assert all(no in body for no in ("wa01", "wb01", "wn01"))
    assert client.get(f"/admin/users/{people['none'].id}/edit").status_code == 200


@both_backends
def test_person_picker_follows_admin_and_hr_scopes(app, client, auth, make_user, city, people):
    hr = make_user(employee_no="hrA", roles=("worker", "hr"), department=city["a"])
    narrow(app, hr, "hr", city["a_plant"])
    auth.login("hrA")
    body = html_text(client.get("/people/search?q=王&target=x", headers={"HX-Request": "true"}))
    assert "wa01" in body and "wb01" not in body and "wn01" not in body
    auth.logout()
    make_user(employee_no="plain", roles=("worker",), department=city["b_team"])
    auth.login("plain")
    body = html_text(client.get("/people/search?q=王&target=x", headers={"HX-Request": "true"}))
    assert all(no in body for no in ("wa01", "wb01", "wn01"))  # a worker picks co-authors from everyone


def test_scoped_import_refuses_rows_outside_the_scope(app, client, city, people, a_admin):
    data = _xlsx([HEADER, ["wa02", "新甲", "A111", "", "", ""], ["wb02", "新乙", "B1", "", "", ""],
                  ["wb01", "王乙", "A111", "", "", ""]])
    body = html_text(_upload(client, "people.xlsx", data))
    assert "不存在或不在您的管理范围内" in body and "管理范围以外的人员" in body
    assert 'name="token"' not in body
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_no == "wa02")) is None
        assert db.session.get(User, people["b"].id).department_id == city["b_team"].id


# --- Grants ------------------------------------------------------------------------------------------------------


@both_backends
def test_grants_section_lists_gives_and_revokes_inside_the_scope(app, client, city, people, a_admin):
    person = people["a"]
    page = html_text(client.get(f"/admin/users/{person.id}/edit"))
    assert "授权" in page and "暂无授权" in page and "松北电机" not in page
    response = client.post(f"/admin/users/{person.id}/grants", data={"role": "hr", "department_id": city["a_plant"].id})
    assert response.status_code == 303
    page = html_text(client.get(f"/admin/users/{person.id}/edit"))
    assert "培训管理员" in page and "一分厂" in page and "甲管理员" in page
    with app.app_context():
        row = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == person.id))
        assert (row.role, row.department_id, row.granted_by_id) == ("hr", city["a_plant"].id, a_admin.id)
        assert db.session.get(User, person.id).has_role("hr")
    assert client.post(f"/admin/users/{person.id}/grants/{row.id}/revoke").status_code == 303
    with app.app_context():
        assert db.session.get(RoleGrant, row.id) is None
        assert not db.session.get(User, person.id).has_role("hr")


@both_backends
@pytest.mark.parametrize(("role", "where", "message"), [
    ("hr", "b", "只能在自己的管理范围内授权"),       # a node outside the admin's scope
    ("hr", "all", "只能在自己的管理范围内授权"),     # the whole tree (the grant picker's "all")
    ("hr", "missing", "只能在自己的管理范围内授权"),  # a node that does not exist
    ("boss", "a", "这个角色不能按范围授予"),          # a role that comes without a scope
    ("lead", "a", "这个角色不能按范围授予"),
])
def test_refused_grants_store_nothing(app, client, city, people, a_admin, role, where, message):
    department_id = {"all": "all", "missing": 999999}[where] if where in ("all", "missing") else city[where].id
    response = client.post(f"/admin/users/{people['a'].id}/grants", data={"role": role, "department_id": department_id})
    assert response.status_code == 422
    assert message in html_text(response)
    with app.app_context():
        assert not db.session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.user_id == people["a"].id))
        assert db.session.get(User, people["a"].id).roles == {"worker"}


def test_revoking_someone_elses_grant_or_one_outside_the_scope_is_refused(app, client, make_user, city, people,
                                                                          a_admin):
    other = make_user(roles=("worker", "hr"), department=city["a_team"])
    narrow(app, other, "hr", city["b"])  # an HR of B who sits in A
    with app.app_context():
        row_id = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == other.id))
    assert client.post(f"/admin/users/{people['a'].id}/grants/{row_id}/revoke").status_code == 404
    response = client.post(f"/admin/users/{other.id}/grants/{row_id}/revoke", follow_redirects=True)
    assert "只能在自己的管理范围内授权" in html_text(response)
    with app.app_context():
        assert db.session.get(RoleGrant, row_id) is not None


# --- Audit log ---------------------------------------------------------------------------------------------------


@both_backends
def test_scoped_audit_log_shows_entries_whose_actor_or_target_is_inside(app, client, make_user, city, people,
                                                                      a_admin):
    b_admin = make_user(employee_no="adminB", roles=("worker", "admin"), department=city["b"])
    with app.app_context():
        a_person, b_person = db.session.get(User, people["a"].id), db.session.get(User, people["b"].id)
        actor_b = db.session.get(User, b_admin.id)
        audit.record("user.password_reset", target=b_person, actor=actor_b, detail="b-on-b")
        audit.record("user.password_reset", target=a_person, actor=actor_b, detail="b-on-a")
        audit.record("user.password_reset", target=b_person, actor=db.session.get(User, a_admin.id),
                     detail="a-on-b")
        audit.record("auth.login_failed", actor_label="nobody", detail="anonymous")
        db.session.commit()
        assert db.session.scalar(select(AuditLog.department_id).where(AuditLog.detail == "a-on-b")) == city["a"].id
    client.get("/admin/audit")
    with app.app_context():
        from blueprints.core.scopes import Scope

        scope = Scope("admin", paths=(db.session.get(Department, city["a"].id).path,))
        shown = set(db.session.scalars(audit.log_query(scope=scope).with_only_columns(AuditLog.detail)))
        everything = set(db.session.scalars(audit.log_query().with_only_columns(AuditLog.detail)))
    assert {"b-on-a", "a-on-b"} <= shown
    assert "b-on-b" not in shown and "anonymous" not in shown
    assert {"b-on-b", "anonymous"} <= everything
    body = html_text(client.get("/admin/audit"))
    assert "甲管理员" in body or "adminA" in body
    assert "adminB" in body  # the B admin acted on an A person
    assert "nobody" not in body


# --- Settings by level -------------------------------------------------------------------------------------------


@both_backends
def test_enterprise_override_applies_inside_the_enterprise_only(app, city):
    with app.test_request_context():
        a_team, b_team = db.session.get(Department, city["a_team"].id), db.session.get(Department, city["b_team"].id)
        save_overrides(db.session.get(Department, city["a"].id), {"workshops.min_members": 5})
        db.session.commit()
    with app.test_request_context():
        a_team, b_team = db.session.get(Department, city["a_team"].id), db.session.get(Department, city["b_team"].id)
        assert get_setting("workshops.min_members") == 3
        assert get_setting("workshops.min_members", a_team) == 5
        assert get_setting("workshops.min_members", b_team) == 3
        assert get_setting("workshops.min_members", db.session.get(Department, city["district"].id)) == 3
        assert get_setting("site.competition_year", a_team) == get_setting("site.competition_year")
        with pytest.raises(DomainError, match="全市统一设置"):
            save_overrides(db.session.get(Department, city["a"].id), {"site.competition_year": 2030})
        with pytest.raises(DomainError, match="只有企业"):
            save_overrides(db.session.get(Department, city["a_plant"].id), {"workshops.min_members": 9})
        db.session.rollback()
        assert count(SettingOverride) == 1


@both_backends
def test_enterprise_admin_edits_only_their_enterprise_values(app, client, make_user, city, a_admin):
    body = html_text(client.get("/admin/settings"))
    assert "全市设置" in body and "本企业取值" in body and "滨江重工" in body
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="workshops.min_members"' in page and 'name="site.competition_year"' not in page
    response = client.post("/admin/settings", data={"workshops.min_members": "6", "site.competition_year": "2031",
                                                    "suggestions.reward_first": ""})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(SettingOverride, (city["a"].id, "workshops.min_members")).value == 6
        assert db.session.get(Setting, "site.competition_year") is None  # the city's value is untouched
        assert count(SettingOverride) == 1
    response = client.post("/admin/settings", data={"workshops.min_members": "many"})
    assert "请输入有效的数值" in html_text(response)
    response = client.post("/admin/settings", data={"workshops.min_members": ""})  # back to the city's value
    with app.app_context():
        assert count(SettingOverride) == 0
    b_admin = make_user(employee_no="adminB", roles=("worker", "admin"), department=city["b"])
    narrow(app, b_admin, "admin", city["b"])
    with app.test_request_context(), pytest.raises(DomainError, match="管理范围内企业"):
        save_overrides(db.session.get(Department, city["a"].id), {"workshops.min_members": 7},
                       actor=db.session.get(User, b_admin.id))


@both_backends
def test_scoped_admin_cannot_change_the_account_of_someone_with_wider_grants(app, client, make_user, city,
                                                                           a_admin):
    boss = make_user(employee_no="cityboss", name="市管理员", roles=("worker", "admin"), department=city["a_team"])
    with app.app_context():
        before = db.session.get(User, boss.id).password_hash
    for url, data in ((f"/admin/users/{boss.id}/reset-password", {}),
                      (f"/admin/users/{boss.id}/active", {"active": "0"})):
        response = client.post(url, data=data, follow_redirects=True)
        assert "超出您管理范围的授权" in html_text(response)
    response = client.post(f"/admin/users/{boss.id}/edit", data={
        "employee_no": "cityboss", "name": "改名", "department_id": city["a_team"].id, "skill_level": "无",
        "roles": ["worker"]})
    assert "超出您管理范围的授权" in html_text(response)
    with app.app_context():
        user = db.session.get(User, boss.id)
        assert (user.password_hash, user.active, user.name) == (before, True, "市管理员")


def test_resolving_typed_numbers_follows_the_picker_scopes(app, make_user, city, people):
    from blueprints.core.people import resolve_people
    from blueprints.core.scopes import Scope

    with app.app_context():
        a_scope = Scope("hr", paths=(db.session.get(Department, city["a"].id).path,))
        found, missing, _inactive = resolve_people(["wa01", "wb01", "wn01"], scopes=(a_scope, Scope("admin")))
        assert [u.employee_no for u in found] == ["wa01"] and missing == ["wb01", "wn01"]
        found, missing, _inactive = resolve_people(["wa01", "wb01", "wn01"])
        assert len(found) == 3 and not missing


def test_enterprise_values_are_what_its_awards_and_workshop_rules_use(app, make_user, make_workshop, city):
    """Settings by level reach the domains: the reward of a grade and the workshop rules of the enterprise."""
    from blueprints.suggestions.services import reward_for
    from blueprints.workshops.models import Workshop
    from blueprints.workshops.services import eligibility

    with app.test_request_context():
        save_overrides(db.session.get(Department, city["a"].id),
                       {"suggestions.reward_first": 3500, "workshops.min_members": 5})
        db.session.commit()
    in_a = make_workshop(status="draft", department=city["a_team"])
    in_b = make_workshop(status="draft", department=city["b_team"])
    with app.test_request_context():
        assert reward_for("first", city["a_team"].id) == Decimal("3500.00")
        assert reward_for("first", city["b_team"].id) == Decimal("2000.00")  # the city's default
        assert reward_for("first") == Decimal("2000.00")

        def members_rule(workshop_id):
            checks = eligibility(db.session.get(Workshop, workshop_id))
            return next(check.requirement for check in checks if check.key == "min_members")

        assert "5" in members_rule(in_a.id) and "3" in members_rule(in_b.id)


@pytest.mark.parametrize("department_id", ["99999999999999999999", "1e5", "-"])
def test_a_grant_to_a_node_id_no_column_can_hold_is_refused(app, client, city, people, a_admin, department_id):
    response = client.post(f"/admin/users/{people['a'].id}/grants", data={"role": "hr", "department_id": department_id})
    assert response.status_code == 422
    with app.app_context():
        assert not db.session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.user_id == people["a"].id))
