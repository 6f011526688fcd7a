"""Pages of the workshops domain: directory, registration, profile, approval queue, membership, achievements.

Each view loads the workshop (404, audited, when the user may not see it), asks the permission functions of
services.py (403 when the user sees the workshop but may not do this), validates its form, calls one service
inside core.web.action (which commits once, or rolls back and shows the refusal) and renders.
"""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.core import audit, people, pickers
from blueprints.core.clock import local_today
from blueprints.core.database import begin_write
from blueprints.core.errors import DomainError
from blueprints.core.forms import EmptyForm
from blueprints.core.i18n import N_
from blueprints.core.labels import ORG_KIND_LABELS
from blueprints.core.models import Department, StoredFile, User
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import deny, roles_required
from blueprints.core.profile_sections import workshop_sections
from blueprints.core.spreadsheets import xlsx_response
from blueprints.core.uploads import ACCEPT_ATTR, send_stored
from blueprints.core.web import (
    action,
    commit_read_side_effect,
    is_fragment_request,
    redirect_after_change,
    render,
    safe_next_url,
    show_error,
)
from blueprints.workshops import bp, chain, queries, services
from blueprints.workshops.forms import AchievementForm, LevelForm, ReasonForm, WorkshopForm
from blueprints.workshops.labels import (
    ACHIEVEMENT_ICONS,
    ACHIEVEMENT_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    MEMBER_STATUS_LABELS,
    ROLE_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
)
from blueprints.workshops.models import Achievement, Recommendation, Workshop, WorkshopMember
from blueprints.workshops.services import (
    AchievementData,
    DirectoryFilters,
    IneligibleError,
    WorkshopData,
    access_for,
)
from extensions import db

EXPORT_LIMIT = 10000
# Registering for someone else (admins) saves a draft; the lead submits it themselves.
N_LEAD_SUBMITS = N_("代他人登记时只能保存为草稿，请由负责人本人提交审批。")


WS_LABELS = SimpleNamespace(kind=KIND_LABELS, level=LEVEL_LABELS, status=STATUS_LABELS, role=ROLE_LABELS,
                            status_badges=STATUS_BADGES, achievement=ACHIEVEMENT_LABELS,
                            achievement_icon=ACHIEVEMENT_ICONS, member_status=MEMBER_STATUS_LABELS)


@bp.app_context_processor
def _labels():
    # App-wide (not only this blueprint's requests) because the my-space panels render on "/".
    return {"ws_labels": WS_LABELS}


# --- Loading and refusing -----------------------------------------------------------------------------------


def _load(workshop_id: int) -> tuple[Workshop, WorkshopMember | None]:
    """The workshop with its lead and department, and my membership; 404 (audited) when I may not see it."""
    workshop = queries.load_workshop(workshop_id)
    if workshop is None:
        abort(404)
    membership = services.membership_of(current_user.id, workshop.id)
    if not services.can_view(current_user, workshop, membership):
        deny(404, f"workshop {workshop_id} ({workshop.status})")
    return workshop, membership


def _require(allowed: bool) -> None:
    """403 (audited by the error handler) when the user sees the workshop but may not do this."""
    if not allowed:
        abort(403)


def _require_admin_scope(workshop: Workshop, admin_power: bool = True) -> None:
    """An admin power over a workshop outside the admin's scope answers 404 (audited), as for a missing one."""
    if admin_power and not queries.admin_covers(current_user, workshop):
        deny(404, f"workshop {workshop.id} outside the admin scope")


def _back(default: str) -> str:
    """Where a plain form goes after its action: the local page it came from, else `default`."""
    return safe_next_url(request.form.get("next"), default)


def _profile_url(workshop: Workshop) -> str:
    return url_for("workshops.profile", workshop_id=workshop.id)


