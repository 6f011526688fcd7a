"""Mentoring pages: the list of pairs, a new pair, a pair's page with check-ins, assessments and completion.

Load → check (the pair and the staff of its scope see it; anyone else gets 404 like a missing pair, audited) →
one service call inside core.web.action → render or redirect.
"""
from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.core.clock import local_today
from blueprints.core.forms import EmptyForm
from blueprints.core.models import StoredFile
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import deny, roles_required
from blueprints.core.states import actions_from
from blueprints.core.uploads import send_stored
from blueprints.core.web import action, redirect_after_change, render
from blueprints.mentoring import bp, queries, services
from blueprints.mentoring.forms import AssessmentForm, CheckinForm, EndForm, ListFilterForm, PairForm
from blueprints.mentoring.labels import (
    ACTION_LABELS,
    ASSESSMENT_LABELS,
    GRADE_LABELS,
    STATUS_BADGES,
)
from blueprints.mentoring.models import MentoringPair
from blueprints.mentoring.states import PAIR_MACHINE
from extensions import db

ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx"


def _visible_pair(pair_id: int) -> MentoringPair:
    """The pair, or 404: missing, or not the viewer's pair nor in their HR/admin scope (that refusal audited)."""
    pair = queries.load_pair(pair_id)
    if pair is None:
        abort(404)
    if not queries.can_view(current_user, pair):
        deny(404, f"mentoring pair {pair_id}")
    return pair


@bp.route("/")
@login_required
def index():
    """The pairs the user may see (their own; HR and union admins: their scope's), filtered by status and name."""
    form = ListFilterForm(request.args)
    status = form.status.data if form.status.data in STATUS_BADGES else None
    q = (form.q.data or "")[:50] if form.validate() else ""
    stmt = queries.pairs_list(current_user, status=status, q=q)
    page = keyset_page(stmt, [MentoringPair.id], descending=True, cursor=request.args.get("after"),
                       before=request.args.get("before"), count=True, scalars=False)
    todo, todo_total = queries.staff_todo(current_user) if queries.can_create(current_user) else ([], 0)
    return render("mentoring/index.html", "results", page=page, form=form, status=status, q=q,
                  badges=STATUS_BADGES, can_create=queries.can_create(current_user), todo=todo,
                  todo_total=todo_total, assessment_labels=ASSESSMENT_LABELS)


def _pair_data(form: PairForm) -> services.PairData:
    return services.PairData(master_no=form.master_no.data or "", apprentice_no=form.apprentice_no.data or "",
                             starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                             target_level=form.target_level.data or "", goals=form.goals.data or "",
                             workshop_id=form.workshop_id.data)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("hr", "admin")
def new():
    """HR or a union admin pairs a master with an apprentice of their scope."""
    form = PairForm()
    if request.method == "GET":
        form.starts_on.data = local_today()
    if form.validate_on_submit():
        with action(form) as outcome:
            data = _pair_data(form)
            data.agreement = services.checked_agreement(request.files.getlist("agreement"))
            pair = services.create_pair(current_user, data)
        if outcome.done:
            flash(_("师徒对子已建立。"), "success")
            return redirect_after_change(url_for("mentoring.detail", pair_id=pair.id))
    return render_template("mentoring/new.html", form=form, accept=ACCEPT)


def _detail_context(pair: MentoringPair, **forms) -> dict:
    page = queries.pair_page(pair)
    is_staff, is_party = queries.is_staff(current_user, pair), queries.is_party(current_user, pair)
    checkin_form = forms.get("checkin_form") or CheckinForm(formdata=None, written_on=local_today())
    assessment_form = forms.get("assessment_form") or AssessmentForm(formdata=None)
    next_kind = ("midterm" if "midterm" not in page.assessments
                 else "final" if "final" not in page.assessments else None)
    if forms.get("assessment_form") is None and next_kind:
        assessment_form.kind.data = next_kind
    return {
        "pair": pair, "page": page, "is_staff": is_staff, "is_party": is_party, "today": local_today(),
        "checkin_form": checkin_form, "assessment_form": assessment_form, "next_kind": next_kind,
        "end_form": forms.get("end_form") or EndForm(formdata=None),
        "button_form": EmptyForm(), "badges": STATUS_BADGES, "assessment_labels": ASSESSMENT_LABELS,
        "grade_labels": GRADE_LABELS, "actions": actions_from(PAIR_MACHINE, pair.status) if is_staff else [],
        "action_labels": ACTION_LABELS,
        "pending": queries.pending_assessment(pair, set(page.assessments), local_today())
        if pair.status == "active" else None,
    }


