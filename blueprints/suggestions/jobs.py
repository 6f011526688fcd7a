"""Background jobs of the suggestions domain (core.jobs): the list export and the reward ledger export.

Each runs as the person who started it, with the filters of the page they were on (request.args), so it holds
exactly what they could see then: their scope, blind review. Rows are streamed into openpyxl's write-only
workbook, so memory stays flat at 100,000 rows (QUALITY P13).
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.jobs import JobRun, job_kind
from blueprints.core.spreadsheets import save_workbook
from blueprints.core.types import utcnow
from blueprints.rewards.labels import KIND_LABELS as REWARD_KIND_LABELS
from blueprints.suggestions import queries, services, views
from blueprints.suggestions.labels import CATEGORY_LABELS, GRADE_LABELS, PAYOUT_LABELS, STATUS_LABELS
from extensions import db


def _count(stmt, limit: int) -> int:
    """Rows the export will write (at most `limit`), counted once in the job, never in a request."""
    return db.session.scalar(select(func.count()).select_from(stmt.limit(limit).subquery())) or 0


def _export_line(row) -> list:
    """One spreadsheet line of the list (blind review hides the author here too)."""
    suggestion = row[0]
    hidden = queries.identity_hidden(current_user, suggestion)
    return [suggestion.serial or _("（草稿）"), suggestion.title, str(CATEGORY_LABELS[suggestion.category]),
            str(STATUS_LABELS[suggestion.status]), _("（盲审）") if hidden else row.author_name,
            "" if hidden else (row.department_name or ""), row.workshop_name or _("工会"),
            suggestion.submitted_at, suggestion.score_total,
            str(GRADE_LABELS[suggestion.grade]) if suggestion.grade else "",
            suggestion.annual_benefit, suggestion.endorsement_count]


@job_kind("suggestions.export", _l("五小建议导出"))
def export_list(run: JobRun) -> None:
    """The filtered suggestion list as an .xlsx workbook (what the owner may see)."""
    filters = views._filters_from_args(request.args)
    limit = views.EXPORT_LIMIT
    run.set_total(_count(services.list_rows_statement(current_user, filters), limit))
    header = [_("编号"), _("标题"), _("类别"), _("状态"), _("作者"), _("部门"), _("审核工作室"), _("提交时间"),
              _("评分"), _("等级"), _("年经济效益（元）"), _("点赞")]
    lines = (_export_line(row) for row in run.track(services.export_rows(current_user, filters, limit)))
    stamp = utcnow().strftime("%Y%m%d")
    path = run.output(f"suggestions-export-{stamp}.xlsx")
    save_workbook(path, [(_("五小建议"), header, lines, [16, 40, 12, 10, 10, 18, 22, 18, 8, 10, 16, 8])])
    run.deliver(path, f"五小建议-{stamp}.xlsx", path.name)


def _ledger_line(row, whole_tree: bool) -> list:
    share = row[0]
    line = [row.serial, row.title, str(GRADE_LABELS.get(row.grade, "")), row.employee_no, row.name,
            row.department_name or "", float(share.share_bp) / 100, share.amount, row.approver_name or "",
            row.awarded_at, str(PAYOUT_LABELS[share.status]), share.paid_on, str(REWARD_KIND_LABELS[share.kind])]
    return [*line, row.enterprise_name or ""] if whole_tree else line


@job_kind("suggestions.rewards_export", _l("奖金台账导出"))
def export_ledger(run: JobRun) -> None:
    """The (filtered) reward ledger as .xlsx for finance, in the owner's admin scope."""
    if not current_user.is_authenticated or not current_user.has_role("admin"):
        raise DomainError(N_("您已不再是工会管理员，不能导出奖金台账。"))
    filters = views._ledger_filters()
    limit = views.EXPORT_LIMIT
    run.set_total(_count(services.ledger_statement(current_user, filters), limit))
    header = [_("编号"), _("建议标题"), _("等级"), _("工号"), _("姓名"), _("部门"), _("分配比例（%）"), _("金额（元）"),
              _("批准人"), _("评奖日期"), _("发放状态"), _("发放日期"), _("奖励类别")]
    widths = [16, 36, 10, 12, 10, 18, 12, 14, 10, 18, 10, 12, 14]
    # The city sees every enterprise's ledger, so each line says whose it is (last, so finance's columns keep
    # their places); an enterprise sees only its own.
    whole_tree = queries.sees_everything(current_user)
    if whole_tree:
        header, widths = [*header, _("企业")], [*widths, 20]
    rows = run.track(services.ledger_export_rows(current_user, filters, limit))
    stamp = utcnow().strftime("%Y%m%d")
    path = run.output(f"suggestions-rewards-export-{stamp}.xlsx")
    save_workbook(path, [(_("奖金台账"), header, (_ledger_line(row, whole_tree) for row in rows), widths)])
    run.deliver(path, f"五小建议奖金台账-{stamp}.xlsx", path.name)
