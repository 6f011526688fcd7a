"""Competitions through the pages (SPEC §8): create with indicators, the status machine, enrolment, progress reports
and their decisions — every move by the roles that may make it, and refused for the others with nothing stored."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from blueprints.competitions.models import Competition, Enrolment, Indicator, Report, ReportFigure
from blueprints.competitions.queries import projects_of
from blueprints.core.models import AuditLog
from extensions import db
from tests import fixtures_competitions
from tests.conftest import html_text
from tests.fixtures_competitions import add_competition, indicator_ids, set_status

world = fixtures_competitions.world  # this domain's `world` fixture (three domains use the name)


def _login(auth, person) -> None:
    auth.logout()
    assert auth.login(person.employee_no).status_code == 303


def _count(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _form(organiser_id, weights=(60, 40), **changes) -> dict:
    data = {"name": "2026年五小竞赛", "kind": "wuxiao", "organiser_id": str(organiser_id), "year": "2026",
            "starts_on": "2026-01-01", "ends_on": "2026-12-31", "report_frequency": "monthly", "rules": "规则",
            "indicator_rows": "3"}
    for n, weight in enumerate(weights):
        data.update({f"indicator_name-{n}": f"指标{n}", f"indicator_unit-{n}": "项",
                     f"indicator_weight-{n}": str(weight), f"indicator_max-{n}": "10",
                     f"indicator_source-{n}": "reported"})
    data.update(changes)
    return data


# --- Create and edit ---------------------------------------------------------------------------------------------


def test_the_district_creates_a_draft_with_indicators(app, client, auth, world):
    _login(auth, world.people["district"])
    response = client.post("/competitions/new", data=_form(world.nodes["district"]))
    assert response.status_code == 303
    with app.app_context():
        competition = db.session.scalar(select(Competition))
        assert (competition.status, competition.organiser_id) == ("draft", world.nodes["district"])
        weights = [i.weight for i in db.session.scalars(select(Indicator).order_by(Indicator.position))]
        assert weights == [60, 40]
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "competition.created")) == 1


@pytest.mark.parametrize("weights", [(60, 30), (60, 50), (100.5,), ()])
def test_weights_not_summing_to_100_are_refused_with_nothing_stored(app, client, auth, world, weights):
    _login(auth, world.people["district"])
    response = client.post("/competitions/new", data=_form(world.nodes["district"], weights=weights))
    assert response.status_code == 200
    page = html_text(response)
    assert ("权重合计必须为 100%" in page) or ("至少设置一项" in page)
    assert "2026年五小竞赛" in page  # what was typed is kept
    assert _count(app, Competition) == 0 and _count(app, Indicator) == 0


@pytest.mark.parametrize("field,value,message", [
    ("indicator_weight-0", "六十", "不是有效的数字"),
    ("indicator_max-1", "-5", "都必须大于 0"),
    ("ends_on", "2025-12-01", "结束日期不能早于开始日期"),
    ("year", "2024", "年度应与竞赛起止日期"),
    ("indicator_source-1", "no_such_key", "数据来源无效"),
])
def test_bad_competition_input_is_refused_clearly(app, client, auth, world, field, value, message):
    _login(auth, world.people["district"])
    response = client.post("/competitions/new", data=_form(world.nodes["district"], **{field: value}))
    assert response.status_code == 200 and message in html_text(response)
    assert _count(app, Competition) == 0


def test_the_organiser_must_be_a_union_node_in_the_admins_scope(app, client, auth, world):
    _login(auth, world.people["district"])
    for organiser in (world.nodes["a"], world.nodes["industry"], world.nodes["root"]):
        response = client.post("/competitions/new", data=_form(organiser))
        assert response.status_code == 200 and "主办单位必须是您管理范围内的工会" in html_text(response)
    assert _count(app, Competition) == 0


def _project(app, owner_id: int, name: str) -> int:
    from blueprints.competitions.models import Project

    with app.app_context():
        row = Project(name=name, level="city_key", owner_id=owner_id, planned_start=date(2026, 1, 1),
                      planned_end=date(2027, 1, 1), status="started")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_covered_projects_come_from_a_picker_bounded_by_scope(app, client, auth, world):
    """The form's key projects are a type-ahead picker (a city has a thousand): the district finds its own
    enterprise's project, never the industry's; saving one outside the organiser's subtree is refused."""
    mine, theirs = _project(app, world.nodes["a"], "甲企业扩建项目"), _project(app, world.nodes["c"], "丙企业新厂项目")
    _login(auth, world.people["district"])
    form_page = html_text(client.get("/competitions/new"))
    assert "甲企业扩建项目" not in form_page and "主办单位范围内的重点项目" in form_page  # no list in the page
    offered = client.get("/pick/competition-projects", query_string={"q": "企业"}).get_data(as_text=True)
    assert "甲企业扩建项目" in offered and "丙企业新厂项目" not in offered
    refused = client.post("/competitions/new", data={**_form(world.nodes["district"]), "project_ids": [theirs]})
    assert refused.status_code == 200 and "不在您可以选择的范围内" in html_text(refused)
    assert "2026年五小竞赛" in html_text(refused) and _count(app, Competition) == 0  # what was typed is kept
    assert client.post("/competitions/new", data={**_form(world.nodes["district"]),
                                                  "project_ids": [mine]}).status_code == 303
    with app.app_context():
        competition = db.session.scalar(select(Competition))
        assert [p.id for p in projects_of(competition.id)] == [mine]


