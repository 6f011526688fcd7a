"""Route matrix (QUALITY §3), CSRF sweep (§4) and headers (§8) over EVERY route of the app.

The table below says, for each endpoint and method, who may use it. The test builds the route list from
app.url_map, so a new route without an entry fails here until someone decides who may reach it.

Access codes per role: "ok" (served: any status but 401/403/404 and no redirect to the login page),
"deny" (403 or 404, and audited), "login" (anonymous: redirected to the login page), "any" (never refused).
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blueprints.core.models import AuditLog
from extensions import db
from tests.conftest import base_config
from tests.security_world import _demo_client, _row_counts

ROLES = ("anonymous", "worker", "lead", "hr", "admin")
PUBLIC = dict.fromkeys(ROLES, "ok")
SIGNED_IN = {"anonymous": "login", "worker": "ok", "lead": "ok", "hr": "ok", "admin": "ok"}
ADMIN_ONLY = {"anonymous": "login", "worker": "deny", "lead": "deny", "hr": "deny", "admin": "ok"}

# (endpoint, method) -> access per role. Sample ids for URL arguments come from the `world` fixture.
MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("static", "GET"): PUBLIC,
    ("core.healthz", "GET"): PUBLIC,
    ("core.ping", "GET"): PUBLIC,
    ("core.set_locale", "POST"): PUBLIC,
    ("auth.login", "GET"): PUBLIC,
    ("auth.login", "POST"): PUBLIC,
    ("auth.logout", "POST"): dict.fromkeys(ROLES, "any"),  # always ends on the login page
    ("auth.password", "GET"): SIGNED_IN,
    ("auth.password", "POST"): SIGNED_IN,
    ("core.home", "GET"): SIGNED_IN,
    ("core.notifications", "GET"): SIGNED_IN,
    ("core.notification_badge", "GET"): SIGNED_IN,
    ("core.read_all_notifications", "POST"): SIGNED_IN,
    ("core.people_search", "GET"): SIGNED_IN,
    ("core.pick", "GET"): SIGNED_IN,
    ("core.jobs_index", "GET"): SIGNED_IN,
    # Someone else's background job and its file: refused to everyone, admins included (core/job_views.py).
    ("core.job", "GET"): {"anonymous": "login", "worker": "deny", "lead": "deny", "hr": "deny", "admin": "deny"},
    ("core.job_download", "GET"): {"anonymous": "login", "worker": "deny", "lead": "deny", "hr": "deny",
                                   "admin": "deny"},
    # Someone else's notification: every signed-in role is refused (object-level check).
    ("core.open_notification", "POST"): {"anonymous": "login", "worker": "deny", "lead": "deny", "hr": "deny",
                                         "admin": "deny"},
    ("admin.users", "GET"): ADMIN_ONLY,
    ("admin.user_new", "GET"): ADMIN_ONLY,
    ("admin.user_new", "POST"): ADMIN_ONLY,
    ("admin.user_edit", "GET"): ADMIN_ONLY,
    ("admin.user_edit", "POST"): ADMIN_ONLY,
    ("admin.user_set_active", "POST"): ADMIN_ONLY,
    ("admin.user_reset_password", "POST"): ADMIN_ONLY,
    ("admin.user_grant", "POST"): ADMIN_ONLY,
    ("admin.user_revoke", "POST"): ADMIN_ONLY,
    ("admin.departments", "GET"): ADMIN_ONLY,
    ("admin.departments", "POST"): ADMIN_ONLY,
    ("admin.department_edit", "GET"): ADMIN_ONLY,
    ("admin.department_edit", "POST"): ADMIN_ONLY,
    ("admin.department_delete", "POST"): ADMIN_ONLY,
    ("admin.audit_log", "GET"): ADMIN_ONLY,
    ("admin.settings", "GET"): ADMIN_ONLY,
    ("admin.settings", "POST"): ADMIN_ONLY,
    ("admin.user_import", "GET"): ADMIN_ONLY,
    ("admin.user_import", "POST"): ADMIN_ONLY,
    ("admin.user_import_template", "GET"): ADMIN_ONLY,
    ("admin.user_import_apply", "POST"): ADMIN_ONLY,
}


def _all_routes(application) -> list[tuple[str, str, object]]:
    routes = []
    for rule in application.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule))
    return routes


def _route_ids():
    """Every (endpoint, method) of the app, read from its URL map at collection time."""
    import tempfile
    from pathlib import Path

    from app import create_app

    with tempfile.TemporaryDirectory() as folder:
        application = create_app({**base_config(Path(folder)), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        return sorted({(endpoint, method) for endpoint, method, _ in _all_routes(application)}), application


ROUTE_IDS, _APP = _route_ids()


def _domain_matrices() -> set[tuple[str, str]]:
    """(endpoint, method) pairs whose access each domain decides and tests in its own matrix."""
    from tests.test_contests_access import ACCESS as CONTESTS
    from tests.test_honours_demo import ACCESS as HONOURS_AND_PROJECTS
    from tests.test_mentoring_flow import ACCESS as MENTORING
    from tests.test_stats_views import ACCESS as STATS
    from tests.test_suggestions_access import ROUTES as SUGGESTIONS
    from tests.test_training_views import ACCESS as TRAINING
    from tests.test_workshops_access import MATRIX as WORKSHOPS

    decided = set(WORKSHOPS)
    # The training and suggestions tables decide per endpoint, for all of its methods.
    decided |= {(endpoint, method) for endpoint, method, _ in _all_routes(_APP)
                if endpoint in TRAINING or endpoint in SUGGESTIONS or endpoint in STATS or endpoint in MENTORING
                or endpoint in CONTESTS}
    # Competitions are decided (per role and scope) in the federation matrix.
    from tests.test_federation_matrix import ROUTES as FEDERATION

    decided |= {(endpoint, method) for endpoint, method, _ in _all_routes(_APP)
                if endpoint.startswith(("competitions.", "safety.")) and endpoint in FEDERATION}
    decided |= {(endpoint, method) for endpoint, method, _ in _all_routes(_APP) if endpoint in HONOURS_AND_PROJECTS}
    return decided


def test_every_route_has_an_access_decision():
    decided = set(MATRIX) | _domain_matrices()
    missing = [route for route in ROUTE_IDS if route not in decided]
    stale = [route for route in decided if route not in ROUTE_IDS]
    assert not missing, f"routes without an access decision: {missing}"
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


CORE_ROUTE_IDS = [route for route in ROUTE_IDS if route in MATRIX]


class World:
    """The sample records every route's URL arguments point at: one user per role, plus objects of others."""

    def __init__(self, app, make_user, make_department):
        from blueprints.core.notify import notify

        self.dept = make_department("矩阵部")
        self.users = {role: make_user(employee_no=f"m-{role}", roles=(role, "worker") if role != "worker"
                                      else ("worker",)) for role in ROLES[1:]}
        self.stranger = make_user(employee_no="m-stranger")
        with app.app_context():
            from blueprints.core.models import Job, RoleGrant

            note = notify(self.stranger.id, "测试")
            grant = RoleGrant(user_id=self.stranger.id, role="safety", department_id=self.dept.id)
            job = Job(kind="suggestions.export", owner_id=self.stranger.id, status="done", params={},
                      failure_params={}, result_path="1/x.xlsx", result_name="x.xlsx")
            db.session.add_all([grant, job])
            db.session.commit()
            self.notification_id, self.grant_id, self.job_id = note.id, grant.id, job.id
        self.args = {"user_id": self.stranger.id, "dept_id": self.dept.id, "grant_id": self.grant_id,
                     "notification_id": self.notification_id, "job_id": self.job_id, "filename": "css/app.css",
                     "source": "departments-admin"}


