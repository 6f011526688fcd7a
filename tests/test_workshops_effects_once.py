"""Effects once (QUALITY §13): simultaneous decisions on the same workshop, request or member change the row once,
and only the request that changed it writes the audit row and sends the notifications.

Real threads released together by a barrier send the requests through the whole app, on SQLite and PostgreSQL;
the assertions count the audit rows and notifications in the database.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blueprints.core.models import AuditLog, Notification
from blueprints.workshops.models import LevelChange
from extensions import db
from tests.concurrency import all_at_once
from tests.conftest import TEST_PASSWORD, PortalClient, both_backends
from tests.fixtures_workshops import workshop_members, workshop_row

POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "max_overflow": 8, "pool_timeout": 60}}
HX = {"HX-Request": "true"}
pytestmark = pytest.mark.app_config(POOL)


def signed_in(app, user):
    """A fresh client with its own login session."""
    app.test_client_class = PortalClient
    client = app.test_client()
    response = client.post("/auth/login", data={"employee_no": user.employee_no, "password": TEST_PASSWORD})
    assert response.status_code == 303
    return client




def post_all(app, users, path: str, data=None, headers=None) -> list[int]:
    """Each user (one client each, a user may appear several times as several tabs) POSTs path at once."""
    clients = [signed_in(app, user) for user in users]
    responses = all_at_once([lambda c=c: c.post(path, data=data or {}, headers=headers or {}) for c in clients])
    return [r.status_code for r in responses]


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


def notes_of(app, user_id: int, text: str) -> int:
    """How many notifications of the user contain `text` (in the stored Chinese msgid)."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.message.contains(text)))


@both_backends
def test_admins_approving_at_once_audit_and_notify_once(app, make_user, make_workshop):
    admins = [make_user(roles=("worker", "admin")) for _ in range(4)]
    lead, member = make_user(), make_user()
    made = make_workshop(status="pending", lead=lead, members=[member])

    codes = post_all(app, admins, f"/workshops/{made.id}/approve", headers=HX)

    assert codes == [200] * 4
    assert workshop_row(app, made.id).status == "approved"
    assert audit_count(app, "workshop.approve") == 1
    assert notes_of(app, lead.id, "已通过审批") == 1
    assert notes_of(app, member.id, "已通过审批") == 1
    assert audit_count(app, "user.roles_changed") == 1  # the lead role, granted once
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LevelChange)
                                 .where(LevelChange.workshop_id == made.id)) == 1


@both_backends
def test_approve_and_reject_at_once_leave_one_decision(app, make_user, make_workshop):
    admins = [make_user(roles=("worker", "admin")) for _ in range(4)]
    lead = make_user()
    made = make_workshop(status="pending", lead=lead)
    clients = [signed_in(app, admin) for admin in admins]
    calls = [lambda c=clients[0]: c.post(f"/workshops/{made.id}/approve", headers=HX),
             lambda c=clients[1]: c.post(f"/workshops/{made.id}/reject", data={"reason": "材料不全"}, headers=HX),
             lambda c=clients[2]: c.post(f"/workshops/{made.id}/approve", headers=HX),
             lambda c=clients[3]: c.post(f"/workshops/{made.id}/reject", data={"reason": "材料不全"}, headers=HX)]
    responses = all_at_once(calls)

    assert [r.status_code for r in responses] == [200] * 4
    status = workshop_row(app, made.id).status
    assert status in ("approved", "rejected")
    decided = audit_count(app, "workshop.approve") + audit_count(app, "workshop.reject")
    assert decided == 1
    assert notes_of(app, lead.id, "已通过审批") + notes_of(app, lead.id, "未通过审批") == 1
    refused = [r for r in responses if "当前是" in r.get_data(as_text=True)]
    assert len(refused) == 3  # the others are told the workshop was decided meanwhile


@both_backends
def test_admins_revoking_at_once_tell_each_member_once(app, make_user, make_workshop):
    admins = [make_user(roles=("worker", "admin")) for _ in range(4)]
    lead, member, asking = make_user(), make_user(), make_user()
    made = make_workshop(lead=lead, members=[member], requested=[asking])

    codes = post_all(app, admins, f"/workshops/{made.id}/revoke", data={"reason": "两年未开展活动"})

    assert codes == [303] * 4
    assert workshop_row(app, made.id).status == "revoked"
    assert audit_count(app, "workshop.revoke") == 1
    assert notes_of(app, lead.id, "已被撤销，原因") == 1
    assert notes_of(app, member.id, "已被撤销，原因") == 1
    assert notes_of(app, asking.id, "您的加入申请已关闭") == 1


