"""Assessment (SPEC §8): per-cell scores within 0..maximum, weighted totals and rankings against hand-computed
answers (ties included), provisional results with an objection window, objections and answers, final results;
two organisers scoring at once lose nothing; the honours evidence of a unit's final rank."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from blueprints.competitions.models import Competition, Objection, ScoreCell
from blueprints.competitions.scoring import Standing, rank, weighted_total
from blueprints.core.models import AuditLog
from extensions import db
from tests import fixtures_competitions
from tests.concurrency import all_at_once
from tests.conftest import PortalClient, both_backends, html_text
from tests.fixtures_competitions import add_competition, indicator_ids

# --- Pure arithmetic ------------------------------------------------------------------------------------------------

world = fixtures_competitions.world  # this domain's `world` fixture (three domains use the name)


def _ind(id_, weight, top):
    return SimpleNamespace(id=id_, weight=Decimal(weight), max_score=Decimal(top))


def test_weighted_total_against_hand_computed_answers():
    indicators = [_ind(1, 50, 20), _ind(2, 30, 10), _ind(3, 20, 10)]
    # 15/20*50 + 7/10*30 + 10/10*20 = 37.5 + 21 + 20
    assert weighted_total({1: Decimal(15), 2: Decimal(7), 3: Decimal(10)}, indicators) == Decimal("78.50")
    # full marks = 100; nothing scored = 0; a missing cell counts 0
    assert weighted_total({1: Decimal(20), 2: Decimal(10), 3: Decimal(10)}, indicators) == Decimal("100.00")
    assert weighted_total({}, indicators) == Decimal("0.00")
    # 1/3 of 30 weight: 10.00 (rounded half up to two places), 2/3*30 = 20.00
    thirds = [_ind(1, 30, 3), _ind(2, 70, 7)]
    assert weighted_total({1: Decimal(1), 2: Decimal("3.33")}, thirds) == Decimal("43.30")


def test_ranking_shares_ranks_on_ties_and_skips_the_places_taken():
    standings = rank([Standing(1, "丁", Decimal("80")), Standing(2, "甲", Decimal("92.5")),
                      Standing(3, "丙", Decimal("80")), Standing(4, "乙", Decimal("70")),
                      Standing(5, "戊", Decimal("92.5"))])
    assert [(s.name, s.rank) for s in standings] == [("戊", 1), ("甲", 1), ("丁", 3), ("丙", 3), ("乙", 5)]
    assert rank([]) == []


# --- Through the pages ----------------------------------------------------------------------------------------------


def _login(auth, person) -> None:
    auth.logout()
    assert auth.login(person.employee_no).status_code == 303


@pytest.fixture
def closed(app, world, monkeypatch):
    """A closed competition of the district with 甲 and 乙 enrolled; today is 2027-01-10."""
    from blueprints.competitions.services import assessment

    monkeypatch.setattr(assessment, "local_today", lambda: date(2027, 1, 10))
    return add_competition(app, world.nodes["district"], status="closed", units=(world.nodes["a"], world.nodes["b"]))


def _score(client, cid, unit, values, ids):
    data = {"unit_id": unit} | {f"score_{unit}_{i}": v for i, v in zip(ids, values, strict=True)}
    return client.post(f"/competitions/{cid}/results/score", data=data)


def _cells(app, cid) -> dict[tuple[int, int], Decimal]:
    with app.app_context():
        return {(c.unit_id, c.indicator_id): c.score
                for c in db.session.scalars(select(ScoreCell).where(ScoreCell.competition_id == cid))}


def test_scores_make_the_ranking_hand_computed(app, client, auth, world, closed):
    ids = indicator_ids(app, closed)  # weights 50/30/20, maxima 20/10/10
    a, b = world.nodes["a"], world.nodes["b"]
    _login(auth, world.people["district"])
    assert _score(client, closed, a, ["15", "7", "10"], ids).status_code == 303  # 37.5 + 21 + 20 = 78.50
    _score(client, closed, b, ["20", "5", "6"], ids)  # 50 + 15 + 12 = 77.00
    page = html_text(client.get(f"/competitions/{closed}/results"))
    assert page.index("78.50") < page.index("77.00")
    # A tie: 乙 raised to 78.50 (20/20*50 + 5.5/10*30 + 6/10*20 = 50 + 16.5 + 12)
    _score(client, closed, b, ["20", "5.5", "6"], ids)
    from blueprints.competitions.services import results_table

    with app.app_context():
        table = results_table(db.session.get(Competition, closed))
        # tied units share rank 1 and are listed by name (乙 U+4E59 before 甲 U+7532)
        assert [(s.unit_id, s.total, s.rank) for s in table.standings] == [
            (b, Decimal("78.50"), 1), (a, Decimal("78.50"), 1)]
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "competition.scored")) == 7  # 6 cells + one change


@pytest.mark.parametrize("values,message", [(["21", "1", "1"], "不能超过满分"), (["-1", "1", "1"], "不能为负数"),
                                            (["abc", "1", "1"], "不是有效的数字")])
def test_bad_scores_are_refused_with_nothing_stored(app, client, auth, world, closed, values, message):
    ids = indicator_ids(app, closed)
    _login(auth, world.people["district"])
    response = _score(client, closed, world.nodes["a"], values, ids)
    page = html_text(response)
    assert response.status_code == 200 and message in page
    assert f'value="{values[0]}"' in page  # what was typed is kept
    assert _cells(app, closed) == {}


def test_only_the_organiser_scores_and_only_while_closed(app, client, auth, world, closed):
    ids = indicator_ids(app, closed)
    for who in ("admin_a", "industry"):
        _login(auth, world.people[who])
        assert _score(client, closed, world.nodes["a"], ["1", "1", "1"], ids).status_code == 404
    _login(auth, world.people["district"])
    _score(client, closed, world.nodes["c"], ["1", "1", "1"], ids)  # a unit not enrolled
    with app.app_context():
        db.session.get(Competition, closed).status = "running"
        db.session.commit()
    _score(client, closed, world.nodes["a"], ["1", "1", "1"], ids)
    assert _cells(app, closed) == {}


def _score_all(client, cid, world, ids):
    _score(client, cid, world.nodes["a"], ["15", "7", "10"], ids)
    _score(client, cid, world.nodes["b"], ["20", "5", "6"], ids)


def test_provisional_objection_answer_final(app, client, auth, world, closed, monkeypatch):
    from blueprints.competitions.services import assessment

    ids = indicator_ids(app, closed)
    _login(auth, world.people["district"])
    publish = f"/competitions/{closed}/results/publish"
    client.post(publish, data={"objections_until": "2027-01-20"})  # not every cell scored yet
    assert _published(app, closed) is None
    _score_all(client, closed, world, ids)
    client.post(publish, data={"objections_until": "2027-01-09"})  # before today
    assert _published(app, closed) is None
    client.post(publish, data={"objections_until": "2027-01-20"})
    assert _published(app, closed) == date(2027, 1, 20)
    # Others see the provisional ranking; 乙's admin objects, 丙's admin cannot object for 乙.
    for who in ("admin_c", "district", "city"):  # another unit's admin, the organiser, an admin above it
        _login(auth, world.people[who])
        client.post(f"/competitions/{closed}/results/object", data={"unit_id": world.nodes["b"], "reason": "不公"})
    _login(auth, world.people["admin_b"])
    assert "78.50" in html_text(client.get(f"/competitions/{closed}/results"))
    client.post(f"/competitions/{closed}/results/object", data={"unit_id": world.nodes["b"], "reason": ""})
    client.post(f"/competitions/{closed}/results/object", data={"unit_id": world.nodes["a"], "reason": "不是我的"})
    client.post(f"/competitions/{closed}/results/object", data={"unit_id": world.nodes["b"], "reason": "节能量漏算"})
    with app.app_context():
        objections = db.session.scalars(select(Objection)).all()
        assert [(o.unit_id, o.reason, o.status) for o in objections] == [(world.nodes["b"], "节能量漏算", "open")]
        objection_id = objections[0].id
    _login(auth, world.people["district"])
    finalise = f"/competitions/{closed}/results/finalise"
    client.post(finalise)  # the window is still open
    assert _status(app, closed) == "closed"
    monkeypatch.setattr(assessment, "local_today", lambda: date(2027, 1, 21))
    client.post(finalise)  # an objection is waiting
    assert _status(app, closed) == "closed"
    answer = f"/competitions/{closed}/results/objections/{objection_id}/answer"
    client.post(answer, data={"answer": ""})
    _score(client, closed, world.nodes["b"], ["20", "8", "6"], ids)  # the organiser changes a score (audited)
    client.post(answer, data={"answer": "已复核，创新项目加 3 分"})
    client.post(answer, data={"answer": "again"})  # answered once only
    with app.app_context():
        objection = db.session.get(Objection, objection_id)
        assert (objection.status, objection.answer) == ("answered", "已复核，创新项目加 3 分")
    _login(auth, world.people["admin_b"])  # the window has closed
    client.post(f"/competitions/{closed}/results/object", data={"unit_id": world.nodes["b"], "reason": "再议"})
    assert _objections(app) == 1
    _login(auth, world.people["district"])
    client.post(finalise)
    assert _status(app, closed) == "assessed"
    _score(client, closed, world.nodes["a"], ["1", "1", "1"], ids)  # scores are final
    assert _cells(app, closed)[(world.nodes["a"], ids[0])] == 15
    with app.app_context():
        actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("competition.%"))))
    assert {"competition.results_provisional", "competition.objection_raised", "competition.objection_answered",
            "competition.finalise", "competition.scored"} <= actions


def test_the_final_rank_is_honours_evidence_of_the_unit(app, world, closed):
    from blueprints.core.evidence import Subject, evidence_for

    ids = indicator_ids(app, closed)
    with app.app_context():
        for unit, values in ((world.nodes["a"], (15, 7, 10)), (world.nodes["b"], (20, 8, 6))):
            db.session.add_all(ScoreCell(competition_id=closed, unit_id=unit, indicator_id=i, score=Decimal(v))
                               for i, v in zip(ids, values, strict=True))
        competition = db.session.get(Competition, closed)
        assert evidence_for(Subject(department_id=world.nodes["a"])) == []  # not final yet
        competition.status = "assessed"
        db.session.commit()
        # 乙: 50 + 24 + 12 = 86.00, first; 甲 78.50, second.
        lines = [line.text for line in evidence_for(Subject(department_id=world.nodes["a"]))
                 if line.kind == "competition"]
        assert lines == ["2026年《测试竞赛》第 2 名（共 2 个单位，总分 78.50）"]
        person = evidence_for(Subject(user_id=world.people["worker_a"].id))
        assert all(line.kind != "competition" for line in person)


def _published(app, cid):
    with app.app_context():
        competition = db.session.get(Competition, cid)
        return competition.objections_until if competition.results_published_at else None


def _status(app, cid) -> str:
    with app.app_context():
        return db.session.get(Competition, cid).status


def _objections(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Objection))


# --- Two organisers at once -----------------------------------------------------------------------------------------


POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 5, "max_overflow": 5, "pool_timeout": 60}}


@both_backends
@pytest.mark.app_config(POOL)
def test_two_organisers_scoring_at_once_lose_nothing(app, world, make_user, monkeypatch):
    from blueprints.competitions.services import assessment
    from blueprints.core import grants
    from blueprints.core.models import Department, User

    monkeypatch.setattr(assessment, "local_today", lambda: date(2027, 1, 10))
    cid = add_competition(app, world.nodes["district"], status="closed", units=(world.nodes["a"], world.nodes["b"]))
    second = make_user("cdistrict2", roles=("worker",))
    with app.app_context():
        grants.grant(db.session.get(User, second.id), "admin", db.session.get(Department, world.nodes["district"]))
        db.session.commit()
    ids = indicator_ids(app, cid)
    app.test_client_class = PortalClient
    clients = []
    for person in (world.people["district"], second, world.people["district"], second):
        client = app.test_client()
        assert client.post("/auth/login", data={"employee_no": person.employee_no,
                                                "password": "Correct-Horse-42"}).status_code == 303
        clients.append(client)
    jobs = [(world.nodes["a"], ["10", "5", "5"]), (world.nodes["b"], ["12", "6", "7"]),
            (world.nodes["a"], ["10", "5", "5"]), (world.nodes["b"], ["12", "6", "7"])]
    responses = all_at_once([lambda c=c, j=j: _score(c, cid, j[0], j[1], ids) for c, j in zip(clients, jobs,
                                                                                              strict=True)])
    assert [r.status_code for r in responses] == [303] * 4
    cells = _cells(app, cid)
    assert len(cells) == 6
    assert [cells[(world.nodes["a"], i)] for i in ids] == [10, 5, 5]
    assert [cells[(world.nodes["b"], i)] for i in ids] == [12, 6, 7]
