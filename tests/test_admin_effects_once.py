"""Effects once in the admin pages (QUALITY §13): two admins (or two tabs) sending the same change at the same moment
change the row once and write one audit row; the import is applied once. Real threads, a barrier, both backends."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blueprints.core.models import AuditLog, Department, User
from extensions import db
from tests.conftest import both_backends
from tests.test_admin_org import HEADER, _token, _upload, _xlsx
from tests.test_workshops_effects_once import POOL, all_at_once, audit_count, post_all, signed_in

pytestmark = pytest.mark.app_config(POOL)


@both_backends
@pytest.mark.parametrize("active", [False, True])
def test_admins_switching_an_account_at_once_audit_it_once(app, make_user, active):
    admins = [make_user(roles=("worker", "admin")) for _ in range(4)]
    person = make_user(active=not active)

    codes = post_all(app, admins, f"/admin/users/{person.id}/active", data={"active": "1" if active else "0"})

    assert codes == [303] * 4
    with app.app_context():
        assert db.session.get(User, person.id).active is active
    assert audit_count(app, "user.activated" if active else "user.deactivated") == 1


@both_backends
def test_admins_saving_the_same_role_change_at_once_audit_it_once(app, make_user):
    admins = [make_user(roles=("worker", "admin")) for _ in range(4)]
    person = make_user(employee_no="race01")
    form = {"employee_no": "race01", "name": person.name, "department_id": "", "skill_level": "无",
            "roles": ["worker", "lead"]}

    codes = post_all(app, admins, f"/admin/users/{person.id}/edit", data=form)

    assert codes == [303] * 4
    with app.app_context():
        rows = db.session.scalars(select(AuditLog.detail).where(AuditLog.action == "user.roles_changed")).all()
    assert rows == ["worker -> lead,worker"]  # the others saw the roles already changed: nothing to record


@both_backends
def test_an_import_confirmed_twice_at_once_is_applied_once(app, make_user, make_department):
    admin = make_user(roles=("worker", "admin"))
    make_department("导入部", code="RACE")
    make_user(employee_no="r100", name="旧名字")
    clients = [signed_in(app, admin) for _ in range(4)]
    body = _upload(clients[0], "people.xlsx", _xlsx([HEADER, ["r100", "新名字", "RACE", "", "", ""],
                                                     ["r101", "王新", "RACE", "焊工", "", ""]])).get_data(as_text=True)
    token = _token(body)

    responses = all_at_once([lambda c=c: c.post("/admin/import/apply",
                                                 data={"token": token, "initial_password": "Start-Here-2026"})
                             for c in clients])

    assert [r.status_code for r in responses] == [303] * 4
    assert audit_count(app, "user.import") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.employee_no.in_(
            ["r100", "r101"]))) == 2


@both_backends
def test_admins_moving_a_department_at_once_leave_its_subtree_consistent(app, make_user, make_department):
    admins = [make_user(roles=("worker", "admin")) for _ in range(4)]
    top = make_department("总厂", code="TOP")
    first, second = make_department("一厂", top, code="F1"), make_department("二厂", top, code="F2")
    moving = make_department("车间", first, code="MOV")
    team = make_department("一班", moving, code="TEAM")
    clients = [signed_in(app, admin) for admin in admins]
    parents = [second, top, second, top]

    responses = all_at_once([lambda c=c, p=p: c.post(f"/admin/departments/{moving.id}/edit",
                                                     data={"code": "MOV", "name": "车间", "parent_id": p.id})
                             for c, p in zip(clients, parents, strict=True)])

    assert [r.status_code for r in responses] == [303] * 4
    with app.app_context():
        moved, below = db.session.get(Department, moving.id), db.session.get(Department, team.id)
        parent = db.session.get(Department, moved.parent_id)
        assert moved.path == f"{parent.path}{moved.id}/" and moved.depth == parent.depth + 1
        assert below.path == f"{moved.path}{below.id}/" and below.depth == moved.depth + 1
