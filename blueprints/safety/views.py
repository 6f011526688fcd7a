"""Hazard pages: the lists (my reports, my department's rectifications, the officers' queue), the report form, the
detail with the officer's and the responsible department's actions, and the photos."""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.core import web
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import deny
from blueprints.core.scopes import scope_of
from blueprints.core.uploads import is_stored, send_inline_image, send_stored
from blueprints.core.web import redirect_after_change, render
from blueprints.safety import bp, queries, services
from blueprints.safety.forms import AssignForm, CloseForm, ReportForm, TriageForm, VerifyForm
from blueprints.safety.labels import ACTION_LABELS, GRADE_BADGES, GRADE_LABELS, KIND_LABELS, STATUS_BADGES
from blueprints.safety.models import STATUSES, HazardReport
from blueprints.safety.photos import read_photos

TABS = ("mine", "tasks", "queue")


@bp.context_processor
def _labels() -> dict:
    return {"KIND_LABELS": KIND_LABELS, "GRADE_LABELS": GRADE_LABELS, "GRADE_BADGES": GRADE_BADGES,
            "STATUS_BADGES": STATUS_BADGES, "ACTION_LABELS": ACTION_LABELS}


def _visible(hazard_id: int) -> HazardReport:
    """The report, or 404 like a missing one when the user may not open it (audited)."""
    hazard = queries.load(hazard_id)
    if hazard is None:
        abort(404)
    if not queries.can_view(current_user, hazard):
        deny(404, f"hazard report {hazard_id}")
    return hazard


def _officer_only(hazard_id: int) -> HazardReport:
    """The report for an officer's action: visible and in the user's safety scope, else 404 (audited)."""
    hazard = _visible(hazard_id)
    if not queries.is_officer(current_user, hazard):
        deny(404, f"hazard report {hazard_id} outside the safety scope")
    return hazard


@bp.route("/hazards/")
@login_required
def hazards():
    """The lists: my reports; my department's rectifications; the queue of the officers and union admins."""
    counts = queries.tab_counts(current_user)
    privileged = not (scope_of(current_user, "safety").empty and scope_of(current_user, "admin").empty)
    default = "queue" if privileged else ("tasks" if counts["tasks"] and not counts["mine"] else "mine")
    tab = request.args.get("tab", default)
    if tab not in TABS or (tab == "queue" and not privileged):
        tab = default
    status = request.args.get("status", "")
    filters = queries.ListFilters(tab=tab, status=status if status in STATUSES else "",
                                  overdue=request.args.get("overdue") == "1")
    page = keyset_page(queries.list_statement(current_user, filters), list(queries.LIST_ORDER), descending=True,
                       cursor=request.args.get("after"), before=request.args.get("before"), count=True)
    return render("safety/index.html", "results", page=page, filters=filters, counts=counts, tab=tab,
                  privileged=privileged, overdue=queries.overdue_flags(page.items), statuses=STATUSES)


def _report_choices(form: ReportForm) -> None:
    # The place is a type-ahead picker over the user's own enterprise (core.pickers "hazard-places").
    if form.department_id.data is None and current_user.department_id and queries.home_path(current_user) \
            and not form.is_submitted():
        form.department_id.data = current_user.department_id
    form.competition_id.choices = [("", _("不归入"))] + [(c.id, c.name) for c in queries.running_ankang(current_user)]


@bp.route("/hazards/new", methods=["GET", "POST"])
@login_required
def hazard_new():
    """Report a hazard (works on a phone: one column, the camera offered for the photos)."""
    form = ReportForm()
    _report_choices(form)
    if form.validate_on_submit():
        with web.action(form) as outcome:
            photos = read_photos(request.files.getlist(form.photos.name))
            hazard = services.report(current_user, services.ReportInput(
                department_id=form.department_id.data, place=form.place.data, kind=form.kind.data,
                description=form.description.data, proposed_severity=form.proposed_severity.data,
                competition_id=form.competition_id.data), photos)
        if outcome.done:
            flash(_("隐患报告 %(serial)s 已提交，安全员核实后会通知您。谢谢！", serial=hazard.serial), "success")
            return redirect_after_change(url_for("safety.hazard_detail", hazard_id=hazard.id))
    return render("safety/new.html", form=form, has_places=bool(queries.home_path(current_user)))


def _detail_context(hazard: HazardReport, **forms) -> dict:
    user = current_user
    officer = queries.is_officer(user, hazard)
    sees_reporter = queries.sees_reporter(user, hazard)
    context = {
        "hazard": hazard, "officer": officer, "sees_reporter": sees_reporter,
        "reporter": queries.reporter_of(hazard) if sees_reporter else None,
        "events": queries.events_of(hazard.id), "may": {a: services.can(user, a, hazard) for a in services.TRANSITIONS},
        "overdue": queries.overdue_flags([hazard])[hazard.id],
        "rewards": queries.reward_lines(hazard.id) if sees_reporter else [],
        "original": queries.load(hazard.duplicate_of_id) if hazard.duplicate_of_id else None,
        "report_photos": [p for p in hazard.photos if p.role == "report"],
        "evidence_photos": [p for p in hazard.photos if p.role == "evidence"],
    }
    if officer and hazard.status == "reported":
        triage = forms.get("triage") or TriageForm(formdata=None)
        triage.original_id.choices = [("", _("请选择"))] + [
            (h.id, f"{h.serial} {h.description[:30]}") for h in queries.duplicate_candidates(user, hazard)]
        context["triage_form"] = triage
    if officer and hazard.status == "confirmed":
        assign = forms.get("assign") or AssignForm(formdata=None)
        assign.department_id.params = {"hazard": str(hazard.id)}
        context["assign_form"] = assign
    if context["may"]["close"]:
        context["close_form"] = forms.get("close") or CloseForm(formdata=None)
    if officer and hazard.status == "rectified":
        context["verify_form"] = forms.get("verify") or VerifyForm(formdata=None)
    return context


