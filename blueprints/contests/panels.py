"""The contests domain in the shared registries: my-space panels (judges' sheets, entrants' contests), the computed
competition indicator of entrants, the counter of contests filed under a competition, and honours evidence."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from blueprints.contests import queries
from blueprints.contests.labels import ENTRANT_BADGES, OBJECTION_BADGES, PRIZE_LABELS, STATUS_BADGES, TITLE_LABEL
from blueprints.contests.models import Contest, Entrant
from blueprints.core.audit_labels import register_status_labels
from blueprints.core.evidence import EvidenceLine, Subject, evidence_provider
from blueprints.core.indicators import computed_indicator, linked_activity
from blueprints.core.models import Department, User
from blueprints.core.myspace import Panel, panel_provider
from extensions import db

register_status_labels("contests", {status: badge[0] for status, badge in STATUS_BADGES.items()})
register_status_labels("contest_entrants", {status: badge[0] for status, badge in ENTRANT_BADGES.items()})
register_status_labels("contest_objections", {status: badge[0] for status, badge in OBJECTION_BADGES.items()})


@panel_provider
def judge_panel(user) -> Panel | None:
    """A judge's sheets waiting (contest and item only: no names), and the chief judge's contests."""
    sheets = queries.sheets_waiting(user.id)
    chief = queries.chief_of_scoring(user.id)
    if not sheets and not chief:
        return None
    return Panel("contests/_panel_judge.html", order=15, context={"sheets": sheets, "chief": chief})


@panel_provider
def entrant_panel(user) -> Panel | None:
    """A person's contests under way and their prizes."""
    entries = queries.my_entries(user.id)
    prizes = [row for row in queries.my_prizes(user.id) if row[0].prize or row[0].title][:3]
    if not entries and not prizes:
        return None
    return Panel("contests/_panel_entrant.html", order=35,
                 context={"entries": entries, "prizes": prizes, "badges": ENTRANT_BADGES,
                          "statuses": STATUS_BADGES, "prize_labels": PRIZE_LABELS, "title_label": TITLE_LABEL})


def _units_case(units: dict[int, str]):
    """SQL: which enrolled unit an entrant's department lies in (the deepest matching path)."""
    from sqlalchemy import case

    ordered = sorted(units.items(), key=lambda kv: -len(kv[1]))
    return case(*((Department.path.startswith(path), unit_id) for unit_id, path in ordered), else_=None)


@computed_indicator("contest_entrants", _l("技术比武参赛人次"), unit=_l("人次"))
def contest_entrants(units: dict[int, str], starts_on: date, ends_on: date) -> dict[int, Decimal]:
    """Confirmed entrants of each unit's subtree in contests held inside the period (one query)."""
    if not units:
        return {}
    unit = _units_case(units).label("unit")
    rows = db.session.execute(
        select(unit, func.count(Entrant.id)).select_from(Entrant)
        .join(Contest, Contest.id == Entrant.contest_id).join(User, User.id == Entrant.user_id)
        .join(Department, Department.id == User.department_id)
        .where(Entrant.status == "confirmed", Contest.held_on >= starts_on, Contest.held_on <= ends_on)
        .group_by(unit)).all()
    return {unit_id: Decimal(count) for unit_id, count in rows if unit_id is not None}


@linked_activity("contests", _l("技术比武"))
def contests_filed(competition_id: int, units: dict[int, str]) -> dict[int, int]:
    """Contests filed under the competition, per enrolled unit whose subtree organised them (one query)."""
    if not units:
        return {}
    unit = _units_case(units).label("unit")
    rows = db.session.execute(
        select(unit, func.count(Contest.id)).select_from(Contest)
        .join(Department, Department.id == Contest.organiser_id)
        .where(Contest.competition_id == competition_id, Contest.status != "draft").group_by(unit)).all()
    return {unit_id: count for unit_id, count in rows if unit_id is not None}


@evidence_provider
def contest_evidence(subject: Subject) -> list[EvidenceLine]:
    """A person's ranks and prizes in contests with results out (one query); units: none."""
    if subject.user_id is None:
        return []
    lines = []
    for entrant, contest in queries.my_prizes(subject.user_id):
        honours = [str(PRIZE_LABELS[entrant.prize])] if entrant.prize else []
        if entrant.title:
            honours.append(str(TITLE_LABEL))
        text = _("%(contest)s（%(trade)s）第 %(rank)s 名，总分 %(total)s", contest=contest.name, trade=contest.trade,
                 rank=entrant.rank, total=entrant.total)
        if honours:
            text += " · " + "、".join(honours)
        lines.append(EvidenceLine("contest", text, contest.held_on,
                                  url_for("contests.results", contest_id=contest.id)))
    return lines