@pytest.fixture
def world(app, make_user, make_department):
    return World(app, make_user, make_department)


def _url(app, rule, world) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: world.args[arg] for arg in rule.arguments})


def _request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={})


@pytest.mark.parametrize("endpoint,method", CORE_ROUTE_IDS)
def test_route_access_for_every_role(app, client, auth, world, endpoint, method):
    rule = next(r for e, m, r in _all_routes(app) if e == endpoint and m == method)
    url = _url(app, rule, world)
    expected = MATRIX[(endpoint, method)]
    for role in ROLES:
        app.test_client_class = type(client)
        browser = app.test_client()
        if role != "anonymous":
            assert auth.__class__(browser).login(world.users[role].employee_no).status_code == 303
        with app.app_context():
            denials_before = db.session.scalar(select(func.count()).select_from(AuditLog)
                                               .where(AuditLog.action == "access.denied"))
        response = _request(browser, method, url)
        status, location = response.status_code, response.headers.get("Location", "")
        outcome = expected[role]
        context = f"{method} {url} as {role}: {status} {location}"
        if outcome == "any":
            assert status not in (401, 403, 404, 500), context
        elif outcome == "ok":
            assert status not in (401, 403, 404) and "/auth/login" not in location, context
        elif outcome == "login":
            assert status in (302, 303) and "/auth/login" in location, context
        else:
            assert status in (403, 404), context
            with app.app_context():
                denials_after = db.session.scalar(select(func.count()).select_from(AuditLog)
                                                  .where(AuditLog.action == "access.denied"))
            assert denials_after == denials_before + 1, f"denial not audited: {context}"


# --- Sweeps over every route, on the demo database so each URL points at real records --------------------------

POST_ROUTES = [route for route in ROUTE_IDS if route[1] != "GET"]


def test_state_changing_routes_without_csrf_token_are_400(demo_app, demo_urls):
    browser = _demo_client(demo_app, "admin")
    refused = []
    for endpoint, method in POST_ROUTES:
        response = browser.open(demo_urls[(endpoint, method)], method=method, data={}, csrf=False)
        if response.status_code != 400:
            refused.append((endpoint, response.status_code))
    assert not refused, f"accepted without a CSRF token: {refused}"


GET_ROUTES = [route for route in ROUTE_IDS if route[1] == "GET"]


@pytest.mark.parametrize("employee_no", ["worker1", "lead1", "hr1", "admin"])
def test_no_get_changes_the_database(demo_app, demo_urls, employee_no):
    browser = _demo_client(demo_app, employee_no)
    before = _row_counts(demo_app)
    for route in GET_ROUTES:
        browser.get(demo_urls[route])
        browser.get(demo_urls[route], headers={"HX-Request": "true"})
    after = _row_counts(demo_app)
    assert after == before, {t: (before[t], after[t]) for t in before if before[t] != after[t]}


def test_security_headers_on_every_page(demo_app, demo_urls):
    browser = _demo_client(demo_app, "admin")
    for route in GET_ROUTES:
        if route[0] == "static":
            continue
        response = browser.get(demo_urls[route])
        headers = response.headers
        context = f"{route}: {response.status_code}"
        assert "default-src 'self'" in headers["Content-Security-Policy"], context
        assert "object-src 'none'" in headers["Content-Security-Policy"], context
        assert "unsafe-inline" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        assert headers["X-Content-Type-Options"] == "nosniff", context
        assert headers["Referrer-Policy"] == "same-origin", context
        assert headers["Cache-Control"] in ("no-store", "private, no-store"), context
        assert "HX-Request" in headers.get("Vary", ""), context