def test_an_enterprise_admin_cannot_organise(app, client, auth, world):
    _login(auth, world.people["admin_a"])
    assert client.get("/competitions/new").status_code == 403
    assert client.post("/competitions/new", data=_form(world.nodes["a"])).status_code == 403


def test_edit_replaces_indicators_while_draft_and_is_closed_once_running(app, client, auth, world):
    cid = add_competition(app, world.nodes["district"], status="draft")
    _login(auth, world.people["district"])
    assert client.post(f"/competitions/{cid}/edit", data=_form(world.nodes["district"], weights=(25, 25, 50))
                       ).status_code == 303
    assert _count(app, Indicator, competition_id=cid) == 3
    set_status(app, cid, "running")
    assert client.get(f"/competitions/{cid}/edit").status_code == 302
    response = client.post(f"/competitions/{cid}/edit", data=_form(world.nodes["district"], weights=(100,)))
    assert response.status_code == 302 and _count(app, Indicator, competition_id=cid) == 3


def test_another_unions_admin_gets_404_on_the_edit_page(app, client, auth, world):
    cid = add_competition(app, world.nodes["district"], status="draft")
    _login(auth, world.people["industry"])
    assert client.get(f"/competitions/{cid}/edit").status_code == 404
    assert client.get(f"/competitions/{cid}").status_code == 404  # a draft of another union is not even listed


# --- Status machine ---------------------------------------------------------------------------------------------


def _status(app, cid) -> str:
    with app.app_context():
        return db.session.get(Competition, cid).status


def test_the_organiser_walks_the_status_machine(app, client, auth, world):
    cid = add_competition(app, world.nodes["district"], status="draft")
    _login(auth, world.people["district"])
    assert client.post(f"/competitions/{cid}/status/publish").status_code == 303
    assert _status(app, cid) == "published"
    client.post(f"/competitions/{cid}/status/start")
    assert _status(app, cid) == "published"  # no unit enrolled yet: refused
    client.post(f"/competitions/{cid}/enrol", data={"unit_id": world.nodes["a"]})
    client.post(f"/competitions/{cid}/status/start")
    assert _status(app, cid) == "running"
    client.post(f"/competitions/{cid}/status/publish")  # not from running
    assert _status(app, cid) == "running"
    client.post(f"/competitions/{cid}/status/close")
    assert _status(app, cid) == "closed"
    client.post(f"/competitions/{cid}/status/finalise")  # only through the results
    assert _status(app, cid) == "closed"
    assert client.post(f"/competitions/{cid}/status/explode").status_code == 404


@pytest.mark.parametrize("who", ["admin_a", "industry", "worker_a"])
def test_others_cannot_move_the_status(app, client, auth, world, who):
    cid = add_competition(app, world.nodes["district"], status="draft")
    _login(auth, world.people[who])
    response = client.post(f"/competitions/{cid}/status/publish")
    assert response.status_code in (403, 404)
    assert _status(app, cid) == "draft"


# --- Enrolment --------------------------------------------------------------------------------------------------


def _enrolled(app, cid) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Enrolment.unit_id).where(Enrolment.competition_id == cid,
                                                                      Enrolment.status == "enrolled")))