@both_backends
@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_managers_answering_a_join_request_at_once_answer_it_once(app, make_user, make_workshop, decision):
    lead, deputy, asking = make_user(), make_user(roles=("worker", "lead")), make_user()
    made = make_workshop(lead=lead, deputies=[deputy], requested=[asking])
    path = f"/workshops/{made.id}/members/{made.member_ids[asking.id]}/{decision}"

    codes = post_all(app, [lead, lead, deputy, deputy, lead, deputy], path, headers=HX)

    assert codes == [200] * 6
    expected = "active" if decision == "approve" else "declined"
    assert workshop_members(app, made.id)[asking.id] == ("member", expected)
    assert audit_count(app, f"workshop.join_{decision}d") == 1
    assert notes_of(app, asking.id, "您已加入" if decision == "approve" else "申请未通过") == 1


@both_backends
def test_approve_and_decline_at_once_leave_one_answer(app, make_user, make_workshop):
    lead, deputy, asking = make_user(), make_user(roles=("worker", "lead")), make_user()
    made = make_workshop(lead=lead, deputies=[deputy], requested=[asking])
    base = f"/workshops/{made.id}/members/{made.member_ids[asking.id]}"
    clients = [signed_in(app, person) for person in (lead, deputy, lead, deputy)]
    responses = all_at_once([lambda c=c, d=d: c.post(f"{base}/{d}", headers=HX)
                             for c, d in zip(clients, ["approve", "decline", "decline", "approve"], strict=True)])

    assert [r.status_code for r in responses] == [200] * 4
    assert audit_count(app, "workshop.join_approved") + audit_count(app, "workshop.join_declined") == 1
    assert notes_of(app, asking.id, "您已加入") + notes_of(app, asking.id, "申请未通过") == 1
    assert sum("已经处理过了" in r.get_data(as_text=True) for r in responses) == 3


@both_backends
def test_lead_and_deputy_removing_a_member_at_once_remove_once(app, make_user, make_workshop):
    lead, deputy, member = make_user(), make_user(roles=("worker", "lead")), make_user()
    made = make_workshop(lead=lead, deputies=[deputy], members=[member])

    codes = post_all(app, [lead, deputy, lead, deputy], f"/workshops/{made.id}/members/"
                     f"{made.member_ids[member.id]}/remove")

    assert codes == [303] * 4
    assert workshop_members(app, made.id)[member.id] == ("member", "left")
    assert audit_count(app, "workshop.member_removed") == 1
    assert notes_of(app, member.id, "您已被移出") == 1


@both_backends
def test_leaving_in_several_tabs_at_once_leaves_once(app, make_user, make_workshop):
    lead, member = make_user(), make_user()
    made = make_workshop(lead=lead, members=[member])

    codes = post_all(app, [member] * 4, f"/workshops/{made.id}/leave")

    assert codes == [303] * 4
    assert audit_count(app, "workshop.member_left") == 1
    assert notes_of(app, lead.id, "退出了工作室") == 1


@both_backends
def test_appointing_a_deputy_twice_at_once_appoints_once(app, make_user, make_workshop):
    lead, member = make_user(), make_user()
    made = make_workshop(lead=lead, members=[member])

    codes = post_all(app, [lead] * 4, f"/workshops/{made.id}/members/{made.member_ids[member.id]}/deputy")

    assert codes == [303] * 4
    assert workshop_members(app, made.id)[member.id] == ("deputy", "active")
    assert audit_count(app, "workshop.deputy_appointed") == 1
    assert notes_of(app, member.id, "副负责人") == 1


