"""The workshop status machine: every transition from every status, for every role, through the service and HTTP."""
from __future__ import annotations

from sqlalchemy import select

from blueprints.core.models import User
from blueprints.workshops import services
from blueprints.workshops.models import STATUSES, LevelChange, Workshop
from extensions import db
from tests.conftest import both_backends, html_text
from tests.fixtures_workshops import workshop_audit, workshop_notes, workshop_row

# Written independently of services.TRANSITIONS: (action, from status) -> roles allowed; anything else is refused.
EXPECTED = {
    ("submit", "draft"): {"lead", "deputy"},
    ("approve", "pending"): {"admin"},
    ("reject", "pending"): {"admin"},
    ("revoke", "approved"): {"admin"},
}
TARGET = {"submit": "pending", "approve": "approved", "reject": "rejected", "revoke": "revoked"}
ROLES = ("admin", "lead", "deputy", "member", "outsider")


def test_every_transition_for_every_role_and_status(app, make_user, make_workshop):
    people = {
        "admin": make_user(roles=("worker", "admin")),
        "lead": make_user(roles=("worker", "lead")),
        "deputy": make_user(roles=("worker", "lead")),
        "member": make_user(),
        "outsider": make_user(),
    }
    seen = 0
    for status in STATUSES:
        made = make_workshop(status=status, lead=people["lead"], deputies=[people["deputy"]],
                             members=[people["member"]])
        with app.test_request_context():
            workshop = db.session.get(Workshop, made.id)
            for role in ROLES:
                user = db.session.get(User, people[role].id)
                membership = services.membership_of(user.id, workshop.id)
                for action in services.TRANSITIONS:
                    allowed = role in EXPECTED.get((action, status), set())
                    assert services.can_transition(user, workshop, action, membership) is allowed, (
                        action, status, role)
                    seen += 1
    # Every action of the table was asked for every status and role, and the table has exactly the spec's actions.
    assert seen == len(STATUSES) * len(ROLES) * len(services.TRANSITIONS)
    assert set(services.TRANSITIONS) == {action for action, _status in EXPECTED}


def test_transition_table_is_the_spec():
    assert {(a, t.sources, t.target) for a, t in services.TRANSITIONS.items()} == {
        ("submit", ("draft",), "pending"), ("approve", ("pending",), "approved"),
        ("reject", ("pending",), "rejected"), ("revoke", ("approved",), "revoked")}
    assert {a for a, t in services.TRANSITIONS.items() if t.needs_reason} == {"reject", "revoke"}


@both_backends
def test_each_transition_over_http_moves_only_from_its_status(app, client, auth, make_user, make_workshop):
    """Admin and lead try every action on a workshop in every status: allowed ones move it, the rest leave it."""
    admin = make_user(roles=("worker", "admin"))
    member_a, member_b = make_user(), make_user()
    forbidden = 0
    for actor_role in ("admin", "lead"):
        for status in STATUSES:
            for action in services.TRANSITIONS:
                # A fresh lead each time, so "at most N workshops per lead" never gets in the way.
                lead = make_user(roles=("worker",))
                actor = admin if actor_role == "admin" else lead
                made = make_workshop(status=status, lead=lead, members=[member_a, member_b])
                auth.login(actor.employee_no)
                response = client.post(f"/workshops/{made.id}/{action}", data={"reason": "材料不全"})
                after = workshop_row(app, made.id).status
                case = (actor_role, action, status)
                if actor_role in EXPECTED.get((action, status), set()):
                    assert response.status_code == 303, case
                    assert after == TARGET[action], case
                elif (action == "submit") == (actor_role == "admin"):
                    # The role may never make this move: 403, audited.
                    assert response.status_code == 403, case
                    forbidden += 1
                    assert after == status, case
                else:
                    # Right role, wrong status: a clear message and nothing changed.
                    assert response.status_code == 303, case
                    assert after == status, case
                    assert "不能" in html_text(client.get(f"/workshops/{made.id}")), case
                auth.logout()
    # Each action belongs to exactly one of the two roles (admins never submit, leads never decide), so the other
    # role is refused it in every status, and each refusal is audited once.
    assert forbidden == len(services.TRANSITIONS) * len(STATUSES)
    assert len(workshop_audit(app, "access.denied")) == forbidden


