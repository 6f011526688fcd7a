"""A small federation for the competitions tests and helpers that build competitions straight in the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from blueprints.competitions.models import Competition, Enrolment, Indicator
from blueprints.core import grants
from blueprints.core.models import Department, User
from extensions import db


@dataclass
class World:
    nodes: dict[str, int]
    people: dict[str, User]


@pytest.fixture
def world(app, make_department, make_user) -> World:
    """市总 → 区总 → 甲企业 (车间 → 班组), 乙企业; 市总 → 产业工会 → 丙企业. Admins of the city (whole tree), the
    district, each enterprise; a worker of 甲's team."""
    root = make_department("竞赛市总工会", kind="federation")
    district = make_department("竞赛区总工会", parent=root)
    industry = make_department("竞赛产业工会", parent=root, kind="industry")
    a = make_department("甲企业", parent=district)
    a_floor = make_department("甲车间", parent=a)
    a_team = make_department("甲班组", parent=a_floor)
    b = make_department("乙企业", parent=district)
    c = make_department("丙企业", parent=industry)
    nodes = {"root": root.id, "district": district.id, "industry": industry.id, "a": a.id, "a_floor": a_floor.id,
             "a_team": a_team.id, "b": b.id, "c": c.id}
    people = {"city": make_user("ccity", name="市管理员", roles=("admin", "worker")),
              "worker_a": make_user("cwa", name="甲职工", department=a_team)}
    for key, node in (("district", district), ("admin_a", a), ("admin_b", b), ("admin_c", c),
                      ("industry", industry)):
        people[key] = make_user(f"c{key}", name=f"{key}管理员", roles=("worker",))
        with app.app_context():
            grants.grant(db.session.get(User, people[key].id), "admin", db.session.get(Department, node.id))
            db.session.commit()
    return World(nodes, people)


INDICATORS = (("报送成果", "项", 50, 20, "reported"), ("创新项目", "项", 30, 10, "reported"),
              ("采纳建议", "项", 20, 10, "suggestions_adopted"))


def add_competition(app, organiser_id: int, *, status="running", starts=date(2026, 1, 1), ends=date(2026, 12, 31),
                    frequency="monthly", units=(), indicators=INDICATORS, name="测试竞赛") -> int:
    """A competition with indicators and enrolled units, returned by id."""
    with app.app_context():
        competition = Competition(name=name, kind="wuxiao", organiser_id=organiser_id, year=starts.year,
                                  starts_on=starts, ends_on=ends, report_frequency=frequency, status=status)
        db.session.add(competition)
        db.session.flush()
        for position, (iname, unit, weight, top, source) in enumerate(indicators):
            db.session.add(Indicator(competition_id=competition.id, name=iname, unit=unit, weight=Decimal(weight),
                                     max_score=Decimal(top), source=source, position=position))
        for unit_id in units:
            db.session.add(Enrolment(competition_id=competition.id, unit_id=unit_id, status="enrolled"))
        db.session.commit()
        return competition.id


def indicator_ids(app, competition_id: int) -> list[int]:
    with app.app_context():
        return [i.id for i in db.session.query(Indicator).filter_by(competition_id=competition_id)
                .order_by(Indicator.position)]


def set_status(app, competition_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(Competition, competition_id).status = status
        db.session.commit()
