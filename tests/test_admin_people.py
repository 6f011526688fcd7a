"""Administration of people: access, search, create, edit, roles, deactivate, reset (issue: foundation §6)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blueprints.core.models import AuditLog, RoleGrant, User
from extensions import db
from tests.conftest import TEST_PASSWORD, both_backends, html_text


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/departments", "/admin/audit",
                                  "/admin/settings", "/admin/import"])
def test_admin_pages_refuse_workers_and_audit_it(app, client, login_as, path):
    login_as("worker", "lead", "hr")
    response = client.get(path)
    assert response.status_code == 403
    assert "没有权限" in html_text(response)
    with app.app_context():
        denial = db.session.scalar(select(AuditLog).where(AuditLog.action == "access.denied"))
        assert denial is not None and path in denial.detail


def test_admin_pages_send_anonymous_users_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@both_backends
def test_search_by_name_employee_no_and_pinyin_initials(client, login_as, make_user):
    login_as("admin")
    make_user(employee_no="zs001", name="张三丰")
    make_user(employee_no="ls002", name="李四")
    for q in ("张三", "zs0", "zsf", "zhangsan"):
        body = html_text(client.get("/admin/users", query_string={"q": q}))
        assert "张三丰" in body and "李四" not in body, q


def test_search_is_safe_with_sql_metacharacters(client, login_as, make_user):
    login_as("admin")
    make_user(employee_no="pct01", name="百分之百")
    for q in ("%", "_", "' OR 1=1 --", "\\", "a%b_c"):
        response = client.get("/admin/users", query_string={"q": q})
        assert response.status_code == 200
        assert "百分之百" not in html_text(response)


def test_live_search_answers_a_fragment_and_the_same_url_a_full_page(client, login_as, make_user):
    login_as("admin")
    make_user(employee_no="frag1", name="片段测试")
    fragment = client.get("/admin/users?q=frag1", headers={"HX-Request": "true"})
    full = client.get("/admin/users?q=frag1")
    assert "片段测试" in html_text(fragment) and "<html" not in html_text(fragment)
    assert "<html" in html_text(full) and "片段测试" in html_text(full)
    assert "HX-Request" in fragment.headers["Vary"]
    assert len(fragment.data) < len(full.data) / 2


def test_filters_by_department_subtree_role_and_status(client, login_as, make_user, make_department):
    login_as("admin")
    plant = make_department("一厂")
    team = make_department("一班", parent=plant)
    other = make_department("二厂")
    make_user(employee_no="in-team", department=team, roles=("worker", "hr"))
    make_user(employee_no="in-other", department=other)
    make_user(employee_no="gone", department=team, active=False)
    body = html_text(client.get("/admin/users", query_string={"department": plant.id}))
    assert "in-team" in body and "gone" in body and "in-other" not in body
    body = html_text(client.get("/admin/users", query_string={"role": "hr"}))
    assert "in-team" in body and "in-other" not in body
    body = html_text(client.get("/admin/users", query_string={"status": "inactive"}))
    assert "gone" in body and "in-team" not in body


def test_user_list_pages_forward_and_back(app, client, login_as, make_user):
    login_as("admin")
    for n in range(45):
        make_user(employee_no=f"p{n:03d}")
    first = html_text(client.get("/admin/users?q=p0"))
    assert "p000" in first and "p020" not in first
    import re

    after = re.search(r'href="/admin/users\?after=([^"&]+)', first).group(1)
    second = html_text(client.get(f"/admin/users?q=p0&after={after}"))
    assert "p020" in second and "p000" not in second
    before = re.search(r'href="/admin/users\?before=([^"&]+)', second).group(1)
    back = html_text(client.get(f"/admin/users?q=p0&before={before}"))
    assert "p000" in back and "p020" not in back


def test_user_list_query_count_does_not_grow_with_rows(app, client, login_as, make_user, make_department,
                                                       count_queries):
    login_as("admin")
    dept = make_department("计数部")
    with count_queries() as few:
        client.get("/admin/users?q=cnt")
    for n in range(30):
        make_user(employee_no=f"cnt{n:03d}", department=dept)
    with count_queries() as many:
        response = client.get("/admin/users?q=cnt")
    assert html_text(response).count("cnt0") >= 20
    assert many.count == few.count + 1  # +1: department names are only looked up when rows have departments
    assert many.count <= 6  # the admin's scope comes with the user (core.scopes.grants_summary): no query of its own


def test_create_user_gives_a_temporary_password_that_must_be_changed(app, client, login_as, make_department):
    login_as("admin")
    dept = make_department("新部门")
    response = client.post("/admin/users/new", data={
        "employee_no": "new01", "name": "王新", "department_id": dept.id, "job_title": "钳工",
        "skill_level": "中级工", "phone": "13800138000", "email": "", "roles": ["worker", "lead"]},
        follow_redirects=True)
    body = html_text(response)
    assert "已创建 王新（new01）" in body
    import re

    temp = re.search(r"临时密码：(\w+)", body).group(1)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.employee_no == "new01"))
        assert user.roles == {"worker", "lead"} and user.must_change_password
        assert user.name_pinyin.endswith(" wx")
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"employee_no": "new01", "password": temp})
    assert response.headers["Location"] == "/auth/password"


def test_duplicate_employee_no_is_refused_and_input_kept(app, client, login_as, make_user):
    login_as("admin")
    make_user(employee_no="dup01")
    response = client.post("/admin/users/new", data={
        "employee_no": "DUP01", "name": "重复的人", "department_id": "", "skill_level": "无", "roles": ["worker"]})
    body = html_text(response)
    assert response.status_code == 200
    assert "工号 DUP01 已被使用" in body and 'value="重复的人"' in body
    with app.app_context():
        assert db.session.scalar(select(User).where(User.name == "重复的人")) is None


def test_bad_fields_are_explained_next_to_the_field(client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "employee_no": "bad no!", "name": "", "skill_level": "宗师", "phone": "abc", "email": "not-mail",
        "roles": []})
    body = html_text(response)
    for message in ("工号只能包含字母", "请填写姓名", "手机号格式不对", "电子邮箱格式不对", "至少选择一个角色"):
        assert message in body


def test_role_change_is_audited_with_before_and_after(app, client, login_as, make_user):
    login_as("admin")
    user = make_user(employee_no="role01")
    client.post(f"/admin/users/{user.id}/edit", data={
        "employee_no": "role01", "name": user.name, "department_id": "", "skill_level": "无",
        "roles": ["worker", "lead"]})
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.roles_changed"))
        assert entry.detail == "worker -> lead,worker"
        assert db.session.get(User, user.id).roles == {"worker", "lead"}


def test_the_edit_form_keeps_scoped_roles_which_only_grants_change(app, client, login_as, make_user):
    login_as("admin")
    user = make_user(employee_no="role02", roles=("worker", "hr"))
    client.post(f"/admin/users/{user.id}/edit", data={
        "employee_no": "role02", "name": user.name, "department_id": "", "skill_level": "无",
        "roles": ["worker", "admin"]})  # a forged box: admin is not on the edit form
    with app.app_context():
        assert db.session.get(User, user.id).roles == {"worker", "hr"}


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(app, client, login_as):
    me = login_as("admin", "worker")
    response = client.post(f"/admin/users/{me.id}/edit", data={
        "employee_no": me.employee_no, "name": me.name, "department_id": "", "skill_level": "无",
        "roles": ["worker"]})
    assert response.status_code == 303  # the admin role is not on the form: grants carry it, and it stays
    with app.app_context():
        own = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == me.id))
    response = client.post(f"/admin/users/{me.id}/grants/{own}/revoke", follow_redirects=True)
    assert "最后一位全市范围的管理员" in html_text(response)
    response = client.post(f"/admin/users/{me.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in html_text(response)
    with app.app_context():
        user = db.session.get(User, me.id)
        assert user.active and user.has_role("admin")


def test_deactivate_and_reactivate(app, client, login_as, make_user):
    login_as("admin")
    user = make_user(employee_no="deact1")
    other = app.test_client()
    other.post("/auth/login", data={"employee_no": "deact1", "password": TEST_PASSWORD})
    assert other.get("/").status_code == 200
    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert other.get("/").status_code == 302
    assert other.post("/auth/login", data={"employee_no": "deact1", "password": TEST_PASSWORD}).status_code == 200
    client.post(f"/admin/users/{user.id}/active", data={"active": "1"})
    assert other.post("/auth/login", data={"employee_no": "deact1", "password": TEST_PASSWORD}).status_code == 303


def test_reset_password_shows_temporary_password_once(app, client, login_as, make_user):
    login_as("admin")
    user = make_user(employee_no="reset1")
    response = client.post(f"/admin/users/{user.id}/reset-password", follow_redirects=True)
    assert "的临时密码" in html_text(response)
    with app.app_context():
        assert db.session.get(User, user.id).must_change_password


def test_missing_user_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/99999/edit").status_code == 404


def test_xss_in_names_is_shown_as_text(client, login_as, make_user):
    login_as("admin")
    make_user(employee_no="xss1", name="<script>alert(1)</script>")
    body = html_text(client.get("/admin/users?q=xss1"))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_people_search_for_pickers(client, login_as, make_user):
    login_as("worker")
    make_user(employee_no="pick1", name="赵敏")
    make_user(employee_no="pick2", name="周芷若", active=False)
    body = html_text(client.get("/people/search?q=zm&target=f", headers={"HX-Request": "true"}))
    assert "赵敏" in body and 'data-pick-employee="pick1"' in body
    assert "周芷若" not in html_text(client.get("/people/search?q=zzr&target=f", headers={"HX-Request": "true"}))


def test_settings_page_saves_and_validates(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/settings", data={"site.competition_year": "not a year"})
    assert "请输入有效的数值" in html_text(response)
    client.post("/admin/settings", data={"site.competition_year": "2027"})
    from blueprints.core.settings import get_setting

    with app.test_request_context():
        assert get_setting("site.competition_year") == 2027


@pytest.mark.parametrize("employee_no", ["bad no!", "é01", "x" * 33])
def test_create_and_update_user_refuse_a_bad_employee_no(app, make_user, employee_no):
    """The one 工号 rule (core.people.EMPLOYEE_NO) holds in the services, not only in the admin form."""
    from blueprints.core.errors import DomainError
    from blueprints.core.people import create_user, update_user

    user = make_user(employee_no="good-01")
    with app.test_request_context():
        with pytest.raises(DomainError) as refused:
            create_user(employee_no=employee_no, name="坏工号", department_id=None)
        assert refused.value.field == "employee_no" and "工号只能包含字母" in str(refused.value)
        stored = db.session.get(User, user.id)
        with pytest.raises(DomainError) as refused:
            update_user(stored, employee_no=employee_no, name=stored.name, department_id=None, job_title="",
                        skill_level="无", phone=None, email=None, roles=("worker",))
        assert refused.value.field == "employee_no"
        db.session.rollback()
        assert db.session.scalar(select(User).where(User.name == "坏工号")) is None
        assert db.session.get(User, user.id).employee_no == "good-01"


def test_employee_no_too_long_is_explained_on_the_form(client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "employee_no": "x" * 33, "name": "长工号", "department_id": "", "skill_level": "无", "roles": ["worker"]})
    assert response.status_code == 200 and "最多 32 个字符" in html_text(response)


def test_settings_change_is_audited_once_with_what_changed(app, client, login_as):
    admin = login_as("admin")
    client.post("/admin/settings", data={"site.competition_year": "2031"})
    client.post("/admin/settings", data={"site.competition_year": "2031"})  # nothing changed: no second row
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "settings.changed")).all()
        assert [(r.detail, r.actor_id) for r in rows] == [("site.competition_year=2031", admin.id)]


def _rows(response) -> dict[str, list[str]]:
    """The people table's rows by 工号: each cell's HTML."""
    body = response.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return {cells[0]: cells for cells in rows}


def _texts(html: str) -> list[str]:
    return [t.strip() for t in re.sub(r"<[^>]+>", "|", html).split("|") if t.strip()]


def test_each_row_shows_its_roles_status_and_edit_link(client, login_as, make_user):
    """The rows' badges and links are built once per page (admin/rows.py): each row still shows its own."""
    login_as("admin")
    lead = make_user(employee_no="row-lead", roles=("worker", "lead"))
    gone = make_user(employee_no="row-gone", roles=("worker", "hr"), active=False)
    rows = _rows(client.get("/admin/users", query_string={"q": "row-"}))
    assert _texts(rows["row-lead"][5]) == ["工作室负责人", "职工"]
    assert _texts(rows["row-gone"][5]) == ["培训管理员", "职工"]
    assert (_texts(rows["row-lead"][6]), _texts(rows["row-gone"][6])) == (["在用"], ["已停用"])
    assert f'href="/admin/users/{lead.id}/edit"' in rows["row-lead"][7]
    assert f'href="/admin/users/{gone.id}/edit"' in rows["row-gone"][7]
    client.post("/locale", data={"locale": "en"})
    rows = _rows(client.get("/admin/users", query_string={"q": "row-"}))
    assert (_texts(rows["row-lead"][6]), _texts(rows["row-gone"][6])) == (["Active"], ["Deactivated"])
    assert _texts(rows["row-gone"][5]) == ["Training admin", "Worker"]


def test_a_searched_user_list_says_it_lists_closest_matches_first(app, client, login_as, make_user):
    """The order changes with a search (closest names first), and the page says so; the plain list does not."""
    make_user(employee_no="o001", name="张伟明")
    make_user(employee_no="o002", name="张伟")
    login_as("admin")
    body = html_text(client.get("/admin/users?q=张伟"))
    assert "按匹配程度排列" in body
    assert body.index("o002") < body.index("o001")  # the exact name first, though its 工号 comes later
    assert "按匹配程度排列" not in html_text(client.get("/admin/users"))
    with client.session_transaction() as session:
        session["locale"] = "en"
    assert "Closest matches first" in html_text(client.get("/admin/users?q=张伟"))
