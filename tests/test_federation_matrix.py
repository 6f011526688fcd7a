"""Route × role × scope matrix over EVERY route of the app, on the demo federation (SPEC §7, §14; QUALITY §11).

ROUTES below says, for each endpoint (all of its methods), who may use it and, for a route that takes an object id,
whose records it reaches. The list of routes is read from app.url_map, so a new route without an entry fails
test_every_route_is_in_the_table until someone decides who may use it and on whose records.

who: "public" (no sign-in), "signed_in" (everyone signed in), "token" (the secret URL itself), "admin" (union
admins), "hr" (training staff), "records" (admins and HR), "stats" (admins, leads and HR), "reviewer" (admins and
workshop leads/deputies).
records: None (no object id), "own" (the signed-in person's own), "member" (the workshop's lead and members),
"public" (any signed-in user may open it whatever their scope), "scope" (inside the acting role's scope).
kind: the record type of the object id (the first scoped one among the URL's arguments).

The scope sweep signs in as the staff of enterprise 1 (e1admin, hr1) and opens each "scope", "own" and "member"
route on enterprise 2's record: the answer is 404 like a missing record (403 allowed for "own"/"member", the
domains' existing answer to "not yours"), the refusal is audited once, and the database is unchanged.
"""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select, text

from blueprints.core.models import AuditLog
from extensions import db
from tests.security_world import _demo_client, all_routes


def _r(who: str, records: str | None = None, kind: str | None = None) -> tuple[str, str | None, str | None]:
    return who, records, kind


