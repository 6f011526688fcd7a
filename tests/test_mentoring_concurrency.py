"""Two staff completing the same pair at the same moment make one completion and one skill upgrade; two HR pairing
the same apprentice at once make one pair (real threads through the whole app, SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blueprints.core.models import AuditLog, SkillLevelChange, User
from blueprints.mentoring import services
from blueprints.mentoring.models import MentoringPair
from extensions import db
from tests import fixtures_mentoring
from tests.concurrency import all_at_once
from tests.conftest import TEST_PASSWORD, PortalClient, both_backends
from tests.fixtures_mentoring import make_pair, pair_form

POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 6, "max_overflow": 6, "pool_timeout": 60}}

world = fixtures_mentoring.world  # this domain's `world` fixture (three domains use the name)


def _signed_in(app, users) -> list[PortalClient]:
    app.test_client_class = PortalClient
    clients = []
    for user in users:
        client = app.test_client()
        assert client.post("/auth/login", data={"employee_no": user.employee_no,
                                                "password": TEST_PASSWORD}).status_code == 303
        clients.append(client)
    return clients


def _assessed(app, world, pair_id: int) -> None:
    with app.test_request_context():
        actor, pair = db.session.get(User, world.hr1.id), db.session.get(MentoringPair, pair_id)
        services.record_assessment(actor, pair, services.AssessmentData("midterm", 80, "good"))
        services.record_assessment(actor, pair, services.AssessmentData("final", 90, "excellent",
                                                                         target_reached=True))
        db.session.commit()


@both_backends
@pytest.mark.app_config(POOL)
def test_two_staff_completing_at_once_make_one_completion(app, world):
    pair_id = make_pair(app, world, starts_ago=360)
    _assessed(app, world, pair_id)
    clients = _signed_in(app, [world.hr1, world.admin1, world.hr1])
    responses = all_at_once([lambda c=c: c.post(f"/mentoring/{pair_id}/complete") for c in clients])
    assert [r.status_code for r in responses] == [303] * 3  # no server error, no "database is locked"
    with app.app_context():
        assert db.session.get(MentoringPair, pair_id).status == "completed"
        assert db.session.scalar(select(func.count(SkillLevelChange.id))) == 1
        assert db.session.scalar(select(func.count(AuditLog.id))
                                 .where(AuditLog.action == "mentoring.completed")) == 1
        assert db.session.get(User, world.apprentice.id).skill_level == "高级工"


@both_backends
@pytest.mark.app_config(POOL)
def test_two_hr_pairing_one_apprentice_at_once_make_one_pair(app, world, make_user):
    masters = [make_user(department=world.e1, skill_level="高级技师") for _ in range(3)]
    clients = _signed_in(app, [world.hr1, world.admin1, world.hr1])
    forms = [pair_form(world, master_no=master.employee_no) for master in masters]
    responses = all_at_once([lambda c=c, f=f: c.post("/mentoring/new", data=f)
                             for c, f in zip(clients, forms, strict=True)])
    assert sorted(r.status_code for r in responses) == [200, 200, 303]
    with app.app_context():
        assert db.session.scalar(select(func.count(MentoringPair.id))) == 1