# --- Directory and export -----------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """The directory: live search on name, field and lead, filters, keyset pages."""
    dept = pickers.filter_pick("departments-view", request.args, "department", current_user,
                               full=not is_fragment_request())
    filters = dataclasses.replace(DirectoryFilters.from_args(request.args), department_id=dept.id)
    stmt = services.directory_query(current_user, filters)
    page = keyset_page(stmt, [Workshop.name, Workshop.id], descending=False, cursor=request.args.get("after"),
                       before=request.args.get("before"), count=True, scalars=False)
    return render("workshops/index.html", "results", page=page, filters=filters, dept_pick=dept)


@bp.route("/export.xlsx")
@login_required
def export():
    """The filtered directory as an .xlsx file (audited: it lists people)."""
    filters = DirectoryFilters.from_args(request.args)
    data = [[w.name, str(KIND_LABELS[w.kind]), str(LEVEL_LABELS[w.level]), str(STATUS_LABELS[w.status]),
             lead_name, lead_no, dept or "", w.field, w.founded_on, members, achievements]
            for w, lead_name, lead_no, dept, members, achievements
            in services.directory_export_rows(current_user, filters, EXPORT_LIMIT)]
    # Audited after reading: begin_write() ends the read transaction (expiring what it loaded).
    begin_write()
    audit.record("workshop.exported", detail=f"{len(data)} rows; filters={filters.as_args()}")
    commit_read_side_effect()
    header = [_("工作室名称"), _("类别"), _("级别"), _("状态"), _("负责人"), _("负责人工号"), _("所属单位"),
              _("专业领域"), _("成立日期"), _("在册成员"), _("成果数")]
    return xlsx_response(_("创新工作室名录.xlsx"), _("创新工作室"), header, data,
                         widths=[30, 16, 8, 8, 10, 12, 20, 20, 12, 10, 8])


# --- Registration and editing -------------------------------------------------------------------------------


def _workshop_form(workshop: Workshop | None = None) -> WorkshopForm:
    # Defaults from a dict, not obj=: the model's relationships raise on access by design.
    data = None
    if workshop is not None:
        data = {"name": workshop.name, "kind": workshop.kind, "level": workshop.level,
                "department_id": workshop.department_id, "expertise": workshop.field,
                "founded_on": workshop.founded_on, "description": workshop.description}
    form = WorkshopForm(data=data)
    # Units a workshop may be registered under (the picker's "departments-view"): the whole tree for a whole-tree
    # admin (or a portal without a federation root), else the viewer's admin scope and their own enterprise; the
    # edited workshop keeps its unit as it is.
    form.department_id.keep = workshop.department_id if workshop is not None else None
    return form


def _form_data(form: WorkshopForm, workshop: Workshop | None = None) -> WorkshopData:
    """The form's values; fields removed from the form (locked after approval) keep the workshop's."""

    def value(name, default):
        field = getattr(form, name, None)
        return field.data if field is not None else default

    return WorkshopData(name=value("name", workshop.name if workshop else ""),
                        kind=value("kind", workshop.kind if workshop else ""),
                        level=value("level", workshop.level if workshop else "enterprise"),
                        department_id=form.department_id.data, field=form.expertise.data or "",
                        founded_on=form.founded_on.data, description=form.description.data or "")


