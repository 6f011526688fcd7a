"""Who may use each contest route (QUALITY §3): a table per endpoint, checked for anonymous visitors, a worker of
another enterprise, a worker of the organiser and the staff who run it; refusals are audited and change nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from blueprints.contests.models import Entrant, Judge, Quota, Score
from blueprints.core.models import AuditLog
from extensions import db
from tests import fixtures_contests
from tests.fixtures_contests import make_contest

# endpoint -> (method, access): "user" any signed-in viewer of the contest; "staff" those who run it (403 for
# other viewers); "owner" the signed-in entrant's own (404 otherwise); every contest route answers 404 to people
# who may not see the contest at all.
ACCESS = {
    "contests.index": ("GET", "user"),
    "contests.new": ("GET", "records"),
    "contests.detail": ("GET", "user"),
    "contests.edit": ("GET", "staff"),
    "contests.quota": ("POST", "staff"),
    "contests.judges": ("POST", "staff"),
    "contests.chief": ("POST", "staff"),
    "contests.nominate": ("POST", "user"),
    "contests.apply": ("POST", "user"),
    "contests.decide": ("POST", "user"),
    "contests.move": ("POST", "user"),
    "contests.judge": ("GET", "user"),
    "contests.save_scores": ("POST", "user"),
    "contests.import_scores": ("POST", "user"),
    "contests.reopen": ("POST", "user"),
    "contests.resolve_flag": ("POST", "user"),
    "contests.results": ("GET", "user"),
    "contests.object_to": ("POST", "user"),
    "contests.answer": ("POST", "user"),
    "contests.upgrade": ("POST", "user"),
    "contests.certificate": ("GET", "owner"),
}

world = fixtures_contests.world  # this domain's `world` fixture (three domains use the name)


def _url(app, endpoint, contest_id):
    with app.test_request_context():
        from flask import url_for

        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        return url_for(endpoint, **({"contest_id": contest_id} if "contest_id" in rule.arguments else {}))


def _state(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Entrant, Judge, Quota, Score))


def _denials(app):
    with app.app_context():
        return db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "access.denied"))


def test_every_contest_route_has_an_access_rule(app):
    routes = {r.endpoint: r.methods - {"HEAD", "OPTIONS"} for r in app.url_map.iter_rules()
              if r.endpoint.startswith("contests.")}
    assert set(routes) == set(ACCESS)
    for endpoint, methods in routes.items():
        assert ACCESS[endpoint][0] in methods, endpoint


def test_anonymous_is_sent_to_login(app, client, world):
    contest_id = make_contest(app, world, "scoring")
    for endpoint, (method, _access) in ACCESS.items():
        response = client.open(_url(app, endpoint, contest_id), method=method)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], endpoint


def test_another_enterprise_gets_404_on_every_contest_route(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring")
    before, denials = _state(app), _denials(app)
    auth.login(world.people["b1"].employee_no)
    refused = 0
    for endpoint, (method, access) in ACCESS.items():
        if endpoint == "contests.index":
            continue
        response = client.open(_url(app, endpoint, contest_id), method=method, data={})
        if access in ("user", "staff", "owner"):
            assert response.status_code == 404, endpoint
            refused += 1
        elif access == "records":
            assert response.status_code == 403, endpoint
            refused += 1
    assert _denials(app) == denials + refused
    assert _state(app) == before


def test_the_organisers_workers_are_refused_the_staff_routes(app, client, auth, world):
    contest_id = make_contest(app, world, "registration")
    before, denials = _state(app), _denials(app)
    auth.login(world.people["a4"].employee_no)
    staff = [e for e, (_m, access) in ACCESS.items() if access in ("staff", "records")]
    for endpoint in staff:
        method = ACCESS[endpoint][0]
        assert client.open(_url(app, endpoint, contest_id), method=method, data={}).status_code == 403, endpoint
    assert _denials(app) == denials + len(staff)
    assert client.get(_url(app, "contests.detail", contest_id)).status_code == 200
    assert client.get(_url(app, "contests.certificate", contest_id)).status_code == 404
    assert _state(app) == before


def test_staff_reach_every_page(app, client, auth, world):
    contest_id = make_contest(app, world, "scoring")
    auth.login(world.people["hra"].employee_no)
    for endpoint, (method, access) in ACCESS.items():
        if method == "GET" and access != "owner":
            response = client.get(_url(app, endpoint, contest_id))
            assert response.status_code in (200, 302), endpoint
