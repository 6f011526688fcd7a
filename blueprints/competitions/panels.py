"""My-space panel of the competitions domain (a unit admin's competitions and what is due), status labels of the
audit log, and the honours evidence of a unit's final ranks."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blueprints.competitions import queries
from blueprints.competitions.labels import STATUS_BADGES
from blueprints.competitions.models import Competition, Enrolment, Indicator, ScoreCell
from blueprints.competitions.scoring import Standing, rank, weighted_total
from blueprints.core import scopes
from blueprints.core.audit_labels import register_status_labels
from blueprints.core.evidence import EvidenceLine, Subject, evidence_provider
from blueprints.core.models import Department
from blueprints.core.myspace import Panel, panel_provider
from extensions import db

register_status_labels("competitions", {status: badge[0] for status, badge in STATUS_BADGES.items()})


@panel_provider
def unit_panel(user) -> Panel | None:
    """For an admin whose units take part: each competition, its status and the unit's overdue reports."""
    if not user.has_role("admin"):
        return None
    rows = queries.my_units_competitions(user)
    if not rows:
        return None
    competitions = list({c.id: c for c, _e in rows}.values())
    overdue = queries.overdue(competitions, unit_scope=scopes.scope_of(user, "admin"))
    due: dict[tuple[int, int], int] = {}
    for competition, unit_id, _start, _end in overdue:
        due[(competition.id, unit_id)] = due.get((competition.id, unit_id), 0) + 1
    return Panel("competitions/_panel_units.html", order=25,
                 context={"rows": rows, "due": due, "status_badges": STATUS_BADGES})


def final_ranks(unit_id: int) -> list[tuple[Competition, Standing, int]]:
    """(competition, the unit's standing, number of units) in every assessed competition it took part in, in four
    queries whatever the number of competitions."""
    competitions = list(db.session.scalars(
        select(Competition).join(Enrolment, Enrolment.competition_id == Competition.id)
        .where(Enrolment.unit_id == unit_id, Enrolment.status == "enrolled", Competition.status == "assessed")))
    if not competitions:
        return []
    ids = [c.id for c in competitions]
    indicators: dict[int, list[Indicator]] = {}
    for indicator in db.session.scalars(select(Indicator).where(Indicator.competition_id.in_(ids))):
        indicators.setdefault(indicator.competition_id, []).append(indicator)
    scores: dict[tuple[int, int], dict[int, object]] = {}
    for cell in db.session.scalars(select(ScoreCell).where(ScoreCell.competition_id.in_(ids))):
        scores.setdefault((cell.competition_id, cell.unit_id), {})[cell.indicator_id] = cell.score
    units: dict[int, list[Enrolment]] = {}
    for enrolment in db.session.scalars(select(Enrolment).options(selectinload(Enrolment.unit))
                                        .where(Enrolment.competition_id.in_(ids), Enrolment.status == "enrolled")):
        units.setdefault(enrolment.competition_id, []).append(enrolment)
    found = []
    for competition in competitions:
        standings = rank([Standing(e.unit_id, e.unit.name, weighted_total(
            scores.get((competition.id, e.unit_id), {}), indicators.get(competition.id, [])))
            for e in units.get(competition.id, [])])
        mine = next((s for s in standings if s.unit_id == unit_id), None)
        if mine is not None:
            found.append((competition, mine, len(standings)))
    return found


@evidence_provider
def competition_evidence(subject: Subject) -> list[EvidenceLine]:
    """A unit's final ranks in assessed competitions (a person has none of their own)."""
    if subject.department_id is None:
        return []
    unit = db.session.get(Department, subject.department_id)
    if unit is None:
        return []
    return [EvidenceLine(kind="competition", on=competition.ends_on, url=f"/competitions/{competition.id}/results",
                         text=_("%(year)s年《%(name)s》第 %(rank)s 名（共 %(n)s 个单位，总分 %(total)s）",
                                year=competition.year, name=competition.name, rank=standing.rank, n=count,
                                total=standing.total))
            for competition, standing, count in final_ranks(unit.id)]
