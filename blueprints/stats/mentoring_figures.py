"""Mentoring (名师带徒) on the statistics page, in its workbook and on personal records: the figures come from
mentoring.queries (the domain's one scope rule); this module only picks who sees them and lays them out."""
from __future__ import annotations

from flask_babel import gettext as _

from blueprints.mentoring import queries as mentoring


def for_report(user, scope):
    """The figures of the report's subtree and year for union admins and HR (their HR/admin scope), else None."""
    if not user.has_role("admin", "hr"):
        return None
    return mentoring.figures(mentoring.staff_scope(user), scope.path, scope.year)


def mentoring_sheet(report):
    """One sheet: the figures of the year, one per line."""
    figures = getattr(report, "mentoring", None)
    if figures is None:
        return None
    rate = figures.completion_rate
    rows = [[_("带徒中的师徒对子"), figures.active], [_("本年开始"), figures.started],
            [_("本年出师"), figures.completed], [_("本年提前结束"), figures.ended],
            [_("出师率（%）"), rate if rate is not None else "—"], [_("达到目标等级的徒弟"), figures.reached]]
    return (_("名师带徒"), [_("指标"), _("数值")], rows, [24, 12])


def for_record(person_id: int, viewer):
    """The record's mentoring section: the person's pairs the viewer may see and their skill-level history."""
    return mentoring.person_mentoring(person_id, viewer)
