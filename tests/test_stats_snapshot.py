"""The statistics snapshot (blueprints/stats/snapshot*.py) against the live report: on random federations
(test_stats_property's Hypothesis worlds), every figure of every scope read from the snapshot equals the live one,
after a rebuild and after incremental refreshes following changes (new suggestion, status change, enrolment,
a person moving department)."""
from __future__ import annotations

from dataclasses import asdict

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from blueprints.core.people import department_tree, head_counts
from blueprints.core.scopes import Scope
from blueprints.core.types import utcnow
from blueprints.mentoring import queries as mentoring
from blueprints.stats import contest_figures, services, snapshot, snapshot_report
from blueprints.stats.models import DirtyMark
from blueprints.suggestions.models import Suggestion
from blueprints.training.models import Enrollment, TrainingSession
from extensions import db
from tests.test_stats_property import YEAR, _at, _build, federations


def _live(scope, tree):
    lines = services.table_departments(tree, scope.root)
    rows, total = services.department_rows(scope, lines, tree=tree, counts=head_counts(), targets={})
    return {"rows": [_figures(r) for r in rows],
            "total": _figures(total), "breakdown": services.participation_breakdown(scope),
            "suggestions": asdict(services.suggestion_figures(scope)), "levels": services.workshops_by_level(scope),
            "workshops": [asdict(w) for w in services.workshop_ranking(scope)],
            "stars": [asdict(s) for s in services.innovation_stars(scope)],
            "teams": [(t.department.id, t.head_count, t.participants)
                      for t in services.team_ranking(scope, tree, head_counts())],
            "training": _training(services.training_figures(scope)),
            "contests": contest_figures.figures_for(scope),
            "mentoring": mentoring.figures(Scope("x", everything=True), scope.path, scope.year)}


def _figures(row) -> dict:
    return {k: getattr(row, k) for k in ("head_count", "participants", "submitted", "adopted", "benefit",
                                         "person_times", "minutes", "trainees", "passed", "failed", "sessions")}


def _training(figures) -> dict:
    return {"pt": figures.person_times_by_month, "min": figures.minutes_by_month,
            "kinds": {k: _figures(v) for k, v in figures.by_kind.items()}}


def _snap(scope, tree):
    lines = services.table_departments(tree, scope.root)
    node = scope.root.id if scope.root is not None else snapshot.ALL
    blobs = snapshot_report._blobs(scope.year, node, [d.id for d in lines])
    blob, today = blobs[(scope.year, node)], blobs[(0, node)]
    rows, total = snapshot_report._rows(scope, tree, blobs, {})
    return {"rows": [_figures(r) for r in rows], "total": _figures(total),
            "breakdown": services.ParticipationBreakdown(blob.get("pt", 0), blob.get("pt.s", 0),
                                                         blob.get("pt.w", 0), blob.get("pt.t", 0)),
            "suggestions": asdict(snapshot_report._suggestions(scope.year, blob)),
            "levels": snapshot_report._levels(scope.year, today),
            "workshops": [asdict(w) for w in snapshot_report._workshop_ranking(scope)],
            "stars": [asdict(s) for s in snapshot_report._stars(scope)],
            "teams": [(t.department.id, t.head_count, t.participants) for t in snapshot_report._teams(scope, tree)],
            "training": _training(snapshot_report._training(blob)),
            "contests": contest_figures.ContestFigures(*(blob.get(k, 0) for k in ("ch", "ce", "c1", "c2", "c3",
                                                                                   "ct"))),
            "mentoring": mentoring.MentoringFigures(today.get("ma", 0), blob.get("ms", 0), blob.get("mc", 0),
                                                    blob.get("me", 0), blob.get("mr", 0))}


def assert_snapshot_equals_live(now) -> None:
    """Every scope (the whole tree and each node) and the years around YEAR."""
    tree = department_tree()
    for year in (YEAR - 1, YEAR, YEAR + 1):
        for root in [None, *tree]:
            scope = services.make_scope(year, root, now=now)
            live, snap = _live(scope, tree), _snap(scope, tree)
            for key in live:
                assert snap[key] == live[key], (year, root.code if root else "all", key)


