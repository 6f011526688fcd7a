"""Type-ahead pickers (core.pickers, issue 19 item 3): the search route answers only what the field accepts, the
field refuses anything else and stores nothing, and the form still works without JavaScript."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blueprints.core import pickers
from blueprints.core.models import RoleGrant, User
from extensions import db
from tests import test_federation_admin as _fed
from tests.conftest import both_backends, html_text

# The federation admin tests' tree and people (fixtures), shared here.
a_admin, city, people, narrow = _fed.a_admin, _fed.city, _fed.people, _fed.narrow

# As enterprise A's admin reads it: the path starts at the top of their scope (the district above is not named).
PATH_A_TEAM = "滨江重工 › 一分厂 › 机加车间 › 数控一班"


def _options(body: str) -> list[str]:
    """The labels of the options a /pick/ fragment offers."""
    return re.findall(r'data-pick-label="([^"]*)"', body)


def _new_user(client, **fields):
    data = {"employee_no": "np01", "name": "新人", "skill_level": "无", "roles": ["worker"]}
    data.update(fields)
    return client.post("/admin/users/new", data=data)


def _users(app, employee_no="np01"):
    with app.app_context():
        return db.session.scalars(select(User).where(User.employee_no == employee_no)).all()


# --- the route ------------------------------------------------------------------------------------------------


@both_backends
def test_the_route_offers_only_the_admins_scope_with_paths(app, client, city, a_admin):
    offered = _options(html_text(client.get("/pick/departments-admin?q=")))
    assert "滨江重工" in offered
    assert PATH_A_TEAM in offered
    assert not any("松北" in label or "绕线班" in label for label in offered)
    # Typing the name of a unit outside the scope discovers nothing.
    assert _options(html_text(client.get("/pick/departments-admin?q=绕线"))) == []
    assert _options(html_text(client.get("/pick/departments-admin?q=松北电机"))) == []
    # The field's own text box name works as the query too (htmx sends the box under its name).
    assert _options(html_text(client.get("/pick/departments-admin?field=department_id&department_id-q=数控"))) == [
        PATH_A_TEAM]


def test_a_whole_tree_admin_sees_every_unit_and_the_route_caps_its_answer(app, client, login_as, make_department):
    login_as("admin")
    root = make_department("总部")
    plants = [make_department(f"分厂{n}", parent=root) for n in range(2)]
    for n in range(pickers.PICK_LIMIT + 5):
        make_department(f"机修班{n:02d}", parent=plants[n % 2])
    offered = _options(html_text(client.get("/pick/departments-admin?q=机修班")))
    assert len(offered) == pickers.PICK_LIMIT
    # Same-named units are told apart by their path.
    make_department("质检班", parent=plants[0])
    make_department("质检班", parent=plants[1])
    assert sorted(_options(html_text(client.get("/pick/departments-admin?q=质检班")))) == [
        "总部 › 分厂0 › 质检班", "总部 › 分厂1 › 质检班"]


def test_the_route_refuses_unknown_sources_and_anonymous_users(app, client, login_as):
    assert client.get("/pick/departments-admin?q=a").status_code in (302, 303)  # to the login page
    login_as()
    assert client.get("/pick/no-such-source?q=a").status_code == 404


def test_a_worker_without_an_admin_scope_is_offered_nothing(app, client, city, login_as):
    login_as(department=city["a_team"])
    assert _options(html_text(client.get("/pick/departments-admin?q="))) == []


# --- the field: refusals store nothing ----------------------------------------------------------------------------


@both_backends
@pytest.mark.parametrize("posted", ["outside", "missing", "huge", "text"])
def test_the_user_form_refuses_a_department_outside_the_scope(app, client, city, a_admin, posted):
    data = {"outside": {"department_id": city["b_team"].id},
            "missing": {"department_id": 999999},
            "huge": {"department_id": "99999999999999999999"},
            "text": {"department_id": "abc"}}[posted]
    response = _new_user(client, **data)
    assert response.status_code == 200
    assert "只能选择您管理范围内的单位" in html_text(response)
    assert _users(app) == []


def test_a_no_js_pick_outside_the_scope_and_a_foreign_name_are_refused(app, client, city, a_admin):
    response = _new_user(client, **{"department_id": "", "department_id-pick": city["b_team"].id})
    assert "只能选择您管理范围内的单位" in html_text(response)
    response = _new_user(client, **{"department_id": "", "department_id-q": "绕线班"})
    assert "没有找到“绕线班”" in html_text(response)
    # A stale id with the foreign unit's name typed over it: the name decides, and it is not in the scope.
    response = _new_user(client, **{"department_id": city["a_team"].id, "department_id-q": "绕线班"})
    assert "没有找到“绕线班”" in html_text(response)
    assert _users(app) == []


# --- the field: successes ----------------------------------------------------------------------------------------


@both_backends
def test_the_user_form_saves_the_picked_id_and_the_edit_page_shows_its_path(app, client, city, a_admin):
    # As the script posts it: the hidden id and the label it put in the text box.
    response = _new_user(client, **{"department_id": city["a_floor"].id,
                                    "department_id-q": "滨江重工 › 一分厂 › 机加车间"})
    assert response.status_code == 303
    (user,) = _users(app)
    assert user.department_id == city["a_floor"].id
    page = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert f'name="department_id" value="{city["a_floor"].id}"' in page
    assert 'value="滨江重工 › 一分厂 › 机加车间"' in page
    assert "<option" not in page.split('id="department_id"')[1].split("</div>")[0]


def test_without_javascript_an_exact_unique_name_is_taken(app, client, city, a_admin):
    response = _new_user(client, **{"department_id": "", "department_id-q": " 数控一班 "})
    assert response.status_code == 303
    assert _users(app)[0].department_id == city["a_team"].id


def test_without_javascript_a_partial_name_offers_the_matches_to_choose_from(app, client, city, a_admin,
                                                                            make_department):
    make_department("数控二班", parent=city["a_floor"])
    response = _new_user(client, **{"department_id": "", "department_id-q": "数控"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and _users(app) == []
    assert "有多个“数控”" in html_text(response)
    radios = re.findall(r'type="radio" name="department_id-pick" id="[^"]+" value="(\d+)"', body)
    assert str(city["a_team"].id) in radios and len(radios) == 2
    assert 'value="数控"' in body  # the typed text stays in the box
    response = _new_user(client, **{"department_id": "", "department_id-q": "数控",
                                    "department_id-pick": city["a_team"].id})
    assert response.status_code == 303
    assert _users(app)[0].department_id == city["a_team"].id


def test_an_empty_box_clears_the_department_and_posting_only_the_id_still_works(app, client, city, login_as):
    login_as("admin")
    response = _new_user(client, **{"department_id": city["b"].id})  # the select's wire format: the id alone
    assert response.status_code == 303
    (user,) = _users(app)
    assert user.department_id == city["b"].id
    response = client.post(f"/admin/users/{user.id}/edit", data={
        "employee_no": "np01", "name": "新人", "skill_level": "无", "roles": ["worker"],
        "department_id": city["b"].id, "department_id-q": ""})
    assert response.status_code == 303
    assert _users(app)[0].department_id is None


def test_a_whole_tree_grant_is_the_explicit_all_choice(app, client, city, people, login_as):
    login_as("admin")
    assert "全部（整个组织）" in html_text(client.get("/pick/departments-grant?q=全部"))
    response = client.post(f"/admin/users/{people['a'].id}/grants", data={"role": "hr", "department_id": ""})
    assert response.status_code == 422 and "请选择管理范围" in html_text(response)
    response = client.post(f"/admin/users/{people['a'].id}/grants", data={"role": "hr", "department_id": "all"})
    assert response.status_code == 303
    with app.app_context():
        grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == people["a"].id,
                                                          RoleGrant.role == "hr"))
        assert grant is not None and grant.department_id is None


def test_a_scoped_top_keeps_its_parent_outside_the_scope(app, client, city, a_admin):
    """The department form's parent picker: enterprise A's admin renames A, whose parent lies outside their scope."""
    response = client.post(f"/admin/departments/{city['a'].id}/edit", data={
        "code": "A", "name": "滨江重工集团", "parent_id": city["district"].id, "kind": "enterprise"})
    assert response.status_code == 303, html_text(response)[:2000]
    response = client.post(f"/admin/departments/{city['a'].id}/edit", data={
        "code": "A", "name": "滨江重工集团", "parent_id": city["b"].id, "kind": "enterprise"})
    assert response.status_code == 200
    assert "只能选择您管理范围内的单位" in html_text(response)


# --- filter boxes --------------------------------------------------------------------------------------------------


def test_the_user_list_filter_takes_a_typed_name_without_javascript(app, client, city, people, login_as):
    login_as("admin")
    body = html_text(client.get("/admin/users", query_string={"department": "", "department-q": "滨江重工"}))
    assert "wa01" in body and "wb01" not in body
    assert 'value="松北区总工会 › 滨江重工"' in body
    ambiguous = client.get("/admin/users", query_string={"department": "", "department-q": "班"})
    assert 'name="department-pick"' in ambiguous.get_data(as_text=True)
    assert "wa01" in html_text(ambiguous) and "wb01" in html_text(ambiguous)  # not filtered until one is chosen
    picked = html_text(client.get("/admin/users", query_string={"department-pick": city["b_team"].id}))
    assert "wb01" in picked and "wa01" not in picked


def test_the_suggestion_list_carries_no_department_or_workshop_options(app, client, city, login_as,
                                                                      make_suggestion_workshop):
    login_as("admin")
    workshop = make_suggestion_workshop()
    body = client.get("/suggestions/").get_data(as_text=True)
    assert "一分厂" not in body and workshop.name not in body
    chosen = client.get("/suggestions/", query_string={"department": city["a_plant"].id,
                                                       "workshop": workshop.id}).get_data(as_text=True)
    assert 'value="松北区总工会 › 滨江重工 › 一分厂"' in chosen and f'value="{workshop.name}"' in chosen
    union = client.get("/suggestions/", query_string={"workshop": "", "workshop-q": "工会直接审核"})
    assert 'name="workshop" value="none"' in union.get_data(as_text=True)


def test_the_suggestion_form_refuses_a_workshop_that_is_not_approved(app, client, login_as, suggestion_form_data,
                                                                    make_suggestion_workshop):
    from blueprints.suggestions.models import Suggestion

    login_as()
    pending = make_suggestion_workshop(status="pending")
    assert _options(html_text(client.get(f"/pick/workshops-approved?q={pending.name}"))) == []
    response = client.post("/suggestions/new", data=suggestion_form_data(workshop_id="", **{
        "workshop_id-q": pending.name}))
    assert "没有找到" in html_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Suggestion.id))) == 0



# --- the multiple picker (training session departments) --------------------------------------------------------


def _session(**changes) -> dict:
    form = {"title": "多选培训", "kind": "skills", "location": "培训楼", "starts_at": "2031-05-01T09:00",
            "ends_at": "2031-05-01T11:00", "capacity": "10", "instructor": "王师傅"}
    form.update(changes)
    return form


def test_the_multiple_picker_keeps_ticked_ids_adds_a_typed_name_and_refuses_a_foreign_one(app, client, auth, city,
                                                                                         make_user):
    from blueprints.training.models import SessionDepartment, TrainingSession

    hr = make_user(employee_no="hrA", name="甲培训员", roles=("worker", "hr"), department=city["a"])
    narrow(app, hr, "hr", city["a"])
    assert auth.login("hrA").status_code == 303
    refused = client.post("/training/new", data=_session(organiser=city["a"].id, departments=[city["b_team"].id]))
    assert "所选的项不在您可以选择的范围内" in html_text(refused)
    ambiguous = client.post("/training/new", data=_session(organiser=city["a"].id, departments=[city["a_team"].id],
                                                           **{"departments-q": "一"}))
    body = ambiguous.get_data(as_text=True)
    assert 'name="departments-pick"' in body
    assert f'name="departments" id="departments-chosen-1" value="{city["a_team"].id}" checked' in body
    with app.app_context():
        assert db.session.scalar(select(func.count(TrainingSession.id))) == 0
    saved = client.post("/training/new", data=_session(organiser=city["a"].id, departments=[city["a_team"].id],
                                                       **{"departments-q": "机加车间"}))
    assert saved.status_code == 303, html_text(saved)[:2000]
    with app.app_context():
        chosen = set(db.session.scalars(select(SessionDepartment.department_id)))
    assert chosen == {city["a_team"].id, city["a_floor"].id}
