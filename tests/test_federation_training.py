"""Training and statistics in the federation (SPEC §7): a session belongs to an organising unit, its HR manage it,
only its people join; statistics and personal records stay inside the user's scope."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import g, request
from sqlalchemy import func, select

from blueprints.core import grants
from blueprints.core.models import AuditLog, Department, User
from blueprints.core.people import department_tree
from blueprints.stats import views as stats_views
from blueprints.training.models import Enrollment, SessionDepartment, TrainingSession
from extensions import db
from tests.conftest import both_backends, html_text
from tests.fixtures_stats import local
from tests.jobs_helpers import export_file


@dataclass
class City:
    """The small federation of these tests: ids of its nodes and people."""

    nodes: dict[str, int]
    people: dict[str, User]


@pytest.fixture
def city(app, make_department, make_user) -> City:
    """市总工会 → 区总工会 → enterprise A (车间 → 班组) and enterprise B (班组); HR and admins of A and of B, HR and an
    admin of the whole city, two workers of A and one of B."""
    root = make_department("联邦市总工会", kind="federation")
    district = make_department("联邦区总工会", parent=root)
    a = make_department("甲企业", parent=district)
    a_floor = make_department("甲车间", parent=a)
    a_team = make_department("甲班组", parent=a_floor)
    b = make_department("乙企业", parent=district)
    b_team = make_department("乙班组", parent=b)
    nodes = {"root": root.id, "district": district.id, "a": a.id, "a_floor": a_floor.id, "a_team": a_team.id,
             "b": b.id, "b_team": b_team.id}
    people = {
        "wa1": make_user("fwa1", name="甲工一", department=a_team),
        "wa2": make_user("fwa2", name="甲工二", department=a_team),
        "wb1": make_user("fwb1", name="乙工一", department=b_team),
        "city_hr": make_user("fcityhr", name="市培训员", roles=("hr", "worker")),
        "city_admin": make_user("fcityadmin", name="市管理员", roles=("admin", "worker")),
    }
    for key, role, node in (("hra", "hr", a), ("hrb", "hr", b), ("admina", "admin", a), ("adminb", "admin", b)):
        people[key] = make_user(f"f{key}", name=f"{key}员", roles=("worker",))
        with app.app_context():
            grants.grant(db.session.get(User, people[key].id), role, db.session.get(Department, node.id))
            db.session.commit()
    return City(nodes, people)


def _login(client, auth, person: User) -> None:
    auth.logout()
    assert auth.login(person.employee_no).status_code == 303


def _denials(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "access.denied"))


def _session_form(**changes) -> dict:
    form = {"title": "甲企业焊工培训", "kind": "skills", "location": "甲企业培训楼", "starts_at": "2031-05-01T09:00",
            "ends_at": "2031-05-01T11:00", "capacity": "10", "instructor": "王师傅"}
    form.update(changes)
    return form


def _session_by_title(app, title: str) -> TrainingSession | None:
    with app.app_context():
        found = db.session.scalar(select(TrainingSession).where(TrainingSession.title == title))
        if found is not None:
            db.session.expunge(found)
        return found


def _organise(app, session_id: int, node_id: int | None) -> None:
    with app.app_context():
        db.session.get(TrainingSession, session_id).organiser_id = node_id
        db.session.commit()


def _enrolled(app, session_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Enrollment.user_id).where(Enrollment.session_id == session_id,
                                                                       Enrollment.status != "cancelled")))


# --- Training: an enterprise's own session -------------------------------------------------------------------------


@both_backends
def test_enterprise_hr_runs_a_session_only_their_people_can_join(app, client, auth, city):
    _login(client, auth, city.people["hra"])
    page = html_text(client.get("/training/new"))
    # The organiser box preselects A and is no city level; its picker offers A and below, not B.
    assert "甲企业" in page and "乙企业" not in page and "全市（全体职工可报名）" not in page
    offered = html_text(client.get("/pick/departments-hr?q="))
    assert "甲企业" in offered and "甲班组" in offered and "乙企业" not in offered
    assert f'name="organiser" value="{city.nodes["a"]}"' in page
    response = client.post("/training/new", data=_session_form(organiser=str(city.nodes["a"])))
    assert response.status_code in (302, 303), html_text(response)[:2000]
    created = _session_by_title(app, "甲企业焊工培训")
    assert created.organiser_id == city.nodes["a"]
    assert client.post(f"/training/{created.id}/status/open").status_code in (302, 303)

    # B's worker: not in the list, and refused with the reason on the detail page.
    _login(client, auth, city.people["wb1"])
    assert "甲企业焊工培训" not in html_text(client.get("/training/"))
    assert "甲企业焊工培训" not in html_text(client.get("/training/?show=all"))
    detail = html_text(client.get(f"/training/{created.id}"))
    assert "仅限本单位的职工报名" in detail and "甲企业" in detail
    refused = html_text(client.post(f"/training/{created.id}/signup", follow_redirects=True))
    assert "不符合报名条件：这是甲企业组织的培训，仅限本单位的职工报名。" in refused
    assert _enrolled(app, created.id) == set()

    # A's worker sees it and gets a seat.
    _login(client, auth, city.people["wa1"])
    assert "甲企业焊工培训" in html_text(client.get("/training/"))
    assert "报名成功" in html_text(client.post(f"/training/{created.id}/signup", follow_redirects=True))
    assert _enrolled(app, created.id) == {city.people["wa1"].id}


def test_other_enterprise_hr_gets_404_on_every_management_page(app, client, auth, city, make_session):
    session = make_session(title="甲企业安全培训", capacity=3)
    _organise(app, session.id, city.nodes["a"])
    with app.app_context():
        db.session.add(Enrollment(session_id=session.id, user_id=city.people["wa1"].id, status="confirmed"))
        db.session.get(TrainingSession, session.id).confirmed_count = 1
        db.session.commit()
        enrollment_id = db.session.scalar(select(Enrollment.id).where(Enrollment.session_id == session.id))
    _login(client, auth, city.people["hrb"])
    before = _denials(app)
    base = f"/training/{session.id}"
    gets = ["/roster", "/edit", "/roster.xlsx", "/signin", "/people?q=甲"]
    posts = {"/status/cancel": {"reason": "乙企业不办"}, "/status/close": {},
             "/roster/add": {"pasted": "fwb1"}, "/roster/present-all": {},
             f"/roster/{enrollment_id}/attendance": {"value": "present"},
             f"/roster/{enrollment_id}/remove": {}, "/edit": _session_form(title="改名")}
    for path in gets:
        assert client.get(base + path).status_code == 404, path
    for path, data in posts.items():
        assert client.post(base + path, data=data).status_code == 404, path
    assert _denials(app) == before + len(gets) + len(posts)
    # Nothing changed, and the session is not in B's management list nor its to-dos.
    with app.app_context():
        row = db.session.get(TrainingSession, session.id)
        assert (row.status, row.title, row.confirmed_count) == ("open", "甲企业安全培训", 1)
        assert db.session.get(Enrollment, enrollment_id).attendance is None
    assert _enrolled(app, session.id) == {city.people["wa1"].id}
    assert "甲企业安全培训" not in html_text(client.get("/training/manage?scope=all"))
    assert "甲企业安全培训" not in html_text(client.get("/"))  # HR's to-dos: starting within a week
    # A's HR and the city's HR do manage it.
    for key in ("hra", "city_hr"):
        _login(client, auth, city.people[key])
        assert client.get(base + "/roster").status_code == 200
        assert "甲企业安全培训" in html_text(client.get("/training/manage?scope=all"))
        assert "甲企业安全培训" in html_text(client.get("/"))


def test_a_city_level_session_is_for_whole_tree_hr_and_open_to_everyone(app, client, auth, city, make_session):
    session = make_session(title="全市劳模讲座")
    _login(client, auth, city.people["hra"])
    assert client.get(f"/training/{session.id}/roster").status_code == 404
    assert "全市劳模讲座" not in html_text(client.get("/training/manage?scope=all"))
    # A scoped HR cannot organise at the city level either.
    response = client.post("/training/new", data=_session_form(title="甲的全市讲座", organiser=""))
    assert "只有全市的培训管理员才能组织全市范围的培训" in html_text(response)
    assert _session_by_title(app, "甲的全市讲座") is None
    # Everyone sees and may join it.
    for key in ("wa1", "wb1"):
        _login(client, auth, city.people[key])
        assert "全市劳模讲座" in html_text(client.get("/training/"))
        assert "报名成功" in html_text(client.post(f"/training/{session.id}/signup", follow_redirects=True))
    # The city's HR creates one without choosing a unit (as before the federation): city level.
    _login(client, auth, city.people["city_hr"])
    assert "全市（全体职工可报名）" in html_text(client.get("/training/new"))
    assert client.post("/training/new", data=_session_form(title="市级安全月")).status_code in (302, 303)
    assert _session_by_title(app, "市级安全月").organiser_id is None


def test_a_session_of_the_root_is_city_level(app, client, auth, city, make_session):
    session = make_session(title="市总工会讲座")
    _organise(app, session.id, city.nodes["root"])
    _login(client, auth, city.people["wb1"])
    assert "市总工会讲座" in html_text(client.get("/training/"))
    assert "报名成功" in html_text(client.post(f"/training/{session.id}/signup", follow_redirects=True))


def test_eligibility_outside_the_organisers_subtree_is_refused(app, client, auth, city, make_session):
    _login(client, auth, city.people["hra"])
    page = html_text(client.post("/training/new", data=_session_form(
        title="越界培训", organiser=str(city.nodes["a"]), departments=[str(city.nodes["b_team"])])))
    # B's team lies outside this HR's scope: the department picker refuses it before the service is asked.
    assert "所选的项不在您可以选择的范围内" in page
    assert _session_by_title(app, "越界培训") is None
    # The city's HR organising for A cannot reach into B either; inside A is fine.
    _login(client, auth, city.people["city_hr"])
    page = html_text(client.post("/training/new", data=_session_form(
        title="越界培训", organiser=str(city.nodes["a"]), departments=[str(city.nodes["b_team"])])))
    assert "不在其中" in page and _session_by_title(app, "越界培训") is None
    client.post("/training/new", data=_session_form(title="班组培训", organiser=str(city.nodes["a"]),
                                                    departments=[str(city.nodes["a_team"])]))
    created = _session_by_title(app, "班组培训")
    with app.app_context():
        assert db.session.scalars(select(SessionDepartment.department_id)
                                  .where(SessionDepartment.session_id == created.id)).all() == [city.nodes["a_team"]]
    # Nor can A's HR move their session to B.
    _login(client, auth, city.people["hra"])
    page = html_text(client.post(f"/training/{created.id}/edit", data=_session_form(
        title="班组培训", organiser=str(city.nodes["b"]))))
    assert "所选的项不在您可以选择的范围内" in page  # the organiser picker offers A's subtree only
    assert _session_by_title(app, "班组培训").organiser_id == city.nodes["a"]


def test_bulk_signup_refuses_people_outside_the_organiser_and_the_picker_hides_them(app, client, auth, city,
                                                                                    make_session):
    session = make_session(title="甲企业叉车培训", capacity=5)
    _organise(app, session.id, city.nodes["a"])
    _login(client, auth, city.people["hra"])
    # The picker: A's people only (a search that matches people of A and of B).
    picked = html_text(client.get(f"/training/{session.id}/people?q=fw&target=people"))
    assert "甲工一" in picked and "甲工二" in picked and "乙工一" not in picked
    answer = html_text(client.post(f"/training/{session.id}/roster/add", data={"pasted": "fwa1 fwb1"}))
    assert "不符合报名条件：这是甲企业组织的培训，仅限本单位的职工报名。" in answer
    assert _enrolled(app, session.id) == {city.people["wa1"].id}


def test_the_whole_tree_hr_picker_still_offers_everyone(app, client, auth, city, make_session):
    session = make_session(title="全市培训")
    _login(client, auth, city.people["city_hr"])
    picked = html_text(client.get(f"/training/{session.id}/people?q=fw&target=people"))
    assert "甲工一" in picked and "乙工一" in picked


# --- Statistics ----------------------------------------------------------------------------------------------------


@pytest.fixture
def trained(app, city, make_session):
    """A 2-hour session in March 2025: A's first worker present and passed, A's second absent, B's worker passed."""
    session = make_session(title="2025 技能培训", status="completed", starts_at=local(2025, 3, 10, 9), hours=2)
    with app.app_context():
        for key, attendance, result in (("wa1", "present", "pass"), ("wa2", "absent", None),
                                        ("wb1", "present", "pass")):
            db.session.add(Enrollment(session_id=session.id, user_id=city.people[key].id, status="confirmed",
                                      attendance=attendance, result=result))
        db.session.commit()
    return session


