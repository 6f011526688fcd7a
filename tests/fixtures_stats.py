"""Factory fixtures of the statistics domain (registered in conftest.pytest_plugins): a small organisation built by
hand, with the answer to every figure of 2025 written down next to the data that makes it.

    示范集团 ENT ─┬─ 一厂 P1 ─┬─ 甲班 T1: a1 a2 a3 a4 a6 (active), a5 (deactivated)
                  │           └─ 乙班 T2: b1 b2
                  └─ 二厂 P2: c1 c2 c3 (no sub-departments)
    z1 has no department (outside every scope).

Head counts: T1 5, T2 2, P1 7, P2 3, ENT 10. Times are written in Shanghai time (UTC+8) on purpose next to the
year boundaries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2025


def local(*args) -> datetime:
    """An aware UTC datetime from a Shanghai wall-clock time."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class StatsOrg:
    """Ids of everything the hand-built organisation holds."""

    departments: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    suggestions: dict[str, int] = field(default_factory=dict)
    workshops: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)
    enrollments: dict[str, int] = field(default_factory=dict)


# The answers for 2025 (see the module docstring and the comments in stats_org).
EXPECTED_2025 = {
    # department: (head count, participants, submitted, adopted, benefit, person-times, minutes, sessions)
    "ENT": (10, 8, 5, 3, Decimal("12500.50"), 3, 480, 2),
    "P1": (7, 6, 4, 3, Decimal("12500.50"), 2, 300, 2),
    "P2": (3, 2, 1, 0, Decimal("0.00"), 1, 180, 1),
    "T1": (5, 4, 3, 3, Decimal("12500.50"), 2, 300, 2),
    "T2": (2, 2, 1, 0, Decimal("0.00"), 0, 0, 0),
}


