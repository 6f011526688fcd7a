"""The statistics report as one .xlsx workbook: one sheet per part the user may see, headers in their language."""
from __future__ import annotations

from flask_babel import gettext as _

from blueprints.stats import contest_figures, safety_figures
from blueprints.stats.charts import month_labels
from blueprints.stats.mentoring_figures import mentoring_sheet
from blueprints.stats.services import Report
from blueprints.suggestions.labels import CATEGORY_LABELS
from blueprints.suggestions.labels import STATUS_LABELS as SUGGESTION_STATUS_LABELS
from blueprints.training.labels import KIND_LABELS as TRAINING_KIND_LABELS
from blueprints.workshops.labels import LEVEL_LABELS

# The statuses a counted suggestion can be in (withdrawn ones are not counted, drafts were never submitted).
COUNTED_STATUSES = ("submitted", "returned", "accepted", "rejected", "implemented", "awarded")


def scope_label(report: Report) -> str:
    """The scope as people name it: the department, or the whole organisation."""
    return report.scope.root.name if report.scope.root is not None else _("全部单位")


def _target_text(row) -> str:
    if row.target is None:
        return ""
    if row.department is not None and row.target.inherited_by(row.department.id):
        return _("沿用 %(name)s", name=row.target.department_name)
    return _("本单位")


def _met_text(row) -> str:
    if row.target is None:
        return _("未设目标")
    return _("未达标") if row.under_target else _("已达标")


def overview_rows(report: Report) -> list[list]:
    """(metric, value) lines of the parts the user sees."""
    total = report.total
    lines: list[list] = [[_("年度"), report.scope.year], [_("统计范围"), scope_label(report)]]
    if "participation" in report.parts and total is not None:
        lines += [[_("人数"), total.head_count], [_("参与人数"), total.participants],
                  [_("参与率（%）"), total.rate], [_("目标参与率（%）"), total.target.rate if total.target else None],
                  [_("目标完成进度（%）"), total.progress], [_("是否达标"), _met_text(total)]]
        if report.breakdown is not None:
            lines += [[_("其中：参与五小建议"), report.breakdown.suggestion],
                      [_("其中：参加创新工作室"), report.breakdown.workshop],
                      [_("其中：报名培训"), report.breakdown.training]]
        lines += [[_("提交建议"), total.submitted], [_("采纳建议"), total.adopted],
                  [_("采纳率（%）"), total.adoption_rate], [_("人均建议"), total.per_head],
                  [_("年经济效益（元）"), total.benefit]]
    if report.suggestions is not None:
        lines += [[_("获奖建议"), report.suggestions.awards], [_("奖励金额（元）"), report.suggestions.granted],
                  [_("已发放（元）"), report.suggestions.paid]]
    if report.levels is not None:
        for level, label in LEVEL_LABELS.items():
            lines.append([_("%(level)s工作室", level=label), report.levels.get(level, 0)])
    if "training" in report.parts and total is not None:
        lines += [[_("培训场次"), total.sessions], [_("培训人次"), total.person_times],
                  [_("学时"), total.hours], [_("合格率（%）"), total.pass_rate]]
    return lines


# A sheet of the workbook: (title, header, rows, column widths).
Sheet = tuple[str, list, list, list[int]]


def _department_name(report: Report, row) -> str:
    if row is report.total:
        return _("合计（%(name)s）", name=scope_label(report))
    return row.department.name


def _rows_and_total(report: Report) -> list:
    return [*report.rows, report.total] if report.total is not None else []


def overview_sheet(report: Report) -> Sheet:
    """Every headline figure the user sees, one per line."""
    return (_("概览"), [_("指标"), _("数值")], overview_rows(report), [28, 20])


def participation_sheet(report: Report) -> Sheet | None:
    """Admins: the department table with targets, and the scope's total."""
    if "participation" not in report.parts:
        return None
    header = [_("部门"), _("人数"), _("参与人数"), _("参与率（%）"), _("目标（%）"), _("目标来源"), _("进度（%）"),
              _("是否达标"), _("提交建议"), _("采纳数"), _("年经济效益（元）"), _("培训人次")]
    rows = [[_department_name(report, r), r.head_count, r.participants, r.rate, r.target.rate if r.target else None,
             _target_text(r), r.progress, _met_text(r), r.submitted, r.adopted, r.benefit, r.person_times]
            for r in _rows_and_total(report)]
    # 目标来源 holds "沿用 <a long enterprise name>".
    return (_("各单位参与情况"), header, rows, [22, 8, 10, 12, 10, 30, 10, 10, 10, 8, 18, 10])


def teams_sheet(report: Report) -> Sheet | None:
    """Admins: the team ranking by participation rate."""
    if "participation" not in report.parts:
        return None
    return (_("班组参与率排行"), [_("名次"), _("班组"), _("人数"), _("参与人数"), _("参与率（%）")],
            [[n, t.department.name, t.head_count, t.participants, t.rate]
             for n, t in enumerate(report.teams or [], start=1)], [6, 22, 8, 10, 12])


def suggestions_by_month_sheet(report: Report) -> Sheet | None:
    """Suggestions submitted per month and category."""
    if report.suggestions is None:
        return None
    months = month_labels(report.scope.year)
    categories = list(CATEGORY_LABELS)
    by_month = report.suggestions.by_month
    return (_("建议月度分布"), [_("月份"), *[str(CATEGORY_LABELS[c]) for c in categories], _("合计")],
            [[months[m], *[by_month[c][m] for c in categories], sum(by_month[c][m] for c in categories)]
             for m in range(12)], [10] + [12] * (len(categories) + 1))