def _show_refusal(form: WorkshopForm, error: DomainError | None) -> list[str]:
    """Put each unmet eligibility rule next to its field and return them all for the summary above the form;
    any other refusal goes on its field or in a flash message."""
    if not isinstance(error, IneligibleError):
        if error is not None:
            show_error(error, form)
        return []
    for check in error.unmet:
        field = getattr(form, check.field, None) if check.field else None
        if field is not None:
            field.errors = [*field.errors, check.problem]
    return [check.problem for check in error.unmet]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Register a workshop: save a draft, or save and submit for approval in one go."""
    form = _workshop_form()
    is_admin = current_user.has_role("admin")
    if not is_admin:
        del form.lead  # a worker registers the workshop they lead themselves
    else:
        form.department_id.source_name = "departments-admin"  # an admin registers inside their admin scope
    if not form.is_submitted():
        form.department_id.data = current_user.department_id
        if is_admin:
            form.lead.data = current_user.employee_no
    unmet: list[str] = []
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        # The refusal is shown below: unmet eligibility rules go next to their fields and in a summary.
        with action(flash_error=False) as outcome:
            lead = _chosen_lead(form) if is_admin else current_user._get_current_object()
            founding = services.resolve_founding_members(people.parse_employee_nos(form.members.data), lead)
            workshop = services.create_workshop(current_user, lead, _form_data(form), founding)
            if submit:
                if not services.may_act(current_user, workshop, "submit", None):
                    raise DomainError(N_LEAD_SUBMITS, field="lead")
                services.transition(current_user, workshop, "submit")
        unmet = _show_refusal(form, outcome.error)
        if outcome.done:
            if submit:
                flash(_("已登记并提交“%(name)s”，请等待工会审批。", name=workshop.name), "success")
            else:
                flash(_("已保存草稿“%(name)s”。成员和简介齐备后即可提交审批。", name=workshop.name), "success")
            return redirect_after_change(_profile_url(workshop))
    return render_template("workshops/form.html", form=form, workshop=None, unmet=unmet,
                           min_members=_setting("workshops.min_members", form.department_id.data))


def _setting(key: str, department_id=None):
    """A setting as it applies to a unit (an enterprise may override the workshop rules for itself)."""
    from blueprints.core.settings import get_setting

    unit = db.session.get(Department, department_id) if isinstance(department_id, int) else None
    return get_setting(key, unit)


def _chosen_lead(form: WorkshopForm) -> User:
    nos = people.parse_employee_nos(form.lead.data)
    if not nos:
        raise DomainError(N_("请填写负责人的工号。"), field="lead")
    users, missing, inactive = people.resolve_people(nos[:1])
    if missing:
        raise DomainError(N_("找不到这些工号：%(nos)s。"), field="lead", nos=missing[0])
    if inactive:
        raise DomainError(N_("这些人员的账号已停用：%(nos)s。"), field="lead", nos=inactive[0])
    return users[0]


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@login_required
def edit(workshop_id: int):
    """Edit a draft (everything) or an approved workshop (all but name, kind and level)."""
    workshop, membership = _load(workshop_id)
    _require(services.can_edit(current_user, workshop, membership))
    form = _workshop_form(workshop)
    del form.lead
    if workshop.status != "draft":
        del form.name, form.kind, form.level, form.members
    elif not form.is_submitted():
        form.members.data = ", ".join(services.founding_member_nos(workshop.id))
    unmet: list[str] = []
    if form.validate_on_submit():
        submit = workshop.status == "draft" and request.form.get("action") == "submit"
        with action(flash_error=False) as outcome:
            founding = None
            if workshop.status == "draft":
                lead = db.session.get(User, workshop.lead_id)
                founding = services.resolve_founding_members(people.parse_employee_nos(form.members.data), lead)
            services.update_workshop(current_user, workshop, _form_data(form, workshop), founding)
            if submit:
                services.transition(current_user, workshop, "submit")
        unmet = _show_refusal(form, outcome.error)
        if outcome.done:
            if submit:
                flash(_("已提交“%(name)s”，请等待工会审批。", name=workshop.name), "success")
            else:
                flash(_("已保存“%(name)s”。", name=workshop.name), "success")
            return redirect_after_change(_profile_url(workshop))
        # The rollback expired the workshop; load it again for the page around the form.
        workshop, membership = _load(workshop_id)
    return render_template("workshops/form.html", form=form, workshop=workshop, unmet=unmet,
                           min_members=_setting("workshops.min_members", workshop.department_id))


@bp.route("/<int:workshop_id>/delete", methods=["POST"])
@login_required
def delete(workshop_id: int):
    """The lead deletes a draft or a rejected workshop."""
    workshop, _membership = _load(workshop_id)
    _require(services.can_delete(current_user, workshop))
    name, profile_url = workshop.name, _profile_url(workshop)
    with action() as outcome:
        services.delete_workshop(current_user, workshop)
    if not outcome.done:  # refused; if a simultaneous delete took it, its page is gone: back to the directory
        gone = db.session.get(Workshop, workshop_id) is None
        return redirect_after_change(url_for("workshops.index") if gone else profile_url)
    flash(_("已删除“%(name)s”。", name=name), "success")
    return redirect_after_change(url_for("workshops.index"))


# --- Profile ------------------------------------------------------------------------------------------------

@bp.route("/<int:workshop_id>")
@login_required
def profile(workshop_id: int):
    """The workshop's page: people, achievements, level history, statistics and the actions I may take."""
    workshop, membership = _load(workshop_id)
    access = access_for(current_user, workshop, membership)
    active, requested = queries.roster(workshop.id)
    achievements = queries.achievements_of(workshop.id)
    checks = services.eligibility(workshop) if workshop.status == "draft" and access.edit else []
    recommendations = chain.history(workshop.id)
    pending = chain.open_in(recommendations)
    chain_access = {"recommend": chain.can_recommend(current_user, workshop, pending),
                    "decide": chain.can_decide(current_user, workshop, pending), "open": pending}
    return render_template(
        "workshops/profile.html", workshop=workshop, membership=membership, access=access, members=active,
        recommendations=recommendations, chain_access=chain_access, chain_labels=CHAIN_LABELS,
        requests=requested if access.roster else [], achievements=achievements,
        levels=queries.level_history(workshop.id), by_kind=queries.count_by_kind(achievements), checks=checks,
        sections=workshop_sections(workshop, current_user), form=EmptyForm(), reason_form=ReasonForm(),
        show_numbers=queries.shows_people(current_user, workshop))


