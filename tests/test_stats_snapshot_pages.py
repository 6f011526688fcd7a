"""The statistics page and workbook computed live and read from the snapshot are the same, as each kind of user sees
them (issue 19 item 1): the city admin, a district admin, an enterprise admin and an enterprise's HR, every
department they may pick and "all", three years; every figure of the report (Part I, contests, mentoring, hazards),
the competition figures and every sheet of the workbook. The live side goes through the same view code with no
snapshot (the whole tree, services.build_report); the snapshot side through the bounded tree
(services.report_tree). On a random federation with Part II facts (Hypothesis), on the hand-built organisation
(tests/fixtures_stats.py), on the demo, and on PostgreSQL."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from blueprints.competitions.models import Competition, Enrolment, Project, competition_projects
from blueprints.contests.models import Contest, Entrant
from blueprints.core import grants
from blueprints.core.models import Department, Role, User
from blueprints.core.types import utcnow
from blueprints.mentoring.models import MentoringPair
from blueprints.rewards.models import RewardLine
from blueprints.safety.models import HazardReport
from blueprints.stats import competition_figures, exports, services, snapshot, views
from blueprints.stats.models import SnapshotState
from extensions import db
from tests.test_stats_property import YEAR, _at, _build, federations

YEARS = (YEAR - 1, YEAR, YEAR + 1)


def _digest(value):
    """Plain data to compare: dataclasses field by field (not the report's tree and scope), rows by id."""
    if isinstance(value, Department):
        return ("department", value.id)
    if isinstance(value, db.Model):
        return (type(value).__name__, value.id)
    if dataclasses.is_dataclass(value):
        return {f.name: _digest(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in ("tree", "scope")}
    if isinstance(value, dict):
        return {repr(_digest(k)): _digest(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_digest(v) for v in value]
    if isinstance(value, Decimal):
        return ("decimal", value.normalize())
    return value


def _page(app, user_id: int, args: dict) -> dict:
    """Everything the page and the workbook show this user for these filters, through the view's code."""
    with app.test_request_context("/stats/", query_string=args):
        user = db.session.get(User, user_id)
        g._login_user = user  # flask_login's current_user for this request (no login session needed)
        filters, tree = views.load_filters(args)
        report = views._report(filters, tree)
        today = getattr(report, "today", None)  # the snapshot's figures of today, as the view passes them
        sheets = exports.build_sheets(report) + competition_figures.sheets(user, report.scope, today)
        return {"root": filters.root.id if filters.root else None, "report": _digest(report),
                "competitions": _digest(competition_figures.figures(user, report.scope, today)),
                "sheets": _digest(sheets), "bounded": isinstance(tree, services.ReportTree)}


def _views(user_ids: list[int]) -> list[tuple[int, dict]]:
    """(user, filters) pairs: each user's default view, "all", and every department of their scope, in each year."""
    found = []
    departments = list(db.session.scalars(select(Department).order_by(Department.id)))
    for user_id in user_ids:
        scope = services.report_scope(db.session.get(User, user_id))
        picks = [""] + ["all"] + [str(d.id) for d in departments if scope.covers_path(d.path)]
        found += [(user_id, {"year": year, "dept": dept}) for year in YEARS for dept in picks]
    return found


def assert_pages_equal(app, user_ids: list[int]) -> None:
    """Live first (no snapshot), then rebuild, then the same views from the snapshot."""
    with app.app_context():
        db.session.execute(delete(SnapshotState))
        db.session.commit()
        wanted = _views(user_ids)
    live = []
    for user_id, args in wanted:
        with app.app_context():
            live.append(_page(app, user_id, args))
    with app.app_context():
        snapshot.rebuild(utcnow())
        db.session.commit()
    for (user_id, args), expected in zip(wanted, live, strict=True):
        with app.app_context():
            found = _page(app, user_id, args)
        assert not expected["bounded"]
        for key in ("root", "report", "competitions", "sheets"):
            assert found[key] == expected[key], (user_id, args, key)


def _bounded_somewhere(app, user_id: int) -> None:
    """The snapshot side really reads the snapshot (bounded tree) for the year it holds."""
    with app.app_context():
        assert _page(app, user_id, {"year": YEAR})["bounded"]


# --- Users of every scope ---------------------------------------------------------------------------------------------


def _user(code: str, department=None) -> User:
    user = User(employee_no=code, name=f"统计{code}", password_hash="x", active=True,
                department_id=department.id if department is not None else None)
    db.session.add(user)
    db.session.flush()
    return user


def scoped_users() -> list[int]:
    """The city admin; an admin of the first union below the top (a district or industry union) if any; an admin
    and an HR of the first enterprise. They sit in no department, so no head count changes."""
    departments = list(db.session.scalars(select(Department).order_by(Department.code)))
    city = _user("city-admin")
    grants.grant(city, "admin", None)
    found = [city.id]
    union = next((d for d in departments if d.kind in ("district", "industry")), None)
    if union is not None:
        district = _user("union-admin")
        grants.grant(district, "admin", union)
        found.append(district.id)
    enterprise = next((d for d in departments if d.kind == "enterprise"), None)
    if enterprise is not None:
        admin, hr = _user("ent-admin"), _user("ent-hr")
        grants.grant(admin, "admin", enterprise)
        grants.grant(hr, "hr", enterprise)
        found += [admin.id, hr.id]
    db.session.commit()
    return found


# --- Part II facts on a random world ----------------------------------------------------------------------------------


def part_two(rng) -> None:
    """Hazards (with rewards), contests and entrants, mentoring pairs, competitions with enrolments and key projects,
    at random over the people and departments built."""
    people = list(db.session.scalars(select(User).where(User.department_id.is_not(None)).order_by(User.id)))
    departments = list(db.session.scalars(select(Department).order_by(Department.id)))
    enterprises = [d for d in departments if d.kind == "enterprise"] or departments
    if not people:
        return
    statuses = ("reported", "confirmed", "not_a_hazard", "duplicate", "rectifying", "rectified", "verified")
    for n in range(rng.randint(0, 6)):
        person, status = rng.choice(people), rng.choice(statuses)
        created = _at(rng.choice(YEARS), rng.randint(1, 12))
        confirmed = status in ("confirmed", "rectifying", "rectified", "verified")
        hazard = HazardReport(
            serial=f"YH-T-{n}", reporter_id=person.id, department_id=rng.choice(departments).id, place="现场",
            kind="accident", description="隐患", proposed_severity="general", status=status,
            grade="general" if confirmed else None, reason="", measures="", rectification_note="",
            deadline=(created + timedelta(days=rng.randint(1, 30))).date() if confirmed else None,
            rectified_at=created + timedelta(days=rng.randint(1, 40)) if status in ("rectified", "verified") else None,
            created_at=created, updated_at=created)
        db.session.add(hazard)
        db.session.flush()
        if confirmed and rng.random() < 0.6:
            db.session.add(RewardLine(kind="hazard", hazard_id=hazard.id, department_id=hazard.department_id,
                                      user_id=person.id, amount=Decimal(rng.randint(1, 500)),
                                      status=rng.choice(("pending", "paid"))))
    for n in range(rng.randint(0, 3)):
        contest = Contest(name=f"大赛{n}", organiser_id=rng.choice(enterprises).id, trade="焊工", level="enterprise",
                          held_on=date(rng.choice(YEARS), rng.randint(1, 12), 10), venue="", description="",
                          status=rng.choice(("registration", "scoring", "provisional", "final")), first_prizes=1,
                          second_prizes=1, third_prizes=1, titles=1)
        db.session.add(contest)
        db.session.flush()
        for number, person in enumerate(rng.sample(people, min(len(people), rng.randint(0, 4))), start=1):
            db.session.add(Entrant(contest_id=contest.id, user_id=person.id, unit_id=person.department_id,
                                   status=rng.choice(("applied", "confirmed", "confirmed")), number=number,
                                   prize=rng.choice((None, "first", "second", "third")), title=rng.random() < 0.3))
    for apprentice in rng.sample(people, min(len(people), rng.randint(0, 4))):
        starts = date(rng.choice(YEARS), rng.randint(1, 12), 1)
        status = rng.choice(("active", "completed", "ended"))
        db.session.add(MentoringPair(
            master_id=rng.choice(people).id, apprentice_id=apprentice.id,
            department_id=rng.choice([apprentice.department_id, None]), starts_on=starts,
            ends_on=starts + timedelta(days=365), midterm_on=starts + timedelta(days=180), goals="", start_level="无",
            target_level="初级工", status=status, target_reached=rng.random() < 0.7 if status == "completed" else None,
            closed_on=starts + timedelta(days=rng.randint(30, 400)) if status != "active" else None))
    competitions = []
    for n in range(rng.randint(0, 2)):
        competition = Competition(name=f"竞赛{n}", kind="wuxiao", organiser_id=departments[0].id, year=YEAR,
                                  starts_on=date(YEAR, 1, 1), ends_on=date(YEAR + 1, 12, 31),
                                  report_frequency="monthly", rules="",
                                  status=rng.choice(("draft", "running", "closed")))
        db.session.add(competition)
        db.session.flush()
        competitions.append(competition)
        for unit in rng.sample(departments, min(len(departments), rng.randint(0, 3))):
            db.session.add(Enrolment(competition_id=competition.id, unit_id=unit.id,
                                     status=rng.choice(("enrolled", "enrolled", "withdrawn"))))
    for n in range(rng.randint(0, 3)):
        project = Project(name=f"项目{n}", level="city_key", owner_id=rng.choice(enterprises).id, location="",
                          planned_start=date(YEAR, 1, 1), planned_end=date(YEAR + 1, 1, 1),
                          status=rng.choice(("planned", "started", "started")), description="")
        db.session.add(project)
        db.session.flush()
        if competitions and rng.random() < 0.6:
            db.session.execute(insert(competition_projects).values(competition_id=rng.choice(competitions).id,
                                                                   project_id=project.id))
    db.session.commit()


SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _clear_part_two() -> None:
    """What this file adds to test_stats_property's world, removed before the next example builds its own."""
    from blueprints.core.models import RoleGrant

    for stmt in (delete(RewardLine), delete(HazardReport), delete(Entrant), delete(Contest), delete(MentoringPair),
                 delete(competition_projects), delete(Project), delete(Enrolment), delete(Competition),
                 delete(RoleGrant)):
        db.session.execute(stmt)
    db.session.commit()


def _run(app, plan, rng) -> None:
    with app.app_context():
        _clear_part_two()
        _build(plan)
        part_two(rng)
        users = scoped_users()
    assert_pages_equal(app, users)
    _bounded_somewhere(app, users[0])


@SETTINGS
@given(federations(), st.randoms(use_true_random=False))
def test_every_page_and_workbook_of_every_scope_equals_the_live_one(app, plan, rng):
    _run(app, plan, rng)


@pytest.mark.postgres
@pytest.mark.parametrize("app", ["postgres"], indirect=True)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(federations(), st.randoms(use_true_random=False))
def test_every_page_and_workbook_equals_the_live_one_on_postgresql(app, plan, rng):
    _run(app, plan, rng)


def _hand_built(app, stats_org) -> None:
    with app.app_context():
        users = scoped_users() + [stats_org.users["admin"]]
        lead = db.session.scalar(select(User).where(User.employee_no == "st-a1"))  # leads 统计一号工作室
        lead.role_mask |= Role.LEAD  # a workshop lead: workshops, stars and their own workshops
        db.session.commit()
        users.append(lead.id)
    assert_pages_equal(app, users)


def test_the_hand_built_organisation_reads_the_same_from_the_snapshot(app, stats_org):
    _hand_built(app, stats_org)


@pytest.mark.postgres
@pytest.mark.parametrize("app", ["postgres"], indirect=True)
def test_the_hand_built_organisation_reads_the_same_on_postgresql(app, stats_org):
    _hand_built(app, stats_org)


def test_the_demo_has_a_built_snapshot_and_every_admin_reads_it_as_live(demo_app):
    with demo_app.app_context():
        assert snapshot.state() is not None  # seed-demo builds it, so `make run` shows "数据截至"
        assert snapshot.pending_changes() == 0
        wanted = list(db.session.scalars(select(User.id).where(User.employee_no.in_(
            ("admin", "d1admin", "i1admin", "e1admin", "hr1", "lead1")))))
    assert len(wanted) == 6
    assert_pages_equal(demo_app, wanted)


def test_the_whole_city_reads_a_bounded_tree(app, stats_org):
    """From the snapshot, /stats/ loads the chosen node's ancestors and children, never the whole tree."""
    from sqlalchemy import event

    with app.app_context():
        snapshot.rebuild(utcnow())
        db.session.commit()
        admin = stats_org.users["admin"]
        total = db.session.scalar(select(db.func.count(Department.id)))
    loaded = []

    def count(instance, context):
        loaded.append(instance.id)

    event.listen(Department, "load", count)
    try:
        with app.app_context():
            page = _page(app, admin, {"year": YEAR})
    finally:
        event.remove(Department, "load", count)
    assert page["bounded"]
    assert 0 < len(set(loaded)) < total


def test_the_target_editors_line_is_the_same_from_the_snapshot(app, client, auth, stats_org):
    """The inline editor's table line (admins) reads the snapshot too, and shows what the live line shows."""
    auth.login("st-admin")
    paths = [f"/stats/targets/{dept}?year={year}" for dept in stats_org.departments.values() for year in YEARS]

    def lines():
        return [client.get(path, headers={"HX-Request": "true"}).get_data(as_text=True) for path in paths]

    live = lines()
    with app.app_context():
        snapshot.rebuild(utcnow())
        db.session.commit()
    assert lines() == live
    assert any('class="text-end">6<' in html or ">6<" in html for html in live)  # 一厂's participants, not zeros


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_the_page_sorted_by_name_reads_only_the_lines_it_shows(app, stats_org, order):
    """With more children than the table shows, the page sorted by name loads only the first TABLE_LINES of them
    (or the last, sorted backwards) and their count: the same lines, total and count as reading every child."""
    from sqlalchemy import event

    from tests.test_stats_views import _grow

    _grow(app, stats_org, views.TABLE_LINES + 5)
    with app.app_context():
        snapshot.rebuild(utcnow())
        db.session.commit()
        children = db.session.scalar(select(db.func.count(Department.id))
                                     .where(Department.parent_id == stats_org.departments["ENT"]))
    assert children > views.TABLE_LINES + 5
    args = {"year": 2025, "dept": stats_org.departments["ENT"], "sort": "name", "order": order}

    def report(page: bool):
        loaded = []

        def note(instance, _context):
            if instance.parent_id == stats_org.departments["ENT"]:
                loaded.append(instance.id)

        event.listen(Department, "load", note)
        try:
            with app.test_request_context("/stats/", query_string=args):
                g._login_user = db.session.get(User, stats_org.users["admin"])
                filters, tree = views.load_filters(args, page=page)
                found = views._report(filters, tree)
                answer = ([_digest(row) for row in found.rows[:views.TABLE_LINES]], _digest(found.total),
                          found.line_count, len(set(loaded)))
                db.session.remove()  # the next one loads its departments afresh
                return answer
        finally:
            event.remove(Department, "load", note)

    first, every = report(True), report(False)
    assert first[:3] == every[:3]
    assert every[2] == children and len(every[0]) == views.TABLE_LINES
    assert (first[3], every[3]) == (views.TABLE_LINES, children)  # the enterprise's children each one loaded
