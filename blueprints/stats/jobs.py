"""Background jobs of the statistics: the workbook export and the snapshot refresh (core.jobs).

The report behind the workbook reads every fact table of the scope (98 s for the whole city at 1M users when
computed live), so the request only checks the filters and queues this job; the job builds the same report as the
page, as the person who asked, in their language.
"""
from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from huey import crontab

from blueprints.core.jobs import JobRun, job_kind
from blueprints.core.spreadsheets import save_workbook
from blueprints.stats import competition_figures, exports, snapshot, views
from extensions import db


@job_kind("stats.export", _l("竞赛统计导出"))
def export_workbook(run: JobRun) -> None:
    """The report as one workbook, one sheet per part the owner sees, headers in the owner's language."""
    filters, tree = views.load_filters(request.args)
    report = views._report(filters, tree)
    sheets = exports.build_sheets(report) + competition_figures.sheets(current_user, report.scope,
                                                                  getattr(report, "today", None))
    run.set_total(len(sheets))
    # A department name is typed by people: keep only what is safe in a file name.
    scope = re.sub(r'[\\/:*?"<>|\s]+', "_", exports.scope_label(report)).strip("_") or "all"
    path = run.output(f"stats-export-{filters.year}.xlsx")
    save_workbook(path, run.track(sheets))
    run.deliver(path, _("竞赛统计-%(year)s-%(scope)s.xlsx", year=filters.year, scope=scope), path.name)


@job_kind("stats.refresh", _l("统计快照刷新"), schedule=crontab(minute="*/5"), writes=True,
          result_endpoint="stats.index", result_label=_l("查看更新后的统计"))
def refresh_snapshot(run: JobRun) -> None:
    """Take the changes marked since the last refresh into the snapshot: every five minutes, or when an admin asks."""
    snapshot.refresh_now()
    db.session.commit()  # before reporting: progress is written on another connection
    run.set_total(1)
    run.advance()
