"""Competition figures of the statistics page and workbook (SPEC §8): 企业参赛面, key project coverage and the year's
competitions, for union admins, inside the report's department and their admin scope. Kept apart from services.py
so each Part II domain adds its own figures without touching the others'."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from blueprints.competitions import queries
from blueprints.competitions.labels import KIND_LABELS, STATUS_BADGES
from blueprints.competitions.models import Competition
from blueprints.core import scopes
from blueprints.core.scopes import Scope
from extensions import db


@dataclass
class CompetitionFigures:
    enterprises_in: int
    enterprises_total: int
    projects_covered: int
    projects_total: int
    competitions: list[tuple] = field(default_factory=list)  # (competition, organiser name, enrolled units)

    @staticmethod
    def percent(part: int, whole: int) -> float | None:
        return round(part * 100 / whole, 1) if whole else None

    @property
    def participation_rate(self) -> float | None:
        return self.percent(self.enterprises_in, self.enterprises_total)

    @property
    def coverage_rate(self) -> float | None:
        return self.percent(self.projects_covered, self.projects_total)


def _scope(user, report_scope) -> Scope:
    """The report's department subtree, or the user's admin scope for "all"."""
    if report_scope.root is not None:
        return Scope("admin", paths=(report_scope.root.path,))
    return scopes.scope_of(user, "admin")


def figures(user, report_scope, today: dict | None = None) -> CompetitionFigures | None:
    """The figures for union admins (None for everyone else); a handful of queries. `today`: the snapshot's figures
    of today for the report's node (snapshot_report sets report.today), read instead of counting every enterprise
    when the figures' scope is that node (the report's department, or the whole tree for a whole-tree admin)."""
    if not user.has_role("admin"):
        return None
    scope = _scope(user, report_scope)
    if today is not None and (report_scope.root is not None or scope.everything):
        taking_part, enterprises = today.get("en.in", 0), today.get("en", 0)
        covered, started = today.get("pj.c", 0), today.get("pj", 0)
    else:
        taking_part, enterprises = queries.enterprise_participation(scope)
        covered, started = queries.project_coverage(scope)
    rows = db.session.execute(queries.competitions_list(user, year=report_scope.year)
                              .order_by(Competition.starts_on.desc(), Competition.id.desc()).limit(50)).all()
    return CompetitionFigures(taking_part, enterprises, covered, started, [tuple(row) for row in rows])


def sheets(user, report_scope, today: dict | None = None) -> list:
    """The workbook's competition sheets: the two rates, and the year's competitions."""
    found = figures(user, report_scope, today)
    if found is None:
        return []
    overview = (_("竞赛覆盖"), [_("指标"), _("数值"), _("分子"), _("分母")], [
        [_("企业参赛面（%）"), found.participation_rate, found.enterprises_in, found.enterprises_total],
        [_("重点项目竞赛覆盖率（%）"), found.coverage_rate, found.projects_covered, found.projects_total]],
        [28, 10, 10, 10])
    listing = (_("劳动竞赛"), [_("竞赛"), _("类别"), _("主办单位"), _("开始"), _("结束"), _("状态"), _("报名单位")],
               [[c.name, str(KIND_LABELS[c.kind]), organiser, c.starts_on, c.ends_on, str(STATUS_BADGES[c.status][0]),
                 enrolled] for c, organiser, enrolled in found.competitions], [36, 12, 24, 12, 12, 14, 10])
    return [overview, listing]
