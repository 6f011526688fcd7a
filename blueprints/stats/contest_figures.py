"""Skills-contest figures of the statistics page, the workbook and the personal record (SPEC §9, issue 17): contests
held in the year by units of the subtree, their entrants from the subtree, and the prizes those entrants won. Kept
apart from services.py, which the other domains' figures do not touch."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from blueprints.contests.models import Contest, Entrant
from blueprints.contests.queries import RESULTS_OUT, my_prizes
from blueprints.core.models import Department, User
from extensions import db

HELD = ("drawn", "scoring", "provisional", "final")


@dataclass
class ContestFigures:
    held: int = 0
    entrants: int = 0
    first: int = 0
    second: int = 0
    third: int = 0
    titles: int = 0

    @property
    def prizes(self) -> int:
        return self.first + self.second + self.third


def figures_for(scope) -> ContestFigures:
    """The year's figures for the report's subtree (two queries)."""
    start, end = scope.start.date(), scope.end.date()
    in_year = and_(Contest.held_on >= start, Contest.held_on < end, Contest.status.in_(HELD))
    held = db.session.scalar(select(func.count(Contest.id)).join(Department, Department.id == Contest.organiser_id)
                             .where(in_year, Department.path.startswith(scope.path)))
    out = Contest.status.in_(RESULTS_OUT)

    def prize(name):
        return func.coalesce(func.sum(case((and_(out, Entrant.prize == name), 1), else_=0)), 0)

    row = db.session.execute(
        select(func.count(Entrant.id), prize("first"), prize("second"), prize("third"),
               func.coalesce(func.sum(case((and_(out, Entrant.title.is_(True)), 1), else_=0)), 0))
        .join(Contest, Contest.id == Entrant.contest_id).join(User, User.id == Entrant.user_id)
        .join(Department, Department.id == User.department_id)
        .where(in_year, Entrant.status == "confirmed", Department.path.startswith(scope.path))).one()
    return ContestFigures(held or 0, *(int(v or 0) for v in row))


def contest_sheet(report):
    """The workbook's sheet of contest figures (admins and HR)."""
    figures = getattr(report, "contests", None)
    if figures is None:
        return None
    rows = [[_("举办技术比武（场）"), figures.held], [_("参赛人次"), figures.entrants], [_("一等奖"), figures.first],
            [_("二等奖"), figures.second], [_("三等奖"), figures.third], [_("技术能手"), figures.titles]]
    return (_("技术比武"), [_("指标"), _("数值")], rows, [24, 12])


def record_lines(person_id: int) -> list[tuple]:
    """A person's contest results for the personal record, newest first: (entrant, contest, honours text)."""
    from blueprints.contests.labels import PRIZE_LABELS, TITLE_LABEL

    lines = []
    for entrant, contest in my_prizes(person_id):
        honours = [str(PRIZE_LABELS[entrant.prize])] if entrant.prize else []
        if entrant.title:
            honours.append(str(TITLE_LABEL))
        lines.append((entrant, contest, "、".join(honours)))
    return lines