@bp.route("/<int:pair_id>")
@login_required
def detail(pair_id: int):
    """A pair: who, when, goals and target, agreement, assessments, check-ins, and the forms the viewer may use."""
    pair = _visible_pair(pair_id)
    return render_template("mentoring/detail.html", **_detail_context(pair))


def _back(pair: MentoringPair, anchor: str = ""):
    return redirect_after_change(url_for("mentoring.detail", pair_id=pair.id) + anchor)


@bp.route("/<int:pair_id>/checkin", methods=["POST"])
@login_required
def checkin(pair_id: int):
    """The master or the apprentice adds a dated check-in."""
    pair = _visible_pair(pair_id)
    form = CheckinForm()
    if form.validate_on_submit():
        with action(form) as outcome:
            services.add_checkin(current_user, pair, form.written_on.data, form.body.data or "")
        if outcome.done:
            flash(_("记录已保存。"), "success")
            return _back(pair, "#checkins")
        pair = _visible_pair(pair_id)
    return render_template("mentoring/detail.html", **_detail_context(pair, checkin_form=form)), 422


@bp.route("/<int:pair_id>/assess", methods=["POST"])
@login_required
def assess(pair_id: int):
    """HR or a union admin of the pair's scope records the mid-term or the final assessment."""
    pair = _visible_pair(pair_id)
    form = AssessmentForm()
    if form.validate_on_submit():
        reached = {"yes": True, "no": False}.get(form.target_reached.data or "")
        data = services.AssessmentData(kind=form.kind.data, score=form.score.data, grade=form.grade.data or "",
                                       comment=form.comment.data or "", target_reached=reached)
        with action(form) as outcome:
            services.record_assessment(current_user, pair, data)
        if outcome.done:
            flash(_("考核已登记。"), "success")
            return _back(pair, "#assessments")
        pair = _visible_pair(pair_id)
    return render_template("mentoring/detail.html", **_detail_context(pair, assessment_form=form)), 422


@bp.route("/<int:pair_id>/complete", methods=["POST"])
@login_required
def complete(pair_id: int):
    """Completion (出师): upgrades the apprentice's level when the final assessment found the target reached."""
    pair = _visible_pair(pair_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    reached = False
    with action(form) as outcome:
        reached = services.complete(current_user, pair)
    if outcome.done:
        flash(_("已确认出师，徒弟的技能等级已更新为 %(level)s。", level=pair.target_level) if reached
              else _("已结业，徒弟未达到目标等级，技能等级不变。"), "success")
    return _back(pair)


@bp.route("/<int:pair_id>/end", methods=["POST"])
@login_required
def end(pair_id: int):
    """HR or a union admin ends a pair early, with the reason."""
    pair = _visible_pair(pair_id)
    form = EndForm()
    if form.validate_on_submit():
        with action(form) as outcome:
            services.end_early(current_user, pair, form.reason.data or "")
        if outcome.done:
            flash(_("师徒对子已提前结束。"), "success")
            return _back(pair)
        pair = _visible_pair(pair_id)
    return render_template("mentoring/detail.html", **_detail_context(pair, end_form=form)), 422


@bp.route("/<int:pair_id>/agreement")
@login_required
def agreement(pair_id: int):
    """Download the pair's agreement (whoever may see the pair)."""
    pair = _visible_pair(pair_id)
    stored = db.session.get(StoredFile, pair.agreement_file_id) if pair.agreement_file_id else None
    if stored is None:
        abort(404)
    return send_stored(stored)
