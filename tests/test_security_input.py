"""Bad input over the whole app (QUALITY §7): script in every free-text field is shown as text on every page,
SQL metacharacters in every search box are harmless, and control characters cannot forge log lines."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import String, Text, func, select, update

from blueprints.core.models import AuditLog
from extensions import db
from tests.security_world import _demo_client, _row_counts
from tests.test_security_routes import GET_ROUTES

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
# Columns people type free text into. Codes, statuses and kinds are chosen from lists and validated on the way in.
FREE_TEXT = {"name", "title", "description", "problem", "proposal", "expected_benefit", "body", "comment",
             "job_title", "field", "location", "instructor", "note", "status_reason", "grade_reason", "detail",
             "original_name", "move_reason", "reason", "text"}


def _poison_every_text_column(app) -> int:
    """Put the payload at the end of every free-text value in the database (the demo world); returns columns hit."""
    hit = 0
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if column.name in FREE_TEXT and isinstance(column.type, (String, Text)) and not column.primary_key:
                    db.session.execute(update(table).where(column.isnot(None))
                                       .values({column.name: func.coalesce(column, "") + PAYLOAD}))
                    hit += 1
        db.session.commit()
    return hit


@pytest.mark.parametrize("employee_no", ["worker1", "lead1", "hr1", "admin"])
def test_script_in_every_text_field_is_shown_as_text_on_every_page(demo_app, demo_urls, employee_no):
    assert _poison_every_text_column(demo_app) >= 15
    browser = _demo_client(demo_app, employee_no)
    leaks, checked, shown_escaped = [], 0, 0
    for route in GET_ROUTES:
        if route[0] == "static":
            continue
        for headers in ({}, {"HX-Request": "true"}):
            response = browser.get(demo_urls[route], headers=headers)
            if response.mimetype != "text/html":
                continue
            body = response.get_data(as_text=True)
            checked += 1
            shown_escaped += "&lt;script&gt;alert(" in body
            if "<script>alert(" in body or "<img src=x onerror" in body:
                leaks.append((route, headers.get("HX-Request", "page")))
    assert checked > 40
    assert shown_escaped > 20  # the payload really reached the pages, as text
    assert not leaks, f"unescaped payload on: {leaks}"


SEARCH_PAYLOADS = ["%", "_", "%_%", "' OR '1'='1", '"; DROP TABLE users; --', "\\", "张%三_", "a' --"]


LIST_SUFFIXES = (".index", ".users", ".manage", ".review", ".audit_log", ".rewards", ".join_requests")


def _search_routes(app) -> list[tuple[str, str]]:
    """Every GET page whose template has a search box named q (or the duplicate hint's title)."""
    routes = []
    for endpoint, method in GET_ROUTES:
        if endpoint in ("core.people_search", "suggestions.similar") or endpoint.endswith(LIST_SUFFIXES):
            routes.append((endpoint, method))
    return routes


def test_sql_metacharacters_in_every_search_box_are_harmless(demo_app, demo_urls):
    from blueprints.core.models import User

    with demo_app.app_context():  # one account that may open every list: all four roles
        db.session.execute(update(User).where(User.employee_no == "admin").values(role_mask=15))
        db.session.commit()
    browser = _demo_client(demo_app, "admin")
    before = _row_counts(demo_app)
    routes = _search_routes(demo_app)
    assert len(routes) >= 6
    for route in routes:
        url = demo_urls[route]
        for payload in SEARCH_PAYLOADS:
            for param in ("q", "title", "actor", "action"):
                response = browser.get(url, query_string={param: payload}, headers={"HX-Request": "true"})
                assert response.status_code == 200, (route, param, payload, response.status_code)
    assert _row_counts(demo_app) == before


def test_percent_and_underscore_match_themselves_in_people_search(app, client, login_as, make_user):
    login_as("admin")
    make_user(employee_no="pct_1", name="百分百")
    make_user(employee_no="pctx1", name="百分之一")
    body = client.get("/admin/users", query_string={"q": "pct_"}, headers={"HX-Request": "true"}).get_data(True)
    assert "pct_1" in body and "pctx1" not in body


def test_control_characters_cannot_forge_log_lines(app, caplog):
    from blueprints.core import audit

    with app.test_request_context(), caplog.at_level(logging.INFO, logger="portal.audit"):
        entry = audit.record("test.forge", actor_label="evil\r\nadmin", detail="ok\nauth.login admin\u2028x")
        db.session.commit()
        stored = db.session.scalar(select(AuditLog).where(AuditLog.id == entry.id))
    assert "\n" not in stored.detail and "\r" not in stored.actor_label and "\u2028" not in stored.detail
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.audit"]
    assert lines and all("\n" not in line and "\r" not in line for line in lines)
