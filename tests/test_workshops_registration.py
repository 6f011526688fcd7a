"""Registering, editing, submitting and deleting workshops, with every bad input refused cleanly."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from blueprints.core.settings import set_setting
from blueprints.workshops.models import Workshop
from extensions import db
from tests.conftest import both_backends, html_text
from tests.fixtures_workshops import (
    WORKSHOP_DESCRIPTION,
    workshop_audit,
    workshop_members,
    workshop_notes,
    workshop_row,
)

_DEPARTMENT: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _department(make_department):
    """Every form here names a department (a required field)."""
    _DEPARTMENT["id"] = str(make_department("焊接车间").id)


def form_data(**overrides) -> dict:
    data = {"name": "李明焊接创新工作室", "kind": "craftsman", "level": "enterprise",
            "department_id": _DEPARTMENT["id"],
            "expertise": "焊接工艺", "founded_on": "2022-03-01", "description": WORKSHOP_DESCRIPTION,
            "members": "", "action": "save"}
    data.update(overrides)
    return data


def workshop_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Workshop.id)))


def find_workshop(app, name: str):
    with app.app_context():
        workshop = db.session.scalar(select(Workshop).where(Workshop.name == name))
        if workshop is not None:
            db.session.expunge(workshop)
        return workshop


@both_backends
def test_register_draft_with_founding_members(app, client, login_as, make_user, make_department):
    dept = make_department("焊接二班")
    lead = login_as("worker", department=dept)
    m1, m2 = make_user(employee_no="w201"), make_user(employee_no="w202")
    response = client.post("/workshops/new", data=form_data(department_id=str(dept.id), members="w201，w202 w201"))
    assert response.status_code == 303
    stored = find_workshop(app, "李明焊接创新工作室")
    assert response.headers["Location"] == f"/workshops/{stored.id}"
    assert (stored.status, stored.lead_id, stored.department_id) == ("draft", lead.id, dept.id)
    assert stored.field == "焊接工艺"
    assert workshop_members(app, stored.id) == {lead.id: ("lead", "active"), m1.id: ("member", "active"),
                                                m2.id: ("member", "active")}
    assert workshop_audit(app, "workshop.created")[0][1] == str(stored.id)
    page = html_text(client.get(f"/workshops/{stored.id}"))
    assert "草稿：尚未提交审批" in page and "至少 3 名在册成员（含负责人）" in page and "目前 3 名" in page


def test_register_and_submit_in_one_go(app, client, login_as, make_user):
    admin = make_user(roles=("worker", "admin"))
    login_as("worker")
    make_user(employee_no="w211")
    make_user(employee_no="w212")
    response = client.post("/workshops/new", data=form_data(members="w211,w212", action="submit"))
    assert response.status_code == 303
    stored = find_workshop(app, "李明焊接创新工作室")
    assert stored.status == "pending" and stored.submitted_at is not None
    assert workshop_notes(app, admin.id) == ["工作室“%(name)s”已提交审批，请审核。"]


def test_submitting_an_ineligible_new_workshop_stores_nothing_and_keeps_the_form(app, client, login_as, make_user):
    login_as("worker")
    make_user(employee_no="w221")
    response = client.post("/workshops/new", data=form_data(members="w221", description="短", action="submit"))
    assert response.status_code == 200
    page = html_text(response)
    assert "还不能提交审批，以下条件未满足" in page
    assert "至少 3 名在册成员（含负责人）（目前 2 名）" in page
    assert "工作室简介至少 20 个字（目前 1 个字）" in page
    assert 'value="李明焊接创新工作室"' in page and 'value="w221"' in page and "焊接工艺" in page
    assert workshop_count(app) == 0
    assert workshop_audit(app, "workshop.") == []


def test_eligibility_rules_are_settings(app, client, login_as, make_user):
    login_as("worker")
    make_user(employee_no="w231")
    with app.test_request_context():
        set_setting("workshops.min_members", 2)
        set_setting("workshops.min_description_chars", 0)
        db.session.commit()
    response = client.post("/workshops/new", data=form_data(members="w231", description="", action="submit"))
    assert response.status_code == 303
    assert find_workshop(app, "李明焊接创新工作室").status == "pending"


def test_a_lead_may_lead_only_so_many_workshops(app, client, login_as, make_user, make_workshop):
    lead = login_as("worker")
    for _ in range(3):
        make_workshop(status="approved", lead=lead)
    make_user(employee_no="w241")
    make_user(employee_no="w242")
    response = client.post("/workshops/new", data=form_data(members="w241,w242", action="submit"))
    page = html_text(response)
    assert "负责人领办的待审批或已批准工作室不超过 3 个（另有 3 个）" in page
    assert find_workshop(app, "李明焊接创新工作室") is None


def test_duplicate_name_is_refused(app, client, login_as, make_workshop):
    make_workshop(name="李明焊接创新工作室", status="approved")
    login_as("worker")
    response = client.post("/workshops/new", data=form_data())
    assert response.status_code == 200
    assert "已有名为“李明焊接创新工作室”的工作室，请换一个名称。" in html_text(response)
    assert workshop_count(app) == 1


def test_founding_date_in_the_future_is_refused(app, client, login_as):
    login_as("worker")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = client.post("/workshops/new", data=form_data(founded_on=tomorrow))
    assert "成立日期不能晚于今天。" in html_text(response)
    assert workshop_count(app) == 0
    bad = client.post("/workshops/new", data=form_data(founded_on="2022-13-45"))
    assert "日期格式应为" in html_text(bad)


def test_unknown_or_deactivated_founding_members_are_named(app, client, login_as, make_user):
    login_as("worker")
    make_user(employee_no="gone1", active=False)
    response = client.post("/workshops/new", data=form_data(members="nobody9"))
    assert "找不到这些工号：nobody9。" in html_text(response)
    response = client.post("/workshops/new", data=form_data(members="gone1"))
    assert "这些人员的账号已停用：gone1。" in html_text(response)
    assert workshop_count(app) == 0


def test_required_fields_have_chinese_messages(app, client, login_as):
    login_as("worker")
    page = html_text(client.post("/workshops/new", data=form_data(name="", kind="", expertise="", founded_on="")))
    for message in ("请填写工作室名称。", "请选择工作室类别。", "请填写专业领域。", "请填写成立日期。"):
        assert message in page
    assert workshop_count(app) == 0


def test_script_in_fields_is_shown_as_text(app, client, login_as):
    login_as("worker")
    client.post("/workshops/new", data=form_data(name="<script>alert(1)</script>工作室"))
    stored = find_workshop(app, "<script>alert(1)</script>工作室")
    page = html_text(client.get(f"/workshops/{stored.id}"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_worker_cannot_name_someone_else_as_lead(app, client, login_as, make_user):
    me = login_as("worker")
    other = make_user(employee_no="w251")
    client.post("/workshops/new", data=form_data(lead="w251"))
    assert find_workshop(app, "李明焊接创新工作室").lead_id == me.id != other.id


def test_admin_registers_for_a_lead_who_then_submits(app, client, auth, login_as, make_user):
    login_as("worker", "admin")
    lead = make_user(employee_no="w261")
    make_user(employee_no="w262")
    make_user(employee_no="w263")
    refused = client.post("/workshops/new", data=form_data(lead="w261", members="w262,w263", action="submit"))
    assert "代他人登记时只能保存为草稿" in html_text(refused)
    assert workshop_count(app) == 0
    assert client.post("/workshops/new", data=form_data(lead="w261", members="w262,w263")).status_code == 303
    stored = find_workshop(app, "李明焊接创新工作室")
    assert stored.lead_id == lead.id and stored.status == "draft"
    assert workshop_notes(app, lead.id) == ["工会管理员为您登记了工作室“%(name)s”（草稿），请完善后提交审批。"]
    auth.logout()
    auth.login("w261")
    assert client.post(f"/workshops/{stored.id}/submit").status_code == 303
    assert workshop_row(app, stored.id).status == "pending"


def test_edit_a_draft_changes_founding_members(app, client, auth, make_user, make_workshop):
    lead = make_user()
    a, b = make_user(employee_no="w271"), make_user(employee_no="w272")
    made = make_workshop(status="draft", lead=lead, members=[a])
    auth.login(lead.employee_no)
    form = html_text(client.get(f"/workshops/{made.id}/edit"))
    assert 'value="w271"' in form
    response = client.post(f"/workshops/{made.id}/edit", data=form_data(name="新名字工作室", members="w272"))
    assert response.status_code == 303
    assert workshop_row(app, made.id).name == "新名字工作室"
    assert workshop_members(app, made.id) == {lead.id: ("lead", "active"), b.id: ("member", "active")}


def test_edit_and_submit_while_ineligible_keeps_what_was_stored(app, client, auth, make_user, make_workshop):
    lead = make_user()
    made = make_workshop(status="draft", lead=lead, members=[make_user(), make_user()], name="原来的名字")
    auth.login(lead.employee_no)
    response = client.post(f"/workshops/{made.id}/edit",
                           data=form_data(name="改过的名字", description="短", action="submit"))
    page = html_text(response)
    assert response.status_code == 200 and "工作室简介至少 20 个字" in page and 'value="改过的名字"' in page
    stored = workshop_row(app, made.id)
    assert (stored.name, stored.status, stored.description) == ("原来的名字", "draft", WORKSHOP_DESCRIPTION)


def test_an_approved_workshop_keeps_name_kind_and_level(app, client, auth, make_user, make_workshop):
    deputy = make_user()
    made = make_workshop(status="approved", deputies=[deputy], name="批准的名字", kind="master", level="city")
    auth.login(deputy.employee_no)
    page = html_text(client.get(f"/workshops/{made.id}/edit"))
    assert 'name="name"' not in page and "批准后不能自行修改" in page
    response = client.post(f"/workshops/{made.id}/edit",
                           data=form_data(name="偷改的名字", kind="worker", level="national", expertise="新领域"))
    assert response.status_code == 303
    stored = workshop_row(app, made.id)
    assert (stored.name, stored.kind, stored.level, stored.field) == ("批准的名字", "master", "city", "新领域")


def test_pending_rejected_and_revoked_workshops_cannot_be_edited(app, client, auth, make_user, make_workshop):
    lead = make_user()
    auth.login(lead.employee_no)
    for status in ("pending", "rejected", "revoked"):
        made = make_workshop(status=status, lead=lead)
        assert client.get(f"/workshops/{made.id}/edit").status_code == 403
        assert client.post(f"/workshops/{made.id}/edit", data=form_data(name="x")).status_code == 403
        assert workshop_row(app, made.id).name == made.name


def test_members_and_outsiders_cannot_edit(app, client, auth, workshop_team):
    for person in (workshop_team.member, workshop_team.outsider):
        auth.login(person.employee_no)
        assert client.get(f"/workshops/{workshop_team.workshop.id}/edit").status_code == 403
        auth.logout()


def test_the_lead_deletes_a_draft_or_rejected_workshop_only(app, client, auth, make_user, make_workshop):
    lead = make_user()
    draft = make_workshop(status="draft", lead=lead)
    rejected = make_workshop(status="rejected", lead=lead, name="被驳回的工作室")
    approved = make_workshop(status="approved", lead=lead)
    auth.login(lead.employee_no)
    assert client.post(f"/workshops/{draft.id}/delete").status_code == 303
    assert client.post(f"/workshops/{rejected.id}/delete").status_code == 303
    assert client.post(f"/workshops/{approved.id}/delete").status_code == 403
    assert workshop_row(app, draft.id) is None and workshop_row(app, rejected.id) is None
    assert workshop_row(app, approved.id) is not None
    assert len(workshop_audit(app, "workshop.deleted")) == 2
    # The name is free again.
    client.post("/workshops/new", data=form_data(name="被驳回的工作室"))
    assert find_workshop(app, "被驳回的工作室") is not None


def test_new_form_as_admin_shows_the_lead_picker(client, login_as):
    login_as("worker", "admin")
    page = html_text(client.get("/workshops/new"))
    assert 'name="lead"' in page and 'name="members"' in page


def test_new_form_as_worker_shows_me_as_lead(client, login_as):
    me = login_as("worker", name="张三丰")
    page = html_text(client.get("/workshops/new"))
    assert 'name="lead"' not in page and "张三丰" in page and me.employee_no in page
