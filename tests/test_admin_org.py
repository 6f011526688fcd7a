"""Departments, the audit log and user import (foundation §6)."""
from __future__ import annotations

import io
from datetime import UTC

from openpyxl import Workbook
from sqlalchemy import func, select

from blueprints.core.models import AuditLog, Department, User
from extensions import db
from tests.conftest import TEST_PASSWORD, html_text

# --- Departments -------------------------------------------------------------------------------------------


def test_create_rename_and_move_department_rewrites_paths(app, client, login_as):
    login_as("admin")
    client.post("/admin/departments", data={"code": "E1", "name": "企业", "parent_id": ""})
    with app.app_context():
        root = db.session.scalar(select(Department).where(Department.code == "E1"))
    client.post("/admin/departments", data={"code": "P1", "name": "一厂", "parent_id": root.id})
    client.post("/admin/departments", data={"code": "P2", "name": "二厂", "parent_id": root.id})
    with app.app_context():
        p1 = db.session.scalar(select(Department).where(Department.code == "P1"))
        p2 = db.session.scalar(select(Department).where(Department.code == "P2"))
    client.post("/admin/departments", data={"code": "T1", "name": "一班", "parent_id": p1.id})
    response = client.post(f"/admin/departments/{p1.id}/edit", data={"code": "P1", "name": "第一分厂",
                                                                      "parent_id": p2.id})
    assert response.status_code == 303
    with app.app_context():
        moved = db.session.get(Department, p1.id)
        team = db.session.scalar(select(Department).where(Department.code == "T1"))
        assert moved.name == "第一分厂"
        assert moved.path == f"/{root.id}/{p2.id}/{p1.id}/" and moved.depth == 2
        assert team.path == f"{moved.path}{team.id}/" and team.depth == 3


def test_department_cannot_move_under_itself(app, client, login_as, make_department):
    login_as("admin")
    top = make_department("上级")
    child = make_department("下级", parent=top)
    response = client.post(f"/admin/departments/{top.id}/edit", data={"code": top.code, "name": top.name,
                                                                      "parent_id": child.id})
    assert response.status_code == 200  # the form again, with the refusal
    with app.app_context():
        assert db.session.get(Department, top.id).parent_id is None


def test_duplicate_department_code_is_refused(client, login_as, make_department):
    login_as("admin")
    make_department("甲", code="DUP")
    body = html_text(client.post("/admin/departments", data={"code": "DUP", "name": "乙", "parent_id": ""}))
    assert "部门编码 DUP 已存在" in body and 'value="乙"' in body


def test_delete_department_with_people_is_refused_with_the_reason(app, client, login_as, make_department,
                                                                   make_user):
    login_as("admin")
    dept = make_department("有人的部门")
    make_user(department=dept)
    make_user(department=dept, active=False)
    body = html_text(client.post(f"/admin/departments/{dept.id}/delete", follow_redirects=True))
    assert "还有 2 名人员" in body
    with app.app_context():
        assert db.session.get(Department, dept.id) is not None


def test_delete_department_with_children_is_refused(app, client, login_as, make_department):
    login_as("admin")
    top = make_department("有下级")
    make_department("下级", parent=top)
    body = html_text(client.post(f"/admin/departments/{top.id}/delete", follow_redirects=True))
    assert "还有 1 个下级部门" in body


def test_delete_empty_department(app, client, login_as, make_department):
    login_as("admin")
    dept = make_department("空部门")
    body = html_text(client.post(f"/admin/departments/{dept.id}/delete", follow_redirects=True))
    assert "已删除部门“空部门”" in body
    with app.app_context():
        assert db.session.get(Department, dept.id) is None


def test_head_counts_include_subtree_and_only_active(app, client, login_as, make_department, make_user):
    login_as("admin")
    top = make_department("总部")
    team = make_department("班组", parent=top)
    make_user(department=top)
    make_user(department=team)
    make_user(department=team, active=False)
    from blueprints.core.people import head_counts

    with app.app_context():
        counts = head_counts()
    assert counts[top.id] == 2 and counts[team.id] == 1


# --- Audit log ---------------------------------------------------------------------------------------------


