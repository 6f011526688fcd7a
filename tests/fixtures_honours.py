"""The `federation` fixture of the key projects and honours tests (registered in conftest.pytest_plugins): a city, a
district union over enterprises A and B, an industry union over C; admins at each level, teams and people."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from blueprints.core import grants
from blueprints.core.models import AuditLog, Department, Notification, User
from extensions import db
from tests.conftest import TEST_PASSWORD, PortalClient


def grant_admin(app, user: User, department: Department) -> None:
    """Give `user` an admin grant over `department` (as the city would)."""
    with app.app_context():
        grants.grant(db.session.get(User, user.id), "admin", db.session.get(Department, department.id))
        db.session.commit()


@pytest.fixture
def federation(app, make_department, make_user):
    root = make_department("市总工会", kind="federation")
    district = make_department("松北区总工会", parent=root)
    industry = make_department("建设交通物流工会", parent=root, kind="industry")
    a = make_department("滨江重工", parent=district)
    a_floor = make_department("机加车间", parent=a, kind="floor")
    a_team = make_department("数控一班", parent=a_floor, kind="team")
    b = make_department("松北电机", parent=district)
    b_team = make_department("定子班", parent=b, kind="team")
    c = make_department("龙江建工", parent=industry)
    people = SimpleNamespace(city=make_user(roles=("worker", "admin"), name="市总管理员"),
                             city2=make_user(roles=("worker", "admin"), name="市总第二管理员"))
    for key, node in (("ent_a", a), ("ent_a2", a), ("ent_b", b), ("ent_c", c), ("district", district),
                      ("district2", district), ("industry", industry)):
        user = make_user(name=f"{key}管理员", department=node if node.kind == "enterprise" else None)
        grant_admin(app, user, node)
        setattr(people, key, user)
    people.worker_a = make_user(name="李明", employee_no="wa1", department=a_team)
    people.worker_b = make_user(name="赵刚", employee_no="wb1", department=b_team)
    return SimpleNamespace(root=root, district=district, industry=industry, a=a, a_floor=a_floor, a_team=a_team,
                           b=b, b_team=b_team, c=c, people=people)


def client_of(app, user: User):
    """A fresh client signed in as `user` (several people act in one test)."""
    app.test_client_class = PortalClient
    client = app.test_client()
    response = client.post("/auth/login", data={"employee_no": user.employee_no, "password": TEST_PASSWORD})
    assert response.status_code == 303
    return client


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def denials(app) -> int:
    return count(app, AuditLog, AuditLog.action == "access.denied")


def notes(app, user: User, fragment: str) -> int:
    """How many notifications `user` has whose message id contains `fragment`."""
    return count(app, Notification, Notification.user_id == user.id, Notification.message.contains(fragment))
