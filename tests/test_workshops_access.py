"""Who may reach what: a role × route × method matrix of every workshops route, visibility, audited denials."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from blueprints.core.models import StoredFile
from blueprints.workshops.models import Achievement
from extensions import db
from tests.conftest import both_backends, html_text
from tests.fixtures_workshops import workshop_audit, workshop_pdf_bytes

ROLES = ("anonymous", "outsider", "member", "lead", "admin")

# (endpoint, method) -> (path template, expected status for anonymous, outsider, member, lead, admin). {W} is an
# approved workshop where "lead" leads and "member" is a member; {X} a draft led by someone else; {M} a member row
# of W, {A} an achievement of W with a file, {XA} one of X. None means "allowed, and this request would change
# state": successes are tested elsewhere, so this matrix only sends requests that change nothing. Every route of
# the blueprint must be here: a new one fails test_every_route_is_in_the_matrix.
_ = None
MATRIX = {
    ("workshops.index", "GET"): ("/workshops/", (302, 200, 200, 200, 200)),
    ("workshops.export", "GET"): ("/workshops/export.xlsx", (302, 200, 200, 200, 200)),
    ("workshops.new", "GET"): ("/workshops/new", (302, 200, 200, 200, 200)),
    ("workshops.new", "POST"): ("/workshops/new", (302, _, _, _, _)),
    ("workshops.profile", "GET"): ("/workshops/{X}", (302, 404, 404, 404, 200)),
    ("workshops.edit", "GET"): ("/workshops/{W}/edit", (302, 403, 403, 200, 403)),
    ("workshops.edit", "POST"): ("/workshops/{X}/edit", (302, 404, 404, 404, 403)),
    ("workshops.delete", "POST"): ("/workshops/{W}/delete", (302, 403, 403, 403, 403)),
    ("workshops.submit", "POST"): ("/workshops/{W}/submit", (302, 403, 403, _, 403)),
    ("workshops.approve", "POST"): ("/workshops/{W}/approve", (302, 403, 403, 403, _)),
    ("workshops.reject", "POST"): ("/workshops/{W}/reject", (302, 403, 403, 403, _)),
    ("workshops.revoke", "POST"): ("/workshops/{W}/revoke", (302, 403, 403, 403, _)),
    ("workshops.recommend", "POST"): ("/workshops/{W}/recommend", (302, 403, 403, 403, 303)),  # city: refused
    ("workshops.decide_recommendation", "POST"): ("/workshops/recommendations/0/forward",
                                                  (302, 403, 403, 403, 404)),
    ("workshops.review", "GET"): ("/workshops/review", (302, 403, 403, 403, 200)),
    ("workshops.change_level", "GET"): ("/workshops/{W}/level", (302, 403, 403, 403, 200)),
    ("workshops.change_level", "POST"): ("/workshops/{W}/level", (302, 403, 403, 403, _)),
    ("workshops.join", "POST"): ("/workshops/{X}/join", (302, 404, 404, 404, _)),
    ("workshops.withdraw", "POST"): ("/workshops/{X}/withdraw", (302, 404, 404, 404, _)),
    ("workshops.leave", "POST"): ("/workshops/{X}/leave", (302, 404, 404, 404, _)),
    ("workshops.approve_member", "POST"): ("/workshops/{W}/members/{M}/approve", (302, 403, 403, _, 403)),
    ("workshops.decline_member", "POST"): ("/workshops/{W}/members/{M}/decline", (302, 403, 403, _, 403)),
    ("workshops.remove_member", "POST"): ("/workshops/{W}/members/{M}/remove", (302, 403, 403, _, 403)),
    ("workshops.appoint_deputy", "POST"): ("/workshops/{W}/members/{M}/deputy", (302, 403, 403, _, 403)),
    ("workshops.remove_deputy", "POST"): ("/workshops/{W}/members/{M}/undeputy", (302, 403, 403, _, 403)),
    ("workshops.hand_over", "POST"): ("/workshops/{W}/members/{M}/handover", (302, 403, 403, _, 403)),
    ("workshops.join_requests", "GET"): ("/workshops/requests", (302, 200, 200, 200, 200)),
    ("workshops.achievement_new", "GET"): ("/workshops/{W}/achievements/new", (302, 403, 403, 200, 403)),
    ("workshops.achievement_new", "POST"): ("/workshops/{W}/achievements/new", (302, 403, 403, _, 403)),
    ("workshops.achievement_edit", "GET"): ("/workshops/{W}/achievements/{A}/edit", (302, 403, 403, 200, 403)),
    ("workshops.achievement_edit", "POST"): ("/workshops/{W}/achievements/{A}/edit", (302, 403, 403, _, 403)),
    ("workshops.achievement_delete", "POST"): ("/workshops/{W}/achievements/{A}/delete", (302, 403, 403, _, 403)),
    ("workshops.achievement_file", "GET"): ("/workshops/{X}/achievements/{XA}/file", (302, 404, 404, 404, 200)),
}


def _achievement_with_file(app, workshop_id: int) -> int:
    from blueprints.core.uploads import CheckedUpload, store

    with app.test_request_context():
        stored = store(CheckedUpload(name="专利证书.pdf", kind="pdf", data=workshop_pdf_bytes()), None)
        db.session.flush()
        achievement = Achievement(workshop_id=workshop_id, title="一种快速装夹夹具", kind="patent",
                                  achieved_on=datetime.now(UTC).date(), file_id=stored.id)
        db.session.add(achievement)
        db.session.commit()
        return achievement.id


@pytest.fixture
def scene(app, make_user, make_workshop):
    people = {"outsider": make_user(), "member": make_user(), "lead": make_user(roles=("worker", "lead")),
              "admin": make_user(roles=("worker", "admin"))}
    requester = make_user()
    w = make_workshop(status="approved", lead=people["lead"], members=[people["member"]], requested=[requester])
    x = make_workshop(status="draft")
    ids = {"W": w.id, "X": x.id, "M": w.member_ids[requester.id], "A": _achievement_with_file(app, w.id),
           "XA": _achievement_with_file(app, x.id)}
    return people, ids


def test_every_route_is_in_the_matrix(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("workshops.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(MATRIX), f"missing: {routes - set(MATRIX)}; stale: {set(MATRIX) - routes}"


@both_backends
def test_role_route_method_matrix(app, client, auth, scene):
    people, ids = scene
    checked = 0
    for role in ROLES:
        if role != "anonymous":
            auth.login(people[role].employee_no)
        for (_endpoint, method), (template, codes) in MATRIX.items():
            expected = codes[ROLES.index(role)]
            if expected is None:
                continue
            path = template.format(**ids)
            response = client.open(path, method=method, data={})
            assert response.status_code == expected, (role, method, path)
            if expected == 302:
                assert "/auth/login" in response.headers["Location"]
            checked += 1
        if role != "anonymous":
            auth.logout()
    assert checked > 100
    # Every refusal of a signed-in user was audited.
    assert len(workshop_audit(app, "access.denied")) > 40


def test_drafts_and_rejected_are_only_for_their_lead_and_admins(app, client, auth, make_user, make_workshop):
    lead, member, outsider = make_user(), make_user(), make_user()
    admin = make_user(roles=("worker", "admin"))
    for status, visible_to_member in (("draft", False), ("rejected", False), ("pending", True),
                                      ("approved", True), ("revoked", True)):
        made = make_workshop(status=status, lead=lead, members=[member])
        for person, expected in ((lead, 200), (admin, 200), (member, 200 if visible_to_member else 404),
                                 (outsider, 200 if status in ("approved", "revoked") else 404)):
            auth.login(person.employee_no)
            assert client.get(f"/workshops/{made.id}").status_code == expected, (status, person.name)
            auth.logout()
    denial = workshop_audit(app, "access.denied")
    assert denial and "404 GET /workshops/" in denial[0][2]


def test_directory_lists_only_what_the_user_may_see(app, client, auth, make_user, make_workshop):
    lead, outsider = make_user(), make_user()
    admin = make_user(roles=("worker", "admin"))
    for status in ("draft", "pending", "approved", "rejected", "revoked"):
        make_workshop(status=status, lead=lead, name=f"可见性{status}工作室")
    expectations = {
        outsider.employee_no: {"approved", "revoked"},
        lead.employee_no: {"draft", "pending", "approved", "rejected", "revoked"},
        admin.employee_no: {"draft", "pending", "approved", "rejected", "revoked"},
    }
    for employee_no, visible in expectations.items():
        auth.login(employee_no)
        page = html_text(client.get("/workshops/"))
        shown = {s for s in ("draft", "pending", "approved", "rejected", "revoked") if f"可见性{s}工作室" in page}
        assert shown == visible, employee_no
        # Asking for a status one may not see returns nothing rather than leaking it.
        filtered = html_text(client.get("/workshops/?status=draft"))
        assert ("可见性draft工作室" in filtered) == ("draft" in visible)
        auth.logout()


def test_attachments_download_safely_for_those_who_see_the_workshop(app, client, auth, scene):
    people, ids = scene
    auth.login(people["outsider"].employee_no)
    response = client.get(f"/workshops/{ids['W']}/achievements/{ids['A']}/file")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == workshop_pdf_bytes()
    # The achievement of another workshop under this workshop's address: not found, audited.
    assert client.get(f"/workshops/{ids['W']}/achievements/{ids['XA']}/file").status_code == 404
    assert any("achievement" in d[2] for d in workshop_audit(app, "access.denied"))
    with app.app_context():
        assert len(db.session.scalars(select(StoredFile.id)).all()) == 2