ROUTES: dict[str, tuple[str, str | None, str | None]] = {
    "static": _r("public"),
    "core.healthz": _r("public"),
    "core.ping": _r("public"),
    "core.set_locale": _r("public"),
    "auth.login": _r("public"),
    "auth.logout": _r("public"),
    "auth.password": _r("signed_in"),
    "core.home": _r("signed_in"),
    "core.notifications": _r("signed_in"),
    "core.notification_badge": _r("signed_in"),
    "core.read_all_notifications": _r("signed_in"),
    "core.people_search": _r("signed_in"),
    "core.pick": _r("signed_in"),  # answers only the source's allowed set for the user (tests/test_pickers.py)
    "core.open_notification": _r("signed_in", "own", "notification"),
    "core.jobs_index": _r("signed_in"),
    "core.job": _r("signed_in", "own", "job"),  # the owner's alone, admins included (core/job_views.py)
    "core.job_download": _r("signed_in", "own", "job"),
    # Administration: people and departments of the admin's scope.
    "admin.users": _r("admin"),
    "admin.user_new": _r("admin"),
    "admin.user_edit": _r("admin", "scope", "user"),
    "admin.user_set_active": _r("admin", "scope", "user"),
    "admin.user_reset_password": _r("admin", "scope", "user"),
    "admin.departments": _r("admin"),
    "admin.department_edit": _r("admin", "scope", "department"),
    "admin.department_delete": _r("admin", "scope", "department"),
    "admin.audit_log": _r("admin"),
    "admin.settings": _r("admin"),
    "admin.user_import": _r("admin"),
    "admin.user_import_template": _r("admin"),
    "admin.user_import_apply": _r("admin"),
    "admin.user_grant": _r("admin", "scope", "user"),
    "admin.user_revoke": _r("admin", "scope", "user"),
    # Statistics.
    "stats.index": _r("stats"),
    "stats.export": _r("stats"),
    "stats.refresh": _r("admin"),
    "stats.target_row": _r("admin", "scope", "department"),
    "stats.target_edit": _r("admin", "scope", "department"),
    "stats.target_save": _r("admin", "scope", "department"),
    "stats.record_lookup": _r("records"),
    "stats.person_record": _r("records", "scope", "user"),
    "stats.people_search": _r("records"),
    # Suggestions: the author's own, what is listed for everyone, and the reviewers' and admins' work.
    "suggestions.index": _r("signed_in"),
    "suggestions.export": _r("signed_in"),
    "suggestions.similar": _r("signed_in"),
    "suggestions.new": _r("signed_in"),
    "suggestions.detail": _r("signed_in", "public", "suggestion"),
    "suggestions.comment": _r("signed_in", "public", "suggestion"),
    "suggestions.endorse": _r("signed_in", "public", "suggestion"),
    "suggestions.download": _r("signed_in", "public", "suggestion"),
    "suggestions.edit": _r("signed_in", "own", "suggestion"),
    "suggestions.submit": _r("signed_in", "own", "suggestion"),
    "suggestions.withdraw": _r("signed_in", "own", "suggestion"),
    "suggestions.add_note": _r("reviewer", "scope", "suggestion"),
    "suggestions.decide": _r("reviewer", "scope", "suggestion"),
    "suggestions.review": _r("reviewer"),
    "suggestions.review_counts": _r("reviewer"),
    "suggestions.review_item": _r("reviewer", "scope", "suggestion"),
    "suggestions.review_bulk": _r("reviewer"),
    "suggestions.answer_templates": _r("reviewer"),
    "suggestions.delete_answer_template": _r("reviewer", "own", "template"),
    "suggestions.reassign": _r("admin", "scope", "suggestion"),
    "suggestions.award": _r("admin", "scope", "suggestion"),
    "suggestions.award_preview": _r("admin", "scope", "suggestion"),
    "suggestions.rewards": _r("admin"),
    "suggestions.rewards_export": _r("admin"),
    "suggestions.rewards_pay": _r("admin"),
    "suggestions.recommendations": _r("admin"),
    "suggestions.recommend": _r("admin", "scope", "suggestion"),
    "suggestions.recommendation_decide": _r("admin", "scope", "suggestion"),
    # Training: sessions everyone may see and sign up for; HR manage the ones of their scope.
    "training.index": _r("signed_in"),
    "training.detail": _r("signed_in", "public", "session"),
    "training.seats": _r("signed_in", "public", "session"),
    "training.signup": _r("signed_in", "public", "session"),
    "training.withdraw": _r("signed_in", "public", "session"),  # one's own enrolment in a visible session
    "training.session_ics": _r("signed_in", "public", "session"),
    "training.my_record": _r("signed_in"),
    "training.my_ics": _r("signed_in"),
    "training.my_feed": _r("signed_in"),
    "training.feed": _r("token"),
    "training.certificate": _r("signed_in", "own", "enrollment"),
    "training.manage": _r("hr"),
    "training.new": _r("hr"),
    "training.roster_template": _r("hr"),
    "training.edit": _r("hr", "scope", "session"),
    "training.change_status": _r("hr", "scope", "session"),
    "training.roster": _r("hr", "scope", "session"),
    "training.roster_add": _r("hr", "scope", "session"),
    "training.present_all": _r("hr", "scope", "session"),
    "training.roster_xlsx": _r("hr", "scope", "session"),
    "training.signin_sheet": _r("hr", "scope", "session"),
    "training.attendance": _r("hr", "scope", "enrollment"),
    "training.result": _r("hr", "scope", "enrollment"),
    "training.move": _r("hr", "scope", "enrollment"),
    "training.remove": _r("hr", "scope", "enrollment"),
    "training.people_search": _r("hr", "scope", "session"),
    # Hazard reports: anyone reports; the reporter, the responsible department and the officers and union admins of
    # the scope open a report ("own": a worker reaches only their own and their department's); officers act.
    "safety.hazards": _r("signed_in"),
    "safety.hazard_new": _r("signed_in"),
    "safety.hazard_detail": _r("signed_in", "own", "hazard"),
    "safety.hazard_thumb": _r("signed_in", "own", "hazard"),
    "safety.hazard_photo": _r("signed_in", "own", "hazard"),
    "safety.hazard_close": _r("signed_in", "own", "hazard"),
    "safety.hazard_triage": _r("safety", "scope", "hazard"),
    "safety.hazard_assign": _r("safety", "scope", "hazard"),
    "safety.hazard_verify": _r("safety", "scope", "hazard"),
    # Workshops: approved ones are public; leads run their own; admins of the scope decide.
    "workshops.index": _r("signed_in"),
    "workshops.export": _r("signed_in"),
    "workshops.new": _r("signed_in"),
    "workshops.join_requests": _r("signed_in"),
    "workshops.profile": _r("signed_in", "public", "workshop"),
    "workshops.achievement_file": _r("signed_in", "public", "workshop"),
    "workshops.join": _r("signed_in", "public", "workshop"),
    # Withdrawing one's own request and leaving act on one's own membership of a visible workshop.
    "workshops.withdraw": _r("signed_in", "public", "workshop"),
    "workshops.leave": _r("signed_in", "public", "workshop"),
    "workshops.edit": _r("signed_in", "member", "workshop"),
    "workshops.delete": _r("signed_in", "member", "workshop"),
    "workshops.submit": _r("signed_in", "member", "workshop"),
    "workshops.achievement_new": _r("signed_in", "member", "workshop"),
    "workshops.achievement_edit": _r("signed_in", "member", "workshop"),
    "workshops.achievement_delete": _r("signed_in", "member", "workshop"),
    "workshops.approve_member": _r("signed_in", "member", "workshop"),
    "workshops.decline_member": _r("signed_in", "member", "workshop"),
    "workshops.remove_member": _r("signed_in", "member", "workshop"),
    "workshops.appoint_deputy": _r("signed_in", "member", "workshop"),
    "workshops.remove_deputy": _r("signed_in", "member", "workshop"),
    "workshops.hand_over": _r("signed_in", "member", "workshop"),
    "workshops.review": _r("admin"),
    "workshops.approve": _r("admin", "scope", "workshop"),
    "workshops.reject": _r("admin", "scope", "workshop"),
    "workshops.revoke": _r("admin", "scope", "workshop"),
    "workshops.change_level": _r("admin", "scope", "workshop"),
    "workshops.recommend": _r("admin", "scope", "workshop"),
    "workshops.decide_recommendation": _r("admin", "scope", "recommendation"),
    # Competitions: everyone sees those relevant to their unit; admins of the organiser run them, unit admins enrol,
    # report and object.
    "competitions.index": _r("signed_in"),
    "competitions.new": _r("admin"),
    "competitions.detail": _r("signed_in", "scope", "competition"),
    "competitions.results": _r("signed_in", "scope", "competition"),
    "competitions.edit": _r("admin", "scope", "competition"),
    "competitions.change_status": _r("admin", "scope", "competition"),
    "competitions.enrol": _r("admin", "scope", "competition"),
    "competitions.withdraw": _r("admin", "scope", "competition"),
    "competitions.reports": _r("admin", "scope", "competition"),
    "competitions.report_edit": _r("admin", "scope", "competition"),
    "competitions.report_decide": _r("admin", "scope", "competition"),
    "competitions.report_file": _r("admin", "scope", "competition"),
    "competitions.score": _r("admin", "scope", "competition"),
    "competitions.publish_results": _r("admin", "scope", "competition"),
    "competitions.object_results": _r("admin", "scope", "competition"),
    "competitions.answer_objection": _r("admin", "scope", "competition"),
    "competitions.finalise": _r("admin", "scope", "competition"),
    # Mentoring: a pair is seen by its master and apprentice (no role of the matrix) and the HR and union admins of
    # its scope; everyone else gets 404. Creating a pair: HR and admins.
    "mentoring.index": _r("signed_in"),
    "mentoring.new": _r("records"),
    "mentoring.detail": _r("records", "scope", "pair"),
    "mentoring.checkin": _r("records", "scope", "pair"),
    "mentoring.assess": _r("records", "scope", "pair"),
    "mentoring.complete": _r("records", "scope", "pair"),
    "mentoring.end": _r("records", "scope", "pair"),
    "mentoring.agreement": _r("records", "scope", "pair"),
    # Key projects: admins over the owner enterprise.
    "projects.index": _r("admin"),
    "projects.new": _r("admin"),
    "projects.detail": _r("admin", "scope", "project"),
    "projects.edit": _r("admin", "scope", "project"),
    "projects.milestone_add": _r("admin", "scope", "project"),
    "projects.milestone_edit": _r("admin", "scope", "project"),
    "projects.milestone_delete": _r("admin", "scope", "project"),
    # Honours: admins over the nominated unit, team or person.
    "honours.index": _r("admin"),
    "honours.new": _r("admin"),
    "honours.detail": _r("admin", "scope", "nomination"),
    "honours.edit": _r("admin", "scope", "nomination"),
    "honours.decide": _r("admin", "scope", "nomination"),
    # Skills contests: visible to the organiser's people, its staff, judges and entrants; run by admins and HR of
    # the organiser's scope; judges, the chief judge and entrants act inside (checked by the services).
    "contests.index": _r("signed_in"),
    "contests.new": _r("records"),
    "contests.detail": _r("signed_in", "scope", "contest"),
    "contests.edit": _r("records", "scope", "contest"),
    "contests.quota": _r("records", "scope", "contest"),
    "contests.judges": _r("records", "scope", "contest"),
    "contests.chief": _r("records", "scope", "contest"),
    "contests.nominate": _r("signed_in", "scope", "contest"),
    "contests.apply": _r("signed_in", "scope", "contest"),
    "contests.decide": _r("signed_in", "scope", "contest"),
    "contests.move": _r("signed_in", "scope", "contest"),
    "contests.judge": _r("signed_in", "scope", "contest"),
    "contests.save_scores": _r("signed_in", "scope", "contest"),
    "contests.import_scores": _r("signed_in", "scope", "contest"),
    "contests.reopen": _r("signed_in", "scope", "contest"),
    "contests.resolve_flag": _r("signed_in", "scope", "contest"),
    "contests.results": _r("signed_in", "scope", "contest"),
    "contests.object_to": _r("signed_in", "scope", "contest"),
    "contests.answer": _r("signed_in", "scope", "contest"),
    "contests.upgrade": _r("signed_in", "scope", "contest"),
    "contests.certificate": _r("signed_in", "own", "contest"),
}