@bp.route("/hazards/<int:hazard_id>")
@login_required
def hazard_detail(hazard_id: int):
    """A report: what, where, photos, status and history; the reporter only for those who may see them."""
    hazard = _visible(hazard_id)
    return render("safety/detail.html", **_detail_context(hazard))


def _after(hazard: HazardReport, outcome, message: str, **forms):
    if outcome.done:
        flash(message, "success")
        return redirect_after_change(url_for("safety.hazard_detail", hazard_id=hazard.id))
    db_hazard = queries.load(hazard.id)
    return render("safety/detail.html", **_detail_context(db_hazard, **forms)), 422


@bp.route("/hazards/<int:hazard_id>/triage", methods=["POST"])
@login_required
def hazard_triage(hazard_id: int):
    """An officer confirms (with a grade), dismisses or marks a duplicate (with a reason)."""
    hazard = _officer_only(hazard_id)
    form = TriageForm()
    outcome = web.Outcome()
    if form.validate_on_submit():
        with web.action(form) as outcome:
            if form.decision.data == "confirm":
                services.confirm(hazard, current_user, form.grade.data, form.reason.data)
            elif form.decision.data == "dismiss":
                services.dismiss(hazard, current_user, form.reason.data)
            else:
                services.mark_duplicate(hazard, current_user, form.original_id.data, form.reason.data)
    return _after(hazard, outcome, _("已记录核实结论。"), triage=form)


@bp.route("/hazards/<int:hazard_id>/assign", methods=["POST"])
@login_required
def hazard_assign(hazard_id: int):
    """An officer gives a confirmed hazard its responsible department, measures and deadline."""
    hazard = _officer_only(hazard_id)
    form = AssignForm()
    form.department_id.params = {"hazard": str(hazard.id)}
    outcome = web.Outcome()
    if form.validate_on_submit():
        with web.action(form) as outcome:
            services.assign(hazard, current_user, form.department_id.data, form.measures.data, form.deadline.data)
    return _after(hazard, outcome, _("已下达整改。"), assign=form)


@bp.route("/hazards/<int:hazard_id>/close", methods=["POST"])
@login_required
def hazard_close(hazard_id: int):
    """The officer or the responsible department records the finished rectification with evidence photos."""
    hazard = _visible(hazard_id)
    if not (queries.is_officer(current_user, hazard) or queries.is_rectifier(current_user, hazard)):
        deny(404, f"hazard report {hazard_id}: neither officer nor responsible department")
    form = CloseForm()
    outcome = web.Outcome()
    if form.validate_on_submit():
        with web.action(form) as outcome:
            photos = read_photos(request.files.getlist(form.photos.name))
            services.close(hazard, current_user, form.note.data, photos)
    return _after(hazard, outcome, _("已提交整改完成情况，等待安全员验收。"), close=form)


@bp.route("/hazards/<int:hazard_id>/verify", methods=["POST"])
@login_required
def hazard_verify(hazard_id: int):
    """The officer accepts the rectification or sends it back with a reason."""
    hazard = _officer_only(hazard_id)
    form = VerifyForm()
    outcome = web.Outcome()
    if form.validate_on_submit():
        with web.action(form) as outcome:
            if form.decision.data == "verify":
                services.verify(hazard, current_user, form.comment.data)
            else:
                services.reopen(hazard, current_user, form.comment.data)
    return _after(hazard, outcome, _("已记录验收结论。"), verify=form)


@bp.route("/hazards/<int:hazard_id>/photos/<int:photo_id>")
@login_required
def hazard_thumb(hazard_id: int, photo_id: int):
    """A photo's thumbnail, inline (re-encoded by the portal, so it carries nothing but pixels)."""
    hazard = _visible(hazard_id)
    photo = queries.photo_of(hazard, photo_id)
    if photo is None:
        abort(404)
    return send_inline_image(photo.thumb)


@bp.route("/hazards/<int:hazard_id>/photos/<int:photo_id>/original")
@login_required
def hazard_photo(hazard_id: int, photo_id: int):
    """The original photo as uploaded, only as a download, and only for those who may see the reporter (the
    original's metadata may name the phone's owner)."""
    hazard = _visible(hazard_id)
    if not queries.sees_reporter(current_user, hazard):
        deny(404, f"hazard report {hazard_id}: original photo")
    photo = queries.photo_of(hazard, photo_id)
    if photo is None or not is_stored(photo.file):
        abort(404)
    return send_stored(photo.file)



@bp.app_template_global()
def safety_status_label(status: str) -> str:
    """The label of a hazard status, for the my-space cards (rendered outside this blueprint's templates)."""
    badge = STATUS_BADGES.get(status)
    return str(badge[0]) if badge else status