def _report_as(app, person: User, query: str):
    with app.test_request_context(f"/stats/?{query}"):
        g._login_user = db.session.get(User, person.id)  # the signed-in user, as Flask-Login keeps it
        tree = department_tree()
        filters = stats_views.Filters(request.args, tree)
        return filters, stats_views._report(filters, tree)


@both_backends
def test_statistics_of_an_enterprise_admin_are_computed_inside_their_enterprise(app, city, trained):
    filters, report = _report_as(app, city.people["admina"], "year=2025")
    # By hand: A has two active people (both in 甲班组); one person-time (the absent one does not count), two
    # hours, one trainee, one pass. B's worker is not counted.
    assert filters.root.id == city.nodes["a"]
    total = report.total
    assert (total.head_count, total.person_times, total.minutes, total.trainees, total.passed) == (2, 1, 120, 1, 1)
    assert [row.department.id for row in report.rows] == [city.nodes["a_floor"]]
    assert (report.rows[0].head_count, report.rows[0].person_times) == (2, 1)
    assert report.training.by_kind["skills"].person_times == 1
    # The same figures for B's admin are B's alone, and the city's admin sees both.
    _filters, report_b = _report_as(app, city.people["adminb"], "year=2025")
    assert (report_b.total.head_count, report_b.total.person_times) == (1, 1)
    _filters, report_city = _report_as(app, city.people["city_admin"], "year=2025")
    assert report_city.total.person_times == 2


