"""Competition figures (SPEC §8): computed indicators against hand-built records (SQLite and PostgreSQL), linked
records, 企业参赛面 and project coverage, overdue reports across month and year boundaries in Asia/Shanghai, the
idempotent reminder, filing suggestions under a competition, and list query counts that do not grow with rows."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select

from blueprints.competitions import queries
from blueprints.competitions.models import Competition, Project, Report, competition_projects
from blueprints.core.indicators import compute_figures
from blueprints.core.models import Department, Notification, User
from blueprints.core.scopes import Scope
from blueprints.suggestions.models import Suggestion
from blueprints.training.models import Enrollment
from extensions import db
from tests import fixtures_competitions
from tests.conftest import both_backends, html_text
from tests.fixtures_competitions import add_competition
from tests.fixtures_stats import local
from tests.jobs_helpers import export_file

# --- Computed indicators ---------------------------------------------------------------------------------------------

world = fixtures_competitions.world  # this domain's `world` fixture (three domains use the name)


@pytest.fixture
def records(app, world, make_user, make_suggestion, make_session):
    """Suggestions and training of 甲 (in its team), 乙 and 丙 around the period 2026-01-01 … 2026-03-31 (local)."""
    with app.app_context():
        b = db.session.get(Department, world.nodes["b"])
        c = db.session.get(Department, world.nodes["c"])
    wa, wb, wc = world.people["worker_a"], make_user(department=b), make_user(department=c)
    wa2 = make_user(department=world_department(app, world.nodes["a_team"]))
    make_suggestion(wa, at=local(2026, 1, 1, 0, 30))  # first minute of the period, local time
    make_suggestion(wa, at=local(2025, 12, 31, 23, 30))  # before (still 2025 in Shanghai)
    make_suggestion(wa, "accepted", at=local(2026, 3, 31, 23, 59))
    make_suggestion(wa, at=local(2026, 4, 1, 0, 10))  # after
    make_suggestion(wa, "draft", at=local(2026, 2, 1))  # never submitted
    make_suggestion(wa, "rejected", at=local(2026, 2, 1))
    make_suggestion(wb, "awarded", at=local(2026, 2, 10))
    make_suggestion(wc, at=local(2026, 2, 10))  # 丙 is not enrolled
    inside = make_session(starts_at=local(2026, 2, 5, 9), status="completed")
    cancelled = make_session(starts_at=local(2026, 2, 6, 9), status="cancelled")
    later = make_session(starts_at=local(2026, 4, 1, 0, 0), status="completed")
    with app.app_context():
        rows = [(inside, wa, "present"), (inside, wa2, "absent"), (inside, wb, "present"), (cancelled, wa, "present"),
                (later, wa, "present"), (inside, wc, "present")]
        db.session.execute(insert(Enrollment), [{"session_id": s.id, "user_id": u.id, "status": "confirmed",
                                                 "attendance": att} for s, u, att in rows])
        db.session.commit()
    return world


def world_department(app, node_id):
    with app.app_context():
        dept = db.session.get(Department, node_id)
        db.session.expunge(dept)
        return dept


def _units(app, world, *keys) -> dict[int, str]:
    with app.app_context():
        return {world.nodes[k]: db.session.get(Department, world.nodes[k]).path for k in keys}


@both_backends
def test_computed_indicators_against_hand_built_records(app, records, count_queries):
    units = _units(app, records, "a", "a_floor", "b")
    a, floor, b = records.nodes["a"], records.nodes["a_floor"], records.nodes["b"]
    period = (date(2026, 1, 1), date(2026, 3, 31))
    with app.app_context(), count_queries() as counter:
        submitted = compute_figures("suggestions_submitted", units, *period)
        adopted = compute_figures("suggestions_adopted", units, *period)
        person_times = compute_figures("training_person_times", units, *period)
    # 甲: 01-01 00:30, 03-31 23:59 (accepted), 02-01 (rejected); 乙: 02-10 (awarded).
    assert submitted == {a: 3, floor: 3, b: 1}
    assert adopted == {a: 1, floor: 1, b: 1}
    assert person_times == {a: 1, floor: 1, b: 1}
    assert counter.count == 3  # one query per indicator, whatever the number of units
    with app.app_context(), count_queries() as counter:
        compute_figures("suggestions_submitted", _units(app, records, "a"), *period)
    assert counter.count <= 2  # (the unit paths are read outside the counted block) one query


def test_linked_records_are_counted_by_unit(app, client, auth, world, make_suggestion):
    cid = add_competition(app, world.nodes["district"], units=(world.nodes["a"], world.nodes["b"]))
    make_suggestion(world.people["worker_a"], competition_id=cid)
    make_suggestion(world.people["worker_a"], competition_id=cid)
    make_suggestion(world.people["worker_a"], "draft", competition_id=cid)  # a draft is not counted
    make_suggestion(world.people["worker_a"])  # not filed
    from blueprints.core.indicators import linked_activities

    with app.app_context():
        units = _units(app, world, "a", "b")
        counts = {activity.kind: activity.count(cid, units) for activity in linked_activities()}
    assert counts["suggestions"] == {world.nodes["a"]: 2, world.nodes["b"]: 0}
    assert counts["training"] == {world.nodes["a"]: 0, world.nodes["b"]: 0}
    auth.login(world.people["district"].employee_no)
    assert "关联五小建议" in html_text(client.get(f"/competitions/{cid}"))


# --- Filing a suggestion under a competition -----------------------------------------------------------------------


def test_the_suggestion_form_offers_running_competitions_of_the_authors_unit(app, client, auth, world):
    mine = add_competition(app, world.nodes["district"], units=(world.nodes["a"],), name="甲在跑的竞赛")
    add_competition(app, world.nodes["district"], units=(world.nodes["a"],), status="closed", name="甲结束的竞赛")
    other = add_competition(app, world.nodes["district"], units=(world.nodes["b"],), name="乙的竞赛")
    auth.login(world.people["worker_a"].employee_no)
    page = html_text(client.get("/suggestions/new"))
    assert "甲在跑的竞赛" in page and "甲结束的竞赛" not in page and "乙的竞赛" not in page
    base = {"title": "冷却液回收", "category": "renovation", "action": "save"}
    client.post("/suggestions/new", data={**base, "competition_id": str(other)})
    with app.app_context():
        assert db.session.scalar(select(Suggestion.id)) is None
    assert client.post("/suggestions/new", data={**base, "competition_id": str(mine)}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Suggestion.competition_id)) == mine
    with app.app_context():
        assert queries.may_file(mine, db.session.get(Department, world.nodes["a_team"]).path)
        assert not queries.may_file(other, db.session.get(Department, world.nodes["a_team"]).path)


# --- 企业参赛面 and project coverage ----------------------------------------------------------------------------------


@both_backends
def test_enterprise_participation_and_project_coverage(app, world):
    running = add_competition(app, world.nodes["district"], units=(world.nodes["a_floor"],))
    draft = add_competition(app, world.nodes["root"], status="draft", units=(world.nodes["b"],))
    with app.app_context():
        def project(owner, status):
            row = Project(name=f"项目{owner}{status}", level="city_key", owner_id=world.nodes[owner],
                          planned_start=date(2026, 1, 1), planned_end=date(2027, 1, 1), status=status)
            db.session.add(row)
            db.session.flush()
            return row.id
        covered, _uncovered, planned, draft_only = (project("a", "started"), project("b", "started"),
                                                   project("c", "planned"), project("c", "started"))
        db.session.execute(insert(competition_projects), [
            {"competition_id": running, "project_id": covered}, {"competition_id": running, "project_id": planned},
            {"competition_id": draft, "project_id": draft_only}])
        db.session.commit()
        district = Scope("admin", paths=(db.session.get(Department, world.nodes["district"]).path,))
        everything = Scope("admin", everything=True)
        # 甲 takes part through its 车间; 乙 only in a draft; 丙 in nothing.
        assert queries.enterprise_participation(everything) == (1, 3)
        assert queries.enterprise_participation(district) == (1, 2)
        # started projects: 甲 (covered), 乙 (not), 丙 (only a draft covers it); 丙's planned one is not counted.
        assert queries.project_coverage(everything) == (1, 3)
        assert queries.project_coverage(district) == (1, 2)
        db.session.get(Competition, running).status = "closed"
        db.session.commit()
        assert queries.enterprise_participation(everything) == (0, 3)  # closed: no longer taking part


# --- Overdue reports -------------------------------------------------------------------------------------------------


def _at(monkeypatch, utc: datetime) -> None:
    from blueprints.core import clock

    monkeypatch.setattr(clock, "utcnow", lambda: utc)


@pytest.fixture
def across(app, world):
    """Monthly, 2025-11-15 … 2026-02-10 with 甲 enrolled: due dates 12-10, 01-10, 02-10, 02-20 (grace 10 days)."""
    return add_competition(app, world.nodes["district"], starts=date(2025, 11, 15), ends=date(2026, 2, 10),
                           units=(world.nodes["a"],))


def _overdue(app, cid) -> list[date]:
    with app.app_context():
        return [start for _c, _u, start, _e in queries.overdue([db.session.get(Competition, cid)])]


def test_periods_are_clipped_to_the_competition(app, across):
    with app.app_context():
        assert queries.periods(db.session.get(Competition, across)) == [
            (date(2025, 11, 15), date(2025, 11, 30)), (date(2025, 12, 1), date(2025, 12, 31)),
            (date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 10))]


def test_overdue_across_the_year_boundary_in_shanghai(app, across, monkeypatch):
    _at(monkeypatch, datetime(2026, 1, 10, 15, 59, tzinfo=UTC))  # 23:59 on 01-10 in Shanghai: December is due today
    assert _overdue(app, across) == [date(2025, 11, 15)]
    _at(monkeypatch, datetime(2026, 1, 10, 16, 0, tzinfo=UTC))  # 00:00 on 01-11 in Shanghai
    assert _overdue(app, across) == [date(2025, 11, 15), date(2025, 12, 1)]
    _at(monkeypatch, datetime(2026, 2, 21, 0, 0, tzinfo=UTC))
    assert _overdue(app, across) == [date(2025, 11, 15), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_a_submitted_or_accepted_report_is_not_overdue_but_a_returned_one_is(app, world, across, monkeypatch):
    _at(monkeypatch, datetime(2026, 1, 20, tzinfo=UTC))
    with app.app_context():
        for start, end, status in ((date(2025, 11, 15), date(2025, 11, 30), "accepted"),
                                   (date(2025, 12, 1), date(2025, 12, 31), "returned")):
            db.session.add(Report(competition_id=across, unit_id=world.nodes["a"], period_start=start,
                                  period_end=end, status=status))
        db.session.commit()
    assert _overdue(app, across) == [date(2025, 12, 1)]


def test_quarterly_periods_cross_the_year(app, world, monkeypatch):
    cid = add_competition(app, world.nodes["district"], starts=date(2025, 10, 1), ends=date(2026, 6, 30),
                          frequency="quarterly", units=(world.nodes["a"],))
    _at(monkeypatch, datetime(2026, 1, 10, 12, 0, tzinfo=UTC))  # 20:00 on 01-10: the quarter is due today
    assert _overdue(app, cid) == []
    _at(monkeypatch, datetime(2026, 1, 10, 16, 0, tzinfo=UTC))
    assert _overdue(app, cid) == [date(2025, 10, 1)]


def test_remind_overdue_notifies_unit_admins_once_per_period(app, runner, world, monkeypatch):
    _at(monkeypatch, datetime(2026, 3, 15, tzinfo=UTC))  # January and February are overdue
    add_competition(app, world.nodes["district"], units=(world.nodes["a"],))
    first = runner.invoke(args=["competitions", "remind-overdue"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["competitions", "remind-overdue"])
    assert "sent: 0" in second.output
    with app.app_context():
        notes = db.session.execute(select(Notification.user_id, Notification.params)).all()
    assert sorted(n.params["period"] for n in notes) == ["2026-01", "2026-02"]
    assert {n.user_id for n in notes} == {world.people["admin_a"].id}  # not the union's staff


# --- Query counts ----------------------------------------------------------------------------------------------------


def test_the_list_costs_the_same_for_two_or_twenty_competitions(app, client, auth, world, count_queries):
    for n in range(2):
        add_competition(app, world.nodes["district"], units=(world.nodes["a"],), name=f"竞赛{n}")
    auth.login(world.people["admin_a"].employee_no)
    client.get("/competitions/")
    with count_queries() as few:
        assert client.get("/competitions/").status_code == 200
    for n in range(18):
        add_competition(app, world.nodes["district"], units=(world.nodes["a"], world.nodes["b"]), name=f"多{n}")
    with count_queries() as many:
        page = html_text(client.get("/competitions/"))
    assert "多17" in page
    assert many.count == few.count


def test_the_detail_page_costs_the_same_for_two_or_eight_units(app, client, auth, world, make_department,
                                                                  count_queries):
    units = [world.nodes["a"], world.nodes["b"]]
    cid = add_competition(app, world.nodes["district"], units=units)
    auth.login(world.people["district"].employee_no)
    client.get(f"/competitions/{cid}")
    with count_queries() as few:
        client.get(f"/competitions/{cid}")
    with app.app_context():
        from blueprints.competitions.models import Enrolment

        district = db.session.get(Department, world.nodes["district"])
        db.session.expunge(district)
    for n in range(6):
        dept = make_department(f"新企业{n}", parent=district)
        with app.app_context():
            db.session.add(Enrolment(competition_id=cid, unit_id=dept.id, status="enrolled"))
            db.session.commit()
    with count_queries() as many:
        assert "新企业5" in html_text(client.get(f"/competitions/{cid}"))
    assert many.count == few.count


# --- On the statistics page and in the workbook --------------------------------------------------------------------


def test_statistics_show_participation_and_coverage_to_union_admins(app, client, auth, world, make_user):
    import io

    from openpyxl import load_workbook

    add_competition(app, world.nodes["district"], units=(world.nodes["a_team"],))
    auth.login(world.people["district"].employee_no)
    page = html_text(client.get(f"/stats/?dept={world.nodes['district']}"))
    assert "企业参赛面" in page and "50.0%" in page and "1 / 2 家企业参加进行中的竞赛" in page
    workbook = load_workbook(io.BytesIO(export_file(client, f"/stats/export?dept={world.nodes['district']}").data))
    rows = list(workbook["竞赛覆盖"].iter_rows(values_only=True))
    assert rows[1] == ("企业参赛面（%）", 50.0, 1, 2)
    assert rows[2][0] == "重点项目竞赛覆盖率（%）" and rows[2][1] is None  # no started project: no rate
    auth.logout()
    hr = make_user(roles=("hr", "worker"))
    auth.login(hr.employee_no)
    assert "企业参赛面" not in html_text(client.get("/stats/"))


def test_a_training_session_is_filed_under_a_competition_its_organiser_takes_part_in(app, client, auth, world,
                                                                                      make_user):
    from blueprints.core import grants
    from blueprints.training.models import TrainingSession

    hr = make_user("chra", roles=("worker",))
    with app.app_context():
        grants.grant(db.session.get(User, hr.id), "hr", db.session.get(Department, world.nodes["a"]))
        db.session.commit()
    mine = add_competition(app, world.nodes["district"], units=(world.nodes["a"],), name="甲参加的竞赛")
    other = add_competition(app, world.nodes["district"], units=(world.nodes["b"],), name="乙参加的竞赛")
    auth.login("chra")
    page = html_text(client.get("/training/new"))
    assert "甲参加的竞赛" in page and "乙参加的竞赛" not in page
    form = {"title": "竞赛培训", "kind": "skills", "location": "甲企业培训楼", "starts_at": "2031-05-01T09:00",
            "ends_at": "2031-05-01T11:00", "capacity": "10", "organiser": str(world.nodes["a"])}
    assert client.post("/training/new", data={**form, "competition_id": str(other)}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(TrainingSession.id)) is None
    assert client.post("/training/new", data={**form, "competition_id": str(mine)}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(TrainingSession.competition_id)) == mine
