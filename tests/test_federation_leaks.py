"""No leak across enterprises (SPEC §7, QUALITY §11): a crawl of every page and file enterprise 1's admin and HR
can open, searching each answer for enterprise 2's and 3's people (工号) and records (titles), on the demo federation.

Approved workshops are the city's public directory (SPEC Part I: anyone may browse them), so their names may
appear; their people's 工号 may not.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import text

from extensions import db
from tests.security_world import _demo_client, all_routes

# Enterprises 2 and 3 by name; the public workshop directory may name them (its unit filter spans the city).
ENTERPRISE_NAMES = ("松北电机有限公司", "龙江建工集团")
PUBLIC_DIRECTORY = {"workshops.index", "workshops.export"}
# Pages that may name other enterprises: none besides the public directory.
NAMED_IN_FILTERS: set[str] = set()
# GET pages worth searching with a query as well (lists and searches): a term that matches other enterprises' rows.
SEARCHES = {"suggestions.index": "q", "admin.users": "q", "core.people_search": "q", "training.index": "q",
            "stats.people_search": "q", "suggestions.review": "q", "workshops.index": "q"}


def _markers(app) -> set[str]:
    """Unique strings of enterprises 2 and 3: their people's 工号, suggestion titles, session titles."""
    with app.app_context():
        nos = db.session.scalars(text("SELECT employee_no FROM users WHERE employee_no LIKE 'e2%' "
                                      "OR employee_no LIKE 'e3%'")).all()
        other = ("SELECT path || '%' FROM departments WHERE name IN ('松北电机有限公司', '龙江建工集团有限公司', "
                 "'龙江建工集团')")
        titles = db.session.scalars(text(
            "SELECT s.title FROM suggestions s JOIN departments d ON d.id = s.department_id "
            "WHERE d.path LIKE ANY_PATH")).all() if False else []
        paths = db.session.scalars(text(other)).all()
        for path in paths:
            titles += db.session.scalars(text(
                "SELECT s.title FROM suggestions s JOIN departments d ON d.id = s.department_id WHERE d.path LIKE :p"
            ), {"p": path}).all()
            titles += db.session.scalars(text(
                "SELECT t.title FROM training_sessions t JOIN departments d ON d.id = t.organiser_id "
                "WHERE d.path LIKE :p"), {"p": path}).all()
    assert len(nos) >= 90 and titles, "the demo federation has enterprises 2 and 3 with records"
    titles += list(ENTERPRISE_NAMES)  # their names, in filter boxes and pickers too
    # Longest first, so a 工号 that prefixes another (e2worker1 / e2worker10) is reported by its full form.
    return set(nos) | set(titles)


def _text_of(response) -> str:
    body = response.get_data()
    if body[:2] == b"PK":  # an .xlsx: search its shared strings and sheets
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist()
                            if name.endswith(".xml"))
    return body.decode("utf-8", "replace")


def _found(page: str, markers: set[str]) -> list[str]:
    hits = []
    for marker in sorted(markers, key=len, reverse=True):
        if marker.startswith(("e2", "e3")):
            # A 工号 as a whole word, so e2worker1 does not match inside e2worker10 (both are markers anyway).
            import re

            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(marker)}(?![A-Za-z0-9_])", page):
                hits.append(marker)
        elif marker in page:
            hits.append(marker)
    return hits


@pytest.mark.slow
@pytest.mark.parametrize("actor", ["e1admin", "hr1"])
def test_nothing_of_another_enterprise_in_any_page_or_file(demo_app, demo_urls, actor):
    markers = _markers(demo_app)
    client = _demo_client(demo_app, actor)
    leaks = []
    for endpoint, method, _rule in all_routes(demo_app):
        if method != "GET" or endpoint in ("static", "auth.logout", "core.set_locale"):
            continue
        url = demo_urls[(endpoint, method)]
        urls = [url]
        if endpoint in SEARCHES:
            urls += [f"{url}{'&' if '?' in url else '?'}{SEARCHES[endpoint]}=e2", f"{url}?{SEARCHES[endpoint]}=电机"]
        for target in urls:
            response = client.get(target)
            if response.status_code != 200:
                continue
            allowed = set(ENTERPRISE_NAMES) if endpoint in PUBLIC_DIRECTORY | NAMED_IN_FILTERS else set()
            hits = _found(_text_of(response), markers - allowed)
            if hits:
                leaks.append(f"{target}: {hits[:5]}")
    assert not leaks, "\n".join(leaks)


def test_another_enterprises_public_workshop_shows_names_not_numbers(demo_app):
    """The directory is public, its people are not: enterprise 1's admin opens enterprise 2's approved workshop."""
    with demo_app.app_context():
        workshop_id, lead_no, lead_name = db.session.execute(text(
            "SELECT w.id, u.employee_no, u.name FROM workshops w JOIN users u ON u.id = w.lead_id "
            "WHERE u.employee_no LIKE 'e2%' AND w.status = 'approved' ORDER BY w.id LIMIT 1")).one()
    outsider, insider = _demo_client(demo_app, "e1admin"), _demo_client(demo_app, "e2admin")
    page = outsider.get(f"/workshops/{workshop_id}").get_data(as_text=True)
    assert lead_name in page and lead_no not in page
    assert lead_no in insider.get(f"/workshops/{workshop_id}").get_data(as_text=True)


def _offered(client, q: str) -> str:
    """What the suggestion list's department box (a type-ahead picker) offers for q."""
    return client.get("/pick/departments-view", query_string={"q": q}).get_data(as_text=True)


def test_the_suggestion_filter_names_no_other_enterprise(demo_app):
    for actor in ("e1admin", "worker1"):
        client = _demo_client(demo_app, actor)
        page = client.get("/suggestions/").get_data(as_text=True)
        assert not [name for name in ENTERPRISE_NAMES if name in page], actor
        assert "滨江重工集团有限公司" in _offered(client, "滨江"), actor  # their own enterprise is offered
        for name in ENTERPRISE_NAMES:  # typing another enterprise's name finds nothing
            assert name not in _offered(client, name[:2]), (actor, name)
    city = _demo_client(demo_app, "admin")
    assert all(name in _offered(city, name[:2]) for name in ENTERPRISE_NAMES)  # the city filters on any enterprise