def test_a_unit_admin_enrols_their_own_enterprise_only(app, client, auth, world):
    cid = add_competition(app, world.nodes["district"], status="published")
    _login(auth, world.people["admin_a"])
    assert client.post(f"/competitions/{cid}/enrol", data={"unit_id": world.nodes["b"]}).status_code == 303
    assert _enrolled(app, cid) == set()
    client.post(f"/competitions/{cid}/enrol", data={"unit_id": world.nodes["a_floor"]})
    client.post(f"/competitions/{cid}/enrol", data={"unit_id": world.nodes["a"]})
    assert _enrolled(app, cid) == {world.nodes["a_floor"], world.nodes["a"]}
    client.post(f"/competitions/{cid}/enrol", data={"unit_id": world.nodes["a"]})  # twice: refused, still one row
    assert _count(app, Enrolment, competition_id=cid, unit_id=world.nodes["a"]) == 1


def test_enrolment_stays_inside_the_organisers_subtree_and_workplaces(app, client, auth, world):
    cid = add_competition(app, world.nodes["district"], status="published")
    _login(auth, world.people["city"])
    for unit in ("c", "district", "industry"):
        client.post(f"/competitions/{cid}/enrol", data={"unit_id": world.nodes[unit]})
    assert _enrolled(app, cid) == set()
    client.post(f"/competitions/{cid}/enrol", data={"unit_id": world.nodes["b"]})
    assert _enrolled(app, cid) == {world.nodes["b"]}


@pytest.mark.parametrize("status", ["draft", "closed", "assessed"])
def test_enrolment_is_only_open_while_published_or_running(app, client, auth, world, status):
    cid = add_competition(app, world.nodes["district"], status=status)
    _login(auth, world.people["district"])
    client.post(f"/competitions/{cid}/enrol", data={"unit_id": world.nodes["a"]})
    assert _enrolled(app, cid) == set()


def test_withdraw_by_the_units_admin_not_by_another(app, client, auth, world):
    cid = add_competition(app, world.nodes["district"], units=(world.nodes["a"],))
    with app.app_context():
        enrolment_id = db.session.scalar(select(Enrolment.id).where(Enrolment.competition_id == cid))
    _login(auth, world.people["admin_b"])
    client.post(f"/competitions/{cid}/withdraw", data={"enrolment_id": enrolment_id})
    assert _enrolled(app, cid) == {world.nodes["a"]}
    _login(auth, world.people["admin_a"])
    client.post(f"/competitions/{cid}/withdraw", data={"enrolment_id": enrolment_id})
    assert _enrolled(app, cid) == set()


def test_the_enterprise_admins_my_space_shows_the_units_competitions(app, client, auth, world):
    add_competition(app, world.nodes["district"], units=(world.nodes["a"],), starts=date(2025, 1, 1),
                    ends=date(2025, 6, 30), name="甲参加的竞赛")
    _login(auth, world.people["admin_a"])
    page = html_text(client.get("/"))
    assert "本单位参加的竞赛" in page and "甲参加的竞赛" in page and "期报表逾期" in page
    _login(auth, world.people["admin_b"])
    assert "甲参加的竞赛" not in html_text(client.get("/"))


# --- Progress reports ---------------------------------------------------------------------------------------------


def _report_url(cid, unit, period="2026-01-01"):
    return f"/competitions/{cid}/reports/edit?unit={unit}&period={period}"


@pytest.fixture
def running(app, world, monkeypatch):
    """A running monthly competition of the district with 甲 enrolled; "today" is 2026-03-15 in the portal's zone."""
    from blueprints.competitions import queries
    from blueprints.competitions.services import reports

    monkeypatch.setattr(reports, "local_today", lambda: date(2026, 3, 15))
    monkeypatch.setattr(queries, "local_today", lambda: date(2026, 3, 15))
    return add_competition(app, world.nodes["district"], units=(world.nodes["a"],))


def test_a_unit_admin_reports_and_the_organiser_returns_then_accepts(app, client, auth, world, running):
    cid = running
    first, second, _computed = indicator_ids(app, cid)
    _login(auth, world.people["admin_a"])
    url = _report_url(cid, world.nodes["a"])
    assert client.get(url).status_code == 200
    response = client.post(url, data={f"figure_{first}": "12.5", f"figure_{second}": "3", "narrative": "进展",
                                      "submit": "1"})
    assert response.status_code == 303
    with app.app_context():
        report = db.session.scalar(select(Report))
        assert report.status == "submitted" and report.period_end == date(2026, 1, 31)
        assert sorted(f.value for f in db.session.scalars(select(ReportFigure))) == [3, 12.5]
    _login(auth, world.people["district"])
    decide = f"/competitions/{cid}/reports/{report.id}/decide"
    client.post(decide, data={"action": "return", "comment": ""})  # a return needs a reason
    assert _report_status(app) == "submitted"
    client.post(decide, data={"action": "return", "comment": "数据有误"})
    assert _report_status(app) == "returned"
    _login(auth, world.people["admin_a"])
    client.post(url, data={f"figure_{first}": "10", f"figure_{second}": "3", "submit": "1"})
    assert _report_status(app) == "submitted"
    _login(auth, world.people["district"])
    client.post(decide, data={"action": "accept"})
    assert _report_status(app) == "accepted"
    client.post(decide, data={"action": "return", "comment": "再改"})  # not from accepted
    assert _report_status(app) == "accepted"
    _login(auth, world.people["admin_a"])
    client.post(url, data={f"figure_{first}": "99", f"figure_{second}": "3", "submit": "1"})
    assert _report_status(app) == "accepted"