def suggestions_by_status_sheet(report: Report) -> Sheet | None:
    """Suggestions per category and status."""
    if report.suggestions is None:
        return None
    matrix = report.suggestions.by_category_status
    return (_("建议类别与状态"), [_("类别"), *[str(SUGGESTION_STATUS_LABELS[s]) for s in COUNTED_STATUSES], _("合计")],
            [[str(label), *[matrix.get((key, s), 0) for s in COUNTED_STATUSES], report.suggestions.category_total(key)]
             for key, label in CATEGORY_LABELS.items()], [14] + [10] * (len(COUNTED_STATUSES) + 1))


def workshop_ranking_sheet(report: Report) -> Sheet | None:
    """The workshops ranked by their suggestions."""
    if report.workshop_ranking is None:
        return None
    header = [_("名次"), _("工作室"), _("级别"), _("收到建议"), _("采纳数"), _("已实施"), _("年经济效益（元）")]
    rows = [[n, w.name, str(LEVEL_LABELS.get(w.level, w.level)), w.received, w.adopted, w.implemented, w.benefit]
            for n, w in enumerate(report.workshop_ranking, start=1)]
    return (_("工作室排行"), header, rows, [6, 32, 10, 10, 8, 8, 18])


def workshop_levels_sheet(report: Report) -> Sheet | None:
    """Approved workshops per level."""
    if report.workshop_ranking is None:
        return None
    return (_("工作室级别"), [_("级别"), _("工作室数")],
            [[str(label), (report.levels or {}).get(level, 0)] for level, label in LEVEL_LABELS.items()], [12, 12])


def stars_sheet(report: Report) -> Sheet | None:
    """创新之星: people ranked by their adopted suggestions."""
    if report.stars is None:
        return None
    return (_("创新之星"), [_("名次"), _("姓名"), _("工号"), _("部门"), _("采纳建议"), _("年经济效益（元）")],
            [[n, s.name, s.employee_no, s.department, s.adopted, s.benefit]
             for n, s in enumerate(report.stars, start=1)], [6, 12, 12, 20, 10, 18])


def training_by_month_sheet(report: Report) -> Sheet | None:
    """Person-times and hours per month."""
    if report.training is None:
        return None
    months = month_labels(report.scope.year)
    training = report.training
    return (_("培训月度"), [_("月份"), _("培训人次"), _("学时")],
            [[months[m], training.person_times_by_month[m], float(training.minutes_by_month[m]) / 60]
             for m in range(12)], [10, 12, 10])


def training_by_kind_sheet(report: Report) -> Sheet | None:
    """Sessions, person-times, hours and results per kind of training."""
    if report.training is None:
        return None
    header = [_("类别"), _("场次数"), _("培训人次"), _("参训人数"), _("学时"), _("合格"), _("不合格"), _("合格率（%）")]
    by_kind = report.training.by_kind
    rows = [[str(label), k.sessions, k.person_times, k.trainees, k.hours, k.passed, k.failed, k.pass_rate]
            for kind, label in TRAINING_KIND_LABELS.items() for k in [by_kind[kind]]]
    return (_("培训类别"), header, rows, [12, 8, 10, 10, 10, 8, 8, 12])


def training_by_department_sheet(report: Report) -> Sheet | None:
    """The training columns of the department table, and the scope's total."""
    if report.training is None:
        return None
    header = [_("部门"), _("人数"), _("培训场次"), _("培训人次"), _("参训人数"), _("学时"), _("合格率（%）")]
    rows = [[_department_name(report, r), r.head_count, r.sessions, r.person_times, r.trainees, r.hours, r.pass_rate]
            for r in _rows_and_total(report)]
    return (_("各单位培训"), header, rows, [22, 8, 10, 10, 10, 10, 12])


def my_workshops_sheet(report: Report) -> Sheet | None:
    """Leads: the figures of the workshops they run."""
    if report.mine is None:
        return None
    header = [_("工作室"), _("级别"), _("在册成员"), _("收到建议"), _("待审核"), _("采纳数"), _("采纳率（%）"),
              _("已实施"), _("已奖励"), _("年经济效益（元）"), _("本年成果")]
    rows = [[w.name, str(LEVEL_LABELS.get(w.level, w.level)), w.members, w.received, w.waiting, w.adopted,
             w.adoption_rate, w.implemented, w.awarded, w.benefit, w.achievements] for w in report.mine.workshops]
    return (_("我的工作室"), header, rows, [32, 10, 10, 10, 8, 8, 12, 8, 8, 18, 10])


# The workbook's sheets in order; each leaves itself out (None) when the user may not see its part.
SHEETS = (overview_sheet, participation_sheet, teams_sheet, suggestions_by_month_sheet, suggestions_by_status_sheet,
          workshop_ranking_sheet, workshop_levels_sheet, stars_sheet, training_by_month_sheet, training_by_kind_sheet,
          training_by_department_sheet, my_workshops_sheet, mentoring_sheet, contest_figures.contest_sheet,
          safety_figures.sheet, safety_figures.month_sheet)


def build_sheets(report: Report) -> list[Sheet]:
    """(title, header, rows, widths) for every part of the report the user may see."""
    return [sheet for build in SHEETS if (sheet := build(report)) is not None]