# --- Status machine -----------------------------------------------------------------------------------------


def _transition_view(workshop_id: int, move: str):
    """Submit, approve, reject or revoke. From the queue (htmx) the answer is the queue row; otherwise a redirect."""
    workshop, membership = _load(workshop_id)
    _require_admin_scope(workshop, services.TRANSITIONS[move].actor == "admin")
    _require(services.may_act(current_user, workshop, move, membership))
    form = ReasonForm() if services.TRANSITIONS[move].needs_reason else EmptyForm()
    form.validate_on_submit()  # CSRF is already checked; the reason rule lives in the service
    reason = request.form.get("reason", "")[:1000]
    # The queue's row shows a refusal itself; a plain form gets it as a flash below.
    with action(flash_error=False) as outcome:
        services.transition(current_user, workshop, move, reason)
    if outcome.error is not None:
        workshop, membership = _load(workshop_id)
    if is_fragment_request():
        return render_template("workshops/_review_row.html", workshop=workshop,
                               row=services.queue_row(current_user, workshop),
                               done=move if outcome.done else None, error=outcome.message or None, reason=reason,
                               queue_count=services.pending_count(current_user), oob=True)
    if outcome.done:
        flash(_TRANSITION_DONE[move](workshop.name), "success")
    else:
        flash(outcome.message, "danger")
    return redirect_after_change(_back(_profile_url(workshop)))


_TRANSITION_DONE = {
    "submit": lambda name: _("已提交“%(name)s”，请等待工会审批。", name=name),
    "approve": lambda name: _("已批准“%(name)s”。", name=name),
    "reject": lambda name: _("已驳回“%(name)s”，负责人会收到原因。", name=name),
    "revoke": lambda name: _("已撤销“%(name)s”。", name=name),
}


@bp.route("/<int:workshop_id>/submit", methods=["POST"])
@login_required
def submit(workshop_id: int):
    """The lead submits a draft for approval (refused, naming the rule, while ineligible)."""
    return _transition_view(workshop_id, "submit")


