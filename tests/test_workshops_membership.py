"""Membership: asking to join (htmx), approving and declining in place, leaving, deputies and handing over."""
from __future__ import annotations

from sqlalchemy import select

from blueprints.workshops.models import WorkshopMember
from extensions import db
from tests.conftest import both_backends, html_text
from tests.fixtures_workshops import workshop_audit, workshop_members, workshop_notes, workshop_row

HX = {"HX-Request": "true"}


@both_backends
def test_join_with_htmx_changes_the_button_in_place_and_tells_the_managers(app, client, auth, workshop_team):
    t = workshop_team
    auth.login(t.outsider.employee_no)
    page = html_text(client.get(f"/workshops/{t.workshop.id}"))
    assert "申请加入" in page and f'hx-post="/workshops/{t.workshop.id}/join"' in page
    response = client.post(f"/workshops/{t.workshop.id}/join", headers=HX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")
    body = html_text(response)
    assert "<html" not in body and "已申请，等待审核" in body and "撤回申请" in body
    assert workshop_members(app, t.workshop.id)[t.outsider.id] == ("member", "requested")
    assert workshop_notes(app, t.lead.id) == ["%(person)s 申请加入工作室“%(name)s”。"]
    assert workshop_notes(app, t.deputy.id) == ["%(person)s 申请加入工作室“%(name)s”。"]
    assert workshop_notes(app, t.member.id) == []


def test_join_without_javascript_redirects_to_the_profile(app, client, auth, workshop_team):
    t = workshop_team
    auth.login(t.outsider.employee_no)
    response = client.post(f"/workshops/{t.workshop.id}/join")
    assert response.status_code == 303 and response.headers["Location"] == f"/workshops/{t.workshop.id}"
    page = html_text(client.get(response.headers["Location"]))
    assert "已提交申请" in page and "已申请，等待审核" in page


def test_joining_twice_is_refused_with_one_request_kept(app, client, auth, workshop_team):
    t = workshop_team
    auth.login(t.outsider.employee_no)
    client.post(f"/workshops/{t.workshop.id}/join", headers=HX)
    again = client.post(f"/workshops/{t.workshop.id}/join", headers=HX)
    assert again.status_code == 200
    assert "您已经申请加入“王振华数控技能大师工作室”，请等待负责人审核。" in html_text(again)
    with app.app_context():
        rows = db.session.scalars(select(WorkshopMember.id).where(WorkshopMember.workshop_id == t.workshop.id,
                                                                  WorkshopMember.user_id == t.outsider.id)).all()
    assert len(rows) == 1
    assert len(workshop_notes(app, t.lead.id)) == 1
    # A member asking to join is told they are already in.
    auth.logout()
    auth.login(t.member.employee_no)
    member = client.post(f"/workshops/{t.workshop.id}/join", headers=HX)
    assert "您已经是“王振华数控技能大师工作室”的成员了。" in html_text(member)


def test_only_approved_workshops_take_requests(app, client, auth, make_user, make_workshop):
    worker = make_user()
    revoked = make_workshop(status="revoked")
    pending = make_workshop(status="pending")
    auth.login(worker.employee_no)
    refused = client.post(f"/workshops/{revoked.id}/join", headers=HX)
    assert "只有已批准的工作室才能申请加入。" in html_text(refused)
    assert worker.id not in workshop_members(app, revoked.id)
    assert client.post(f"/workshops/{pending.id}/join", headers=HX).status_code == 404  # not visible to them


def test_withdraw_then_ask_again(app, client, auth, workshop_team):
    t = workshop_team
    auth.login(t.requester.employee_no)
    response = client.post(f"/workshops/{t.workshop.id}/withdraw", headers=HX)
    assert "已撤回加入申请。" in html_text(response) and "申请加入" in html_text(response)
    assert t.requester.id not in workshop_members(app, t.workshop.id)
    again = client.post(f"/workshops/{t.workshop.id}/withdraw", headers=HX)
    assert "您没有待审核的加入申请。" in html_text(again)
    client.post(f"/workshops/{t.workshop.id}/join", headers=HX)
    assert workshop_members(app, t.workshop.id)[t.requester.id] == ("member", "requested")


def test_the_lead_approves_in_place_and_the_person_is_told(app, client, auth, workshop_team):
    t = workshop_team
    member_id = t.workshop.member_ids[t.requester.id]
    auth.login(t.lead.employee_no)
    page = html_text(client.get(f"/workshops/{t.workshop.id}"))
    assert f'id="request-{member_id}"' in page and "戴志明" in page
    response = client.post(f"/workshops/{t.workshop.id}/members/{member_id}/approve", headers=HX)
    body = html_text(response)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="request-{member_id}"' in body and "已同意，已加入" in body
    assert workshop_members(app, t.workshop.id)[t.requester.id] == ("member", "active")
    assert workshop_notes(app, t.requester.id) == ["您已加入工作室“%(name)s”。"]
    assert workshop_audit(app, "workshop.join_approved")[0][2] == t.requester.employee_no
    # Deciding again: the row says it was handled, nothing changes.
    again = client.post(f"/workshops/{t.workshop.id}/members/{member_id}/decline", headers=HX)
    assert "这条申请已经处理过了（在册）。" in html_text(again)
    assert workshop_members(app, t.workshop.id)[t.requester.id] == ("member", "active")


def test_a_deputy_declines_without_javascript(app, client, auth, workshop_team):
    t = workshop_team
    member_id = t.workshop.member_ids[t.requester.id]
    auth.login(t.deputy.employee_no)
    response = client.post(f"/workshops/{t.workshop.id}/members/{member_id}/decline",
                           data={"next": "/workshops/requests"})
    assert response.status_code == 303 and response.headers["Location"] == "/workshops/requests"
    assert workshop_members(app, t.workshop.id)[t.requester.id] == ("member", "declined")
    assert workshop_notes(app, t.requester.id) == ["您加入工作室“%(name)s”的申请未通过。"]
    # next= never leaves the site.
    client.post(f"/workshops/{t.workshop.id}/join")
    evil = client.post(f"/workshops/{t.workshop.id}/members/{member_id}/approve", data={"next": "https://evil.example/"})
    assert evil.headers["Location"] == f"/workshops/{t.workshop.id}"


def test_members_and_outsiders_cannot_decide_requests(app, client, auth, workshop_team):
    t = workshop_team
    member_id = t.workshop.member_ids[t.requester.id]
    for person in (t.member, t.outsider):
        auth.login(person.employee_no)
        assert client.post(f"/workshops/{t.workshop.id}/members/{member_id}/approve", headers=HX).status_code == 403
        auth.logout()
    assert workshop_members(app, t.workshop.id)[t.requester.id] == ("member", "requested")
    assert len(workshop_audit(app, "access.denied")) == 2


def test_a_request_of_another_workshop_is_not_found(app, client, auth, workshop_team, make_user, make_workshop):
    t = workshop_team
    other_requester = make_user()
    other = make_workshop(status="approved", requested=[other_requester])
    auth.login(t.lead.employee_no)
    foreign = other.member_ids[other_requester.id]
    assert client.post(f"/workshops/{t.workshop.id}/members/{foreign}/approve").status_code == 404
    assert workshop_members(app, other.id)[other_requester.id] == ("member", "requested")
    assert workshop_audit(app, "access.denied")


def test_a_member_leaves_and_the_lead_is_told(app, client, auth, workshop_team):
    t = workshop_team
    auth.login(t.member.employee_no)
    response = client.post(f"/workshops/{t.workshop.id}/leave", headers=HX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/workshops/{t.workshop.id}"
    assert workshop_members(app, t.workshop.id)[t.member.id] == ("member", "left")
    assert workshop_notes(app, t.lead.id) == ["%(person)s 退出了工作室“%(name)s”。"]
    # Asking to join again reuses the row.
    client.post(f"/workshops/{t.workshop.id}/join", headers=HX)
    assert workshop_members(app, t.workshop.id)[t.member.id] == ("member", "requested")


def test_the_lead_cannot_leave_until_handing_over(app, client, auth, workshop_team, workshop_roles):
    t = workshop_team
    auth.login(t.lead.employee_no)
    refused = client.post(f"/workshops/{t.workshop.id}/leave", headers=HX)
    assert refused.status_code == 200
    assert "您是“王振华数控技能大师工作室”的负责人，不能直接退出。请先把负责人移交给其他成员。" in html_text(refused)
    assert workshop_members(app, t.workshop.id)[t.lead.id] == ("lead", "active")
    member_row = t.workshop.member_ids[t.member.id]
    assert client.post(f"/workshops/{t.workshop.id}/members/{member_row}/handover").status_code == 303
    assert workshop_row(app, t.workshop.id).lead_id == t.member.id
    members = workshop_members(app, t.workshop.id)
    assert members[t.member.id] == ("lead", "active") and members[t.lead.id] == ("deputy", "active")
    assert "lead" in workshop_roles(t.member.id)
    assert workshop_notes(app, t.member.id) == ["您已成为工作室“%(name)s”的负责人。"]
    assert client.post(f"/workshops/{t.workshop.id}/leave").status_code == 303
    assert workshop_members(app, t.workshop.id)[t.lead.id] == ("member", "left")


def test_the_lead_appoints_and_removes_a_deputy(app, client, auth, workshop_team, workshop_roles):
    t = workshop_team
    row = t.workshop.member_ids[t.member.id]
    auth.login(t.lead.employee_no)
    assert "lead" not in workshop_roles(t.member.id)
    assert client.post(f"/workshops/{t.workshop.id}/members/{row}/deputy").status_code == 303
    assert workshop_members(app, t.workshop.id)[t.member.id] == ("deputy", "active")
    assert "lead" in workshop_roles(t.member.id)
    assert any(a[1] == str(t.member.id) for a in workshop_audit(app, "user.roles_changed"))
    assert workshop_notes(app, t.member.id) == ["您被任命为工作室“%(name)s”的副负责人。"]
    page = html_text(client.get(f"/workshops/{t.workshop.id}", follow_redirects=True))
    assert "已任命 秦凤英 为副负责人。" in page
    again = client.post(f"/workshops/{t.workshop.id}/members/{row}/deputy", follow_redirects=True)
    assert "此人已经是副负责人了。" in html_text(again)
    assert client.post(f"/workshops/{t.workshop.id}/members/{row}/undeputy").status_code == 303
    assert workshop_members(app, t.workshop.id)[t.member.id] == ("member", "active")


def test_a_deputy_removes_members_but_not_deputies_and_appoints_no_one(app, client, auth, make_user, make_workshop):
    lead, deputy, deputy2, member = make_user(), make_user(), make_user(), make_user()
    made = make_workshop(lead=lead, deputies=[deputy, deputy2], members=[member])
    auth.login(deputy.employee_no)
    refused = client.post(f"/workshops/{made.id}/members/{made.member_ids[deputy2.id]}/remove", follow_redirects=True)
    assert "只有负责人可以移除副负责人。" in html_text(refused)
    assert client.post(f"/workshops/{made.id}/members/{made.member_ids[member.id]}/deputy").status_code == 403
    assert client.post(f"/workshops/{made.id}/members/{made.member_ids[lead.id]}/remove",
                       follow_redirects=True).status_code == 200
    assert workshop_members(app, made.id)[lead.id] == ("lead", "active")
    assert client.post(f"/workshops/{made.id}/members/{made.member_ids[member.id]}/remove").status_code == 303
    assert workshop_members(app, made.id)[member.id] == ("member", "left")
    assert workshop_notes(app, member.id) == ["您已被移出工作室“%(name)s”。"]


def test_roster_is_frozen_outside_approved(app, client, auth, make_user, make_workshop):
    lead, member, requester = make_user(), make_user(), make_user()
    made = make_workshop(status="revoked", lead=lead, members=[member], requested=[requester])
    auth.login(lead.employee_no)
    for action, target in (("remove", member), ("deputy", member), ("approve", requester)):
        assert client.post(f"/workshops/{made.id}/members/{made.member_ids[target.id]}/{action}").status_code == 403
    assert workshop_members(app, made.id)[member.id] == ("member", "active")
