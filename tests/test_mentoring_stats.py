"""Mentoring statistics against hand counts (the statistics page, its workbook), and query counts of the pages."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from blueprints.core.clock import local_today
from blueprints.core.models import User
from blueprints.mentoring.models import MentoringCheckin, MentoringPair
from extensions import db
from tests import fixtures_mentoring
from tests.conftest import both_backends, html_text
from tests.fixtures_mentoring import make_pair
from tests.jobs_helpers import export_file

# (key, enterprise, status, starts_on, closed_on, target_reached, apprentice key)
ROWS = [
    ("A", "e1", "active", date(2025, 3, 1), None, None, "a"),
    ("B", "e1", "completed", date(2024, 7, 1), date(2025, 6, 30), True, "x"),
    ("C", "e1", "completed", date(2025, 1, 10), date(2025, 11, 1), False, "y"),
    ("D", "e1", "ended", date(2025, 2, 1), date(2025, 5, 5), None, "z"),
    ("E", "e1", "completed", date(2024, 1, 1), date(2024, 12, 31), True, "w"),  # closed the year before
    ("F", "e1", "completed", date(2025, 1, 1), date(2025, 12, 31), True, "x"),  # x reached twice: counted once
    ("G", "e2", "active", date(2025, 5, 1), None, None, "g"),
    ("H", "e2", "completed", date(2024, 3, 1), date(2025, 2, 1), True, "h"),
]
# Hand counts for 2025.
# Enterprise 1: active A; started A C D F; completed B C F, ended D (rate 3 of 4); reached: x (B and F) only.
HR1 = {"active": 1, "started": 4, "completed": 3, "ended": 1, "reached": 1, "rate": 75}
EVERYONE = {"active": 2, "started": 5, "completed": 4, "ended": 1, "reached": 2, "rate": 80}  # + G, H

world = fixtures_mentoring.world  # this domain's `world` fixture (three domains use the name)


@pytest.fixture
def stats_pairs(app, world, make_user):
    departments = {"e1": world.e1, "e2": world.e2}
    people = {key: make_user(department=departments["e2" if key in "gh" else "e1"], skill_level="初级工")
              for key in "axyzwgh"}
    with app.app_context():
        for _key, ent, status, starts_on, closed_on, reached, who in ROWS:
            apprentice = people[who]
            db.session.add(MentoringPair(
                master_id=world.master.id, apprentice_id=apprentice.id, department_id=departments[ent].id,
                starts_on=starts_on, ends_on=starts_on + timedelta(days=300),
                midterm_on=starts_on + timedelta(days=150), goals="", start_level="初级工", target_level="中级工",
                status=status, closed_on=closed_on, target_reached=reached))
        db.session.commit()
    return people


def _figures(app, user_id: int, root_path: str = "/"):
    from blueprints.mentoring import queries

    with app.test_request_context():
        user = db.session.get(User, user_id)
        figures = queries.figures(queries.staff_scope(user), root_path, 2025)
        return {"active": figures.active, "started": figures.started, "completed": figures.completed,
                "ended": figures.ended, "reached": figures.reached, "rate": figures.completion_rate}


@both_backends
def test_figures_against_hand_counts(app, world, stats_pairs, make_user):
    assert _figures(app, world.hr1.id) == HR1
    assert _figures(app, world.admin1.id) == HR1
    city = make_user(roles=("admin", "worker"))  # a whole-tree grant
    assert _figures(app, city.id) == EVERYONE
    assert _figures(app, city.id, world.e1.path) == HR1  # the page's department filter
    hr2 = _figures(app, world.hr2.id)
    assert hr2 == {"active": 1, "started": 1, "completed": 1, "ended": 0, "reached": 1, "rate": 100}
    with app.test_request_context():
        from blueprints.mentoring import queries

        empty = queries.figures(queries.staff_scope(db.session.get(User, world.hr1.id)), "/", 2023)
        assert (empty.completed, empty.completion_rate) == (0, None)


def test_statistics_page_and_workbook_show_the_figures(app, client, auth, world, stats_pairs):
    auth.login(world.hr1.employee_no)
    page = html_text(client.get("/stats/?year=2025"))
    assert "名师带徒" in page and "75%" in page and "达到目标等级的徒弟" in page
    response = export_file(client, "/stats/export?year=2025")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert "名师带徒" in book.sheetnames
    rows = {row[0]: row[1] for row in book["名师带徒"].iter_rows(min_row=2, values_only=True)}
    assert rows == {"带徒中的师徒对子": 1, "本年开始": 4, "本年出师": 3, "本年提前结束": 1, "出师率（%）": 75,
                    "达到目标等级的徒弟": 1}


def test_workers_and_leads_see_no_mentoring_figures(app, client, auth, world, make_user, stats_pairs):
    lead = make_user(roles=("lead", "worker"), department=world.e1)
    auth.login(lead.employee_no)
    page = client.get("/stats/?year=2025")
    assert page.status_code == 200 and 'id="mentoring-figures"' not in html_text(page)


def _add_checkins(app, pair_id: int, author_id: int, n: int) -> None:
    with app.app_context():
        db.session.add_all(MentoringCheckin(pair_id=pair_id, author_id=author_id, written_on=local_today(),
                                            body=f"记录{i}") for i in range(n))
        db.session.commit()


@both_backends
def test_pages_cost_the_same_whatever_the_number_of_rows(app, client, auth, world, make_user, count_queries):
    pair_id = make_pair(app, world, starts_ago=200)
    _add_checkins(app, pair_id, world.master.id, 2)
    auth.login(world.hr1.employee_no)

    def cost(url: str) -> int:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    detail, index, home = cost(f"/mentoring/{pair_id}"), cost("/mentoring/"), cost("/")
    _add_checkins(app, pair_id, world.apprentice.id, 25)
    for _n in range(12):
        apprentice = make_user(department=world.e1, skill_level="初级工")
        make_pair(app, world, starts_ago=200, apprentice=apprentice, target="中级工")
    assert cost(f"/mentoring/{pair_id}") == detail
    assert cost("/mentoring/") == index
    assert cost("/") == home
    assert detail <= 12 and index <= 10