@bp.route("/<int:workshop_id>/approve", methods=["POST"])
@roles_required("admin")
def approve(workshop_id: int):
    """Approve a pending workshop."""
    return _transition_view(workshop_id, "approve")


@bp.route("/<int:workshop_id>/reject", methods=["POST"])
@roles_required("admin")
def reject(workshop_id: int):
    """Reject a pending workshop with a reason."""
    return _transition_view(workshop_id, "reject")


@bp.route("/<int:workshop_id>/revoke", methods=["POST"])
@roles_required("admin")
def revoke(workshop_id: int):
    """Revoke an approved workshop with a reason."""
    return _transition_view(workshop_id, "revoke")


@bp.route("/review")
@roles_required("admin")
def review():
    """The admin's approval queue: pending workshops, oldest first, decided in place."""
    page = keyset_page(services.review_queue_query(current_user), [Workshop.submitted_at, Workshop.id],
                       descending=False, cursor=request.args.get("after"), before=request.args.get("before"),
                       count=True, scalars=False)
    recommendations = [] if is_fragment_request() else chain.waiting(current_user)
    return render("workshops/review.html", "results", page=page, recommendations=recommendations,
                  reason_form=ReasonForm(), recommendation_labels=chain.RECOMMENDATION_LABELS)


@bp.route("/<int:workshop_id>/level", methods=["GET", "POST"])
@roles_required("admin")
def change_level(workshop_id: int):
    """An admin records a dated level change."""
    workshop, _membership = _load(workshop_id)
    _require_admin_scope(workshop)
    _require(services.can_change_level(current_user, workshop))
    form = LevelForm()
    if not form.is_submitted():
        form.changed_on.data = local_today()
        next_levels = [key for key in LEVEL_LABELS if key != workshop.level]
        form.level.data = next_levels[min(list(LEVEL_LABELS).index(workshop.level), len(next_levels) - 1)]
    if form.validate_on_submit():
        with action(form) as outcome:
            services.change_level(current_user, workshop, form.level.data, form.changed_on.data, form.note.data)
        if outcome.done:
            flash(_("已把“%(name)s”的级别调整为%(level)s。", name=workshop.name, level=LEVEL_LABELS[workshop.level]),
                  "success")
            return redirect_after_change(_profile_url(workshop))
        workshop, _membership = _load(workshop_id)
    return render_template("workshops/level_form.html", form=form, workshop=workshop,
                           levels=queries.level_history(workshop.id))


# --- Recommendation along the chain -------------------------------------------------------------------------

CHAIN_LABELS = SimpleNamespace(status=chain.RECOMMENDATION_LABELS, step=chain.STEP_LABELS, reached=ORG_KIND_LABELS)
_CHAIN_DONE = {
    "recommend": lambda name: _("已推荐“%(name)s”参评市级工作室。", name=name),
    "forward": lambda name: _("已把“%(name)s”的推荐转报市总工会。", name=name),
    "approve": lambda name: _("已认定“%(name)s”为市级工作室。", name=name),
    "decline": lambda name: _("已退回“%(name)s”的推荐，推荐人和负责人会收到原因。", name=name),
}


@bp.route("/<int:workshop_id>/recommend", methods=["POST"])
@roles_required("admin")
def recommend(workshop_id: int):
    """The enterprise union recommends an approved enterprise-level workshop for city level."""
    workshop, _membership = _load(workshop_id)
    _require_admin_scope(workshop)
    EmptyForm().validate_on_submit()  # CSRF is already checked; the rules live in chain.recommend
    with action() as outcome:
        chain.recommend(current_user, workshop, request.form.get("reason", "")[:1000])
    if outcome.done:
        flash(_CHAIN_DONE["recommend"](workshop.name), "success")
    return redirect_after_change(_back(_profile_url(workshop)))


