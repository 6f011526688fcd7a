"""Every htmx endpoint as a fragment and as a plain request; CSRF on state changes; double submits under threads."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from blueprints.workshops.models import WorkshopMember
from extensions import db
from tests.conftest import TEST_PASSWORD, PortalClient, both_backends, html_text
from tests.fixtures_workshops import workshop_audit, workshop_members, workshop_row

HX = {"HX-Request": "true"}


def _scenario(make_user, make_workshop):
    lead, member, requester, outsider = make_user(), make_user(), make_user(), make_user()
    made = make_workshop(lead=lead, members=[member], requested=[requester])
    return lead, member, requester, outsider, made


# (who, path template, what the fragment must contain). Each is sent once as htmx, once plain, on a fresh scene.
POST_ENDPOINTS = [
    ("outsider", "/workshops/{W}/join", "已申请，等待审核"),
    ("requester", "/workshops/{W}/withdraw", "已撤回加入申请。"),
    ("lead", "/workshops/{W}/members/{R}/approve", "已同意，已加入"),
    ("lead", "/workshops/{W}/members/{R}/decline", "已拒绝"),
]


@pytest.mark.parametrize(("who", "template", "marker"), POST_ENDPOINTS)
@pytest.mark.parametrize("htmx", [True, False])
def test_post_endpoints_answer_fragments_to_htmx_and_redirects_otherwise(client, auth, make_user, make_workshop,
                                                                        who, template, marker, htmx):
    lead, member, requester, outsider, made = _scenario(make_user, make_workshop)
    person = {"lead": lead, "requester": requester, "outsider": outsider}[who]
    auth.login(person.employee_no)
    path = template.format(W=made.id, R=made.member_ids[requester.id])
    response = client.post(path, headers=HX if htmx else {})
    assert "HX-Request" in response.headers["Vary"]
    if htmx:
        body = html_text(response)
        assert response.status_code == 200 and "<html" not in body and marker in body
    else:
        assert response.status_code == 303 and response.headers["Location"].startswith(f"/workshops/{made.id}")


def test_leave_as_htmx_reloads_the_page_and_plain_redirects(app, client, auth, make_user, make_workshop):
    lead, member, requester, outsider, made = _scenario(make_user, make_workshop)
    other = make_user()
    second = make_workshop(members=[other])
    auth.login(member.employee_no)
    fragment = client.post(f"/workshops/{made.id}/leave", headers=HX)
    assert fragment.status_code == 200 and fragment.headers["HX-Redirect"] == f"/workshops/{made.id}"
    auth.logout()
    auth.login(other.employee_no)
    plain = client.post(f"/workshops/{second.id}/leave")
    assert plain.status_code == 303


@pytest.mark.parametrize("path", ["/workshops/{W}/join", "/workshops/{W}/approve", "/workshops/new",
                                  "/workshops/{W}/members/{R}/approve", "/workshops/{W}/achievements/new"])
def test_state_changes_without_csrf_token_get_400(app, client, auth, make_user, make_workshop, path):
    lead, member, requester, outsider, made = _scenario(make_user, make_workshop)
    admin = make_user(roles=("worker", "admin", "lead"))
    auth.login(admin.employee_no)
    url = path.format(W=made.id, R=made.member_ids[requester.id])
    response = client.post(url, data={"title": "x", "kind": "patent"}, csrf=False)
    assert response.status_code == 400
    assert workshop_members(app, made.id)[requester.id] == ("member", "requested")
    assert admin.id not in workshop_members(app, made.id)
    # The same request with the token as a form field is accepted (no 400).
    token = client.csrf_token()
    accepted = client.post(url, data={"csrf_token": token, "title": "x", "kind": "patent"}, csrf=False)
    assert accepted.status_code != 400


def _parallel(app, employee_no: str, path: str, n: int) -> list[int]:
    """n signed-in clients of the same user POST `path` at the same moment; returns the status codes."""
    clients = []
    for _ in range(n):
        app.test_client_class = PortalClient
        c = app.test_client()
        assert c.post("/auth/login", data={"employee_no": employee_no, "password": TEST_PASSWORD}).status_code == 303
        clients.append(c)
    barrier = threading.Barrier(n)
    codes: list[int] = []

    def hit(c):
        barrier.wait()
        codes.append(c.post(path, headers=HX).status_code)

    threads = [threading.Thread(target=hit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return codes


@both_backends
def test_a_join_double_clicked_many_times_at_once_makes_one_request(app, make_user, make_workshop):
    worker = make_user()
    made = make_workshop()
    codes = _parallel(app, worker.employee_no, f"/workshops/{made.id}/join", 6)
    assert codes == [200] * 6
    with app.app_context():
        rows = db.session.scalars(select(WorkshopMember.status).where(WorkshopMember.workshop_id == made.id,
                                                                      WorkshopMember.user_id == worker.id)).all()
    assert rows == ["requested"]
    assert len(workshop_audit(app, "workshop.join_requested")) == 1


@both_backends
def test_two_admins_approving_at_once_approve_once(app, make_user, make_workshop):
    admin = make_user(roles=("worker", "admin"))
    made = make_workshop(status="pending")
    codes = _parallel(app, admin.employee_no, f"/workshops/{made.id}/approve", 4)
    assert codes == [200] * 4
    assert workshop_row(app, made.id).status == "approved"
    assert len(workshop_audit(app, "workshop.approve")) == 1


def test_profile_queries_do_not_grow_with_members_and_achievements(app, client, auth, make_user, make_workshop,
                                                                   count_queries):
    from blueprints.workshops.models import Achievement

    lead = make_user()
    small = make_workshop(lead=lead, members=[make_user() for _ in range(2)])
    big = make_workshop(lead=lead, members=[make_user() for _ in range(30)],
                        requested=[make_user() for _ in range(10)])
    with app.app_context():
        db.session.add_all(Achievement(workshop_id=big.id, title=f"成果{i}", kind="award") for i in range(25))
        db.session.commit()
    auth.login(lead.employee_no)
    client.get(f"/workshops/{small.id}")
    with count_queries() as few:
        client.get(f"/workshops/{small.id}")
    with count_queries() as many:
        page = html_text(client.get(f"/workshops/{big.id}"))
    assert "成果24" in page
    assert few.count == many.count <= 9  # 8, and one for the city-level recommendations with their steps



def test_profile_reads_the_recommendation_history_in_one_query(app, client, auth, make_user, make_workshop,
                                                               count_queries):
    """However many recommendations and steps a workshop has had, its profile reads them in one query, for the lead
    and for an admin who may act on them."""
    from blueprints.workshops.models import Recommendation, RecommendationStep

    lead, admin = make_user(), make_user(roles=("worker", "admin"))
    plain, busy = make_workshop(lead=lead), make_workshop(lead=lead)
    with app.app_context():
        for n in range(6):
            rec = Recommendation(workshop_id=busy.id, status="declined", from_level="enterprise", to_level="city")
            db.session.add(rec)
            db.session.flush()
            db.session.add_all(RecommendationStep(recommendation_id=rec.id, action=action, actor_id=admin.id,
                                                  reason=f"第{n}次{action}", reached="federation")
                               for action in ("recommend", "forward", "decline"))
        db.session.commit()
    for viewer in (lead, admin):
        auth.login(viewer.employee_no)
        client.get(f"/workshops/{plain.id}")
        with count_queries() as few:
            client.get(f"/workshops/{plain.id}")
        with count_queries() as many:
            page = html_text(client.get(f"/workshops/{busy.id}"))
        auth.logout()
        assert "第5次decline" in page and "第0次recommend" in page
        assert few.count == many.count
        assert sum("workshop_recommendation_steps" in statement for statement in many.statements) == 1