# The demo accounts standing for each role (enterprise 1; admin holds the root's grant).
ROLE_ACCOUNTS = {"worker": "worker1", "lead": "lead1", "hr": "hr1", "admin": "admin", "safety": "safety1"}
# Which roles each "who" lets in.
WHO = {"public": {"anonymous", "worker", "lead", "hr", "admin", "safety"},
       "signed_in": {"worker", "lead", "hr", "admin", "safety"},
       "token": {"anonymous", "worker", "lead", "hr", "admin", "safety"},
       "admin": {"admin"}, "hr": {"hr"}, "records": {"admin", "hr"}, "stats": {"admin", "lead", "hr"},
       "reviewer": {"admin", "lead"}, "safety": {"safety"}}
# Enterprise 1's staff who act on enterprise 2's records in the scope sweep, per "who".
SCOPED_ACTORS = {"admin": ("e1admin",), "hr": ("hr1",), "records": ("e1admin", "hr1"),
                 "stats": ("e1admin", "hr1"), "reviewer": ("e1admin",), "signed_in": ("e1admin", "hr1"),
                 "safety": ("safety1",)}

# Enterprise 2's records (松北电机, code SBDJ) for each URL argument.
# (Literal SQL, no string building: the subqueries are repeated on purpose.)
E2_WORKSHOP = ("SELECT w.id FROM workshops w JOIN departments d ON d.id = w.department_id WHERE d.path LIKE "
               "(SELECT path FROM departments WHERE code = 'SBDJ') || '%' AND w.status = 'approved' "
               "ORDER BY w.id LIMIT 1")