def _changes(plan) -> None:
    """A few changes through the ORM and bulk statements, as the services make them."""
    from sqlalchemy import update

    from blueprints.core.models import Department, User

    people = list(db.session.scalars(select(User).order_by(User.id)))
    depts = list(db.session.scalars(select(Department).order_by(Department.id)))
    first = db.session.scalars(select(Suggestion).order_by(Suggestion.id)).first()
    if first is not None:
        db.session.execute(update(Suggestion).where(Suggestion.id == first.id)
                           .values(status="accepted" if first.status != "accepted" else "withdrawn"))
    author = people[0]
    db.session.add(Suggestion(title="新建议", category="design", author_id=author.id,
                              department_id=author.department_id, status="submitted", year=YEAR,
                              serial=f"WX-{YEAR}-99999", listed_at=_at(YEAR, 3), submitted_at=_at(YEAR, 3)))
    session_row = db.session.scalars(select(TrainingSession)).first()
    if session_row is not None and len(people) > 1:
        taken = set(db.session.scalars(select(Enrollment.user_id).where(Enrollment.session_id == session_row.id)))
        for person in people:
            if person.id not in taken:
                db.session.add(Enrollment(session_id=session_row.id, user_id=person.id, status="confirmed",
                                          result="pass"))
                break
    if len(people) > 1:
        mover = people[-1]
        mover.department_id = depts[-1].id if mover.department_id != depts[-1].id else depts[1].id
    db.session.commit()


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _run(app, plan) -> None:
    with app.app_context():
        _build(plan)
        now = utcnow()
        snapshot.rebuild(now)
        db.session.commit()
        assert_snapshot_equals_live(now)
        _changes(plan)
        assert db.session.scalar(select(db.func.count(DirtyMark.id))) > 0
        now = utcnow()
        snapshot.refresh_dirty(now)
        db.session.commit()
        assert db.session.scalar(select(db.func.count(DirtyMark.id))) == 0
        assert_snapshot_equals_live(now)
        db.session.rollback()


@SETTINGS
@given(federations())
def test_the_snapshot_equals_the_live_figures_after_rebuild_and_refresh(app, plan):
    _run(app, plan)


@pytest.mark.postgres
@pytest.mark.parametrize("app", ["postgres"], indirect=True)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(federations())
def test_the_snapshot_equals_the_live_figures_on_postgresql(app, plan):
    _run(app, plan)


def _stars_both_ways(year: int):
    scope = services.make_scope(year)
    return ([(s.employee_no, s.adopted) for s in services.innovation_stars(scope)],
            [(s.employee_no, s.adopted) for s in snapshot_report._stars(scope)])


@pytest.mark.parametrize("app", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_tied_stars_follow_the_employee_no_and_a_new_one_reorders_them(app, make_department, make_user,
                                                                      make_suggestion):
    """More people tied on (adopted, benefit) than the ranking shows: both ways rank them by 工号; after a 工号
    changes, the refreshed snapshot ranks by the new one, as the live report does."""
    from blueprints.core.models import User

    team = make_department("排名班")
    at = _at(YEAR, 5)
    people = [make_user(employee_no=f"rk-{n:02d}", department=team) for n in range(services.LEADERBOARD_SIZE + 4)]
    for person in people:
        make_suggestion(person, status="accepted", at=at)
    make_suggestion(people[-1], status="accepted", at=at)  # the last 工号 has two: first whatever the ties
    with app.app_context():
        snapshot.rebuild(utcnow())
        db.session.commit()
        live, snap = _stars_both_ways(YEAR)
        assert snap == live
        assert [no for no, _n in snap] == ["rk-13"] + [f"rk-{n:02d}" for n in range(services.LEADERBOARD_SIZE - 1)]
        db.session.get(User, people[12].id).employee_no = "rk-00a"  # was outside the top ten, now third
        db.session.commit()
        snapshot.refresh_dirty(utcnow())
        db.session.commit()
        live, snap = _stars_both_ways(YEAR)
        assert snap == live
        assert [no for no, _n in snap][:4] == ["rk-13", "rk-00", "rk-00a", "rk-01"]


@pytest.mark.parametrize(("statement", "index", "sorted_part"), [
    ("_stars_statement", "ix_stats_rollup_people_rank", None),
    ("_workshops_statement", "ix_stats_rollup_workshops_rank", "RIGHT PART OF ORDER BY")])
def test_the_whole_citys_rankings_are_read_down_their_rank_index(app, statement, index, sorted_part):
    """The whole city's 创新之星 and workshop ranking: their order is their rank index's (read backwards), so SQLite
    reads its first entries instead of sorting every person or workshop of the year; the workshops sort only the
    names within ties on (adopted, benefit)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite query plan")
        stmt = getattr(snapshot_report, statement)(services.make_scope(YEAR), limit=10, heads=None)
        compiled = stmt.compile(db.engine)
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        plan = [row[3] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), params).all()]
    assert any(index in step for step in plan), plan
    sorts = [step for step in plan if "TEMP B-TREE" in step]
    assert sorts == ([f"USE TEMP B-TREE FOR {sorted_part}"] if sorted_part else []), plan