@pytest.fixture
def stats_org(app, make_department, make_user, make_suggestion, make_session) -> StatsOrg:
    """The organisation above with its 2025 activity (and a little of 2024 and 2026 around the boundaries).

    Departments, people, suggestions and sessions come from the shared factories (departments through the
    production create_department, so their paths are the real ones); the workshops, with their membership history,
    and the enrollments are written here row by row."""
    from blueprints.stats.models import ParticipationTarget
    from blueprints.suggestions.models import RewardShare
    from blueprints.training.models import Enrollment
    from blueprints.workshops.models import Workshop, WorkshopMember

    org = StatsOrg()
    ent = make_department("示范集团", None, "ENT")
    p1 = make_department("一厂", ent, "ENT-P1")
    t1 = make_department("甲班", p1, "ENT-P1-T1")
    t2 = make_department("乙班", p1, "ENT-P1-T2")
    p2 = make_department("二厂", ent, "ENT-P2")
    org.departments = {"ENT": ent.id, "P1": p1.id, "T1": t1.id, "T2": t2.id, "P2": p2.id}

    def person(key: str, dept, roles=("worker",), active: bool = True):
        return make_user(employee_no=f"st-{key}", name=f"统计{key}", department=dept, roles=roles, active=active)

    u = {key: person(key, t1) for key in ("a1", "a2", "a3", "a4", "a6")}
    u["a5"] = person("a5", t1, active=False)
    u["b1"], u["b2"] = person("b1", t2), person("b2", t2)
    u.update({key: person(key, p2) for key in ("c1", "c2", "c3")})
    u["z1"] = person("z1", None)
    u["admin"] = person("admin", None, ("admin", "worker"))
    org.users = {key: user.id for key, user in u.items()}

    with app.app_context():
        # Workshops. W1 approved (P1, city); W2 pending; W3 revoked during 2025; W4 approved only at 2026-01-01 00:00.
        w1 = Workshop(name="统计一号工作室", kind="master", level="city", lead_id=u["a1"].id, department_id=p1.id,
                      status="approved", decided_at=local(2024, 5, 1, 10))
        w2 = Workshop(name="统计二号工作室", kind="worker", level="enterprise", lead_id=u["c2"].id,
                      department_id=p2.id, status="pending")
        w3 = Workshop(name="统计三号工作室", kind="worker", level="enterprise", lead_id=u["c3"].id,
                      department_id=p2.id, status="revoked", decided_at=local(2025, 4, 1, 10))
        w4 = Workshop(name="统计四号工作室", kind="craftsman", level="enterprise", lead_id=u["c2"].id,
                      department_id=p2.id, status="approved", decided_at=local(2026, 1, 1, 0, 0))
        db.session.add_all([w1, w2, w3, w4])
        db.session.flush()
        org.workshops = {"W1": w1.id, "W2": w2.id, "W3": w3.id, "W4": w4.id}
        db.session.add_all([
            WorkshopMember(workshop_id=w1.id, user_id=u["a1"].id, role="lead", status="active",
                           joined_at=local(2024, 5, 1, 10)),  # a1 counts
            WorkshopMember(workshop_id=w1.id, user_id=u["a3"].id, role="member", status="active",
                           joined_at=local(2024, 6, 1, 10)),  # a3 counts (only through this)
            # b2 left at 23:59 on 31 December 2024, Shanghai time: not a member in 2025.
            WorkshopMember(workshop_id=w1.id, user_id=u["b2"].id, role="member", status="left",
                           joined_at=local(2024, 1, 1, 10), left_at=local(2024, 12, 31, 23, 59)),
            # c1 was a member for a month of 2025.
            WorkshopMember(workshop_id=w1.id, user_id=u["c1"].id, role="member", status="left",
                           joined_at=local(2025, 2, 1, 10), left_at=local(2025, 3, 1, 10)),
            WorkshopMember(workshop_id=w2.id, user_id=u["c2"].id, role="lead", status="active",
                           joined_at=local(2025, 2, 1, 10)),  # pending workshop: does not count
            WorkshopMember(workshop_id=w3.id, user_id=u["c3"].id, role="lead", status="active",
                           joined_at=local(2023, 2, 1, 10)),  # revoked in 2025: counts for 2025
            WorkshopMember(workshop_id=w4.id, user_id=u["c2"].id, role="member", status="active",
                           joined_at=local(2025, 12, 1, 10)),  # approved only after 2025: does not count
        ])

        db.session.commit()
    w1 = SimpleNamespace(id=org.workshops["W1"])

    def suggestion(key, author, category, status, year, listed, workshop=None, benefit=None, coauthors=(), **fields):
        # The suggestion's department is its author's (make_suggestion copies it), as when it is written.
        made = make_suggestion(u[author], status, workshop=workshop, coauthors=[u[c] for c in coauthors],
                               title=f"统计建议{key}", year=year, at=listed, category=category,
                               annual_benefit=benefit, **fields)
        org.suggestions[key] = made.id
        return made

    s1 = suggestion("s1", "a1", "renovation", "awarded", 2025, local(2025, 3, 10, 9), w1, Decimal("10000.00"),
                    coauthors=("a2",), grade="third", reward_amount=Decimal("1000.00"),
                    awarded_at=local(2025, 6, 1, 10))
    # 00:30 on 1 January 2025 in Shanghai is still 2024 in UTC: it belongs to 2025, January.
    suggestion("s2", "a1", "invention", "implemented", 2025, local(2025, 1, 1, 0, 30), w1, Decimal("2500.50"))
    # 23:30 on 31 December 2025 in Shanghai: still 2025, December.
    suggestion("s3", "b1", "suggestion", "rejected", 2025, local(2025, 12, 31, 23, 30), w1)
    suggestion("s4", "c1", "design", "submitted", 2025, local(2025, 5, 5, 9))
    suggestion("s5", "c2", "design", "withdrawn", 2025, local(2025, 5, 6, 9))  # withdrawn: never counted
    suggestion("s6", "c3", "creation", "draft", 2025, local(2025, 5, 7, 9))  # a draft (no serial)
    suggestion("s7", "b2", "renovation", "accepted", 2024, local(2024, 12, 31, 23, 30))  # 2024
    suggestion("s8", "a5", "rationalization", "accepted", 2025, local(2025, 7, 15, 9))  # a5 left the company
    suggestion("s9", "z1", "renovation", "accepted", 2025, local(2025, 8, 1, 9))  # no department
    # A 2024 suggestion awarded in 2025: its reward counts for 2025.
    s10 = suggestion("s10", "b2", "invention", "awarded", 2024, local(2024, 10, 10, 9), None, Decimal("800.00"),
                     grade="excellence", reward_amount=Decimal("200.00"), awarded_at=local(2025, 2, 1, 10))

    def session(key, kind, status, starts, hours):
        made = make_session(title=f"统计培训{key}", kind=kind, status=status, starts_at=starts, hours=hours,
                            capacity=10)
        org.sessions[key] = made.id
        return made

    x1 = session("X1", "safety", "completed", local(2025, 3, 1, 9), 2)
    x2 = session("X2", "skills", "closed", local(2025, 1, 1, 0, 30), 3)  # 2025 in Shanghai, 2024 in UTC
    x3 = session("X3", "drill", "cancelled", local(2025, 6, 1, 9), 4)
    x4 = session("X4", "contest", "completed", local(2026, 1, 1, 0, 30), 5)  # 2026 in Shanghai

    with app.app_context():
        db.session.add_all([
            RewardShare(suggestion_id=s1.id, user_id=u["a1"].id, share_bp=5000, amount=Decimal("500.00"),
                        status="paid", paid_on=date(2025, 7, 1), created_at=local(2025, 6, 1, 10)),
            RewardShare(suggestion_id=s1.id, user_id=u["a2"].id, share_bp=5000, amount=Decimal("500.00"),
                        status="pending", created_at=local(2025, 6, 1, 10)),
            RewardShare(suggestion_id=s10.id, user_id=u["b2"].id, share_bp=10000, amount=Decimal("200.00"),
                        status="paid", paid_on=date(2025, 3, 1), created_at=local(2025, 2, 1, 10)),
        ])

        def enroll(key, who, s, status="confirmed", attendance=None, result=None, certificate=None):
            e = Enrollment(session_id=s.id, user_id=u[who].id, status=status, attendance=attendance, result=result,
                           certificate_no=certificate)
            db.session.add(e)
            db.session.flush()
            org.enrollments[key] = e.id

        enroll("e1", "a4", x1, attendance="present", result="pass", certificate="PX-2025-T0001")
        enroll("e2", "b1", x1, attendance="absent")  # takes part, but absent: no person-time
        enroll("e3", "c3", x1, status="cancelled")
        enroll("e4", "a2", x2, attendance="present", result="fail")
        enroll("e5", "c1", x2)  # attendance not taken yet: a person-time without a result
        enroll("e6", "b2", x2, status="waitlisted")  # takes part (a non-cancelled enrollment), no person-time
        enroll("e7", "c2", x3)  # the session was cancelled
        enroll("e8", "c2", x4, attendance="present", result="pass")  # 2026

        db.session.add_all([
            ParticipationTarget(department_id=ent.id, year=2025, rate=85),  # P1 and T2 inherit it
            ParticipationTarget(department_id=t1.id, year=2025, rate=90),
            ParticipationTarget(department_id=p2.id, year=2025, rate=70),
            ParticipationTarget(department_id=ent.id, year=2024, rate=50),
        ])
        db.session.commit()
    return org