@both_backends
def test_handing_over_twice_at_once_hands_over_once(app, make_user, make_workshop):
    lead, first, second = make_user(), make_user(), make_user()
    made = make_workshop(lead=lead, members=[first, second])
    clients = [signed_in(app, lead) for _ in range(4)]
    targets = [first, second, first, second]
    responses = all_at_once([lambda c=c, t=t: c.post(f"/workshops/{made.id}/members/{made.member_ids[t.id]}/handover")
                             for c, t in zip(clients, targets, strict=True)])

    # Whoever comes after the first is no longer the lead: refused before (403) or by the conditional update (303
    # back to the page with the message), depending on when their request read the workshop.
    assert sorted(r.status_code for r in responses)[0] == 303
    assert all(r.status_code in (303, 403) for r in responses)
    assert audit_count(app, "workshop.lead_handed_over") == 1
    roles = workshop_members(app, made.id)
    new_lead = workshop_row(app, made.id).lead_id
    assert new_lead in (first.id, second.id)
    assert [uid for uid, (role, _status) in roles.items() if role == "lead"] == [new_lead]
    assert roles[lead.id] == ("deputy", "active")
    assert notes_of(app, first.id, "您已成为") + notes_of(app, second.id, "您已成为") == 1


@both_backends
def test_recording_the_same_level_change_at_once_records_it_once(app, make_user, make_workshop):
    admins = [make_user(roles=("worker", "admin")) for _ in range(4)]
    lead = make_user()
    made = make_workshop(lead=lead, level="enterprise")

    codes = post_all(app, admins, f"/workshops/{made.id}/level",
                     data={"level": "city", "changed_on": "2024-06-01", "note": ""})

    assert sorted(codes) == [200, 200, 200, 303]  # the others see the form again, with the reason
    assert workshop_row(app, made.id).level == "city"
    assert audit_count(app, "workshop.level_changed") == 1
    assert notes_of(app, lead.id, "级别已调整") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LevelChange).where(
            LevelChange.workshop_id == made.id, LevelChange.to_level == "city")) == 1


@both_backends
def test_asking_again_in_several_tabs_at_once_asks_once(app, make_user, make_workshop):
    lead, former = make_user(), make_user()
    made = make_workshop(lead=lead)
    with app.app_context():
        from blueprints.workshops.models import WorkshopMember

        db.session.add(WorkshopMember(workshop_id=made.id, user_id=former.id, role="member", status="left"))
        db.session.commit()

    codes = post_all(app, [former] * 4, f"/workshops/{made.id}/join", headers=HX)

    assert codes == [200] * 4
    assert workshop_members(app, made.id)[former.id] == ("member", "requested")
    assert audit_count(app, "workshop.join_requested") == 1
    assert notes_of(app, lead.id, "申请加入工作室") == 1


@both_backends
def test_withdrawing_in_several_tabs_at_once_withdraws_once(app, make_user, make_workshop):
    lead, asking = make_user(), make_user()
    made = make_workshop(lead=lead, requested=[asking])

    codes = post_all(app, [asking] * 4, f"/workshops/{made.id}/withdraw", headers=HX)

    assert codes == [200] * 4
    assert asking.id not in workshop_members(app, made.id)
    assert audit_count(app, "workshop.join_withdrawn") == 1


@both_backends
def test_deleting_a_draft_in_several_tabs_at_once_deletes_and_audits_once(app, make_user, make_workshop):
    lead = make_user()
    made = make_workshop(status="draft", lead=lead)

    codes = post_all(app, [lead] * 4, f"/workshops/{made.id}/delete")

    assert all(code in (303, 404) for code in codes) and 303 in codes
    assert workshop_row(app, made.id) is None
    assert audit_count(app, "workshop.deleted") == 1


@both_backends
def test_deleting_an_achievement_in_several_tabs_at_once_audits_once(app, make_user, make_workshop):
    from blueprints.workshops.models import Achievement

    lead = make_user()
    made = make_workshop(lead=lead)
    with app.app_context():
        achievement = Achievement(workshop_id=made.id, title="薄壁件加工夹具", kind="patent", created_by_id=lead.id)
        db.session.add(achievement)
        db.session.commit()
        achievement_id = achievement.id

    codes = post_all(app, [lead] * 4, f"/workshops/{made.id}/achievements/{achievement_id}/delete")

    assert all(code in (303, 404) for code in codes) and 303 in codes
    assert audit_count(app, "workshop.achievement_deleted") == 1
