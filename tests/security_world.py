"""The demo world the app-wide security sweeps run in: real ids for every URL argument, and helpers.

Registered as a pytest plugin in tests/conftest.py, so any test module can ask for the `demo_urls` fixture.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db

# How to find a realistic value for each URL argument in the demo data (lead1's approved workshop and its rows).
ARGUMENT_QUERIES = {
    "filename": None,
    "user_id": "SELECT id FROM users WHERE employee_no = 'worker2'",
    "dept_id": "SELECT id FROM departments ORDER BY id DESC LIMIT 1",
    "notification_id": "SELECT id FROM notifications ORDER BY id LIMIT 1",
    "workshop_id": "SELECT w.id FROM workshops w JOIN users u ON u.id = w.lead_id WHERE u.employee_no = 'lead1' "
                   "AND w.status = 'approved'",
    "member_id": "SELECT m.id FROM workshop_members m JOIN workshops w ON w.id = m.workshop_id "
                 "JOIN users u ON u.id = w.lead_id WHERE u.employee_no = 'lead1' AND m.role = 'member' "
                 "ORDER BY m.id LIMIT 1",
    "achievement_id": "SELECT a.id FROM workshop_achievements a JOIN workshops w ON w.id = a.workshop_id "
                      "JOIN users u ON u.id = w.lead_id WHERE u.employee_no = 'lead1' ORDER BY a.id LIMIT 1",
    # worker1's passed enrollment of a completed session: roster, certificate and exports all have data.
    "session_id": "SELECT e.session_id FROM training_enrollments e JOIN users u ON u.id = e.user_id "
                  "WHERE u.employee_no = 'worker1' AND e.certificate_no IS NOT NULL ORDER BY e.id LIMIT 1",
    "enrollment_id": "SELECT e.id FROM training_enrollments e JOIN users u ON u.id = e.user_id "
                     "WHERE u.employee_no = 'worker1' AND e.certificate_no IS NOT NULL ORDER BY e.id LIMIT 1",
    "action": "SELECT 'close'",
    "token": "SELECT 'not-a-feed-token'",
    # A suggestion waiting for review in lead1's workshop, with whatever it has attached.
    "suggestion_id": "SELECT s.id FROM suggestions s JOIN workshops w ON w.id = s.workshop_id "
                     "JOIN users u ON u.id = w.lead_id WHERE u.employee_no = 'lead1' AND s.status = 'submitted' "
                     "ORDER BY s.id LIMIT 1",
    "attachment_id": "SELECT id FROM suggestion_attachments ORDER BY id LIMIT 1",
    "template_id": "SELECT id FROM suggestion_answer_templates ORDER BY id LIMIT 1",
    "grant_id": "SELECT id FROM role_grants ORDER BY id LIMIT 1",
    "recommendation_id": "SELECT id FROM workshop_recommendations ORDER BY id LIMIT 1",
    "move": "SELECT 'forward'",
    # Competitions: the city's 五小竞赛 (every role sees it; the root admin organises it), its reports and files.
    "competition_id": "SELECT id FROM competitions WHERE kind = 'wuxiao' ORDER BY id LIMIT 1",
    "report_id": "SELECT r.id FROM competition_reports r JOIN competitions c ON c.id = r.competition_id "
                 "WHERE c.kind = 'wuxiao' ORDER BY r.id LIMIT 1",
    "file_id": "SELECT id FROM competition_report_files ORDER BY id LIMIT 1",
    "objection_id": "SELECT id FROM competition_objections ORDER BY id LIMIT 1",
    # A mentoring pair of enterprise 1 that none of the matrix's role accounts belongs to (worker5 is its apprentice).
    "pair_id": "SELECT p.id FROM mentoring_pairs p JOIN users u ON u.id = p.apprentice_id "
               "WHERE u.employee_no = 'worker5'",
    # Enterprise 1's planned key project and its first milestone; its team's 工人先锋号 nomination.
    "project_id": "SELECT p.id FROM key_projects p JOIN departments d ON d.id = p.owner_id WHERE d.code = 'BJHI' "
                  "ORDER BY p.id LIMIT 1",
    "milestone_id": "SELECT m.id FROM key_project_milestones m JOIN key_projects p ON p.id = m.project_id "
                    "JOIN departments d ON d.id = p.owner_id WHERE d.code = 'BJHI' ORDER BY p.id, m.id LIMIT 1",
    "nomination_id": "SELECT id FROM honour_nominations WHERE honour = 'pioneer' ORDER BY id LIMIT 1",
    # worker1's own report waiting for triage (safety1's queue), and its photo.
    "hazard_id": "SELECT h.id FROM hazard_reports h JOIN users u ON u.id = h.reporter_id "
                 "WHERE u.employee_no = 'worker1' AND h.status = 'reported' ORDER BY h.id LIMIT 1",
    "photo_id": "SELECT p.id FROM hazard_photos p JOIN hazard_reports h ON h.id = p.hazard_id JOIN users u "
                "ON u.id = h.reporter_id WHERE u.employee_no = 'worker1' AND h.status = 'reported' "
                "ORDER BY p.id LIMIT 1",
    # enterprise 1's contest in scoring (worker10 judges it; the certificate answers 404 for whoever has none there)
    "contest_id": "SELECT id FROM contests WHERE status = 'scoring' ORDER BY id LIMIT 1",
    "job_id": "SELECT id FROM jobs ORDER BY id LIMIT 1",  # none in the demo: a routable URL that answers 404
    "source": "SELECT 'departments-admin'",  # a type-ahead picker's source (core.pickers)
}
# Arguments whose realistic value depends on the route.
ARGUMENT_OVERRIDES = {("suggestions.decide", "action"): "accept"}


@pytest.fixture
def demo_urls(demo_app):
    """(endpoint, method) -> a URL of the demo world with real ids in it."""
    from flask import url_for
    from sqlalchemy import text

    values = {}
    with demo_app.app_context():
        for arg, sql in ARGUMENT_QUERIES.items():
            # A query without a row in the demo data still gives a routable URL (that answers 404).
            values[arg] = "css/app.css" if sql is None else (db.session.scalar(text(sql)) or 999999)
    urls = {}
    with demo_app.test_request_context():
        for endpoint, method, rule in all_routes(demo_app):
            unknown = rule.arguments - set(values)
            assert not unknown, f"add the URL arguments {unknown} of {endpoint} to ARGUMENT_QUERIES"
            args = {arg: ARGUMENT_OVERRIDES.get((endpoint, arg), values[arg]) for arg in rule.arguments}
            urls[(endpoint, method)] = url_for(endpoint, **args)
    return urls


def _demo_client(demo_app, employee_no: str):
    """A CSRF-aware test client signed in as a demo account."""
    from blueprints.core.demo import DEMO_PASSWORD
    from tests.conftest import PortalClient

    demo_app.test_client_class = PortalClient
    browser = demo_app.test_client()
    response = browser.post("/auth/login", data={"employee_no": employee_no, "password": DEMO_PASSWORD})
    assert response.status_code == 303
    return browser



def all_routes(application) -> list[tuple[str, str, object]]:
    """Every (endpoint, method, rule) of the app except HEAD and OPTIONS."""
    routes = []
    for rule in application.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule))
    return routes


def _row_counts(app) -> dict[str, int]:
    ignored = {"audit_log", "login_sessions"}  # refusals and exports are audited and sign-ins make sessions
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables if table.name not in ignored}


