"""A small federation for the contest tests: enterprise A (two plants) and enterprise B, their HR and admins, six
workers of A, one of B, five judges and a chief judge (of B: judges may be anyone), and helpers that drive a contest
to a status through the services."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from blueprints.contests import services
from blueprints.contests.models import Contest, Entrant, Item, Judge
from blueprints.core import grants
from blueprints.core.clock import local_today
from blueprints.core.models import Department, User
from extensions import db


@dataclass
class World:
    nodes: dict[str, int]
    people: dict[str, User]

    def user(self, key: str) -> User:
        return db.session.get(User, self.people[key].id)


@pytest.fixture
def world(app, make_department, make_user) -> World:
    root = make_department("比武市总工会", kind="federation")
    district = make_department("比武区总工会", parent=root)
    a = make_department("甲机械公司", parent=district)
    p1 = make_department("甲一厂", parent=a)
    p2 = make_department("甲二厂", parent=a)
    b = make_department("乙电机公司", parent=district)
    nodes = {"root": root.id, "a": a.id, "p1": p1.id, "p2": p2.id, "b": b.id}
    people = {}
    for i in range(1, 7):
        people[f"a{i}"] = make_user(f"cwa{i}", name=f"甲选手{['', '张', '王', '李', '赵', '钱', '孙'][i]}{i}号",
                                    department=p1 if i <= 4 else p2)
    people["b1"] = make_user("cwb1", name="乙选手周", department=b)
    for i in range(1, 6):
        people[f"j{i}"] = make_user(f"cjudge{i}", name=f"评委{i}", department=b)
    people["chief"] = make_user("cchief", name="裁判长吴", department=b)
    for key, role, node in (("hra", "hr", a), ("admina", "admin", a), ("adminp1", "admin", p1),
                            ("adminb", "admin", b)):
        people[key] = make_user(f"c{key}", name=f"{key}员", department=a if node is not b else b)
        with app.app_context():
            grants.grant(db.session.get(User, people[key].id), role, db.session.get(Department, node.id))
            db.session.commit()
    return World(nodes, people)


def contest_data(world: World, items=None, **changes) -> services.ContestData:
    items = items or [services.ItemData("理论", "theory", Decimal(30), Decimal(100), Decimal(15)),
                      services.ItemData("实操", "practical", Decimal(70), Decimal(100), Decimal(10))]
    fields = {"name": "甲公司车工比武", "organiser_id": world.nodes["a"], "competition_id": None, "trade": "车工",
              "level": "enterprise", "held_on": local_today() + timedelta(days=5), "venue": "实训中心",
              "description": "", "first_prizes": 1, "second_prizes": 1, "third_prizes": 1, "titles": 1,
              "items": items}
    fields.update(changes)
    return services.ContestData(**fields)


def make_contest(app, world: World, status: str = "draft", entrants=("a1", "a2", "a3", "a5"), panel=3,
                 practical_panel=None) -> int:
    """A contest of enterprise A driven through the services up to `status` (quotas: 甲一厂 3, 甲二厂 2)."""
    order = ["draft", "registration", "drawn", "scoring"]
    with app.test_request_context():
        hra = world.user("hra")
        contest = services.create_contest(hra, contest_data(world))
        services.set_quota(contest, hra, world.nodes["p1"], 3)
        services.set_quota(contest, hra, world.nodes["p2"], 2)
        theory, practical = db.session.query(Item).filter_by(contest_id=contest.id).order_by(Item.position).all()
        services.set_panel(contest, hra, theory, [world.user(f"j{i}") for i in range(1, panel + 1)])
        services.set_panel(contest, hra, practical,
                           [world.user(f"j{i}") for i in range(1, (practical_panel or panel) + 1)])
        services.set_chief(contest, hra, world.user("chief"))
        for target in order[1:order.index(status) + 1] if status in order else order[1:]:
            if target == "drawn":
                for key in entrants:
                    services.nominate(contest, hra, world.user(key))
            action = {"registration": "open_registration", "drawn": "draw", "scoring": "start_scoring"}[target]
            services.move(contest, hra, action)
        db.session.commit()
        return contest.id


def score_all(app, contest_id: int, table: dict[str, dict[int, list]], submit=True) -> None:
    """table[item name][contestant number] = the judges' scores in panel order (j1, j2, …)."""
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        for item in db.session.query(Item).filter_by(contest_id=contest_id):
            judges = db.session.query(Judge).filter_by(item_id=item.id).order_by(Judge.user_id).all()
            by_number = {e.number: e.id for e in db.session.query(Entrant).filter_by(contest_id=contest_id)}
            for j, judge in enumerate(judges):
                raw = {by_number[n]: str(scores[j]) for n, scores in table[item.name].items()}
                services.save_scores(contest, db.session.get(User, judge.user_id), item.id, raw, submit=submit)
        db.session.commit()


def publish(app, world: World, contest_id: int, until: date | None = None) -> None:
    with app.test_request_context():
        services.move(db.session.get(Contest, contest_id), world.user("hra"), "publish",
                      until or local_today() + timedelta(days=3))
        db.session.commit()