E2_SESSION = ("SELECT s.id FROM training_sessions s JOIN users u ON u.id = s.manager_id "
              "WHERE u.employee_no = 'e2hr' ORDER BY s.id LIMIT 1")
OTHER_ENTERPRISE = {
    "user_id": "SELECT id FROM users WHERE employee_no = 'e2worker3'",
    "dept_id": "SELECT id FROM departments WHERE code = 'SBDJ-ZP-1'",
    "workshop_id": E2_WORKSHOP,
    "member_id": "SELECT m.id FROM workshop_members m JOIN workshops w ON w.id = m.workshop_id "
                 "JOIN departments d ON d.id = w.department_id WHERE d.path LIKE "
                 "(SELECT path FROM departments WHERE code = 'SBDJ') || '%' AND w.status = 'approved' "
                 "AND m.role = 'member' ORDER BY w.id, m.id LIMIT 1",
    "achievement_id": "SELECT a.id FROM workshop_achievements a JOIN workshops w ON w.id = a.workshop_id "
                      "JOIN departments d ON d.id = w.department_id WHERE d.path LIKE "
                      "(SELECT path FROM departments WHERE code = 'SBDJ') || '%' AND w.status = 'approved' "
                      "ORDER BY w.id, a.id LIMIT 1",
    "suggestion_id": "SELECT s.id FROM suggestions s JOIN departments d ON d.id = s.department_id WHERE d.path LIKE "
                     "(SELECT path FROM departments WHERE code = 'SBDJ') || '%' AND s.status = 'submitted' "
                     "ORDER BY s.id LIMIT 1",
    "session_id": E2_SESSION,
    "enrollment_id": "SELECT e.id FROM training_enrollments e JOIN training_sessions s ON s.id = e.session_id "
                     "JOIN users u ON u.id = s.manager_id WHERE u.employee_no = 'e2hr' ORDER BY s.id, e.id LIMIT 1",
    "notification_id": "SELECT n.id FROM notifications n JOIN users u ON u.id = n.user_id "
                       "WHERE u.employee_no LIKE 'e2%' ORDER BY n.id LIMIT 1",
    "template_id": "SELECT id FROM suggestion_answer_templates ORDER BY id LIMIT 1",  # lead1's own
    "grant_id": "SELECT g.id FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.employee_no = 'e2hr'",
    "recommendation_id": "SELECT id FROM workshop_recommendations ORDER BY id LIMIT 1",
    "pair_id": "SELECT p.id FROM mentoring_pairs p JOIN users u ON u.id = p.apprentice_id "
               "WHERE u.employee_no LIKE 'e2%' ORDER BY p.id LIMIT 1",
    # Enterprise 2 owns no key project in the demo: enterprise 3's (龙江建工) lies outside enterprise 1's scope too.
    "project_id": "SELECT p.id FROM key_projects p JOIN departments d ON d.id = p.owner_id WHERE d.code = 'LJJG' "
                  "ORDER BY p.id LIMIT 1",
    "milestone_id": "SELECT m.id FROM key_project_milestones m WHERE m.project_id = (SELECT p.id FROM key_projects p "
                    "JOIN departments d ON d.id = p.owner_id WHERE d.code = 'LJJG' ORDER BY p.id LIMIT 1) "
                    "ORDER BY m.id LIMIT 1",
    "nomination_id": "SELECT n.id FROM honour_nominations n JOIN departments d ON d.id = n.department_id "
                     "WHERE d.path LIKE (SELECT path FROM departments WHERE code = 'SBDJ') || '%' "
                     "ORDER BY n.id LIMIT 1",
    "hazard_id": "SELECT h.id FROM hazard_reports h JOIN departments d ON d.id = h.department_id WHERE d.path LIKE "
                 "(SELECT path FROM departments WHERE code = 'SBDJ') || '%' ORDER BY h.id LIMIT 1",
    "photo_id": "SELECT p.id FROM hazard_photos p JOIN hazard_reports h ON h.id = p.hazard_id JOIN departments d "
                "ON d.id = h.department_id WHERE d.path LIKE (SELECT path FROM departments WHERE code = 'SBDJ') || '%' "
                "ORDER BY p.id LIMIT 1",
    "contest_id": "SELECT c.id FROM contests c JOIN departments d ON d.id = c.organiser_id WHERE d.code = 'SBDJ' "
                  "ORDER BY c.id LIMIT 1",
    "move": "SELECT 'forward'",
    # A competition enterprise 1's staff cannot see: the industry union's 六比一创 on enterprise 3's projects.
    "competition_id": "SELECT id FROM competitions WHERE organiser_id = "
                      "(SELECT id FROM departments WHERE code = 'HRB-JJW') ORDER BY id LIMIT 1",
    "report_id": "SELECT r.id FROM competition_reports r JOIN competitions c ON c.id = r.competition_id "
                 "WHERE c.organiser_id = (SELECT id FROM departments WHERE code = 'HRB-JJW') ORDER BY r.id LIMIT 1",
    "file_id": "SELECT 1",
    "objection_id": "SELECT id FROM competition_objections ORDER BY id LIMIT 1",
    "action": "SELECT 'close'",
    "token": "SELECT 'not-a-feed-token'",
    "filename": "SELECT 'css/app.css'",
}
ARGUMENT_OVERRIDES = {("suggestions.decide", "action"): "accept",
                      ("suggestions.recommendation_decide", "action"): "forward"}