@bp.route("/recommendations/<int:recommendation_id>/<any(forward, approve, decline):move>", methods=["POST"])
@roles_required("admin")
def decide_recommendation(recommendation_id: int, move: str):
    """The district or industry union forwards or declines; the city approves or declines."""
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None:
        abort(404)
    workshop, _membership = _load(recommendation.workshop_id)
    _require_admin_scope(workshop)
    with action() as outcome:
        chain.decide(current_user, workshop, recommendation, move, request.form.get("reason", "")[:1000])
    if outcome.done:
        flash(_CHAIN_DONE[move](workshop.name), "success")
    return redirect_after_change(_back(_profile_url(workshop)))


# --- Membership ---------------------------------------------------------------------------------------------


def _membership_answer(workshop: Workshop, message: str | None, error: str | None):
    """htmx: the membership box in its new state; a plain form: back to the profile with a message."""
    if is_fragment_request():
        membership = services.membership_of(current_user.id, workshop.id)
        access = access_for(current_user, workshop, membership)
        return render("workshops/profile.html", "membership", workshop=workshop, membership=membership,
                      access=access, message=message, error=error)
    flash(error or message, "danger" if error else "success")
    return redirect_after_change(_profile_url(workshop))


@bp.route("/<int:workshop_id>/join", methods=["POST"])
@login_required
def join(workshop_id: int):
    """Ask to join (one htmx button that turns into "request sent")."""
    workshop, _membership = _load(workshop_id)
    with action(flash_error=False) as outcome:
        services.request_join(current_user, workshop)
    if not outcome.done:
        return _membership_answer(_load(workshop_id)[0], None, outcome.message)
    message = _("已提交申请，负责人同意后您就是“%(name)s”的成员了。", name=workshop.name)
    return _membership_answer(workshop, message, None)


@bp.route("/<int:workshop_id>/withdraw", methods=["POST"])
@login_required
def withdraw(workshop_id: int):
    """Take back my open join request."""
    workshop, _membership = _load(workshop_id)
    with action(flash_error=False) as outcome:
        services.withdraw_request(current_user, workshop)
    if not outcome.done:
        return _membership_answer(_load(workshop_id)[0], None, outcome.message)
    return _membership_answer(workshop, _("已撤回加入申请。"), None)


@bp.route("/<int:workshop_id>/leave", methods=["POST"])
@login_required
def leave(workshop_id: int):
    """Leave the workshop (the lead is refused until the lead is handed over)."""
    workshop, _membership = _load(workshop_id)
    with action(flash_error=False) as outcome:
        services.leave(current_user, workshop)
    if not outcome.done:
        return _membership_answer(_load(workshop_id)[0], None, outcome.message)
    # The roster on the page changed too: htmx reloads the whole profile, a plain form goes back to it.
    flash(_("您已退出“%(name)s”。", name=workshop.name), "success")
    return redirect_after_change(_profile_url(workshop))


def _member_row(workshop: Workshop, member_id: int) -> WorkshopMember:
    row = db.session.get(WorkshopMember, member_id)
    if row is None or row.workshop_id != workshop.id:
        deny(404, f"workshop member {member_id} not in workshop {workshop.id}")
    return row


def _request_answer(workshop: Workshop, row: WorkshopMember, done: str | None, error: str | None):
    """htmx: the request's row in its new state; a plain form: back where it came from."""
    if is_fragment_request():
        person = db.session.get(User, row.user_id)
        dept = db.session.get(Department, person.department_id) if person.department_id else None
        return render_template("workshops/_request_row.html", row=row, person=person,
                               department_name=dept.name if dept else None, workshop=workshop,
                               workshop_name=workshop.name, done=done, error=error,
                               show_workshop=request.form.get("from") == "requests",
                               open_count=services.open_request_count(current_user.id)
                               if request.form.get("from") == "requests" and done else None)
    if error:
        flash(error, "danger")
    else:
        person = db.session.get(User, row.user_id)
        flash(_("已同意 %(person)s 加入。", person=person.name) if done == "approved"
              else _("已拒绝 %(person)s 的申请。", person=person.name), "success")
    return redirect_after_change(_back(_profile_url(workshop)))


