"""Whistle-blower protection (SPEC §11): the responsible department's people and every plain worker crawl every page,
fragment and file they can reach, and nowhere find the reporter's name or 工号; the safety officers and union admins
of the scope do see the reporter (the control that shows the search would find it)."""
from __future__ import annotations

import io
import re
from collections import deque
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from openpyxl import load_workbook

from blueprints.core.clock import local_today
from tests.conftest import html_text
from tests.fixtures_safety import REPORTER_NAME, REPORTER_NO, act, jpeg, report

LINK = re.compile(r"""(?:href|src|hx-get)="([^"]+)\"""")
SKIP = ("/auth/logout", "/static/", "/set-locale", "/locale")
MAX_PAGES = 400


def _body(response) -> str:
    if response.mimetype and response.mimetype.endswith("sheet"):
        rows = load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
        return "\n".join(" ".join("" if c is None else str(c) for c in row) for row in rows)
    if response.mimetype and response.mimetype.startswith("image/"):
        return response.data.decode("latin-1")  # any text hidden in an image's metadata
    return response.get_data(as_text=True)


def crawl(client, starts) -> dict[str, str]:
    """Every same-site GET URL reachable from `starts` (pages, htmx fragments, files), with its body."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc or url in seen or any(url.startswith(s) for s in SKIP) or not url.startswith("/"):
            continue
        response = client.get(url)
        seen[url] = _body(response) if response.status_code == 200 else ""
        for headers in ({"HX-Request": "true"},):
            if response.status_code == 200 and response.mimetype == "text/html":
                fragment = client.get(url, headers=headers)
                seen[url] += _body(fragment) if fragment.status_code == 200 else ""
        if response.status_code == 200 and response.mimetype == "text/html":
            for link in LINK.findall(seen[url]):
                link = urljoin(url, link.replace("&amp;", "&")).split("#")[0]
                if link.startswith("/") and link not in seen:
                    queue.append(link)
    return seen


@pytest.fixture
def story(app, client, auth, hz):
    """One report in every stage the responsible department can see: rectifying, rectified and verified; each with
    a photo, history, a reward line and notifications."""
    ids = []
    for _ in range(3):
        response = report(client, auth, hz.reporter, hz.cnc, photos=[("现场.jpg", jpeg())])
        hazard_id = int(response.headers["Location"].rsplit("/", 1)[1])
        act(client, auth, hz.officer, hazard_id, "triage", {"decision": "confirm", "grade": "major"})
        act(client, auth, hz.officer, hazard_id, "assign", {
            "department_id": str(hz.welding.id), "measures": "更换",
            "deadline": (local_today() + timedelta(days=3)).isoformat()})
        ids.append(hazard_id)
    act(client, auth, hz.rectifier, ids[1], "close", {"note": "好了"}, files=[("after.jpg", jpeg())])
    act(client, auth, hz.rectifier, ids[2], "close", {"note": "好了"}, files=[("after.jpg", jpeg())])
    act(client, auth, hz.officer, ids[2], "verify", {"decision": "verify"})
    return ids


@pytest.mark.parametrize("who", ["rectifier", "rectifier_head", "worker"])
def test_the_responsible_department_and_other_workers_never_see_the_reporter(client, auth, hz, story, who):
    auth.login(getattr(hz, who).employee_no)
    starts = ["/", "/safety/hazards/", "/safety/hazards/?tab=tasks", "/notifications/",
              *(f"/safety/hazards/{i}" for i in story)]
    pages = crawl(client, starts)
    opened = [url for url, body in pages.items() if url.startswith("/safety/hazards/") and body]
    if who != "worker":
        # The crawl reached the reports, their photos and the history (else it would prove nothing).
        assert all(any(url == f"/safety/hazards/{i}" for url in opened) for i in story)
        assert any("/photos/" in url for url in opened)
        assert not any(url.endswith("/original") and pages[url] for url in pages)
    leaks = [url for url, body in pages.items() if REPORTER_NAME in body or REPORTER_NO in body]
    assert leaks == []


@pytest.mark.parametrize("who", ["officer", "admin_a"])
def test_the_officers_and_union_admins_of_the_scope_do_see_the_reporter(client, auth, hz, story, who):
    auth.login(getattr(hz, who).employee_no)
    page = html_text(client.get(f"/safety/hazards/{story[0]}"))
    assert REPORTER_NAME in page and REPORTER_NO in page


def test_the_crawl_reaches_pages_beyond_the_hazards(client, auth, hz, story):
    """The crawl is wide: my space, the other domains' lists, notifications (so a leak anywhere would be found)."""
    auth.login(hz.rectifier.employee_no)
    pages = crawl(client, ["/"])
    assert len(pages) > 30
    assert {"/notifications/", "/safety/hazards/", "/suggestions/"} <= set(pages)
