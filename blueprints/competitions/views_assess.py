"""Progress reports and assessment pages of a competition: the report matrix, a unit's report for a period, the
organiser's decision; the scoring sheet, provisional and final results, objections and answers."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.competitions import bp, queries, services
from blueprints.competitions.forms import AnswerForm, DecideForm, ObjectionForm, ProvisionalForm, ReportForm
from blueprints.competitions.labels import OBJECTION_BADGES
from blueprints.competitions.models import REPORT_GRACE_DAYS, REPORTED, Competition, Report
from blueprints.competitions.services.assessment import objection_window_open
from blueprints.competitions.services.reports import ReportData
from blueprints.competitions.views import LABELS, organised_competition, visible_competition
from blueprints.core import uploads, web
from blueprints.core.clock import local_today
from blueprints.core.forms import EmptyForm
from blueprints.core.models import StoredFile
from blueprints.core.permissions import deny, roles_required
from blueprints.core.types import parse_int
from blueprints.core.web import redirect_after_change
from extensions import db


def _report_access(competition: Competition):
    """(organiser?, my enrolled units) — anyone else may not open the reports (404, audited)."""
    enrolments = queries.enrolments_of(competition.id)
    organiser = queries.organises(current_user, competition)
    mine = queries.admin_units(current_user, enrolments)
    if not organiser and not mine:
        deny(404, f"reports of competition {competition.id}")
    return organiser, (enrolments if organiser else mine)


@bp.route("/<int:competition_id>/reports")
@roles_required("admin")
def reports(competition_id: int):
    """Every enrolled unit (mine only, for a unit's admin) × period: the report's status; overdue ones counted."""
    competition = visible_competition(competition_id)
    organiser, enrolments = _report_access(competition)
    unit_ids = [e.unit_id for e in enrolments]
    found = queries.reports_of(competition.id, unit_ids)
    overdue = [row for row in queries.overdue([competition]) if row[1] in set(unit_ids)]
    overdue_keys = {(unit_id, start) for _c, unit_id, start, _e in overdue}
    pending = [r for r in found.values() if r.status == "submitted"]
    figures, files = queries.report_details(r.id for r in found.values() if r.status != "draft")
    return render_template("competitions/reports.html", competition=competition, enrolments=enrolments,
                           periods=queries.periods(competition), found=found, overdue_keys=overdue_keys,
                           overdue=overdue, pending=pending, organiser=organiser, today=local_today(),
                           grace_days=REPORT_GRACE_DAYS, figures=figures, files=files, labels=LABELS,
                           names={e.unit_id: e.unit.name for e in enrolments})


def _period_arg(raw) -> date | None:
    try:
        return date.fromisoformat(str(raw or ""))
    except ValueError:
        return None


def _report_target(competition: Competition):
    enrolments = queries.enrolments_of(competition.id)
    mine = queries.admin_units(current_user, enrolments)
    unit_id = parse_int(request.args.get("unit"))
    start = _period_arg(request.args.get("period"))
    enrolment = next((e for e in mine if e.unit_id == unit_id), None)
    if enrolment is None or start is None:
        deny(404, f"report of unit {unit_id} in competition {competition.id}")
    return enrolment, start


def _report_page(competition, unit_name, start, form, report, typed, figure_errors=None):
    indicators = [i for i in queries.indicators_of(competition.id) if i.source == REPORTED]
    files = []
    if report is not None:
        files = db.session.query(StoredFile).join(
            services.reports.ReportAttachment, services.reports.ReportAttachment.file_id == StoredFile.id).filter(
            services.reports.ReportAttachment.report_id == report.id).all()
    end = next((e for s, e in queries.periods(competition) if s == start), None)
    return render_template("competitions/report_form.html", competition=competition, unit_name=unit_name,
                           start=start, end=end, form=form, report=report, typed=typed, indicators=indicators,
                           figure_errors=figure_errors or {},
                           files=files, accept=uploads.ACCEPT_ATTR, labels=LABELS)


@bp.route("/<int:competition_id>/reports/edit", methods=["GET", "POST"])
@roles_required("admin")
def report_edit(competition_id: int):
    """A unit's report for one period: figures, narrative, attachments; save as draft or submit."""
    competition = visible_competition(competition_id)
    if not request.args.get("unit") and not request.args.get("period"):
        # Which unit and period come from the report matrix.
        return redirect(url_for("competitions.reports", competition_id=competition.id))
    enrolment, start = _report_target(competition)
    unit_name = enrolment.unit.name  # read before an action that may roll back
    report = queries.reports_of(competition.id, [enrolment.unit_id]).get((enrolment.unit_id, start))
    form = ReportForm(obj=report if request.method == "GET" else None)
    typed = {f.indicator_id: f"{f.value:g}" for f in (db.session.query(services.reports.ReportFigure)
                                                      .filter_by(report_id=report.id).all() if report else [])}
    figure_errors: dict[str, str] = {}
    if request.method == "POST":
        typed = {i.id: (request.form.get(f"figure_{i.id}") or "")[:30] for i in queries.indicators_of(competition.id)}
        if form.validate_on_submit():
            with web.action(form, flash_error=False) as outcome:
                data = ReportData(unit_id=enrolment.unit_id, period_start=start, figures=typed,
                                  narrative=form.narrative.data or "", submit=request.form.get("submit") == "1",
                                  uploads=uploads.read_uploads(request.files.getlist(form.files.name)))
                saved = services.save_report(competition, data, current_user)
            if outcome.done:
                flash(_("已提交，等待主办单位审核。") if saved.status == "submitted" else _("已保存草稿。"), "success")
                return redirect_after_change(url_for("competitions.reports", competition_id=competition.id))
            field = outcome.error.field or ""
            if field.startswith("figure_"):
                figure_errors[field] = outcome.message
            elif not hasattr(form, field):
                flash(outcome.message, "danger")
    return _report_page(competition, unit_name, start, form, report, typed, figure_errors)


def _managed_report(competition: Competition, report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None or report.competition_id != competition.id:
        abort(404)
    return report


@bp.route("/<int:competition_id>/reports/<int:report_id>/decide", methods=["POST"])
@roles_required("admin")
def report_decide(competition_id: int, report_id: int):
    """The organiser accepts or returns a submitted report."""
    competition = organised_competition(competition_id)
    report = _managed_report(competition, report_id)
    form = DecideForm()
    if not form.validate_on_submit():
        abort(400)
    action = request.form.get("action", "")
    with web.action() as outcome:
        services.decide_report(competition, report, action, form.comment.data or "", current_user)
    if outcome.done:
        flash(_("已通过。") if action == "accept" else _("已退回，单位会收到通知。"), "success")
    return redirect_after_change(url_for("competitions.reports", competition_id=competition_id))


@bp.route("/<int:competition_id>/reports/<int:report_id>/files/<int:file_id>")
@roles_required("admin")
def report_file(competition_id: int, report_id: int, file_id: int):
    """Download an attachment of a report (the organiser and the unit's admins)."""
    competition = visible_competition(competition_id)
    _organiser, units = _report_access(competition)
    report = _managed_report(competition, report_id)
    if report.unit_id not in {e.unit_id for e in units}:
        deny(404, f"report {report_id}")
    attachment = db.session.query(services.reports.ReportAttachment).filter_by(report_id=report.id,
                                                                               file_id=file_id).first()
    if attachment is None:
        abort(404)
    return uploads.send_stored(db.session.get(StoredFile, file_id))


# --- Results ----------------------------------------------------------------------------------------------


@bp.route("/<int:competition_id>/results")
@login_required
def results(competition_id: int):
    """The organiser's scoring sheet; everyone who sees the competition sees published (provisional/final) results."""
    return _results_page(visible_competition(competition_id))


def _results_page(competition: Competition, typed: dict | None = None, error: tuple | None = None):
    """The results page; after a refused row, the scores typed in it and the box the refusal names."""
    organiser = queries.organises(current_user, competition)
    published = competition.results_published_at is not None or competition.status == "assessed"
    table = services.results_table(competition, with_figures=organiser) if (organiser or published) else None
    enrolments = queries.enrolments_of(competition.id)
    mine = [] if organiser else queries.admin_units(current_user, enrolments)  # the organiser does not object
    objection_form = ObjectionForm()
    objection_form.unit_id.choices = [(e.unit_id, e.unit.name) for e in mine]
    provisional = ProvisionalForm()
    if not provisional.objections_until.data:
        provisional.objections_until.data = competition.objections_until or local_today() + timedelta(days=7)
    return render_template(
        "competitions/results.html", competition=competition, organiser=organiser, published=published,
        table=table, objections=queries.objections_of(competition.id), objection_form=objection_form,
        provisional_form=provisional, answer_form=AnswerForm(), form=EmptyForm(), mine={e.unit_id for e in mine},
        window_open=objection_window_open(competition), objection_badges=OBJECTION_BADGES, labels=LABELS,
        today=local_today(), typed=typed or {}, score_error=error)


def _back(competition_id: int, anchor: str = ""):
    return redirect_after_change(url_for("competitions.results", competition_id=competition_id) + anchor)


@bp.route("/<int:competition_id>/results/score", methods=["POST"])
@roles_required("admin")
def score(competition_id: int):
    """Save one unit's row of the scoring sheet."""
    competition = organised_competition(competition_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    unit_id = parse_int(request.form.get("unit_id"))
    raw = {i.id: (request.form.get(f"score_{unit_id}_{i.id}") or "")[:30]
           for i in queries.indicators_of(competition.id)}
    with web.action(flash_error=False) as outcome:
        changed = services.save_scores(competition, unit_id or 0, raw, current_user)
    if outcome.done:
        flash(_("已保存评分（%(n)s 项有变化）。", n=changed), "success")
        return _back(competition_id, f"#unit-{unit_id}")
    # Refused: the sheet again with what was typed in the row kept and the message on its box, nothing stored.
    typed = {f"score_{unit_id}_{iid}": value for iid, value in raw.items()}
    return _results_page(queries.load(competition_id), typed, (outcome.error.field, outcome.message))


@bp.route("/<int:competition_id>/results/publish", methods=["POST"])
@roles_required("admin")
def publish_results(competition_id: int):
    """Publish provisional results with the end of the objection window."""
    competition = organised_competition(competition_id)
    form = ProvisionalForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(next(iter(form.objections_until.errors), _("请填写异议截止日期。")), "danger")
        return _back(competition_id)
    with web.action() as outcome:
        services.publish_provisional(competition, form.objections_until.data, current_user)
    if outcome.done:
        flash(_("评审结果已公示，异议截止到 %(until)s。", until=form.objections_until.data.isoformat()), "success")
    return _back(competition_id)


@bp.route("/<int:competition_id>/results/object", methods=["POST"])
@roles_required("admin")
def object_results(competition_id: int):
    """A unit's admin objects to the provisional results."""
    competition = visible_competition(competition_id)
    form = ObjectionForm()
    form.unit_id.choices = []
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(next(iter(form.reason.errors), _("请写明异议的理由。")), "danger")
        return _back(competition_id, "#objections")
    with web.action() as outcome:
        services.raise_objection(competition, form.unit_id.data, form.reason.data, current_user)
    if outcome.done:
        flash(_("异议已提交，主办单位答复后会通知您。"), "success")
    return _back(competition_id, "#objections")


@bp.route("/<int:competition_id>/results/objections/<int:objection_id>/answer", methods=["POST"])
@roles_required("admin")
def answer_objection(competition_id: int, objection_id: int):
    """The organiser answers an objection."""
    competition = organised_competition(competition_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(next(iter(form.answer.errors), _("请填写答复意见。")), "danger")
        return _back(competition_id, "#objections")
    with web.action() as outcome:
        services.answer_objection(competition, objection_id, form.answer.data, current_user)
    if outcome.done:
        flash(_("已答复。"), "success")
    return _back(competition_id, "#objections")


@bp.route("/<int:competition_id>/results/finalise", methods=["POST"])
@roles_required("admin")
def finalise(competition_id: int):
    """Final results: the competition becomes assessed."""
    competition = organised_competition(competition_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action() as outcome:
        services.finalise(competition, current_user)
    if outcome.done:
        flash(_("最终结果已发布，竞赛已评定。"), "success")
    return _back(competition_id)