def _decide(workshop_id: int, member_id: int, approve: bool):
    workshop, membership = _load(workshop_id)
    _require(services.can_manage_roster(current_user, workshop, membership))
    row = _member_row(workshop, member_id)
    with action(flash_error=False) as outcome:
        services.decide_request(current_user, workshop, row, approve)
    if not outcome.done:
        workshop, _membership = _load(workshop_id)
        return _request_answer(workshop, _member_row(workshop, member_id), None, outcome.message)
    return _request_answer(workshop, row, "approved" if approve else "declined", None)


@bp.route("/<int:workshop_id>/members/<int:member_id>/approve", methods=["POST"])
@login_required
def approve_member(workshop_id: int, member_id: int):
    """The lead or a deputy lets a person in (in place, htmx)."""
    return _decide(workshop_id, member_id, approve=True)


@bp.route("/<int:workshop_id>/members/<int:member_id>/decline", methods=["POST"])
@login_required
def decline_member(workshop_id: int, member_id: int):
    """The lead or a deputy declines a join request (in place, htmx)."""
    return _decide(workshop_id, member_id, approve=False)


def _roster_change(workshop_id: int, member_id: int, change: str):
    workshop, membership = _load(workshop_id)
    if change == "remove":
        _require(services.can_manage_roster(current_user, workshop, membership))
    else:
        _require(services.can_manage_deputies(current_user, workshop))
    row = _member_row(workshop, member_id)
    person = db.session.get(User, row.user_id)
    back = _profile_url(workshop) + "#members"
    with action() as outcome:
        if change == "remove":
            services.remove_member(current_user, workshop, row)
        elif change == "handover":
            services.hand_over(current_user, workshop, row)
        else:
            services.set_deputy(current_user, workshop, row, deputy=change == "deputy")
    if outcome.done:
        flash(_ROSTER_DONE[change](person.name), "success")
    return redirect_after_change(back)


_ROSTER_DONE = {
    "remove": lambda name: _("已将 %(person)s 移出工作室。", person=name),
    "deputy": lambda name: _("已任命 %(person)s 为副负责人。", person=name),
    "undeputy": lambda name: _("%(person)s 不再担任副负责人。", person=name),
    "handover": lambda name: _("已把负责人移交给 %(person)s，您现在是副负责人。", person=name),
}


