"""The workshops demo data: every status, lead1's approved workshop, and what the suggestions demo needs."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from blueprints.core.demo import DemoContext
from blueprints.core.models import Role, User
from blueprints.workshops.models import KINDS, LEVELS, STATUSES, Achievement, LevelChange, Workshop, WorkshopMember
from extensions import db


def test_demo_workshops(app):
    from blueprints.core import demo as core_demo
    from blueprints.workshops import demo

    with app.app_context():
        ctx = DemoContext(rng=random.Random(2026), password_hash="x")
        core_demo.seed(ctx)
        demo.seed(ctx)
        db.session.commit()

        workshops = db.session.scalars(select(Workshop)).all()
        assert {w.status for w in workshops} == set(STATUSES)
        assert {w.kind for w in workshops} == set(KINDS)
        assert {w.level for w in workshops} == set(LEVELS)
        assert all(w.created_at.tzinfo is not None for w in workshops)

        mine = ctx.workshops["lead1"]
        lead1 = ctx.users["lead1"]
        worker1 = ctx.users["worker1"]
        assert mine.name == "王振华数控技能大师工作室" and mine.status == "approved" and mine.lead_id == lead1.id
        rows = db.session.execute(select(WorkshopMember.user_id, WorkshopMember.role, WorkshopMember.status)
                                  .where(WorkshopMember.workshop_id == mine.id)).all()
        active = [r for r in rows if r.status == "active"]
        assert len(active) >= 5 and any(r.role == "deputy" for r in active)
        assert len([r for r in rows if r.status == "requested"]) == 3
        assert db.session.scalar(select(func.count(Achievement.id)).where(Achievement.workshop_id == mine.id)) >= 5
        history = db.session.scalars(select(LevelChange.to_level).where(LevelChange.workshop_id == mine.id)
                                     .order_by(LevelChange.changed_on)).all()
        assert history == ["enterprise", "city"]

        # worker1 is in no workshop, so the journey can have them ask to join one.
        assert db.session.scalar(select(func.count(WorkshopMember.id))
                                 .where(WorkshopMember.user_id == worker1.id)) == 0
        # Every lead and deputy holds the lead role.
        managers = db.session.scalars(select(WorkshopMember.user_id).where(
            WorkshopMember.role.in_(("lead", "deputy")), WorkshopMember.status == "active")).all()
        for uid in managers:
            assert db.session.get(User, uid).role_mask & Role.LEAD
        # One member row per person and workshop; the lead row matches Workshop.lead_id.
        for workshop in workshops:
            lead_rows = list(db.session.scalars(select(WorkshopMember.user_id).where(
                WorkshopMember.workshop_id == workshop.id, WorkshopMember.role == "lead")))
            assert lead_rows == [workshop.lead_id]
        assert ctx.workshop_list and all(w.status == "approved" for w in ctx.workshop_list)
        assert mine in ctx.workshop_list
        # Enterprises 2 and 3 have their own approved workshop, kept out of the list Part I suggestions go to.
        assert set(ctx.federation_workshops) == {"SBDJ", "LJJG"}
        federation_ids = {w.id for w in ctx.federation_workshops.values()}
        assert all(w.status == "approved" for w in ctx.federation_workshops.values())
        assert not federation_ids & {w.id for w in ctx.workshop_list}
