"""Skills contests end to end through the pages (SPEC §9): setting up, quotas, entrants, the draw, judging,
flags, results, objections, certificates — and every refusal with nothing stored."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from blueprints.contests import services
from blueprints.contests.models import Contest, Entrant, Flag, Item, Judge, Objection, Quota, Score
from blueprints.core.clock import local_today
from blueprints.core.models import AuditLog
from extensions import db
from tests import fixtures_contests
from tests.conftest import both_backends, html_text
from tests.fixtures_contests import make_contest, publish, score_all

world = fixtures_contests.world  # this domain's `world` fixture (three domains use the name)


def _login(auth, world, key):
    auth.logout()
    assert auth.login(world.people[key].employee_no).status_code == 303


def _count(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _audits(app, action):
    with app.app_context():
        return db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == action))


def _contest(app, contest_id):
    with app.app_context():
        return db.session.get(Contest, contest_id)


def _items(app, contest_id):
    with app.app_context():
        return {i.name: i.id for i in db.session.scalars(select(Item).where(Item.contest_id == contest_id))}


def _entrants(app, contest_id):
    with app.app_context():
        return {e.user_id: e for e in db.session.scalars(select(Entrant).where(Entrant.contest_id == contest_id))}


FORM = {"name": "甲公司钳工比武", "trade": "钳工", "level": "enterprise", "venue": "实训中心",
        "first_prizes": "1", "second_prizes": "1", "third_prizes": "1", "titles": "1",
        "items-0-name": "理论", "items-0-kind": "theory", "items-0-weight": "30", "items-0-max_score": "100",
        "items-0-spread_limit": "15", "items-1-name": "实操", "items-1-kind": "practical", "items-1-weight": "70",
        "items-1-max_score": "100", "items-1-spread_limit": "10"}


# --- Setting up ---------------------------------------------------------------------------------------------------


def test_weights_must_sum_to_100_and_nothing_is_stored(app, client, auth, world):
    _login(auth, world, "hra")
    data = {**FORM, "organiser": str(world.nodes["a"]), "held_on": str(local_today() + timedelta(days=9)),
            "items-1-weight": "60"}
    response = client.post("/contests/new", data=data)
    assert response.status_code == 200
    assert "各项目权重之和必须等于 100%，现在是 90%" in html_text(response)
    assert 'value="甲公司钳工比武"' in html_text(response)  # what was typed is kept
    assert _count(app, Contest) == 0 and _count(app, Item) == 0

    response = client.post("/contests/new", data={**data, "items-1-weight": "70"})
    assert response.status_code == 303
    assert _count(app, Contest) == 1 and _count(app, Item) == 2


def test_organiser_must_lie_in_the_creators_scope(app, client, auth, world):
    _login(auth, world, "hra")
    data = {**FORM, "organiser": str(world.nodes["b"]), "held_on": str(local_today())}
    response = client.post("/contests/new", data=data)
    assert "请选择您负责范围内的主办单位" in html_text(response)
    assert _count(app, Contest) == 0
    _login(auth, world, "a1")
    assert client.get("/contests/new").status_code == 403


def test_status_machine_refuses_steps_out_of_order(app, client, auth, world):
    contest_id = make_contest(app, world, "draft")
    _login(auth, world, "hra")
    for action in ("draw", "publish", "finalise", "start_scoring", "rescore", "nonsense"):
        client.post(f"/contests/{contest_id}/status", data={"action": action})
        assert _contest(app, contest_id).status == "draft", action
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        db.session.execute(Quota.__table__.delete())
        with pytest.raises(services.DomainError, match="名额"):
            services.move(contest, db.session.get(type(world.user("hra")), world.people["hra"].id),
                          "open_registration")
        db.session.rollback()
    # a worker cannot move it at all
    client.post(f"/contests/{contest_id}/status", data={"action": "open_registration"})
    _login(auth, world, "a1")
    client.post(f"/contests/{contest_id}/status", data={"action": "draw"})
    assert _contest(app, contest_id).status == "registration"


def test_draw_needs_entrants_and_scoring_needs_a_chief_judge(app, world):
    contest_id = make_contest(app, world, "registration", entrants=())
    with app.test_request_context():
        contest, hra = db.session.get(Contest, contest_id), world.user("hra")
        with pytest.raises(services.DomainError, match="还没有确认参赛的选手"):
            services.move(contest, hra, "draw")
        db.session.rollback()
        services.nominate(contest, hra, world.user("a1"))
        services.move(contest, hra, "draw")
        contest.chief_judge_id = None
        with pytest.raises(services.DomainError, match="裁判长"):
            services.move(contest, hra, "start_scoring")


def test_a_panel_needs_three_judges(app, world):
    contest_id = make_contest(app, world, "draft")
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        item = db.session.scalar(select(Item).where(Item.contest_id == contest_id).limit(1))
        with pytest.raises(services.DomainError, match="至少需要 3 名评委"):
            services.set_panel(contest, world.user("hra"), item, [world.user("j1"), world.user("j2")])


# --- Entrants -------------------------------------------------------------------------------------------------------


def test_nominations_within_the_quota_and_over_it_refused(app, client, auth, world):
    contest_id = make_contest(app, world, "registration", entrants=())
    _login(auth, world, "adminp1")  # the plant's own admin nominates its people
    response = client.post(f"/contests/{contest_id}/nominate", data={"employee_no": "cwa1, cwa2, cwa3"})
    assert response.status_code == 303
    assert _count(app, Entrant, contest_id=contest_id, status="confirmed") == 3
    response = client.post(f"/contests/{contest_id}/nominate", data={"employee_no": "cwa4"}, follow_redirects=True)
    assert "3 个名额已满" in html_text(response)
    assert _count(app, Entrant, contest_id=contest_id) == 3
    # the plant's admin cannot nominate for the other plant
    response = client.post(f"/contests/{contest_id}/nominate", data={"employee_no": "cwa5"}, follow_redirects=True)
    assert "只能推荐您负责范围内单位的职工" in html_text(response)
    assert _count(app, Entrant, contest_id=contest_id) == 3


@both_backends
def test_a_worker_applies_and_the_unit_confirms_within_the_quota(app, client, auth, world):
    contest_id = make_contest(app, world, "registration", entrants=())
    for key in ("a5", "a6"):
        _login(auth, world, key)
        assert client.post(f"/contests/{contest_id}/apply").status_code == 303
    _login(auth, world, "b1")  # enterprise B has no quota (and cannot even see the contest)
    assert client.post(f"/contests/{contest_id}/apply").status_code == 404
    entrants = _entrants(app, contest_id)
    assert {e.status for e in entrants.values()} == {"applied"}
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        services.set_quota(contest, world.user("hra"), world.nodes["p2"], 1)
        db.session.commit()
    _login(auth, world, "admina")
    first, second = (entrants[world.people[k].id].id for k in ("a5", "a6"))
    client.post(f"/contests/{contest_id}/applications", data={"entrant_id": first, "decision": "confirm"})
    response = client.post(f"/contests/{contest_id}/applications", data={"entrant_id": second, "decision": "confirm"},
                           follow_redirects=True)
    assert "1 个名额已满" in html_text(response)
    statuses = {e.id: e.status for e in _entrants(app, contest_id).values()}
    assert statuses == {first: "confirmed", second: "applied"}
    client.post(f"/contests/{contest_id}/applications", data={"entrant_id": second, "decision": "refuse"})
    assert _entrants(app, contest_id)[world.people["a6"].id].status == "refused"


def test_a_judge_cannot_enter_and_an_entrant_cannot_judge(app, client, auth, world):
    contest_id = make_contest(app, world, "registration", entrants=())
    _login(auth, world, "hra")
    assert client.post(f"/contests/{contest_id}/nominate", data={"employee_no": "cwa1"}).status_code == 303
    items = _items(app, contest_id)
    response = client.post(f"/contests/{contest_id}/judges", data={"item_id": items["理论"],
                                                                   "judges": "cjudge1, cjudge2, cwa1"},
                           follow_redirects=True)
    assert "是本场比武的选手，不能担任评委" in html_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Judge.id)).where(Judge.item_id == items["理论"])) == 3
        assert "cwa1" not in {u for (u,) in db.session.execute(select(Judge.user_id))}
    response = client.post(f"/contests/{contest_id}/nominate", data={"employee_no": "cjudge1"}, follow_redirects=True)
    assert "是本场比武的评委，不能参赛" in html_text(response)
    assert _count(app, Entrant, contest_id=contest_id) == 1


def test_the_draw_numbers_every_entrant_once_and_audits_each(app, world):
    contest_id = make_contest(app, world, "drawn")
    numbers = sorted(e.number for e in _entrants(app, contest_id).values())
    assert numbers == [1, 2, 3, 4]
    assert _audits(app, "contest.number_drawn") == 4


# --- Judging ------------------------------------------------------------------------------------------------------


def _save(client, contest_id, item_id, scores: dict, submit=False):
    data = {"item_id": item_id, **{f"score-{k}": v for k, v in scores.items()}}
    if submit:
        data["submit"] = "1"
    return client.post(f"/contests/{contest_id}/judge/save", data=data)


def test_scores_out_of_range_are_refused_and_nothing_is_stored(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring")
    item = _items(app, contest_id)["理论"]
    ids = [e.id for e in _entrants(app, contest_id).values()]
    _login(auth, world, "j1")
    for bad in ("100.01", "-1", "abc", "85.123", "NaN", "1e3"):
        response = _save(client, contest_id, item, {ids[0]: "80", ids[1]: bad})
        assert response.status_code == 422, bad
        assert f'value="{bad}"' in html_text(response)  # what was typed is kept
        assert _count(app, Score) == 0, bad
    assert "分数必须在 0 到 100.00 之间" in html_text(_save(client, contest_id, item, {ids[0]: "101"}))


def test_a_judge_cannot_score_an_item_they_are_not_on(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring", panel=3, practical_panel=5)
    items = _items(app, contest_id)
    ids = [e.id for e in _entrants(app, contest_id).values()]
    _login(auth, world, "j5")  # on the practical panel only
    response = _save(client, contest_id, items["理论"], {ids[0]: "80"})
    assert response.status_code == 422 and "您不是这个项目的评委" in html_text(response)
    assert _count(app, Score) == 0
    assert _save(client, contest_id, items["实操"], {ids[0]: "80"}).status_code == 303
    assert _count(app, Score) == 1
    _login(auth, world, "a2")  # an entrant
    assert _save(client, contest_id, items["实操"], {ids[0]: "99"}).status_code == 422
    assert _count(app, Score) == 1


def test_submit_locks_the_sheet_and_others_are_shown_only_after_submitting(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring")
    item = _items(app, contest_id)["理论"]
    ids = [e.id for e in sorted(_entrants(app, contest_id).values(), key=lambda e: e.number)]
    _login(auth, world, "j2")
    assert _save(client, contest_id, item, dict.fromkeys(ids, "77.5"), submit=True).status_code == 303
    _login(auth, world, "j1")
    response = _save(client, contest_id, item, {ids[0]: "80"}, submit=True)
    assert "还有选手没有分数" in html_text(response)
    assert _count(app, Judge, user_id=world.people["j1"].id, item_id=item, status="open") == 1
    page = html_text(client.get(f"/contests/{contest_id}/judge"))
    assert "77.5" not in page and "评委2" not in page  # j2's scores stay hidden until j1 submits
    assert _save(client, contest_id, item, dict.fromkeys(ids, "81"), submit=True).status_code == 303
    page = html_text(client.get(f"/contests/{contest_id}/judge"))
    assert "77.50" in page and "评委2" in page
    response = _save(client, contest_id, item, {ids[0]: "90"})
    assert "已提交并锁定" in html_text(response)
    with app.app_context():
        assert {s.score for s in db.session.scalars(select(Score).join(Judge).where(
            Judge.user_id == world.people["j1"].id))} == {81}
    # the chief judge reopens it (audited); then the judge may change it
    _login(auth, world, "chief")
    judge_id = _count  # placeholder for readability below
    with app.app_context():
        judge_id = db.session.scalar(select(Judge.id).where(Judge.item_id == item,
                                                            Judge.user_id == world.people["j1"].id))
    _login(auth, world, "j2")
    client.post(f"/contests/{contest_id}/judge/reopen", data={"judge_id": judge_id})
    assert _audits(app, "contest.sheet_reopened") == 0  # only the chief judge may
    _login(auth, world, "chief")
    client.post(f"/contests/{contest_id}/judge/reopen", data={"judge_id": judge_id})
    assert _audits(app, "contest.sheet_reopened") == 1
    _login(auth, world, "j1")
    assert _save(client, contest_id, item, {ids[0]: "90"}).status_code == 303


def _xlsx(rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def test_theory_scores_import_all_rows_or_none(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring")
    items = _items(app, contest_id)
    _login(auth, world, "j1")
    bad = _xlsx([["参赛号", "成绩"], [1, 80], [2, 120], [9, 70], [3, 66], [4, 90], ["²", 50], ["9" * 5000, 1]])
    response = client.post(f"/contests/{contest_id}/judge/import",
                           data={"item_id": items["理论"], "file": (bad, "theory.xlsx")}, follow_redirects=True)
    text = html_text(response)
    assert "第 3 行" in text and "第 4 行" in text and "第 7 行" in text and "没有保存任何成绩" in text
    assert "第 2 行" not in text and "第 5 行" not in text
    assert _count(app, Score) == 0
    good = _xlsx([["参赛号", "成绩"], [1, 80], [2, 99.5], [3, 66], [4, 90]])
    client.post(f"/contests/{contest_id}/judge/import", data={"item_id": items["理论"], "file": (good, "t.xlsx")})
    assert _count(app, Score) == 4
    practical = _xlsx([["参赛号", "成绩"], [1, 80]])
    response = client.post(f"/contests/{contest_id}/judge/import",
                           data={"item_id": items["实操"], "file": (practical, "p.xlsx")}, follow_redirects=True)
    assert "只有理论项目可以导入成绩" in html_text(response)
    assert _count(app, Score) == 4


# --- Flags, results, objections, certificates ---------------------------------------------------------------------

# number → the judges' scores (j1, j2, j3); number 2's theory spread is 22 > 15: flagged.
TABLE = {"理论": {1: [90, 92, 91], 2: [92, 70, 88], 3: [80, 80, 80], 4: [60, 65, 61]},
         "实操": {1: [85, 86, 84], 2: [90, 91, 92], 3: [88, 90, 89], 4: [70, 71, 72]}}


@both_backends
def test_flag_blocks_publication_until_the_chief_judge_resolves_it(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring")
    score_all(app, contest_id, TABLE)
    _login(auth, world, "hra")
    until = str(local_today() + timedelta(days=3))
    response = client.post(f"/contests/{contest_id}/status", data={"action": "publish", "objections_until": until},
                           follow_redirects=True)
    assert "分差超限" in html_text(response)
    assert _contest(app, contest_id).status == "scoring"
    items = _items(app, contest_id)
    number2 = next(e.id for e in _entrants(app, contest_id).values() if e.number == 2)
    _login(auth, world, "chief")
    page = html_text(client.get(f"/contests/{contest_id}/judge"))
    assert "22" in page and "2 号" in page
    client.post(f"/contests/{contest_id}/judge/flag", data={"item_id": items["理论"], "entrant_id": number2,
                                                             "decision": "rescore"})
    assert _count(app, Judge, item_id=items["理论"], status="open") == 3  # every theory sheet reopened
    score_all(app, contest_id, {"理论": TABLE["理论"], "实操": {}}, submit=True) if False else None
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        for judge in db.session.scalars(select(Judge).where(Judge.item_id == items["理论"])):
            services.save_scores(contest, db.session.get(type(world.user("j1")), judge.user_id), items["理论"], {},
                                 submit=True)
        db.session.commit()
    _login(auth, world, "chief")
    client.post(f"/contests/{contest_id}/judge/flag", data={"item_id": items["理论"], "entrant_id": number2,
                                                             "decision": "confirm"})
    assert _count(app, Flag) == 1 and _audits(app, "contest.flag_confirmed") == 1
    _login(auth, world, "hra")
    client.post(f"/contests/{contest_id}/status", data={"action": "publish", "objections_until": until})
    assert _contest(app, contest_id).status == "provisional"


@both_backends
def test_results_objection_and_final_certificates(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring")
    table = {"理论": {**TABLE["理论"], 2: [85, 86, 87]}, "实操": TABLE["实操"]}
    score_all(app, contest_id, table)
    publish(app, world, contest_id)
    # by hand: 1: 91×.3 + 85×.7 = 27.3 + 59.5 = 86.80; 2: 86×.3 + 91×.7 = 25.8 + 63.7 = 89.50;
    #          3: 80×.3 + 89×.7 = 24 + 62.3 = 86.30; 4: 62×.3 + 71×.7 = 18.6 + 49.7 = 68.30
    by_number = {e.number: e for e in _entrants(app, contest_id).values()}
    assert [(n, str(by_number[n].total), by_number[n].rank, by_number[n].prize) for n in (1, 2, 3, 4)] == [
        (1, "86.80", 2, "second"), (2, "89.50", 1, "first"), (3, "86.30", 3, "third"), (4, "68.30", 4, None)]
    assert by_number[2].title and not by_number[1].title

    entrant_user = {e.number: uid for uid, e in _entrants(app, contest_id).items()}
    key_of = {p.id: k for k, p in world.people.items()}
    _login(auth, world, key_of[entrant_user[3]])
    page = html_text(client.get(f"/contests/{contest_id}/results"))
    assert world.people[key_of[entrant_user[2]]].name in page  # names are out once provisional
    response = client.post(f"/contests/{contest_id}/objections", data={"reason": "  "})
    assert response.status_code == 422 and _count(app, Objection) == 0
    client.post(f"/contests/{contest_id}/objections", data={"reason": "实操第二题的评分有误"})
    assert _count(app, Objection, status="open") == 1
    _login(auth, world, "hra")
    client.post(f"/contests/{contest_id}/status", data={"action": "finalise"})
    assert _contest(app, contest_id).status == "provisional"  # an open objection blocks it
    with app.app_context():
        objection_id = db.session.scalar(select(Objection.id))
    client.post(f"/contests/{contest_id}/objections/answer", data={"objection_id": objection_id, "answer": "维持"})
    assert _count(app, Objection, status="open") == 1  # only the chief judge answers
    _login(auth, world, "chief")
    client.post(f"/contests/{contest_id}/objections/answer", data={"objection_id": objection_id,
                                                                   "answer": "经复核，评分无误，维持原成绩。"})
    assert _count(app, Objection, status="answered") == 1 and _audits(app, "contest.objection_answered") == 1
    client.post(f"/contests/{contest_id}/upgrade", data={"entrant_id": by_number[2].id, "level": "技师"})
    _login(auth, world, "hra")
    client.post(f"/contests/{contest_id}/status", data={"action": "finalise"})
    assert _contest(app, contest_id).status == "final"
    winners = {e.number: e for e in _entrants(app, contest_id).values()}
    assert winners[2].certificate_no and winners[2].upgrade_to == "技师" and winners[4].certificate_no is None
    _login(auth, world, key_of[entrant_user[2]])
    page = html_text(client.get(f"/contests/{contest_id}/certificate"))
    assert "一等奖" in page and "技术能手" in page and winners[2].certificate_no in page and "89.50" in page
    _login(auth, world, key_of[entrant_user[4]])
    assert client.get(f"/contests/{contest_id}/certificate").status_code == 404


def test_rescoring_after_an_objection_audits_the_changed_result(app, world):
    contest_id = make_contest(app, world, "scoring")
    score_all(app, contest_id, {"理论": {**TABLE["理论"], 2: [85, 86, 87]}, "实操": TABLE["实操"]})
    publish(app, world, contest_id)
    with app.test_request_context():
        contest, chief = db.session.get(Contest, contest_id), world.user("chief")
        services.move(contest, chief, "rescore")
        item = db.session.scalar(select(Item).where(Item.contest_id == contest_id, Item.name == "实操"))
        judge = db.session.scalar(select(Judge).where(Judge.item_id == item.id).order_by(Judge.user_id).limit(1))
        services.reopen_sheet(contest, chief, judge.id)
        four = next(e for e in db.session.scalars(select(Entrant).where(Entrant.contest_id == contest_id))
                    if e.number == 4)
        services.save_scores(contest, db.session.get(type(chief), judge.user_id), item.id, {four.id: "100"},
                             submit=True)
        services.resolve_flag(contest, chief, item.id, four.id, "confirm")  # 100 vs 71: spread 29
        db.session.commit()
    publish(app, world, contest_id)
    assert _audits(app, "contest.result_changed") == 1  # number 4 only
    with app.app_context():
        four = db.session.scalar(select(Entrant).where(Entrant.contest_id == contest_id, Entrant.number == 4))
        assert str(four.total) == "75.30"  # practical (100 + 71 + 72) / 3 = 81 → 62 × .3 + 81 × .7 = 18.6 + 56.7


# --- Scope ----------------------------------------------------------------------------------------------------------


@both_backends
def test_another_enterprise_gets_404_audited_and_no_listing(app, client, auth, world):
    contest_id = make_contest(app, world, "registration")
    _login(auth, world, "adminb")
    before = _audits(app, "access.denied")
    for url in (f"/contests/{contest_id}", f"/contests/{contest_id}/results", f"/contests/{contest_id}/judge"):
        assert client.get(url).status_code == 404, url
    assert _audits(app, "access.denied") == before + 3
    assert "甲公司车工比武" not in html_text(client.get("/contests/"))
    _login(auth, world, "a1")
    assert "甲公司车工比武" in html_text(client.get("/contests/"))


def test_list_and_pages_use_a_constant_number_of_queries(app, client, auth, world, count_queries):
    make_contest(app, world, "scoring")
    _login(auth, world, "hra")
    with count_queries() as one:
        client.get("/contests/")
    for n in range(3):
        make_contest(app, world, "registration" if n else "scoring")
    with count_queries() as four:
        client.get("/contests/")
    assert four.count == one.count
    small = make_contest(app, world, "scoring", entrants=("a1", "a5"))
    large = make_contest(app, world, "scoring", entrants=("a1", "a2", "a3", "a5", "a6"))
    _login(auth, world, "adminp1")  # a unit's admin: sees the entrants of their unit
    counts = {}
    for contest_id in (small, large):
        for url in (f"/contests/{contest_id}", f"/contests/{contest_id}/results"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.setdefault(url.replace(str(contest_id), "<id>"), []).append(counter.count)
    _login(auth, world, "j1")
    for contest_id in (small, large):
        with count_queries() as counter:
            assert client.get(f"/contests/{contest_id}/judge").status_code == 200
        counts.setdefault("judge", []).append(counter.count)
    assert all(a == b for a, b in counts.values()), counts


def test_hostile_numbers_in_the_form_are_refused_not_500(app, client, auth, world):
    _login(auth, world, "hra")
    for bad in ("sNaN", "NaN", "Infinity", "-1", "1e9"):
        data = {**FORM, "organiser": str(world.nodes["a"]), "held_on": str(local_today()),
                "items-0-max_score": bad}
        response = client.post("/contests/new", data=data)
        assert response.status_code == 200, bad
    assert _count(app, Contest) == 0
