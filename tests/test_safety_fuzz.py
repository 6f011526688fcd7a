"""Hostile input on the hazard pages as the safety officer (the shared sweep of tests/test_fuzz.py signs in as
worker, lead, HR and admin, who are refused before a form is read): each action route is fuzzed (a larger sample
than the shared sweep's) on a demo report in the status the action starts from. Never a 5xx."""
from __future__ import annotations

import logging

import pytest
from flask import url_for
from sqlalchemy import text

from extensions import db
from tests import test_fuzz
from tests.security_world import all_routes
from tests.test_fuzz import Sweep, fuzz_app  # noqa: F401  (the fixture)

# The demo report each action starts from (its status), or None for pages without a report.
STATUS_OF = {"safety.hazard_triage": "reported", "safety.hazard_assign": "confirmed",
             "safety.hazard_close": "rectifying", "safety.hazard_verify": "rectified",
             "safety.hazard_detail": "rectified", "safety.hazard_thumb": "reported",
             "safety.hazard_photo": "reported"}


def _hazard(app, status: str) -> int:
    with app.app_context():
        return db.session.scalar(text(
            "SELECT h.id FROM hazard_reports h JOIN departments d ON d.id = h.department_id WHERE h.status = :s "
            "AND d.path LIKE (SELECT path FROM departments WHERE code = 'BJHI') || '%' ORDER BY h.id LIMIT 1"),
            {"s": status})


@pytest.mark.parametrize("fuzz_app", ["sqlite"], indirect=True)
def test_the_officers_hazard_pages_never_answer_5xx(fuzz_app, caplog, monkeypatch):  # noqa: F811
    monkeypatch.setitem(test_fuzz.ROLES, "safety", "safety1")
    caplog.set_level(logging.ERROR, logger="portal")
    monkeypatch.setattr(test_fuzz, "SAMPLE", 12)
    sweep = Sweep(fuzz_app, "safety", caplog, full=False)
    routes = []
    with fuzz_app.test_request_context():
        for endpoint, method, rule in all_routes(fuzz_app):
            if not endpoint.startswith("safety."):
                continue
            args = {}
            if "hazard_id" in rule.arguments:
                args["hazard_id"] = _hazard(fuzz_app, STATUS_OF[endpoint])
            if "photo_id" in rule.arguments:
                with fuzz_app.app_context():
                    args["photo_id"] = db.session.scalar(text(
                        "SELECT id FROM hazard_photos WHERE hazard_id = :h ORDER BY id LIMIT 1"),
                        {"h": args["hazard_id"]})
            url = url_for(endpoint, **args)
            holes = {arg: url_for(endpoint, **{**args, arg: test_fuzz.SENTINEL}) for arg in args}
            routes.append((endpoint, method, url, holes))
            if "hazard_id" in args:  # the detail page holds the action's form
                detail = url_for("safety.hazard_detail", hazard_id=args["hazard_id"])
                routes.append(("safety.hazard_detail", "GET", detail, {}))
    sweep.crawl(routes)
    for route in routes:
        sweep.fuzz_route(*route)
    assert sweep.sent > 100
    assert not sweep.findings, "\n".join(str(f) for f in sweep.findings[:50])