def test_audit_log_filters_by_actor_action_and_date(app, client, login_as):
    admin = login_as("admin")
    client.post("/auth/login", data={"employee_no": "ghost", "password": "x"})  # signed in: redirected, no-op
    with app.app_context():
        from blueprints.core import audit

        audit.record("demo.thing", actor_label="someone-else")
        db.session.commit()
    fragment = {"HX-Request": "true"}  # only the results, not the filter form listing every action
    body = html_text(client.get("/admin/audit", query_string={"actor": admin.employee_no}, headers=fragment))
    # auth.login, shown by its label
    assert '<td class="text-nowrap">登录成功</td>' in body and "demo.thing" not in body
    body = html_text(client.get("/admin/audit", query_string={"action": "demo."}, headers=fragment))
    assert "demo.thing" in body and '<td class="text-nowrap">登录成功</td>' not in body
    body = html_text(client.get("/admin/audit", query_string={"date_from": "2000-01-01", "date_to": "2000-01-02"},
                                headers=fragment))
    assert "没有符合条件的记录" in body


def test_crlf_in_login_name_cannot_forge_log_lines(app, client):
    client.post("/auth/login", data={"employee_no": "evil\r\nauth.login admin", "password": "x" * 10})
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "auth.login_failed"))
        assert "\n" not in entry.actor_label and "\r" not in entry.actor_label


# --- Import ------------------------------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _token(body: str) -> str:
    import re

    return re.search(r'name="token"[^>]*value="([^"]+)"', body).group(1)


HEADER = ["工号", "姓名", "部门编码", "岗位", "技能等级", "手机"]


def _upload(client, name: str, data: bytes):
    return client.post("/admin/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_import_preview_lists_every_bad_row_and_changes_nothing(app, client, login_as, make_department):
    login_as("admin")
    make_department("导入部", code="IMP")
    data = _xlsx([HEADER,
                  ["i001", "张一", "IMP", "钳工", "中级工", "13800000001"],
                  ["i002", "", "IMP", "", "", ""],
                  ["i003", "张三", "NOPE", "", "宗师", "abc"],
                  ["i001", "张一二", "IMP", "", "", ""]])
    body = html_text(_upload(client, "people.xlsx", data))
    assert "有 3 行存在问题" in body
    assert "姓名为空" in body and "部门编码“NOPE”不存在" in body and "技能等级“宗师”无效" in body
    assert "手机号“abc”格式不对" in body and "与第 2 行重复" in body
    assert "确认导入" not in body
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.employee_no.like("i00%"))) == 0


def test_import_applies_all_rows_updating_existing_and_creating_new(app, client, login_as, make_department,
                                                                     make_user):
    login_as("admin")
    make_department("导入部", code="IMP")
    make_user(employee_no="i010", name="旧名字", skill_level="初级工")
    data = _xlsx([HEADER,
                  ["i010", "新名字", "IMP", "电工", "", "13800000010"],
                  [10011, "王十一", "IMP", "焊工", "高级工", 13800000011]])
    body = html_text(_upload(client, "people.xlsx", data))
    assert "新建 1 人，更新 1 人" in body
    token = _token(body)
    response = client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"},
                           follow_redirects=True)
    assert "导入完成：新建 1 人，更新 1 人" in html_text(response)
    with app.app_context():
        updated = db.session.scalar(select(User).where(User.employee_no == "i010"))
        created = db.session.scalar(select(User).where(User.employee_no == "10011"))
        assert updated.name == "新名字" and updated.skill_level == "初级工"  # a blank cell keeps the level
        assert created.skill_level == "高级工" and created.phone == "13800000011" and created.must_change_password
    # The token is single-use.
    again = client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"},
                        follow_redirects=True)
    assert "已经执行过或已过期" in html_text(again)
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"employee_no": "10011", "password": "Start-Here-2026"}
                       ).headers["Location"] == "/auth/password"


def test_import_needs_an_acceptable_initial_password_for_new_people(app, client, login_as, make_department):
    login_as("admin")
    make_department("导入部", code="IMP")
    body = html_text(_upload(client, "people.csv", "工号,姓名,部门编码\ni020,赵二十,IMP\n".encode()))
    token = _token(body)
    body = html_text(client.post("/admin/import/apply", data={"token": token, "initial_password": "12345678"}))
    assert "太常见" in body
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_no == "i020")) is None


