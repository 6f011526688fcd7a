"""Every role's main pages are valid HTML for the Nu Html Checker (vnu.jar), the checker the W3C runs.

The pages are fetched from the live test server as each demo user (the HTML as sent, not the browser's DOM) and
checked in one java run. htmx's hx-* attributes are not in the HTML standard, so the checker's complaints about them
are the only ones ignored. The jar comes from npm (`npm install --no-save --ignore-scripts vnu-jar@26.9.27`, which
.ci/run does) and needs a Java runtime (apt-get install default-jre-headless); without them the test is skipped
locally and fails in CI.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest

from tests.browser.conftest import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR") or ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
HTMX_ATTRIBUTE = re.compile(r"“hx-[\w:.-]*”")

# Per demo user: pages by path, and (page, link pattern) pairs for the first page it links to (None: the page before).
PAGES = {
    "worker1": ["/", "/suggestions/", "/suggestions/new", "/training/", "/training/my", "/workshops/",
                "/notifications/", ("/suggestions/?mine=1", r"/suggestions/\d+"), ("/training/", r"/training/\d+"),
                ("/workshops/", r"/workshops/\d+")],
    "lead1": ["/", "/suggestions/review", "/workshops/requests", "/stats/",
              ("/suggestions/review", r"/suggestions/\d+"), (None, r"/suggestions/\d+/decide/\w+"),
              ("/workshops/?mine=1", r"/workshops/\d+"), "/suggestions/review/templates"],
    "hr1": ["/", "/training/manage", "/training/new", "/stats/", ("/training/manage", r"/training/\d+/roster"),
            (None, r"/training/\d+/signin"),
            # A completed session's roster has the attendance toggles and result forms on every row.
            ("/training/manage?scope=all&status=completed", r"/training/\d+/roster"),
            ("/training/manage", r"/training/\d+/edit")],
    "admin": ["/", "/stats/", "/admin/users", "/admin/users/new", "/admin/import", "/admin/departments",
              "/admin/audit", "/admin/settings", "/workshops/new", "/auth/password",
              "/suggestions/rewards", "/workshops/review", ("/suggestions/?status=awarded", r"/suggestions/\d+"),
              ("/admin/users", r"/admin/users/\d+/edit")],
}


@pytest.fixture(scope="session")
def vnu_command() -> list[str]:
    """The checker's command line, or a skip (a failure in CI) saying what is missing."""
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("a Java runtime (apt-get install default-jre-headless)")
    if not VNU_JAR.is_file():
        missing.append(f"{VNU_JAR.relative_to(ROOT) if VNU_JAR.is_relative_to(ROOT) else VNU_JAR} "
                       "(npm install --no-save --ignore-scripts vnu-jar@26.9.27)")
    if missing:
        message = "the HTML validity test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--exit-zero-always"]


class Visitor:
    """A signed-in user fetching pages over HTTP with their own cookie jar."""

    def __init__(self, base_url: str, employee_no: str):
        self.base_url = base_url
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))
        login_page = self.get("/auth/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        form = urlencode({"employee_no": employee_no, "password": DEMO_PASSWORD, "csrf_token": token}).encode()
        with self.opener.open(f"{base_url}/auth/login", data=form, timeout=30) as response:
            assert "/auth/login" not in response.url, f"{employee_no} could not sign in"

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=30) as response:
            assert response.status == 200, path
            return response.read().decode("utf-8")


def _pages_of(visitor: Visitor, wanted) -> dict[str, str]:
    pages: dict[str, str] = {}
    for entry in wanted:
        if isinstance(entry, tuple):
            listing, pattern = entry
            text = pages[next(reversed(pages))] if listing is None else visitor.get(listing)
            match = re.search(rf'href="({pattern})"', text)
            assert match, f"no link like {pattern} on {listing}"
            entry = html.unescape(match.group(1))
        pages[entry] = visitor.get(entry)
    return pages


def test_main_pages_of_every_role_are_valid_html(vnu_command, live_server, tmp_path):
    files = {}
    for employee_no, wanted in PAGES.items():
        visitor = Visitor(live_server.url, employee_no)
        for path, text in _pages_of(visitor, wanted).items():
            name = f"{employee_no}{re.sub(r'[^A-Za-z0-9]+', '_', path)}.html"
            (tmp_path / name).write_text(text, encoding="utf-8")
            files[name] = f"{employee_no} {path}"
    # One java start for every page: the checker takes seconds to start and milliseconds per page.
    result = subprocess.run([*vnu_command, *sorted(files)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, check=False)
    report = json.loads(result.stderr or result.stdout)
    errors = [message for message in report["messages"]
              if message.get("type") in ("error", "non-document-error")
              and not HTMX_ATTRIBUTE.search(message.get("message", ""))]
    lines = [f"{files.get(Path(m.get('url', '')).name, m.get('url'))}:{m.get('lastLine')}: {m.get('message')}  "
             f"[{(m.get('extract') or '').strip()[:120]}]" for m in errors]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(lines)
