"""Key projects (SPEC §8): admins register projects of enterprises in their scope, milestones stay inside the
project's time and never finish in the future, the list shows started projects no competition covers, another
scope's project answers 404 (audited), every refusal stores nothing, and the list costs the same queries for 3 rows
as for 30."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from blueprints.competitions.models import Competition, Milestone, Project, competition_projects
from blueprints.core.clock import local_today
from blueprints.core.models import AuditLog
from extensions import db
from tests.conftest import both_backends, html_text
from tests.fixtures_honours import client_of, count, denials


def form(**fields) -> dict:
    data = {"name": "松北综合交通枢纽工程", "level": "province_top100", "owner_id": "", "location": "松北区",
            "planned_start": "2026-03-01", "planned_end": "2027-10-31", "status": "started", "description": ""}
    data.update(fields)
    return data


def add_project(app, owner, *, status="started", name="枢纽工程", start=date(2026, 3, 1),
                end=date(2027, 10, 31), level="city_key") -> int:
    with app.app_context():
        project = Project(name=name, level=level, owner_id=owner.id, location="", planned_start=start,
                          planned_end=end, status=status, description="")
        db.session.add(project)
        db.session.commit()
        return project.id


def cover(app, project_id: int, organiser) -> None:
    """A competition of the organiser covering the project."""
    with app.app_context():
        competition = Competition(name="六比一创劳动竞赛", kind="liubi_yichuang", organiser_id=organiser.id, year=2026,
                                  starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), status="running")
        db.session.add(competition)
        db.session.flush()
        db.session.execute(insert(competition_projects).values(competition_id=competition.id, project_id=project_id))
        db.session.commit()


# --- Registering ----------------------------------------------------------------------------------------------------


def test_enterprise_admin_registers_a_project_of_their_enterprise(app, federation):
    browser = client_of(app, federation.people.ent_a)
    response = browser.post("/projects/new", data=form(owner_id=federation.a.id))
    assert response.status_code == 303
    with app.app_context():
        project = db.session.scalar(select(Project))
        assert (project.name, project.owner_id, project.level, project.status) == (
            "松北综合交通枢纽工程", federation.a.id, "province_top100", "started")
        assert project.planned_start == date(2026, 3, 1) and project.planned_end == date(2027, 10, 31)
    assert response.headers["Location"] == f"/projects/{project.id}"
    assert count(app, AuditLog, AuditLog.action == "project.created") == 1


@pytest.mark.parametrize("owner", ["c", "district", "a_team"])
def test_an_owner_outside_scope_or_not_an_enterprise_is_refused(app, federation, owner):
    browser = client_of(app, federation.people.ent_a)
    response = browser.post("/projects/new", data=form(owner_id=getattr(federation, owner).id))
    assert response.status_code == 200
    page = html_text(response)
    assert "请选择您管理范围内的一家企业作为业主单位" in page
    assert 'value="松北综合交通枢纽工程"' in page  # what was typed is kept
    assert count(app, Project) == 0


def test_an_end_before_the_start_is_refused(app, federation):
    response = client_of(app, federation.people.ent_a).post(
        "/projects/new", data=form(owner_id=federation.a.id, planned_start="2027-01-01", planned_end="2026-12-31"))
    assert response.status_code == 200
    assert "计划竣工日期不能早于计划开工日期" in html_text(response)
    assert count(app, Project) == 0


def test_a_district_admin_registers_for_any_enterprise_of_the_district_only(app, federation):
    browser = client_of(app, federation.people.district)
    assert browser.post("/projects/new", data=form(owner_id=federation.b.id)).status_code == 303
    assert browser.post("/projects/new", data=form(owner_id=federation.c.id, name="外区项目")).status_code == 200
    assert count(app, Project) == 1


def test_workers_are_refused_the_pages(app, federation):
    project_id = add_project(app, federation.a)
    browser = client_of(app, federation.people.worker_a)
    for path in ("/projects/", "/projects/new", f"/projects/{project_id}"):
        assert browser.get(path).status_code == 403


# --- Scope -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who,sees", [("ent_a", {"A"}), ("ent_b", {"B"}), ("district", {"A", "B"}),
                                      ("industry", {"C"}), ("city", {"A", "B", "C"})])
def test_each_admin_lists_and_opens_the_projects_of_their_scope(app, federation, who, sees):
    ids = {key: add_project(app, getattr(federation, key.lower()), name=f"项目{key}") for key in ("A", "B", "C")}
    browser = client_of(app, getattr(federation.people, who))
    page = html_text(browser.get("/projects/"))
    assert {key for key in ids if f"项目{key}" in page} == sees
    for key, project_id in ids.items():
        before = denials(app)
        status = browser.get(f"/projects/{project_id}").status_code
        if key in sees:
            assert status == 200
        else:
            assert status == 404 and denials(app) == before + 1


def test_another_scopes_project_cannot_be_changed(app, federation):
    project_id = add_project(app, federation.c, name="龙江项目")
    browser = client_of(app, federation.people.ent_a)
    assert browser.post(f"/projects/{project_id}/edit", data=form(owner_id=federation.a.id)).status_code == 404
    assert browser.post(f"/projects/{project_id}/milestones",
                        data={"name": "桩基", "planned_on": "2026-05-01"}).status_code == 404
    assert count(app, Milestone) == 0
    with app.app_context():
        assert db.session.get(Project, project_id).name == "龙江项目"


# --- Milestones ------------------------------------------------------------------------------------------------------


def test_milestones_are_added_edited_and_deleted(app, federation):
    project_id = add_project(app, federation.a)
    browser = client_of(app, federation.people.ent_a)
    done_on = (local_today() - timedelta(days=1)).isoformat()
    assert browser.post(f"/projects/{project_id}/milestones",
                        data={"name": "桩基完成", "planned_on": "2026-05-01", "actual_on": done_on}).status_code == 303
    with app.app_context():
        milestone = db.session.scalar(select(Milestone))
        assert (milestone.name, milestone.planned_on, milestone.actual_on.isoformat()) == (
            "桩基完成", date(2026, 5, 1), done_on)
    assert browser.post(f"/projects/{project_id}/milestones/{milestone.id}/edit",
                        data={"name": "桩基工程完成", "planned_on": "2026-05-10", "actual_on": ""}).status_code == 303
    with app.app_context():
        milestone = db.session.get(Milestone, milestone.id)
        assert (milestone.name, milestone.planned_on, milestone.actual_on) == ("桩基工程完成", date(2026, 5, 10), None)
    page = html_text(browser.get(f"/projects/{project_id}"))
    assert "桩基工程完成" in page
    assert browser.post(f"/projects/{project_id}/milestones/{milestone.id}/delete").status_code == 303
    assert count(app, Milestone) == 0
    actions = [AuditLog.action.in_(("project.milestone_added", "project.milestone_updated",
                                    "project.milestone_deleted"))]
    assert count(app, AuditLog, *actions) == 3


def test_a_milestone_before_the_start_is_refused(app, federation):
    project_id = add_project(app, federation.a, start=date(2026, 3, 1))
    response = client_of(app, federation.people.ent_a).post(
        f"/projects/{project_id}/milestones", data={"name": "场地平整", "planned_on": "2026-02-28"})
    assert response.status_code == 200
    page = html_text(response)
    assert "节点的计划日期不能早于项目的计划开工日期（2026-03-01）" in page
    assert 'value="场地平整"' in page
    assert count(app, Milestone) == 0


def test_an_actual_date_in_the_future_is_refused(app, federation):
    project_id = add_project(app, federation.a)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = client_of(app, federation.people.ent_a).post(
        f"/projects/{project_id}/milestones", data={"name": "封顶", "planned_on": "2026-06-01", "actual_on": tomorrow})
    assert response.status_code == 200
    assert "实际完成日期不能晚于今天" in html_text(response)
    assert count(app, Milestone) == 0


def test_moving_the_start_past_a_milestone_is_refused(app, federation):
    project_id = add_project(app, federation.a, start=date(2026, 3, 1))
    browser = client_of(app, federation.people.ent_a)
    browser.post(f"/projects/{project_id}/milestones", data={"name": "桩基", "planned_on": "2026-04-01"})
    response = browser.post(f"/projects/{project_id}/edit",
                            data=form(owner_id=federation.a.id, name="新名称", planned_start="2026-05-01"))
    assert response.status_code == 200
    assert "节点“桩基”的计划日期（2026-04-01）早于新的计划开工日期" in html_text(response)
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert (project.name, project.planned_start) == ("枢纽工程", date(2026, 3, 1))


def test_a_milestone_of_another_project_answers_404(app, federation):
    first, second = add_project(app, federation.a, name="一"), add_project(app, federation.a, name="二")
    with app.app_context():
        milestone = Milestone(project_id=second, name="节点", planned_on=date(2026, 6, 1))
        db.session.add(milestone)
        db.session.commit()
        milestone_id = milestone.id
    browser = client_of(app, federation.people.ent_a)
    assert browser.get(f"/projects/{first}/milestones/{milestone_id}/edit").status_code == 404
    assert browser.post(f"/projects/{first}/milestones/{milestone_id}/delete").status_code == 404
    assert count(app, Milestone) == 1


# --- The standing to-do and coverage ----------------------------------------------------------------------------------


def test_started_projects_without_a_competition_are_the_to_do(app, federation):
    covered = add_project(app, federation.a, name="已有竞赛的项目")
    bare = add_project(app, federation.a, name="没有竞赛的项目")
    add_project(app, federation.a, name="还没开工的项目", status="planned")
    cover(app, covered, federation.root)
    browser = client_of(app, federation.people.ent_a)
    page = html_text(browser.get("/projects/"))
    todo = page[page.index("todo-title"):page.index('role="search"')]
    assert "没有竞赛的项目" in todo and "已有竞赛的项目" not in todo and "还没开工的项目" not in todo
    listed = html_text(browser.get("/projects/?uncovered=1&status=started"))
    results = listed[listed.index('id="results"'):]
    assert "没有竞赛的项目" in results and "已有竞赛的项目" not in results
    detail = html_text(browser.get(f"/projects/{covered}"))
    assert "六比一创劳动竞赛" in detail and "市总工会" in detail
    assert "还没有开展劳动竞赛" in html_text(browser.get(f"/projects/{bare}"))


def test_the_list_filters_by_level_and_owner(app, federation):
    add_project(app, federation.a, name="省项目甲", level="province_top100")
    add_project(app, federation.b, name="市项目乙", level="city_key")
    browser = client_of(app, federation.people.district)
    page = html_text(browser.get("/projects/?level=city_key"))
    results = page[page.index('id="results"'):]
    assert "市项目乙" in results and "省项目甲" not in results
    page = html_text(browser.get(f"/projects/?owner={federation.a.id}"))
    results = page[page.index('id="results"'):]
    assert "省项目甲" in results and "市项目乙" not in results


@both_backends
def test_the_list_costs_the_same_queries_for_3_rows_as_for_30(app, federation, count_queries):
    browser = client_of(app, federation.people.ent_a)
    for n in range(3):
        cover(app, add_project(app, federation.a, name=f"项目{n}"), federation.root)
    browser.get("/projects/")
    with count_queries() as few:
        assert browser.get("/projects/").status_code == 200
    for n in range(3, 30):
        project_id = add_project(app, federation.a, name=f"项目{n}")
        with app.app_context():
            db.session.add(Milestone(project_id=project_id, name="节点", planned_on=date(2026, 6, 1)))
            db.session.commit()
    with count_queries() as many:
        assert browser.get("/projects/").status_code == 200
    assert many.count == few.count
