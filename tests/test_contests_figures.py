"""Contest figures everywhere they appear: the statistics page and workbook, the personal record, the computed
competition indicator, the linked-activity counter, honours evidence and my space (SPEC §8, §9)."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from blueprints.contests.models import Contest, Entrant
from blueprints.core.clock import local_today
from blueprints.core.evidence import Subject, evidence_for
from blueprints.core.indicators import compute_figures, linked_activities
from blueprints.stats import contest_figures
from blueprints.stats.services import make_scope
from extensions import db
from tests import fixtures_contests
from tests.conftest import both_backends, html_text
from tests.fixtures_contests import make_contest, publish, score_all
from tests.jobs_helpers import export_file

TABLE = {"理论": {1: [90, 92, 91], 2: [85, 86, 87], 3: [80, 80, 80], 4: [60, 65, 61]},
         "实操": {1: [85, 86, 84], 2: [90, 91, 92], 3: [88, 90, 89], 4: [70, 71, 72]}}

world = fixtures_contests.world  # this domain's `world` fixture (three domains use the name)


def _published(app, world):
    contest_id = make_contest(app, world, "scoring")
    score_all(app, contest_id, TABLE)
    publish(app, world, contest_id)
    with app.app_context():
        return contest_id, {e.number: e.user_id for e in db.session.scalars(
            select(Entrant).where(Entrant.contest_id == contest_id))}


@both_backends
def test_figures_of_the_year_and_subtree(app, world):
    _published(app, world)
    make_contest(app, world, "registration")  # not held yet: not counted
    with app.test_request_context():
        from blueprints.core.models import Department

        year = (local_today() + timedelta(days=5)).year
        a = make_scope(year, db.session.get(Department, world.nodes["a"]))
        figures = contest_figures.figures_for(a)
        assert (figures.held, figures.entrants, figures.first, figures.second, figures.third, figures.titles) == \
            (1, 4, 1, 1, 1, 1)
        b = contest_figures.figures_for(make_scope(year, db.session.get(Department, world.nodes["b"])))
        assert (b.held, b.entrants, b.prizes) == (0, 0, 0)


@both_backends
def test_statistics_page_workbook_and_record(app, client, auth, world):
    contest_id, numbers = _published(app, world)
    auth.login(world.people["hra"].employee_no)
    year = (local_today() + timedelta(days=5)).year
    page = html_text(client.get(f"/stats/?year={year}&dept={world.nodes['a']}"))
    assert "contests-heading" in page and "举办技术比武（场）" in page
    book = load_workbook(io.BytesIO(export_file(client, f"/stats/export?year={year}&dept={world.nodes['a']}").data))
    sheet = book["技术比武"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)][:2] == [["举办技术比武（场）", 1],
                                                                                ["参赛人次", 4]]
    winner = numbers[2]  # 89.50: first prize and 技术能手
    record = html_text(client.get(f"/stats/people/{winner}"))
    assert "record-contests" in record and "甲公司车工比武" in record and "一等奖、技术能手" in record


@both_backends
def test_indicator_linked_activity_and_evidence(app, world):
    contest_id, numbers = _published(app, world)
    with app.test_request_context():
        from blueprints.core.models import Department

        a, b = db.session.get(Department, world.nodes["a"]), db.session.get(Department, world.nodes["b"])
        today = local_today()
        figures = compute_figures("contest_entrants", {a.id: a.path, b.id: b.path}, today, today + timedelta(days=30))
        assert (figures[a.id], figures[b.id]) == (4, 0)
        assert compute_figures("contest_entrants", {a.id: a.path}, today - timedelta(days=30), today)[a.id] == 0
        from blueprints.competitions.models import Competition

        competition = Competition(name="劳动竞赛", kind="skills", organiser_id=a.id, year=today.year,
                                  starts_on=today, ends_on=today, status="running")
        db.session.add(competition)
        db.session.flush()
        counter = next(x for x in linked_activities() if x.kind == "contests")
        assert counter.count(competition.id, {}) == {}
        assert counter.count(competition.id, {a.id: a.path, b.id: b.path}) == {}
        db.session.get(Contest, contest_id).competition_id = competition.id
        db.session.flush()
        assert counter.count(competition.id, {a.id: a.path, b.id: b.path}) == {a.id: 1}
        lines = evidence_for(Subject(user_id=numbers[2]))
        assert [line.kind for line in lines] == ["contest"]
        assert "第 1 名" in lines[0].text and "一等奖" in lines[0].text and "技术能手" in lines[0].text
        assert evidence_for(Subject(department_id=a.id, path=a.path)) == []


def test_my_space_panels(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring")
    auth.login(world.people["j1"].employee_no)
    home = html_text(client.get("/"))
    assert "panel-contest-judge" in home and "甲公司车工比武" in home
    auth.logout()
    auth.login(world.people["a1"].employee_no)
    home = html_text(client.get("/"))
    assert "panel-contest-entrant" in home and "参赛号" in home
    auth.logout()
    auth.login(world.people["b1"].employee_no)
    assert "panel-contest" not in html_text(client.get("/"))
    assert contest_id
