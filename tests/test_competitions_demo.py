"""The demo's competitions (SPEC §14): the city's running 五小竞赛 and 安康杯 with enterprises 1–3, a 六比一创 with
monthly reports in every state and an overdue one, a closed competition with provisional results open to objection."""
from __future__ import annotations

from sqlalchemy import select

from blueprints.competitions import queries
from blueprints.competitions.models import Competition, Enrolment, Objection, Report
from blueprints.core.clock import local_today
from blueprints.core.models import Department
from extensions import db


def test_the_demo_holds_every_state_the_spec_asks_for(demo_app):
    with demo_app.app_context():
        competitions = {c.kind: c for c in db.session.scalars(select(Competition))}
        assert {"wuxiao", "ankang", "liubi_yichuang", "energy"} <= set(competitions)
        root = db.session.scalar(select(Department.id).where(Department.code == "HRB"))
        for kind in ("wuxiao", "ankang"):
            competition = competitions[kind]
            assert (competition.status, competition.organiser_id) == ("running", root)
            units = set(db.session.scalars(select(Department.code).join(Enrolment, Enrolment.unit_id == Department.id)
                                           .where(Enrolment.competition_id == competition.id)))
            assert units == {"BJHI", "SBDJ", "LJJG"}
        liubi = competitions["liubi_yichuang"]
        statuses = set(db.session.scalars(select(Report.status).where(Report.competition_id == liubi.id)))
        assert statuses == {"draft", "submitted", "accepted", "returned"}
        assert queries.overdue([liubi])
        closed = competitions["energy"]
        assert closed.status == "closed" and closed.results_published_at is not None
        assert closed.objections_until >= local_today()
        assert db.session.scalar(select(Objection.status).where(Objection.competition_id == closed.id)) == "open"