@bp.route("/<int:workshop_id>/members/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(workshop_id: int, member_id: int):
    """Take a member off the roster (deputies: only the lead)."""
    return _roster_change(workshop_id, member_id, "remove")


@bp.route("/<int:workshop_id>/members/<int:member_id>/deputy", methods=["POST"])
@login_required
def appoint_deputy(workshop_id: int, member_id: int):
    """The lead appoints a deputy (who gets the lead role)."""
    return _roster_change(workshop_id, member_id, "deputy")


@bp.route("/<int:workshop_id>/members/<int:member_id>/undeputy", methods=["POST"])
@login_required
def remove_deputy(workshop_id: int, member_id: int):
    """The lead makes a deputy a plain member again."""
    return _roster_change(workshop_id, member_id, "undeputy")


@bp.route("/<int:workshop_id>/members/<int:member_id>/handover", methods=["POST"])
@login_required
def hand_over(workshop_id: int, member_id: int):
    """The lead hands the lead over to another active member."""
    return _roster_change(workshop_id, member_id, "handover")


@bp.route("/requests")
@login_required
def join_requests():
    """Join requests waiting in every workshop I lead or deputise, answered in place."""
    page = keyset_page(services.join_requests_query(current_user.id),
                       [WorkshopMember.requested_at, WorkshopMember.id], descending=False,
                       cursor=request.args.get("after"), before=request.args.get("before"), count=True,
                       scalars=False)
    return render("workshops/requests.html", "results", page=page)


# --- Achievements -------------------------------------------------------------------------------------------


def _achievement(workshop: Workshop, achievement_id: int) -> Achievement:
    achievement = db.session.get(Achievement, achievement_id)
    if achievement is None or achievement.workshop_id != workshop.id:
        deny(404, f"achievement {achievement_id} not in workshop {workshop.id}")
    return achievement


def _achievement_data(form: AchievementForm) -> AchievementData:
    return AchievementData(title=form.title.data or "", kind=form.kind.data or "",
                           achieved_on=form.achieved_on.data, description=form.description.data or "")


def _upload(form: AchievementForm):
    """The checked attachment or None; a refused file raises DomainError(field="file")."""
    return services.checked_attachment(request.files.getlist("file"))


@bp.route("/<int:workshop_id>/achievements/new", methods=["GET", "POST"])
@login_required
def achievement_new(workshop_id: int):
    """Record an achievement."""
    workshop, membership = _load(workshop_id)
    _require(services.can_manage_achievements(current_user, workshop, membership))
    form = AchievementForm()
    del form.remove_file
    if form.validate_on_submit():
        with action(form) as outcome:
            services.add_achievement(current_user, workshop, _achievement_data(form), _upload(form))
        if outcome.done:
            flash(_("已添加成果“%(title)s”。", title=form.title.data.strip()), "success")
            return redirect_after_change(_profile_url(workshop) + "#achievements")
        workshop, membership = _load(workshop_id)
    return render_template("workshops/achievement_form.html", form=form, workshop=workshop, achievement=None,
                           accept=ACCEPT_ATTR, current_file=None)


@bp.route("/<int:workshop_id>/achievements/<int:achievement_id>/edit", methods=["GET", "POST"])
@login_required
def achievement_edit(workshop_id: int, achievement_id: int):
    """Edit an achievement, replace or remove its attachment."""
    workshop, membership = _load(workshop_id)
    _require(services.can_manage_achievements(current_user, workshop, membership))
    achievement = _achievement(workshop, achievement_id)
    form = AchievementForm(data={"title": achievement.title, "kind": achievement.kind,
                                 "achieved_on": achievement.achieved_on, "description": achievement.description})
    if form.validate_on_submit():
        with action(form) as outcome:
            services.update_achievement(current_user, workshop, achievement, _achievement_data(form), _upload(form),
                                        bool(form.remove_file.data))
        if outcome.done:
            flash(_("已保存成果“%(title)s”。", title=achievement.title), "success")
            return redirect_after_change(_profile_url(workshop) + "#achievements")
        workshop, membership = _load(workshop_id)
        achievement = _achievement(workshop, achievement_id)
    current_file = db.session.get(StoredFile, achievement.file_id) if achievement.file_id else None
    return render_template("workshops/achievement_form.html", form=form, workshop=workshop, achievement=achievement,
                           accept=ACCEPT_ATTR, current_file=current_file)


@bp.route("/<int:workshop_id>/achievements/<int:achievement_id>/delete", methods=["POST"])
@login_required
def achievement_delete(workshop_id: int, achievement_id: int):
    """Delete an achievement and its attachment."""
    workshop, membership = _load(workshop_id)
    _require(services.can_manage_achievements(current_user, workshop, membership))
    achievement = _achievement(workshop, achievement_id)
    title, back = achievement.title, _profile_url(workshop) + "#achievements"
    with action() as outcome:
        services.delete_achievement(current_user, workshop, achievement)
    if outcome.done:
        flash(_("已删除成果“%(title)s”。", title=title), "success")
    return redirect_after_change(back)


@bp.route("/<int:workshop_id>/achievements/<int:achievement_id>/file")
@login_required
def achievement_file(workshop_id: int, achievement_id: int):
    """Download an achievement's attachment (whoever may see the workshop)."""
    workshop, _membership = _load(workshop_id)
    achievement = _achievement(workshop, achievement_id)
    stored = db.session.get(StoredFile, achievement.file_id) if achievement.file_id else None
    if stored is None:
        abort(404)
    return send_stored(stored)