# Routes whose sample object enterprise 2 lacks in the demo (no attachment there): the sweep cannot say anything.
# The demo runs no background job: tests/test_jobs.py proves another person's job answers 404 (audited).
NO_SAMPLE = {"suggestions.download", "workshops.decide_recommendation",  # the demo's recommendation is enterprise 1's
             "core.job", "core.job_download"}
# Routes that serve an uploaded file: the demo stores none, so they answer 404 there whoever asks.
FILE_ROUTES = {"suggestions.download", "workshops.achievement_file", "competitions.report_file",
               "mentoring.agreement", "safety.hazard_thumb", "safety.hazard_photo"}

# Object routes whose scope check has not landed yet would be listed here as strict xfails (empty: every domain
# checks its scope now); a new route's entry is removed when its check lands.
PENDING: dict[tuple[str, str, str], str] = {}


def _route_table():
    import tempfile
    from pathlib import Path

    from app import create_app
    from tests.conftest import base_config

    with tempfile.TemporaryDirectory() as folder:
        application = create_app({**base_config(Path(folder)), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        return [(endpoint, method, frozenset(rule.arguments)) for endpoint, method, rule in all_routes(application)]


ROUTE_LIST = _route_table()


def test_every_route_is_in_the_table():
    endpoints = {endpoint for endpoint, _method, _args in ROUTE_LIST}
    missing = sorted(endpoints - set(ROUTES))
    stale = sorted(set(ROUTES) - endpoints)
    assert not missing, f"routes without a who/whose decision in ROUTES: {missing}"
    assert not stale, f"ROUTES entries for routes that no longer exist: {stale}"


def test_object_routes_say_whose_records():
    """A route taking an object id says whose records it reaches; one without says nothing."""
    object_args = {"user_id", "dept_id", "workshop_id", "suggestion_id", "session_id", "enrollment_id",
                   "notification_id", "template_id", "recommendation_id", "competition_id", "report_id",
                   "objection_id", "pair_id", "project_id", "milestone_id", "nomination_id", "hazard_id",
                   "photo_id", "contest_id", "job_id"}
    for endpoint, _method, args in ROUTE_LIST:
        _who, records, kind = ROUTES[endpoint]
        assert (records is None) == (not args & object_args), endpoint
        assert (kind is None) == (records is None), endpoint


# --- Roles: everyone outside a route's "who" is refused, on enterprise 1's records (security_world's ids) ---------


def _denials(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "access.denied"))


@pytest.mark.parametrize("role", ["anonymous", *ROLE_ACCOUNTS])
def test_roles_outside_a_route_are_refused(demo_app, demo_urls, role):
    from tests.conftest import PortalClient

    demo_app.test_client_class = PortalClient  # adds the CSRF token, so a refusal is about access, not the token
    browser = demo_app.test_client() if role == "anonymous" else _demo_client(demo_app, ROLE_ACCOUNTS[role])
    wrong = []
    for endpoint, method, _args in ROUTE_LIST:
        who = ROUTES[endpoint][0]
        if role in WHO[who]:
            continue
        before = _denials(demo_app)
        response = browser.open(demo_urls[(endpoint, method)], method=method, data={})
        status, location = response.status_code, response.headers.get("Location", "")
        if role == "anonymous":
            if not (status in (302, 303) and "/auth/login" in location):
                wrong.append((endpoint, method, status))
        elif status not in (403, 404) or _denials(demo_app) != before + 1:
            wrong.append((endpoint, method, status))
    assert not wrong, f"{role} was not refused (or the refusal was not audited): {wrong}"


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_roles_inside_a_route_reach_its_pages(demo_app, demo_urls, role):
    """Every GET page a role may use opens for that role's demo account on enterprise 1's records."""
    browser = _demo_client(demo_app, ROLE_ACCOUNTS[role])
    refused = []
    for endpoint, method, args in ROUTE_LIST:
        who, records, _kind = ROUTES[endpoint]
        if method != "GET" or role not in WHO[who] or records in ("own", "member") or "token" in args \
                or endpoint in FILE_ROUTES:
            continue
        response = browser.get(demo_urls[(endpoint, method)])
        if response.status_code in (401, 403, 404) or "/auth/login" in response.headers.get("Location", ""):
            refused.append((endpoint, response.status_code))
    assert not refused, f"{role} ({ROLE_ACCOUNTS[role]}) refused on its own pages: {refused}"


# --- Scope: enterprise 1's staff on enterprise 2's records ---------------------------------------------------------


def _sweep_cases():
    cases = []
    for endpoint, method, _args in ROUTE_LIST:
        who, records, _kind = ROUTES[endpoint]
        if records not in ("scope", "own", "member") or endpoint in NO_SAMPLE:
            continue
        for actor in SCOPED_ACTORS.get(who, ()):
            marks = []
            reason = PENDING.get((endpoint, method, actor))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            cases.append(pytest.param(endpoint, method, actor, id=f"{endpoint}-{method}-{actor}", marks=marks))
    return cases


def _fingerprint(app) -> dict[str, str]:
    """A digest of every table's rows (audit log and sign-in sessions aside): an UPDATE shows up, not only counts."""
    ignored = {"audit_log", "login_sessions"}
    digests = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in ignored:
                continue
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        audit = db.session.execute(select(AuditLog.action, func.count()).group_by(AuditLog.action)).all()
    digests["audit_log"] = repr(sorted((action, count) for action, count in audit if action != "access.denied"))
    return digests


def _other_enterprise_url(app, endpoint: str, method: str) -> str:
    from flask import url_for

    rule = next(r for e, m, r in all_routes(app) if e == endpoint and m == method)
    with app.app_context():
        values = {arg: db.session.scalar(text(OTHER_ENTERPRISE[arg])) for arg in rule.arguments}
    missing = [arg for arg, value in values.items() if value is None]
    assert not missing, f"the demo has no enterprise-2 record for {missing} of {endpoint}"
    values.update({arg: value for (e, arg), value in ARGUMENT_OVERRIDES.items() if e == endpoint})
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize("endpoint,method,actor", _sweep_cases())
def test_staff_of_one_enterprise_get_404_on_another(demo_app, endpoint, method, actor):
    _who, records, _kind = ROUTES[endpoint]
    url = _other_enterprise_url(demo_app, endpoint, method)
    browser = _demo_client(demo_app, actor)
    before, denials = _fingerprint(demo_app), _denials(demo_app)
    response = browser.open(url, method=method, data={}, headers={"HX-Request": "true"}
                            if endpoint == "suggestions.review_item" else None)
    allowed = (404,) if records == "scope" else (403, 404)
    assert response.status_code in allowed, f"{actor} {method} {url}: {response.status_code}"
    assert _denials(demo_app) == denials + 1, f"refusal not audited: {actor} {method} {url}"
    after = _fingerprint(demo_app)
    assert after == before, [name for name in before if before[name] != after[name]]


def test_pending_entries_are_real_sweep_cases():
    """Every xfail entry names a swept route and actor, so a renamed route cannot hide behind a stale entry."""
    swept = {tuple(case.values) for case in _sweep_cases()}
    assert set(PENDING) <= swept, sorted(set(PENDING) - swept)
