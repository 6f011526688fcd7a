"""Hazard-report figures of the statistics page, the workbook and the personal record (SPEC §11): reports, confirmed
rate, rectified on time and rewards, by department and by local month. Aggregates only: no figure names a reporter.

Definitions (a year's reports are those reported in that local year, counted at their place's department):
- **Reported**: every report; **confirmed**: those confirmed as hazards (whatever happened to them since);
  **confirmed rate** = confirmed ÷ (reported − still waiting for triage), as a whole percent;
- **Rectified on time**: rectified (or verified) on or before the deadline (local date); the **on-time rate** is
  rectified on time ÷ rectified;
- **Rewards**: the hazard lines of the reward ledger for those reports (granted, and how much of it was paid).
Only union admins see the figures, for the part of their admin scope the report is about.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from blueprints.core.clock import to_local
from blueprints.core.models import Department
from blueprints.core.scopes import scope_of
from blueprints.rewards.models import RewardLine
from blueprints.safety.models import HazardReport
from extensions import db

CONFIRMED = ("confirmed", "rectifying", "rectified", "verified")


@dataclass
class SafetyRow:
    """The figures of one department (or the total)."""

    department: Department | None
    reported: int = 0
    waiting: int = 0
    confirmed: int = 0
    rectified: int = 0
    on_time: int = 0
    rewards: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")

    @property
    def confirmed_rate(self) -> int | None:
        decided = self.reported - self.waiting
        return round(100 * self.confirmed / decided) if decided else None

    @property
    def on_time_rate(self) -> int | None:
        return round(100 * self.on_time / self.rectified) if self.rectified else None


@dataclass
class SafetyFigures:
    """The year's figures of the scope: per department row, total, and per local month."""

    rows: list[SafetyRow] = field(default_factory=list)
    total: SafetyRow = field(default_factory=lambda: SafetyRow(None))
    reported_by_month: list[int] = field(default_factory=lambda: [0] * 12)
    confirmed_by_month: list[int] = field(default_factory=lambda: [0] * 12)


def _add(row: SafetyRow, hazard, amounts) -> None:
    row.reported += 1
    row.waiting += hazard.status == "reported"
    row.confirmed += hazard.status in CONFIRMED
    if hazard.rectified_at is not None and hazard.status in ("rectified", "verified"):
        row.rectified += 1
        row.on_time += hazard.deadline is None or to_local(hazard.rectified_at).date() <= hazard.deadline
    granted, paid = amounts.get(hazard.id, (Decimal(0), Decimal(0)))
    row.rewards += granted
    row.paid += paid


def build(user, scope, tree) -> SafetyFigures | None:
    """The figures for a union admin (None for anyone else); `scope` and `tree` as the statistics report has them."""
    from blueprints.stats.services import table_departments

    admin = scope_of(user, "admin")
    if admin.empty:
        return None
    place = aliased(Department)
    hazards = db.session.execute(
        select(HazardReport.id, HazardReport.status, HazardReport.created_at, HazardReport.rectified_at,
               HazardReport.deadline, place.path)
        .join(place, place.id == HazardReport.department_id)
        .where(HazardReport.created_at >= scope.start, HazardReport.created_at < scope.end,
               place.path.startswith(scope.path), admin.path_clause(place.path))).all()
    amounts: dict[int, tuple[Decimal, Decimal]] = {}
    ids = [h.id for h in hazards]
    for chunk in range(0, len(ids), 500):
        for hazard_id, amount, status in db.session.execute(
                select(RewardLine.hazard_id, RewardLine.amount, RewardLine.status)
                .where(RewardLine.kind == "hazard", RewardLine.hazard_id.in_(ids[chunk:chunk + 500]))):
            granted, paid = amounts.get(hazard_id, (Decimal(0), Decimal(0)))
            amounts[hazard_id] = (granted + amount, paid + (amount if status == "paid" else 0))
    figures = SafetyFigures(rows=[SafetyRow(d) for d in table_departments(tree, scope.root)])
    for hazard in hazards:
        _add(figures.total, hazard, amounts)
        month = to_local(hazard.created_at).month - 1
        figures.reported_by_month[month] += 1
        figures.confirmed_by_month[month] += hazard.status in CONFIRMED
        row = next((r for r in figures.rows if hazard.path.startswith(r.department.path)), None)
        if row is not None:
            _add(row, hazard, amounts)
    return figures


def chart(year: int, figures: SafetyFigures) -> dict:
    """Bars of the reports and of the confirmed hazards per local month, side by side on one axis."""
    from blueprints.stats.charts import month_labels

    return {"kind": "grouped", "labels": month_labels(year),
            "datasets": [{"label": _("上报隐患"), "data": figures.reported_by_month},
                         {"label": _("确认隐患"), "data": figures.confirmed_by_month}],
            "y": _("隐患（条）")}


def _line(name: str, row: SafetyRow) -> list:
    return [name, row.reported, row.confirmed, row.confirmed_rate, row.rectified, row.on_time, row.on_time_rate,
            row.rewards, row.paid]


def sheet(report):
    """The workbook sheet of the hazard figures by department (None when the user does not see them)."""
    figures = getattr(report, "safety", None)
    if figures is None:
        return None
    header = [_("单位"), _("上报隐患"), _("确认隐患"), _("确认率（%）"), _("已整改"), _("按期整改"), _("按期率（%）"),
              _("奖金（元）"), _("已发放（元）")]
    rows = [_line(row.department.name, row) for row in figures.rows]
    rows.append(_line(_("合计"), figures.total))
    return (_("隐患报告"), header, rows, [20, 10, 10, 12, 10, 10, 12, 12, 12])


def month_sheet(report):
    """The workbook sheet of reports and confirmed hazards per local month."""
    figures = getattr(report, "safety", None)
    if figures is None:
        return None
    from blueprints.stats.charts import month_labels

    rows = [[label, reported, confirmed] for label, reported, confirmed in
            zip(month_labels(report.scope.year), figures.reported_by_month, figures.confirmed_by_month, strict=True)]
    return (_("隐患报告（按月）"), [_("月份"), _("上报隐患"), _("确认隐患")], rows, [10, 12, 12])


def of_person(person_id: int, limit: int = 20):
    """A person's own reports (newest first) and hazard rewards, for their personal record."""
    reports = list(db.session.scalars(select(HazardReport).where(HazardReport.reporter_id == person_id)
                                      .order_by(HazardReport.created_at.desc(), HazardReport.id.desc())
                                      .limit(limit)))
    rewards = list(db.session.scalars(select(RewardLine).where(RewardLine.user_id == person_id,
                                                                RewardLine.kind == "hazard")
                                      .order_by(RewardLine.created_at.desc(), RewardLine.id.desc()).limit(limit)))
    return reports, rewards