def test_approving_a_workshop_that_is_not_pending_says_so_and_changes_nothing(app, client, login_as, make_workshop):
    login_as("worker", "admin")
    made = make_workshop(status="approved")
    before = workshop_row(app, made.id)
    response = client.post(f"/workshops/{made.id}/approve", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = html_text(response)
    assert "当前是“已批准”状态，不能批准" in body
    after = workshop_row(app, made.id)
    assert (after.status, after.decided_at, after.updated_at) == (before.status, before.decided_at, before.updated_at)
    assert workshop_audit(app, "workshop.approve") == []


def test_approve_twice_only_the_first_counts(app, client, login_as, make_workshop):
    login_as("worker", "admin")
    made = make_workshop(status="pending")
    assert client.post(f"/workshops/{made.id}/approve").status_code == 303
    second = client.post(f"/workshops/{made.id}/approve", follow_redirects=True)
    assert "不能批准" in html_text(second)
    assert len(workshop_audit(app, "workshop.approve")) == 1
    with app.app_context():
        assert len(db.session.scalars(select(LevelChange).where(LevelChange.workshop_id == made.id)).all()) == 1


def test_approval_grants_lead_role_starts_level_history_and_notifies(app, client, login_as, make_user, make_workshop,
                                                                     workshop_roles):
    admin = login_as("worker", "admin")
    lead = make_user(roles=("worker",))
    member = make_user()
    made = make_workshop(status="pending", lead=lead, members=[member], level="city")
    response = client.post(f"/workshops/{made.id}/approve")
    assert response.status_code == 303
    stored = workshop_row(app, made.id)
    assert stored.status == "approved" and stored.decided_by_id == admin.id and stored.decided_at is not None
    assert "lead" in workshop_roles(lead.id)
    role_audit = workshop_audit(app, "user.roles_changed")
    assert role_audit and role_audit[-1][1] == str(lead.id) and "lead" in role_audit[-1][2]
    with app.app_context():
        history = db.session.scalars(select(LevelChange).where(LevelChange.workshop_id == made.id)).all()
        assert [(h.from_level, h.to_level) for h in history] == [(None, "city")]
    assert workshop_notes(app, lead.id) == ["您的工作室“%(name)s”已通过审批。"]
    assert workshop_notes(app, member.id) == ["您所在的工作室“%(name)s”已通过审批。"]
    assert workshop_audit(app, "workshop.approve")[0][2] == "pending -> approved"


def test_reject_and_revoke_need_a_reason(app, client, login_as, make_workshop):
    login_as("worker", "admin")
    pending = make_workshop(status="pending")
    approved = make_workshop(status="approved")
    for made, action in ((pending, "reject"), (approved, "revoke")):
        response = client.post(f"/workshops/{made.id}/{action}", data={"reason": "   "}, follow_redirects=True)
        assert "请填写" in html_text(response) and "原因" in html_text(response)
        assert workshop_row(app, made.id).status == made.status
    # In the queue (htmx) the row comes back with the message, still undecided.
    fragment = client.post(f"/workshops/{pending.id}/reject", data={"reason": ""}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "请填写驳回原因" in html_text(fragment)
    assert "<html" not in html_text(fragment)


def test_rejection_stores_reason_notifies_lead_and_is_audited(app, client, login_as, make_workshop):
    login_as("worker", "admin")
    made = make_workshop(status="pending")
    response = client.post(f"/workshops/{made.id}/reject", data={"reason": "成果材料不全，请补充专利证书。"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = html_text(response)
    assert "已驳回" in body and "成果材料不全" in body
    assert 'id="queue-count"' in body and 'hx-swap-oob="true"' in body
    stored = workshop_row(app, made.id)
    assert stored.status == "rejected" and stored.status_reason == "成果材料不全，请补充专利证书。"
    assert workshop_notes(app, made.lead_id) == ["您的工作室“%(name)s”未通过审批，原因：%(reason)s"]
    assert "reason: 成果材料不全" in workshop_audit(app, "workshop.reject")[0][2]


def test_revocation_notifies_members_and_closes_open_requests(app, client, login_as, make_user, make_workshop):
    login_as("worker", "admin")
    member, requester = make_user(), make_user()
    made = make_workshop(status="approved", members=[member], requested=[requester])
    response = client.post(f"/workshops/{made.id}/revoke", data={"reason": "连续两年未开展活动"})
    assert response.status_code == 303
    assert workshop_row(app, made.id).status == "revoked"
    assert workshop_notes(app, made.lead_id) == ["工作室“%(name)s”已被撤销，原因：%(reason)s"]
    assert workshop_notes(app, member.id) == ["工作室“%(name)s”已被撤销，原因：%(reason)s"]
    assert workshop_notes(app, requester.id) == ["工作室“%(name)s”已被撤销，您的加入申请已关闭。"]
    from tests.fixtures_workshops import workshop_members

    assert workshop_members(app, made.id)[requester.id] == ("member", "declined")


def test_submit_notifies_admins(app, client, auth, make_user, make_workshop):
    admin = make_user(roles=("worker", "admin"))
    lead = make_user(roles=("worker",))
    made = make_workshop(status="draft", lead=lead, members=[make_user(), make_user()])
    auth.login(lead.employee_no)
    assert client.post(f"/workshops/{made.id}/submit").status_code == 303
    stored = workshop_row(app, made.id)
    assert stored.status == "pending" and stored.submitted_at is not None
    assert workshop_notes(app, admin.id) == ["工作室“%(name)s”已提交审批，请审核。"]
    assert workshop_audit(app, "workshop.submit")[0][2] == "draft -> pending"


def test_submitting_while_ineligible_names_the_rule_and_changes_nothing(app, client, auth, make_user, make_workshop):
    lead = make_user(roles=("worker",))
    made = make_workshop(status="draft", lead=lead, members=[make_user()], description="太短")
    before = workshop_row(app, made.id)
    auth.login(lead.employee_no)
    page = html_text(client.post(f"/workshops/{made.id}/submit", follow_redirects=True))
    assert "还不能提交审批" in page
    assert "至少 3 名在册成员（含负责人）（目前 2 名）" in page
    assert "工作室简介至少 20 个字" in page
    assert "负责人领办" not in page.split("还不能提交审批")[1].split("</div>")[0]  # the met rule is not blamed
    after = workshop_row(app, made.id)
    assert (after.status, after.submitted_at, after.updated_at) == ("draft", None, before.updated_at)
    assert workshop_audit(app, "workshop.submit") == []
