"""Key projects and honours on the demo federation, as its real accounts (SPEC §14): each admin sees the projects and
nominations of their scope only; the 工人先锋号 nomination waits for the city, which alone decides it; workers are
refused; lead1's approved medal is on his record."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from blueprints.honours.models import Nomination
from extensions import db
from tests.conftest import html_text
from tests.security_world import _demo_client

PROJECTS = {"松北综合交通枢纽工程": "LJJG", "地铁三号线二期机电安装工程": "LJJG", "滨江重工智能制造基地扩建": "BJHI"}
SEES_PROJECTS = {"admin": {"LJJG", "BJHI"}, "d1admin": {"BJHI"}, "i1admin": {"LJJG"}, "e1admin": {"BJHI"},
                 "e3admin": {"LJJG"}, "e2admin": set()}


@pytest.mark.parametrize("account", list(SEES_PROJECTS))
def test_each_demo_admin_lists_the_projects_of_their_scope(demo_app, account):
    page = html_text(_demo_client(demo_app, account).get("/projects/"))
    results = page[page.index('id="results"'):]
    assert {owner for name, owner in PROJECTS.items() if name in results} == SEES_PROJECTS[account]


def _pioneer(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Nomination.id).where(Nomination.honour == "pioneer"))


@pytest.mark.parametrize("account,status", [("admin", 200), ("d1admin", 200), ("e1admin", 200), ("i1admin", 404),
                                            ("e2admin", 404), ("e3admin", 404), ("worker1", 403), ("hr1", 403)])
def test_the_team_nomination_is_seen_by_its_chain_only(demo_app, account, status):
    assert _demo_client(demo_app, account).get(f"/honours/{_pioneer(demo_app)}").status_code == status


@pytest.mark.parametrize("account", ["d1admin", "e1admin"])
def test_below_the_city_nobody_decides_the_forwarded_nomination(demo_app, account):
    nomination_id = _pioneer(demo_app)
    response = _demo_client(demo_app, account).post(f"/honours/{nomination_id}/approve", data={})
    assert "由市总工会审定" in html_text(response)
    with demo_app.app_context():
        assert db.session.get(Nomination, nomination_id).status == "forwarded"


def test_the_city_approves_the_forwarded_nomination(demo_app):
    nomination_id = _pioneer(demo_app)
    assert _demo_client(demo_app, "admin").post(f"/honours/{nomination_id}/approve", data={}).status_code == 303
    with demo_app.app_context():
        assert db.session.get(Nomination, nomination_id).status == "approved"


def test_lead1s_medal_is_on_his_record(demo_app):
    with demo_app.app_context():
        lead1 = db.session.scalar(text("SELECT id FROM users WHERE employee_no = 'lead1'"))
    page = html_text(_demo_client(demo_app, "lead1").get(f"/stats/people/{lead1}"))
    assert "五一劳动奖章" in page[page.index("rec-honours"):]


# --- Who may use each route (read by tests/test_security_routes.py) ---------------------------------------------------

# Every key projects and honours route is for union admins (their scope decides which records; see the federation
# matrix); everyone else is refused, anonymous visitors are sent to sign in.
ACCESS = dict.fromkeys((
    "projects.index", "projects.new", "projects.detail", "projects.edit", "projects.milestone_add",
    "projects.milestone_edit", "projects.milestone_delete", "honours.index", "honours.new", "honours.detail",
    "honours.edit", "honours.decide"), ("admin",))


@pytest.mark.parametrize("account", [None, "worker1", "lead1", "hr1", "safety1", "admin"])
def test_only_admins_use_the_routes(demo_app, demo_urls, account):
    from tests.conftest import PortalClient
    from tests.security_world import all_routes

    demo_app.test_client_class = PortalClient  # sends the CSRF token: a refusal is about access, not the token
    browser = demo_app.test_client() if account is None else _demo_client(demo_app, account)
    wrong = []
    for endpoint, method, _rule in all_routes(demo_app):
        if endpoint not in ACCESS or (account == "admin" and method == "POST"):
            continue
        response = browser.open(demo_urls[(endpoint, method)], method=method, data={})
        if account is None:
            ok = response.status_code in (302, 303) and "/auth/login" in response.headers.get("Location", "")
        elif account == "admin":
            ok = response.status_code == 200
        else:
            ok = response.status_code == 403
        if not ok:
            wrong.append((endpoint, method, response.status_code))
    assert not wrong, wrong
