"""Blind judging (SPEC §9): before the results are provisional, no page or fragment a judge or the chief judge can
fetch names an entrant or shows their 工号; judges saving at the same moment lose nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blueprints.contests.models import Entrant, Item, Score
from extensions import db
from tests import fixtures_contests
from tests.concurrency import all_at_once
from tests.conftest import PortalClient, both_backends, html_text
from tests.fixtures_contests import make_contest, publish, score_all

ENTRANTS = ("a1", "a2", "a3", "a5")
TABLE = {"理论": {1: [90, 92, 91], 2: [85, 86, 87], 3: [80, 80, 80], 4: [60, 65, 61]},
         "实操": {1: [85, 86, 84], 2: [90, 91, 92], 3: [88, 90, 89], 4: [70, 71, 72]}}

world = fixtures_contests.world  # this domain's `world` fixture (three domains use the name)


def _reachable(client, contest_id: int) -> dict[str, str]:
    """Every page and fragment of the contest a panel member can open, plus my space and notifications."""
    urls = ["/", "/notifications/", "/contests/", "/contests/?status=scoring", f"/contests/{contest_id}",
            f"/contests/{contest_id}/judge", f"/contests/{contest_id}/results"]
    pages = {}
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers, follow_redirects=True)
            assert response.status_code == 200, url
            pages[f"{url} {headers}"] = html_text(response)
    return pages


def _leaks(world, pages: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for key in ENTRANTS:
        person = world.people[key]
        for url, text in pages.items():
            for secret in (person.name, person.employee_no):
                if secret in text:
                    found.append((url, secret))
    return found


@pytest.mark.parametrize("status", ["drawn", "scoring"])
def test_judges_and_the_chief_see_numbers_never_names(app, client, auth, world, status):
    contest_id = make_contest(app, world, status, entrants=ENTRANTS)
    if status == "scoring":
        score_all(app, contest_id, TABLE)  # every sheet submitted: others' scores visible, still no names
    for key in ("j1", "j3", "chief"):
        auth.logout()
        assert auth.login(world.people[key].employee_no).status_code == 303
        pages = _reachable(client, contest_id)
        assert not _leaks(world, pages), key
        judge_page = pages[f"/contests/{contest_id}/judge {{}}"]
        if key != "chief":  # the chief judge has no sheet of their own
            assert "1 号" in judge_page and "4 号" in judge_page, key


def test_the_search_is_not_vacuous_names_show_once_provisional(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring", entrants=ENTRANTS)
    score_all(app, contest_id, TABLE)
    publish(app, world, contest_id)
    auth.logout()
    assert auth.login(world.people["j1"].employee_no).status_code == 303
    leaks = _leaks(world, _reachable(client, contest_id))
    assert {secret for _url, secret in leaks} >= {world.people[k].name for k in ENTRANTS}


def test_a_manager_who_judges_is_blind_too(app, client, auth, world):
    """hra runs the contest; made a judge, the detail page lists no names until the results are out."""
    contest_id = make_contest(app, world, "drawn", entrants=ENTRANTS)
    with app.app_context():
        from blueprints.contests.models import Contest

        db.session.get(Contest, contest_id).chief_judge_id = world.people["hra"].id
        db.session.commit()
    auth.logout()
    auth.login(world.people["hra"].employee_no)
    assert not _leaks(world, {"detail": html_text(client.get(f"/contests/{contest_id}"))})


POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 6, "max_overflow": 6, "pool_timeout": 60}}


@both_backends
@pytest.mark.app_config(POOL)
def test_five_judges_saving_at_the_same_moment_lose_nothing(app, world):
    contest_id = make_contest(app, world, "scoring", entrants=ENTRANTS, panel=3, practical_panel=5)
    with app.app_context():
        item_id = db.session.scalar(select(Item.id).where(Item.contest_id == contest_id, Item.name == "实操"))
        entrant_ids = list(db.session.scalars(select(Entrant.id).where(Entrant.contest_id == contest_id)))
    app.test_client_class = PortalClient
    clients = []
    for i in range(1, 6):
        browser = app.test_client()
        assert browser.post("/auth/login", data={"employee_no": world.people[f"j{i}"].employee_no,
                                                 "password": "Correct-Horse-42"}).status_code == 303
        clients.append((i, browser))

    def save(i, browser):
        data = {"item_id": item_id, "submit": "1", **{f"score-{e}": str(60 + i) for e in entrant_ids}}
        return lambda: browser.post(f"/contests/{contest_id}/judge/save", data=data)

    responses = all_at_once([save(i, browser) for i, browser in clients])
    assert [r.status_code for r in responses] == [303] * 5
    with app.app_context():
        rows = db.session.execute(select(Score.score, func.count()).where(Score.item_id == item_id)
                                  .group_by(Score.score)).all()
    assert sorted((int(score), n) for score, n in rows) == [(61, 4), (62, 4), (63, 4), (64, 4), (65, 4)]