def _report_status(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Report.status))


@pytest.mark.parametrize("value,message", [("-1", "不能为负数"), ("十二", "不是有效的数字"), ("1.234", "两位小数"),
                                           ("1e400", "不是有效的数字"), ("", "提交前请填写")])
def test_bad_figures_are_refused_and_kept(app, client, auth, world, running, value, message):
    first, second, _computed = indicator_ids(app, running)
    _login(auth, world.people["admin_a"])
    response = client.post(_report_url(running, world.nodes["a"]),
                           data={f"figure_{first}": value, f"figure_{second}": "3", "narrative": "保留的文字",
                                 "submit": "1"})
    page = html_text(response)
    assert response.status_code == 200 and message in page and "保留的文字" in page
    assert _count(app, Report) == 0


def test_a_draft_may_leave_figures_blank(app, client, auth, world, running):
    _login(auth, world.people["admin_a"])
    assert client.post(_report_url(running, world.nodes["a"]), data={"narrative": "草稿"}).status_code == 303
    assert _report_status(app) == "draft"


@pytest.mark.parametrize("period,message", [("2025-12-01", "不在竞赛期间内"), ("2026-01-15", "不在竞赛期间内"),
                                            ("2026-04-01", "还没有开始")])
def test_a_period_outside_the_competition_or_not_started_is_refused(app, client, auth, world, running, period,
                                                                       message):
    _login(auth, world.people["admin_a"])
    response = client.post(_report_url(running, world.nodes["a"], period), data={"narrative": "x"})
    assert message in html_text(response) and _count(app, Report) == 0


def test_a_report_for_a_unit_not_enrolled_is_refused(app, client, auth, world, running):
    _login(auth, world.people["admin_b"])
    assert client.get(_report_url(running, world.nodes["b"])).status_code == 404
    assert client.post(_report_url(running, world.nodes["b"]), data={"narrative": "x"}).status_code == 404
    _login(auth, world.people["admin_a"])  # 甲's admin for 乙: not theirs either
    assert client.post(_report_url(running, world.nodes["b"]), data={"narrative": "x"}).status_code == 404
    assert _count(app, Report) == 0


def test_no_report_once_the_competition_is_closed(app, client, auth, world, running):
    set_status(app, running, "closed")
    _login(auth, world.people["admin_a"])
    response = client.post(_report_url(running, world.nodes["a"]), data={"narrative": "x"})
    assert "竞赛不在进行中" in html_text(response) and _count(app, Report) == 0


def test_reports_page_is_for_the_organiser_and_the_units_admins(app, client, auth, world, running):
    for who, status in (("district", 200), ("admin_a", 200), ("city", 200), ("admin_b", 404), ("industry", 404),
                        ("worker_a", 403)):
        _login(auth, world.people[who])
        assert client.get(f"/competitions/{running}/reports").status_code == status, who


def test_the_reports_page_counts_overdue_periods(app, client, auth, world, running):
    # Today 2026-03-15: January (due 02-10) and February (due 03-10) are overdue; March is not over.
    _login(auth, world.people["district"])
    page = html_text(client.get(f"/competitions/{running}/reports"))
    assert "逾期 2" in page


def test_other_enterprises_taking_part_are_named_to_the_organiser_only(app, client, auth, world):
    cid = add_competition(app, world.nodes["district"], units=(world.nodes["a"], world.nodes["b"]))
    _login(auth, world.people["admin_b"])
    page = html_text(client.get(f"/competitions/{cid}"))
    assert "乙企业" in page and "甲企业" not in page and "另有 1 个其他单位报名" in page
    _login(auth, world.people["worker_a"])
    page = html_text(client.get(f"/competitions/{cid}"))
    assert "甲企业" in page and "乙企业" not in page
    _login(auth, world.people["district"])
    page = html_text(client.get(f"/competitions/{cid}"))
    assert "甲企业" in page and "乙企业" in page