def test_import_reads_gbk_csv_from_excel(app, client, login_as, make_department):
    login_as("admin")
    make_department("导入部", code="IMP")
    data = "工号,姓名,部门编码\ni030,钱三十,IMP\n".encode("gb18030")
    assert "新建 1 人" in html_text(_upload(client, "people.csv", data))


def test_import_refuses_malformed_files_as_a_whole(client, login_as):
    login_as("admin")
    assert "无法读取这个 Excel 文件" in html_text(_upload(client, "people.xlsx", b"PK\x03\x04 not really"))
    assert "只支持 .xlsx 或 .csv" in html_text(_upload(client, "people.txt", b"abc"))
    assert "缺少必需的列：部门编码" in html_text(_upload(client, "p.csv", "工号,姓名\na,b\n".encode()))
    assert "文件是空的" in html_text(_upload(client, "p.csv", b""))
    assert "文件只有列名" in html_text(_upload(client, "p.csv", "工号,姓名,部门编码\n".encode()))


def test_import_token_of_another_admin_is_refused(app, client, login_as, make_user, make_department):
    login_as("admin")
    make_department("导入部", code="IMP")
    body = html_text(_upload(client, "people.csv", "工号,姓名,部门编码\ni040,孙四十,IMP\n".encode()))
    token = _token(body)
    client.post("/auth/logout")
    other = make_user(roles=("admin",))
    client.post("/auth/login", data={"employee_no": other.employee_no, "password": TEST_PASSWORD})
    body = html_text(client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"},
                                 follow_redirects=True))
    assert "已经执行过或已过期" in body


def test_import_template_downloads_and_reads_back_as_a_valid_file(app, client, login_as, make_department):
    login_as("admin")
    make_department("模板部", code="TPL")
    response = client.get("/admin/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    from blueprints.admin.imports import check_rows, parse_file

    with app.app_context():
        preview = check_rows(parse_file("t.xlsx", response.data))
    assert [r.values["employee_no"] for r in preview.rows] == ["10086"] and not preview.bad_rows


def test_audit_date_filter_uses_the_local_day(app, client, login_as):
    """An entry at 23:58 Beijing time belongs to that local day, not the next one (and the zone offset is +08:00)."""
    from datetime import datetime

    login_as("admin")
    with app.app_context():
        from blueprints.core import audit

        entry = audit.record("tz.check", actor_label="tz")
        entry.created_at = datetime(2026, 3, 1, 15, 58, tzinfo=UTC)  # 2026-03-01 23:58 in Shanghai
        db.session.commit()
    fragment = {"HX-Request": "true"}
    same_day = html_text(client.get("/admin/audit", query_string={"action": "tz.", "date_from": "2026-03-01",
                                                                   "date_to": "2026-03-01"}, headers=fragment))
    next_day = html_text(client.get("/admin/audit", query_string={"action": "tz.", "date_from": "2026-03-02",
                                                                   "date_to": "2026-03-02"}, headers=fragment))
    assert "tz.check" in same_day and "tz.check" not in next_day


def test_import_refuses_a_bad_employee_no_with_the_one_rule(app, client, login_as, make_department):
    login_as("admin")
    make_department("导入部", code="IMP")
    data = "工号,姓名,部门编码\nbad no!/é,坏工号,IMP\ni050,好工号,IMP\n".encode()
    body = html_text(_upload(client, "people.csv", data))
    assert "有 1 行存在问题" in body and "工号“bad no!/é”无效：工号只能包含字母" in body
    assert "确认导入" not in body


def test_import_refused_for_its_password_can_be_confirmed_again_with_a_better_one(app, client, login_as,
                                                                                  make_department):
    login_as("admin")
    make_department("导入部", code="IMP")
    token = _token(html_text(_upload(client, "people.csv", "工号,姓名,部门编码\ni060,钱六十,IMP\n".encode())))
    refused = html_text(client.post("/admin/import/apply", data={"token": token, "initial_password": "12345678"}))
    assert "太常见" in refused and "确认导入" in refused and _token(refused) == token
    done = client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"},
                       follow_redirects=True)
    assert "导入完成：新建 1 人，更新 0 人" in html_text(done)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_no == "i060")).must_change_password
