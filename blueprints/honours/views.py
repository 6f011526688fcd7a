"""Honours pages: the nominations of the admin's scope (what waits for my level first), a nomination with its
evidence and chain of decisions, the nomination form, and the decisions. Admins in scope only; 404 outside."""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.clock import local_today
from blueprints.core.labels import ORG_KIND_LABELS
from blueprints.core.org import enterprise_of
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import deny, roles_required
from blueprints.core.web import action, redirect_after_change, render
from blueprints.honours import bp, queries, services
from blueprints.honours.forms import EvidenceForm, NominationFilterForm, NominationForm, ReasonForm
from blueprints.honours.labels import (
    HONOUR_LABELS,
    LEVEL_LABELS,
    STATUS_BADGES,
    STEP_LABELS,
    SUBJECT_LABELS,
)
from blueprints.honours.models import Nomination


def _labels() -> dict:
    return {"honour_labels": HONOUR_LABELS, "level_labels": LEVEL_LABELS, "status_badges": STATUS_BADGES,
            "subject_labels": SUBJECT_LABELS, "step_labels": STEP_LABELS, "org_kind_labels": ORG_KIND_LABELS}


def _visible(nomination_id: int):
    """The nomination, its subject node and person, when the subject lies in the admin's scope; else 404 like a
    missing one (audited)."""
    found = queries.load(nomination_id)
    if found is None:
        abort(404)
    if not queries.covers(current_user, found[1]):
        deny(404, f"honour nomination {nomination_id} outside the admin scope")
    return found


@bp.route("/")
@roles_required("admin")
def index():
    """Nominations in scope, filtered by status, honour and unit (its subtree); those waiting for my level on top."""
    form = NominationFilterForm(request.args)
    valid = form.validate() or set(form.errors) == {"unit"}  # an unresolved unit box filters on no unit
    unit = queries.unit_in_scope(current_user, form.unit.data) if valid else None
    filters = {"status": form.status.data if valid else None, "honour": form.honour.data if valid else None,
               "unit": unit}
    page = keyset_page(queries.list_query(current_user, **filters), [Nomination.id], cursor=request.args.get("after"),
                       before=request.args.get("before"), count=True, scalars=False,
                       count_stmt=queries.count_query(current_user, **filters))
    return render("honours/index.html", "results", page=page, form=form, unit=unit,
                  waiting=queries.waiting(current_user), filtered=any(filters.values()), **_labels())


def _data(form: NominationForm) -> services.NominationData:
    return services.NominationData(
        subject_kind=form.subject_kind.data, department_id=form.department_id.data,
        employee_no=form.employee_no.data or "", honour=form.honour.data, honour_name=form.honour_name.data or "",
        level=form.level.data, year=form.year.data, summary=form.summary.data or "", evidence=form.evidence.data or "")


def _fill_evidence(form: NominationForm) -> None:
    """"从平台记录提取": resolve the subject (refusals on the field) and put the records' lines in the box."""
    with action(form) as outcome:
        department, person = services.resolve_subject(current_user, form.subject_kind.data,
                                                      form.department_id.data, form.employee_no.data or "")
        text = services.evidence_text(department, person)
    if outcome.done:
        form.evidence.data = text
        form.evidence.raw_data = [text]
        if not text:
            flash(_("平台记录中暂无可用的事迹材料，请手工填写。"), "info")


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    """Nominate a unit, team or person of the admin's scope."""
    form = NominationForm()
    if not form.is_submitted():
        form.year.data = local_today().year
        if request.args.get("unit", type=int):
            form.department_id.data = request.args.get("unit", type=int)
    elif request.form.get("step") == "evidence":
        form.validate_on_submit()  # the typed values stay; only the subject matters here
        form.honour.errors = []
        form.year.errors = []
        _fill_evidence(form)
    elif form.validate_on_submit():
        with action(form) as outcome:
            nomination = services.nominate(current_user, _data(form))
        if outcome.done:
            flash(_("已提交推荐，等待上级工会审核。"), "success")
            return redirect_after_change(url_for("honours.detail", nomination_id=nomination.id))
    return render("honours/form.html", form=form, **_labels())


@bp.route("/<int:nomination_id>")
@roles_required("admin")
def detail(nomination_id: int):
    """A nomination: subject, honour and level, evidence, the chain of decisions, and my decision if it is mine."""
    nomination, department, person = _visible(nomination_id)
    return render("honours/detail.html", nomination=nomination, department=department, person=person,
                  enterprise=enterprise_of(department), history=queries.history(nomination.id),
                  moves=services.moves_for(current_user, nomination, department),
                  can_edit=services.can_edit(current_user, nomination, department),
                  honour=services.honour_text(nomination), reason_form=ReasonForm(), **_labels())


_DONE = {
    "forward": lambda name: _("已把 %(name)s 的推荐转报市总工会。", name=name),
    "approve": lambda name: _("已批准 %(name)s 的推荐。", name=name),
    "decline": lambda name: _("已退回 %(name)s 的推荐，推荐单位会收到原因。", name=name),
}


@bp.route("/<int:nomination_id>/<any(forward, approve, decline):move>", methods=["POST"])
@roles_required("admin")
def decide(nomination_id: int, move: str):
    """The district or industry union forwards or declines; the city approves or declines."""
    nomination, department, person = _visible(nomination_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with action(form) as outcome:
            services.decide(current_user, nomination, department, move, form.reason.data or "")
        if outcome.done:
            flash(_DONE[move](services.subject_name(department, person)), "success")
            return redirect_after_change(url_for("honours.detail", nomination_id=nomination_id))
        nomination, department, person = _visible(nomination_id)
    return render("honours/detail.html", nomination=nomination, department=department, person=person,
                  enterprise=enterprise_of(department), history=queries.history(nomination.id),
                  moves=services.moves_for(current_user, nomination, department),
                  can_edit=services.can_edit(current_user, nomination, department),
                  honour=services.honour_text(nomination), reason_form=form, failed_move=move, **_labels())


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(nomination_id: int):
    """Edit the evidence lines and summary of an open nomination (the level holding it, or the nominator before the
    union above has acted)."""
    nomination, department, person = _visible(nomination_id)
    form = EvidenceForm(obj=nomination)
    if form.validate_on_submit():
        with action(form) as outcome:
            services.edit_evidence(current_user, nomination, department, form.summary.data or "",
                                   form.evidence.data or "")
        if outcome.done:
            flash(_("已保存事迹材料。"), "success")
            return redirect_after_change(url_for("honours.detail", nomination_id=nomination_id))
        nomination, department, person = _visible(nomination_id)
    return render("honours/edit.html", form=form, nomination=nomination, department=department, person=person,
                  honour=services.honour_text(nomination),
                  can_edit=services.can_edit(current_user, nomination, department), **_labels())