def test_statistics_for_another_enterprise_answer_404(app, client, auth, city, trained):
    _login(client, auth, city.people["admina"])
    page = html_text(client.get("/stats/?year=2025"))
    assert "甲企业" in page and "乙企业" not in page and "联邦区总工会" not in page
    before = _denials(app)
    for url in (f"/stats/?year=2025&dept={city.nodes['b']}", f"/stats/?year=2025&dept={city.nodes['district']}",
                f"/stats/targets/{city.nodes['b']}/edit?year=2025"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/stats/export?year=2025&dept={city.nodes['b']}").status_code == 404  # no job is queued
    assert client.post(f"/stats/targets/{city.nodes['b']}", data={"rate": "80", "year": "2025"}).status_code == 404
    assert _denials(app) == before + 5
    # Narrowing inside A works; the workbook of A is served.
    assert client.get(f"/stats/?year=2025&dept={city.nodes['a_team']}").status_code == 200
    assert export_file(client, "/stats/export?year=2025").status_code == 200


def test_personal_records_only_of_people_in_scope(app, client, auth, city):
    _login(client, auth, city.people["admina"])
    assert client.get(f"/stats/people/{city.people['wa1'].id}").status_code == 200
    before = _denials(app)
    assert client.get(f"/stats/people/{city.people['wb1'].id}").status_code == 404
    assert _denials(app) == before + 1
    assert "没有找到工号为“fwb1”的人员" in html_text(client.get("/stats/people/?employee_no=fwb1"))
    response = client.get("/stats/people/?employee_no=fwa1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/stats/people/{city.people['wa1'].id}")
    picked = html_text(client.get("/stats/people/search?q=fw&target=employee_no"))
    assert "甲工一" in picked and "乙工一" not in picked
    # The city's admin still finds everyone.
    _login(client, auth, city.people["city_admin"])
    assert client.get(f"/stats/people/{city.people['wb1'].id}").status_code == 200


def test_a_scoped_hr_sees_training_figures_of_their_enterprise_only(app, city, trained):
    _filters, report = _report_as(app, city.people["hrb"], "year=2025")
    assert report.scope.root.id == city.nodes["b"]
    assert (report.total.person_times, report.total.passed) == (1, 1)
    assert report.training.by_kind["skills"].trainees == 1


def test_whole_tree_pages_are_unchanged_for_the_citys_staff(app, client, auth, city, trained):
    _login(client, auth, city.people["city_admin"])
    assert "联邦区总工会" in html_text(client.get("/stats/?year=2025"))
    district = html_text(client.get(f"/stats/?year=2025&dept={city.nodes['district']}"))
    assert "甲企业" in district and "乙企业" in district


def test_the_manager_must_be_hr_of_the_organiser(app, client, auth, city):
    _login(client, auth, city.people["hra"])
    page = html_text(client.post("/training/new", data=_session_form(
        title="乙管甲训", organiser=str(city.nodes["a"]), manager="fhrb")))
    assert "hrb员 不负责甲企业的培训，不能做这个场次的负责人。" in page
    assert _session_by_title(app, "乙管甲训") is None
    client.post("/training/new", data=_session_form(title="甲管甲训", organiser=str(city.nodes["a"]),
                                                    manager="fcityhr"))
    assert _session_by_title(app, "甲管甲训").manager_id == city.people["city_hr"].id


# --- The route × scope matrix and the rule against a reference predicate ----------------------------------------


def test_every_session_route_of_hr_answers_404_outside_the_scope(app, client, auth, city, make_session):
    """Every HR route about one session, from the URL map: 404 (audited) for B's HR, served for A's HR."""
    from tests.test_training_views import ACCESS

    session = make_session(title="甲企业矩阵培训", capacity=3)
    _organise(app, session.id, city.nodes["a"])
    with app.app_context():
        enrollment = Enrollment(session_id=session.id, user_id=city.people["wa1"].id, status="confirmed")
        db.session.add(enrollment)
        db.session.get(TrainingSession, session.id).confirmed_count = 1
        db.session.commit()
        enrollment_id = enrollment.id
        rules = [(rule.endpoint, rule) for rule in app.url_map.iter_rules()
                 if ACCESS.get(rule.endpoint, ("", ""))[1] == "hr" and "session_id" in rule.arguments]
    assert len(rules) >= 12
    with app.test_request_context():
        from flask import url_for

        urls = [(ACCESS[endpoint][0], url_for(endpoint, session_id=session.id, enrollment_id=enrollment_id,
                                              action="close")) for endpoint, _rule in rules]
    _login(client, auth, city.people["hrb"])
    before = _denials(app)
    for method, url in urls:
        assert client.open(url, method=method).status_code == 404, url
    assert _denials(app) == before + len(urls)
    with app.app_context():
        assert db.session.get(TrainingSession, session.id).status == "open"
    _login(client, auth, city.people["hra"])
    for method, url in urls:
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_joining_and_managing_follow_the_reference_predicate(app, city, make_session):
    """For every organiser (each node, and none) × person: the list, the eligibility check and the HR rule agree
    with the rule written out by hand on paths."""
    from blueprints.training import queries, services

    organisers = [None, *city.nodes]
    sessions = {}
    for key in organisers:
        session = make_session(title=f"矩阵-{key}")
        _organise(app, session.id, city.nodes[key] if key else None)
        sessions[key] = session.id
    with app.app_context():
        paths = {key: db.session.get(Department, ident).path for key, ident in city.nodes.items()}
        root_path = paths["root"]

        def may_join(organiser, person_path):
            return organiser in (None, "root") or bool(person_path and person_path.startswith(paths[organiser]))

        hr_paths = {"hra": paths["a"], "hrb": paths["b"], "city_hr": None}
        for key in ("wa1", "wb1"):
            person = db.session.get(User, city.people[key].id)
            person_path = db.session.get(Department, person.department_id).path
            listed = set(db.session.scalars(queries.sessions_list(person).with_only_columns(TrainingSession.id)))
            for organiser, session_id in sessions.items():
                expected = may_join(organiser, person_path)
                assert (session_id in listed) == expected, (key, organiser)
                training_session = db.session.get(TrainingSession, session_id)
                problem = services.eligibility_of(training_session).problem(person.skill_level, person_path)
                assert (problem is None) == expected, (key, organiser)
        for key, scope_path in hr_paths.items():
            hr = db.session.get(User, city.people[key].id)
            for organiser, session_id in sessions.items():
                organiser_path = paths[organiser] if organiser else None
                expected = scope_path is None or bool(organiser_path and organiser_path.startswith(scope_path))
                assert queries.manages(hr, db.session.get(TrainingSession, session_id)) == expected, (key, organiser)
        # The list finds a person's organisers through their path, which names every ancestor's id.
        assert root_path == "/" + str(city.nodes["root"]) + "/"


def test_the_my_space_summary_counts_inside_the_admins_scope(app, city):
    from blueprints.stats.panels import year_summary

    with app.test_request_context("/"):
        # Active people with a department: two in A, one in B (the staff of these tests have none).
        assert year_summary(db.session.get(User, city.people["admina"].id)).head_count == 2
        assert year_summary(db.session.get(User, city.people["adminb"].id)).head_count == 1
        assert year_summary(db.session.get(User, city.people["city_admin"].id)).head_count == 3
