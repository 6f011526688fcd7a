"""A small two-enterprise world for the mentoring tests: scoped HR and admins, a master, an apprentice, outsiders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from blueprints.core.clock import local_today
from blueprints.core.models import AuditLog, RoleGrant
from blueprints.mentoring.models import MentoringPair
from extensions import db


@dataclass
class World:
    e1: object
    e2: object
    hr1: object  # HR of enterprise 1
    admin1: object  # union admin of enterprise 1
    hr2: object  # HR of enterprise 2
    master: object  # 技师, enterprise 1
    apprentice: object  # 中级工, enterprise 1
    worker: object  # another worker of enterprise 1
    outsider: object  # a worker of enterprise 2


def scope_grant(app, user, department) -> None:
    """Narrow the factory's whole-tree grants of `user` to `department`."""
    with app.app_context():
        db.session.execute(update(RoleGrant).where(RoleGrant.user_id == user.id)
                           .values(department_id=department.id))
        db.session.commit()


@pytest.fixture
def world(app, make_department, make_user) -> World:
    e1, e2 = make_department("滨江机械", kind="enterprise"), make_department("松北电机", kind="enterprise")
    t1, t2 = make_department("数控班", parent=e1), make_department("总装班", parent=e2)
    hr1 = make_user(roles=("hr", "worker"), department=e1, name="人事一")
    admin1 = make_user(roles=("admin", "worker"), department=e1, name="工会一")
    hr2 = make_user(roles=("hr", "worker"), department=e2, name="人事二")
    for user, dept in ((hr1, e1), (admin1, e1), (hr2, e2)):
        scope_grant(app, user, dept)
    return World(e1, e2, hr1, admin1, hr2,
                 master=make_user(department=t1, name="王师傅", skill_level="技师"),
                 apprentice=make_user(department=t1, name="李徒弟", skill_level="中级工"),
                 worker=make_user(department=t1, name="张旁观", skill_level="初级工"),
                 outsider=make_user(department=t2, name="赵外企", skill_level="初级工"))


def pair_form(world: World, **changes) -> dict:
    today = local_today()
    data = {"master_no": world.master.employee_no, "apprentice_no": world.apprentice.employee_no,
            "workshop_id": "", "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=365)).isoformat(),
            "target_level": "高级工", "goals": "掌握数控宏程序。"}
    data.update(changes)
    return data


def count_pairs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(MentoringPair.id)))


def denials(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "access.denied"))


def make_pair(app, world: World, *, starts_ago: int = 0, length: int = 365, target: str = "高级工",
              master=None, apprentice=None, department=None) -> int:
    """A pair made through the service by hr1 (committed); returns its id."""
    from blueprints.core.models import User
    from blueprints.mentoring import services

    today = local_today()
    with app.test_request_context():
        actor = db.session.get(User, world.hr1.id)
        pair = services.create_pair(actor, services.PairData(
            master_no=(master or world.master).employee_no, apprentice_no=(apprentice or world.apprentice).employee_no,
            starts_on=today - timedelta(days=starts_ago), ends_on=today - timedelta(days=starts_ago) +
            timedelta(days=length), target_level=target, goals="目标"))
        db.session.commit()
        return pair.id
