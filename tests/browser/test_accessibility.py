"""Accessibility of every main page, as each role: axe-core finds no serious or critical violation.

axe runs through the shared helper (tests/browser/axe.py), in the one kind of context allowed to inject it.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.axe import axe_context, serious_violations
from tests.browser.conftest import login

# Main pages per role. "{suggestion}", "{workshop}" and "{session}" are filled from links found in the demo data.
PAGES = {
    "worker1": ["/", "/suggestions/", "/suggestions/new", "{suggestion}", "/workshops/", "{workshop}",
                "/training/", "{session}", "/training/my", "/notifications/", "/auth/password"],
    "lead1": ["/", "/suggestions/review", "/workshops/requests", "{workshop}", "/stats/"],
    "hr1": ["/", "/training/manage", "/training/new", "{roster}", "/stats/", "/stats/people/"],
    "admin": ["/", "/workshops/review", "/suggestions/rewards", "/admin/users", "/admin/users/new",
              "/admin/departments", "/admin/import", "/admin/audit", "/admin/settings", "/stats/",
              "{record}"],
}


def _first_link(page, list_path: str, pattern: str) -> str:
    page.goto(list_path)
    for href in page.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        if re.fullmatch(pattern, href or ""):
            return href
    raise AssertionError(f"no link like {pattern} on {list_path}")


@pytest.mark.parametrize("employee_no", list(PAGES))
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, employee_no, locale):
    with axe_context(browser, live_server) as context:
        page = context.new_page()
        login(page, employee_no)
        if locale == "en":
            page.get_by_role("button", name="English").click()
            page.wait_for_load_state("networkidle")
        found = {
            "{suggestion}": lambda: _first_link(page, "/suggestions/", r"/suggestions/\d+"),
            "{workshop}": lambda: _first_link(page, "/workshops/", r"/workshops/\d+"),
            "{session}": lambda: _first_link(page, "/training/", r"/training/\d+"),
            "{roster}": lambda: _first_link(page, "/training/manage", r"/training/\d+/roster"),
            "{record}": lambda: _first_link(page, "/", r"/stats/people/\d+"),
        }
        problems = {}  # every page is checked before failing, so one run names them all
        for path in PAGES[employee_no]:
            url = found[path]() if path in found else path
            page.goto(url)
            violations = serious_violations(page)
            if violations:
                problems[url] = violations
        assert not problems, problems
