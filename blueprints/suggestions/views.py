"""Pages of the suggestions domain: list, form, detail, review queue, awards and the reward ledger.

Views stay thin: load or 404, check permission (services.can_* / is_reviewer), validate the form, call one service
inside core.web.action (which commits once, or rolls back and shows the refusal), then redirect (303, or
HX-Redirect for htmx) or re-render the form with the errors next to the fields.
"""
from __future__ import annotations

import secrets

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from blueprints.core import audit, pickers, web
from blueprints.core.clock import local_today
from blueprints.core.forms import EmptyForm
from blueprints.core.jobs import enqueue
from blueprints.core.models import User
from blueprints.core.pagination import keyset_page
from blueprints.core.people import parse_employee_nos
from blueprints.core.permissions import deny, roles_required
from blueprints.core.types import parse_int, utcnow
from blueprints.core.uploads import ACCEPT_ATTR, send_stored
from blueprints.core.web import (
    Outcome,
    action,
    cached_fragment,
    is_fragment_request,
    redirect_after_change,
    render,
)
from blueprints.rewards.labels import KIND_LABELS as REWARD_KIND_LABELS
from blueprints.suggestions import bp, queries, rows, search, services
from blueprints.suggestions.forms import (
    DECISION_FORMS,
    AwardForm,
    BulkForm,
    CommentForm,
    NoteForm,
    PayForm,
    ReasonForm,
    ReassignForm,
    SuggestionForm,
    TemplateForm,
    WithdrawForm,
)
from blueprints.suggestions.labels import (
    ACTION_LABELS,
    CATEGORY_LABELS,
    GRADE_LABELS,
    PAYOUT_LABELS,
    RECOMMENDATION_ACTION_LABELS,
    RECOMMENDATION_LEVEL_LABELS,
    RECOMMENDATION_STATUS_LABELS,
    RUBRIC,
    STATUS_BADGES,
    STATUS_LABELS,
    TEMPLATE_KIND_LABELS,
)
from blueprints.suggestions.models import Suggestion, SuggestionRecommendation

# One export holds at most this many rows: 100,000 rows take about half a minute in a background job (jobs.py),
# with memory flat (BENCHMARKS.md, row P13).
EXPORT_LIMIT = 100_000
# Where a refusal of "submit" sends the author: the field to fix is on the edit form.
FIX_ON_FORM = ("problem", "proposal", "expected_benefit", "workshop_id")


# --- helpers --------------------------------------------------------------------------------------------------------


def _form_refusal(form, outcome: Outcome) -> None:
    """A refusal the pipeline could not put next to a field goes at the top of the re-rendered form."""
    error = outcome.error
    if error is not None and getattr(form, error.field or "", None) is None:
        form.form_errors.append(outcome.message)


def _error_text(errors) -> str:
    """Validation messages (some are lazy strings) as one line for a flash message."""
    return " ".join(str(e) for e in errors)


def _all_errors(form) -> list:
    return [e for errors in form.errors.values() for e in errors] + list(form.form_errors)


def _load_visible(suggestion_id: int) -> Suggestion:
    """The suggestion with its people and files, or 404 (also for someone else's draft, audited)."""
    suggestion = queries.load_for_page(suggestion_id)
    if suggestion is None:
        abort(404)
    if not services.can_view(current_user, suggestion):
        deny(404, f"suggestion {suggestion_id}")
    return suggestion


def _load_administered(suggestion_id: int) -> Suggestion:
    """A suggestion for an admin action: 404 (audited) unless it lies in the admin's scope, like a missing one."""
    suggestion = _load_visible(suggestion_id)
    if not services.in_admin_scope(current_user, suggestion):
        deny(404, f"suggestion {suggestion_id} outside the admin scope")
    return suggestion


def _detail_url(suggestion_id: int, anchor: str = "") -> str:
    return url_for("suggestions.detail", suggestion_id=suggestion_id) + anchor


def _int_arg(name: str) -> int | None:
    return parse_int(request.args.get(name), low=0)


def _workshop_arg(args) -> str | None:
    workshop = args.get("workshop", "")
    return workshop if workshop == "none" or parse_int(workshop, low=0) is not None else None


def _filters_from_args(args, department: pickers.Resolution | None = None,
                       workshop: pickers.Resolution | None = None) -> services.ListFilters:
    """The list's filters; `department` and `workshop`: the filter pickers, resolved (else the ids as sent)."""
    sort = args.get("sort", "new")
    return services.ListFilters(
        q=args.get("q", "")[:100],
        category=args.get("category") if args.get("category") in CATEGORY_LABELS else None,
        status=args.get("status") if args.get("status") in STATUS_LABELS else None,
        department_id=department.id if department is not None else _int_arg("department"),
        workshop=workshop.value if workshop is not None else _workshop_arg(args),
        year=_int_arg("year"),
        mine=args.get("mine") == "1",
        sort=sort if sort in services.SORTS else "new",
    )


def _year_choices() -> list[int]:
    this_year = services.competition_year()
    return list(range(this_year, this_year - 6, -1))


def _safe_next(value: str | None, suggestion: Suggestion | None = None) -> str:
    """Where to go after a decision: back to the queue when it came from there, else the detail page."""
    if value == "queue":
        return url_for("suggestions.review")
    if suggestion is not None:
        return _detail_url(suggestion.id)
    return url_for("suggestions.index")


@bp.context_processor
def _helpers():
    """Permission checks and labels for the templates of this domain (no queries until called)."""
    return {
        "can": services.can,
        "can_edit": services.can_edit,
        "can_comment": services.can_comment,
        "can_endorse": services.can_endorse,
        "reviews_workshop": queries.reviews_workshop,
        "identity_hidden": queries.identity_hidden,
        "blind_review": services.blind_review,
        "suggested_grade": services.suggested_grade,
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "GRADE_LABELS": GRADE_LABELS,
        "PAYOUT_LABELS": PAYOUT_LABELS,
        "STATUS_BADGES": STATUS_BADGES,
        "ACTION_LABELS": ACTION_LABELS,
        "RUBRIC": RUBRIC,
        "RECOMMENDATION_STATUS_LABELS": RECOMMENDATION_STATUS_LABELS,
        "RECOMMENDATION_LEVEL_LABELS": RECOMMENDATION_LEVEL_LABELS,
        "RECOMMENDATION_ACTION_LABELS": RECOMMENDATION_ACTION_LABELS,
        "TEMPLATE_KIND_LABELS": TEMPLATE_KIND_LABELS,
        "now_utc": utcnow,
    }


# --- list ------------------------------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """All suggestions the user may see, with live search, filters, sorting and keyset pages."""
    full = not is_fragment_request()
    picks = {"department": pickers.filter_pick("departments-view", request.args, "department", current_user,
                                               full=full),
             "workshop": pickers.filter_pick("suggestion-workshops", request.args, "workshop", current_user,
                                             full=full)}
    filters = _filters_from_args(request.args, **picks)
    page = services.list_page(current_user, filters, cursor=request.args.get("after"),
                              before=request.args.get("before"))
    queries.mark_participation(page.items)
    return render("suggestions/index.html", "results", page=page, filters=filters,
                  look=rows.list_look(current_user, page.items), recent_window=search.RECENT_WINDOW,
                  filter_form=lambda: _filter_form(filters, picks))


def _filter_form(filters: services.ListFilters, picks: dict[str, pickers.Resolution]) -> Markup:
    """The list's filter form: rendered once per language and set of values, then reused (a tenth of the page's time
    at 1M users, identical for everyone who filters the same way)."""
    return cached_fragment("suggestions/_filters.html", q=filters.q, category=filters.category, status=filters.status,
                           year=filters.year, sort=filters.sort, mine=filters.mine,
                           department=picks["department"].frozen(), workshop=picks["workshop"].frozen(),
                           years=tuple(_year_choices()))


@bp.route("/export", methods=["POST"])
@login_required
def export():
    """Start the filtered list's .xlsx export as a background job (audited); its page shows the progress."""
    return _start_export("suggestions.export", "suggestion.export")


def _start_export(kind: str, audit_code: str):
    """Queue an export job with this page's filters (the query string) and go to its progress page."""
    with action():
        job = enqueue(kind, current_user, {"args": request.args.to_dict(flat=False)})
        audit.record(audit_code, detail=request.query_string.decode("utf-8", "replace"))
    return redirect_after_change(url_for("core.job", job_id=job.id))


@bp.route("/similar")
@login_required
def similar():
    """The duplicate hint: up to five existing suggestions with a similar title (htmx, debounced)."""
    title = request.args.get("title", "")[:100]
    matches = services.similar_suggestions(title, current_user, exclude_id=_int_arg("exclude"))
    return render("suggestions/_similar.html", "similar", matches=matches, title=title)


# --- form ------------------------------------------------------------------------------------------------------------


def _suggestion_form(suggestion: Suggestion | None = None) -> SuggestionForm:
    form = SuggestionForm(obj=suggestion)
    if suggestion is not None:
        # Keep a workshop that stopped being approved as it is, so the author sees why it must change.
        form.workshop_id.keep = suggestion.workshop_id
    from blueprints.competitions.queries import department_path, filing_choices

    author_department = suggestion.department_id if suggestion is not None else current_user.department_id
    form.competition_id.choices = [(None, _("不归入竞赛"))] + filing_choices(
        department_path(author_department), suggestion.competition_id if suggestion is not None else None)
    if not form.is_submitted():
        if suggestion is None:
            from blueprints.workshops.queries import member_workshop_ids

            mine = member_workshop_ids(current_user.id)  # approved ones only
            form.workshop_id.data = mine[0] if mine else None
        else:
            form.coauthors.data = ", ".join(coauthor.user.employee_no for coauthor in suggestion.coauthors)
    return form


def _typed_input(form: SuggestionForm, token: str | None) -> services.SuggestionInput:
    return services.SuggestionInput(
        title=form.title.data or "", category=form.category.data or "", problem=form.problem.data or "",
        proposal=form.proposal.data or "", expected_benefit=form.expected_benefit.data or "",
        workshop_id=form.workshop_id.data, coauthor_nos=parse_employee_nos(form.coauthors.data),
        competition_id=form.competition_id.data,
        client_token=token or None)


def _save(form: SuggestionForm, suggestion: Suggestion | None):
    """Validate, save (and maybe submit); returns a response on success, None to show the form again."""
    submitting = request.form.get("action") == "submit"
    valid = form.validate()
    if submitting and not form.check_for_submit():
        valid = False
    if not valid:
        return None
    token = (form.client_token.data or "")[:40] if suggestion is None else None
    remove = [n for n in (parse_int(v, low=1) for v in request.form.getlist("remove_files")) if n is not None]
    try:
        with action(form, flash_error=False) as outcome:
            uploads = services.read_attachments(request.files.getlist(form.files.name))
            saved = services.save_suggestion(suggestion, current_user, _typed_input(form, token), uploads, remove)
            if submitting:
                services.submit(saved, current_user)
    except IntegrityError:
        # The same form was sent twice at the same moment and the other request won: show what it saved.
        existing = services.created_from_form(current_user, token)
        if existing is None:
            raise
        return _already_saved(existing)
    if not outcome.done:
        _form_refusal(form, outcome)
        return None
    if submitting:
        flash(_("已提交，编号 %(serial)s。审核结果会通过通知告诉您。", serial=saved.serial), "success")
    else:
        flash(_("草稿已保存。草稿只有您和合作者能看到，准备好后请点“提交”。"), "success")
    return redirect_after_change(_detail_url(saved.id))


def _already_saved(suggestion: Suggestion):
    flash(_("这条建议已经保存过了，重复提交被忽略。"), "info")
    return redirect_after_change(_detail_url(suggestion.id))


def _files_lost(form: SuggestionForm) -> bool:
    """Files chosen in a form that comes back with errors are not kept: the page asks to choose them again."""
    files = request.files.getlist("files")
    return form.is_submitted() and bool(files and files[0].filename)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Write a suggestion: save it as a draft or submit it at once."""
    form = _suggestion_form()
    if not form.is_submitted():
        form.client_token.data = secrets.token_urlsafe(16)
    else:
        existing = services.created_from_form(current_user, (form.client_token.data or "")[:40])
        if existing is not None:
            return _already_saved(existing)
        response = _save(form, None)
        if response is not None:
            return response
    return render_template("suggestions/form.html", form=form, suggestion=None, accept=ACCEPT_ATTR,
                           files_lost=_files_lost(form))


@bp.route("/<int:suggestion_id>/edit", methods=["GET", "POST"])
@login_required
def edit(suggestion_id: int):
    """The author edits a draft or a returned suggestion (and may submit it from here)."""
    suggestion = _load_visible(suggestion_id)
    if suggestion.author_id != current_user.id:
        deny(403, f"edit suggestion {suggestion_id}")
    if not services.can_edit(current_user, suggestion):
        flash(_("这条建议当前是“%(status)s”状态，不能修改。", status=STATUS_LABELS[suggestion.status]), "warning")
        return redirect_after_change(_detail_url(suggestion.id))
    form = _suggestion_form(suggestion)
    if form.is_submitted():
        response = _save(form, suggestion)
        if response is not None:
            return response
        suggestion = queries.load_for_page(suggestion_id)
    return render_template("suggestions/form.html", form=form, suggestion=suggestion, accept=ACCEPT_ATTR,
                           last_return=queries.last_return(suggestion), files_lost=_files_lost(form))


# --- detail ----------------------------------------------------------------------------------------------------------


def _detail_context(suggestion: Suggestion) -> dict:
    may_see_ledger = suggestion.status == "awarded" and services.can_see_reward(current_user, suggestion)
    return {
        "suggestion": suggestion,
        "events": queries.history(suggestion),
        "workshop": queries.workshop_name(suggestion.workshop_id),
        "hidden": queries.identity_hidden(current_user, suggestion),
        "actions": services.allowed_actions(current_user, suggestion),
        "is_reviewer": services.is_reviewer(current_user, suggestion),
        "form": EmptyForm(),
        "withdraw_form": WithdrawForm(),
        "comment_form": CommentForm(),
        "note_form": NoteForm(),
        "comments": queries.comments(suggestion),
        "endorsed": queries.has_endorsed(suggestion, current_user),
        "notes": queries.reviewer_notes(suggestion) if services.can_see_notes(current_user, suggestion) else None,
        "ledger": queries.reward_lines(suggestion) if may_see_ledger else None,
        "reassign_form": _reassign_form(suggestion) if services.can_reassign(current_user, suggestion) else None,
        "participant_ids": {suggestion.author_id} | {coauthor.user_id for coauthor in suggestion.coauthors},
        **_recommendation_context(suggestion),
    }


def _recommendation_context(suggestion: Suggestion) -> dict:
    """The recommendation chain on the suggestion page: its dated steps and what the viewer may do next."""
    if suggestion.status != "awarded":
        return {"recommendation": None, "recommendation_steps": [], "may_recommend": False,
                "recommendation_decisions": []}
    recommendation, steps = services.recommendation_with_steps(suggestion.id)
    return {"recommendation": recommendation, "recommendation_steps": steps,
            "may_recommend": recommendation is None and services.can_recommend(current_user, suggestion),
            "recommendation_decisions": services.decisions_for(current_user, recommendation, suggestion),
            "reason_form": ReasonForm()}


def _reassign_form(suggestion: Suggestion) -> ReassignForm:
    return ReassignForm(workshop_id=suggestion.workshop_id)


@bp.route("/<int:suggestion_id>")
@login_required
def detail(suggestion_id: int):
    """One suggestion: what it proposes, who wrote it, its history, comments, +1s and what the user can do next."""
    suggestion = _load_visible(suggestion_id)
    return render_template("suggestions/detail.html", **_detail_context(suggestion))


@bp.route("/<int:suggestion_id>/files/<int:attachment_id>")
@login_required
def download(suggestion_id: int, attachment_id: int):
    """An attachment, only for those who may see the suggestion; always a download, never shown inline."""
    suggestion = _load_visible(suggestion_id)
    attachment = next((item for item in suggestion.attachments if item.id == attachment_id), None)
    if attachment is None:
        deny(404, f"attachment {attachment_id} of suggestion {suggestion_id}")
    return send_stored(attachment.file)


@bp.route("/<int:suggestion_id>/submit", methods=["POST"])
@login_required
def submit(suggestion_id: int):
    """Submit a draft or resubmit a returned suggestion."""
    suggestion = _load_visible(suggestion_id)
    if suggestion.author_id != current_user.id:
        deny(403, f"submit suggestion {suggestion_id}")
    if not EmptyForm().validate_on_submit():
        abort(400)
    with action() as outcome:
        services.submit(suggestion, current_user)
    if outcome.done:
        flash(_("已提交，编号 %(serial)s。审核结果会通过通知告诉您。", serial=suggestion.serial), "success")
    elif outcome.error.field in FIX_ON_FORM:
        return redirect_after_change(url_for("suggestions.edit", suggestion_id=suggestion_id))
    return redirect_after_change(_detail_url(suggestion_id))


@bp.route("/<int:suggestion_id>/withdraw", methods=["POST"])
@login_required
def withdraw(suggestion_id: int):
    """The author takes the suggestion back."""
    suggestion = _load_visible(suggestion_id)
    if suggestion.author_id != current_user.id:
        deny(403, f"withdraw suggestion {suggestion_id}")
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_error_text(_all_errors(form)), "danger")
        return redirect_after_change(_detail_url(suggestion_id))
    with action() as outcome:
        services.withdraw(suggestion, current_user, form.comment.data or "")
    if outcome.done:
        flash(_("已撤回。编号不会再分配给其他建议。"), "success")
    return redirect_after_change(_detail_url(suggestion_id))


@bp.route("/<int:suggestion_id>/comments", methods=["POST"])
@login_required
def comment(suggestion_id: int):
    """Add a public comment (htmx re-renders the comment list in place)."""
    suggestion = _load_visible(suggestion_id)
    form = CommentForm()
    if form.validate_on_submit():
        with action(form, flash_error=False) as outcome:
            services.add_comment(suggestion, current_user, form.body.data)
        if outcome.done and not is_fragment_request():
            return redirect_after_change(_detail_url(suggestion_id, "#comments"))
        if outcome.done:
            form = CommentForm(formdata=None)
        _form_refusal(form, outcome)
    if is_fragment_request():
        context = _detail_context(queries.load_for_page(suggestion_id))
        context["comment_form"] = form
        return render("suggestions/detail.html", "comments", **context)
    flash(_error_text(form.body.errors or form.form_errors) or _("请求无效，请重试。"), "danger")
    return redirect_after_change(_detail_url(suggestion_id, "#comments"))


@bp.route("/<int:suggestion_id>/endorse", methods=["POST"])
@login_required
def endorse(suggestion_id: int):
    """+1 or take it back; htmx updates the button and the count in place."""
    suggestion = _load_visible(suggestion_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with action(flash_error=False) as outcome:
        services.toggle_endorsement(suggestion, current_user)
    if is_fragment_request():
        # 200 even for a refusal, so htmx swaps the box and the reason shows next to the button.
        suggestion = queries.load_for_page(suggestion_id)
        return render("suggestions/detail.html", "endorse", suggestion=suggestion, form=EmptyForm(),
                      refusal=outcome.message or None, endorsed=queries.has_endorsed(suggestion, current_user))
    if outcome.error is not None:
        flash(outcome.message, "warning")
    return redirect_after_change(_detail_url(suggestion_id))


@bp.route("/<int:suggestion_id>/notes", methods=["POST"])
@login_required
def add_note(suggestion_id: int):
    """A private reviewer note (only the suggestion's reviewers; never its authors)."""
    suggestion = _load_visible(suggestion_id)
    if not services.can_see_notes(current_user, suggestion):
        deny(403, f"note on suggestion {suggestion_id}")
    form = NoteForm()
    if form.validate_on_submit():
        with action(form, flash_error=False) as outcome:
            services.add_note(suggestion, current_user, form.body.data)
        if outcome.done and not is_fragment_request():
            return redirect_after_change(_detail_url(suggestion_id, "#notes"))
        if outcome.done:
            form = NoteForm(formdata=None)
        _form_refusal(form, outcome)
    if is_fragment_request():
        return render("suggestions/detail.html", "notes", suggestion=suggestion, note_form=form,
                      notes=queries.reviewer_notes(suggestion), is_reviewer=True)
    flash(_error_text(form.body.errors or form.form_errors) or _("请求无效，请重试。"), "danger")
    return redirect_after_change(_detail_url(suggestion_id, "#notes"))


@bp.route("/<int:suggestion_id>/reassign", methods=["POST"])
@roles_required("admin")
def reassign(suggestion_id: int):
    """Admins send a waiting suggestion to another workshop, or to the union."""
    suggestion = _load_administered(suggestion_id)
    form = _reassign_form(suggestion)
    if not form.validate_on_submit():
        flash(_("请选择有效的工作室。"), "danger")
        return redirect_after_change(_detail_url(suggestion_id))
    with action() as outcome:
        services.reassign(suggestion, current_user, form.workshop_id.data)
    if outcome.done:
        flash(_("已改派审核工作室。"), "success")
    return redirect_after_change(_detail_url(suggestion_id))


# --- decisions (reviewers) -------------------------------------------------------------------------------------------


def _template_choices(form, decision: str) -> None:
    if hasattr(form, "template_id"):
        form.template_id.choices = [(None, _("不使用模板"))] + [
            (template.id, template.title, {"data-body": template.body})
            for template in services.templates_for(current_user, decision)]


def _apply_decision(decision: str, suggestion: Suggestion, form) -> None:
    if decision == "accept":
        services.accept(suggestion, current_user, form.scores(), form.comment.data or "")
    elif decision == "implement":
        services.implement(suggestion, current_user, form.implemented_on.data, form.annual_benefit.data,
                           form.comment.data or "")
    else:
        text = (form.comment.data or "").strip()
        template = services.usable_template(current_user, form.template_id.data, decision)
        if not text and template is not None:
            text = template.body
        if decision == "return":
            services.return_for_changes(suggestion, current_user, text)
        else:
            services.reject(suggestion, current_user, text)


def _done_message(decision: str, suggestion: Suggestion) -> str:
    if decision == "accept":
        return _("已采纳 %(serial)s，合计 %(total)s 分。", serial=suggestion.serial, total=suggestion.score_total)
    if decision == "return":
        return _("已退回 %(serial)s，作者会收到通知。", serial=suggestion.serial)
    if decision == "reject":
        return _("已将 %(serial)s 标记为不予采纳。", serial=suggestion.serial)
    return _("已将 %(serial)s 标记为已实施。", serial=suggestion.serial)


def _decision_form(decision: str):
    form = DECISION_FORMS[decision]()
    _template_choices(form, decision)
    if not form.is_submitted() and decision == "implement":
        form.implemented_on.data = local_today()
    return form


def _inline_decision(suggestion_id: int, form, decision: str, done: str | None):
    """The queue row again: with the form and its errors, or with the done message (the counts then refresh)."""
    response = _queue_item_response(suggestion_id, form=None if done else form, decision=decision, done=done)
    if done:
        response.headers["HX-Trigger"] = "queue-changed"
    return response


@bp.route("/<int:suggestion_id>/decide/<action>", methods=["GET", "POST"])
@login_required
def decide(suggestion_id: int, action: str):
    """Accept (with the rubric), return, reject or mark implemented: a full page, or an inline form in the queue."""
    decision = action  # the URL calls it "action", which would hide web.action below
    if decision not in services.DECISIONS:
        abort(404)
    suggestion = _load_visible(suggestion_id)
    if not services.is_reviewer(current_user, suggestion):
        deny(403, f"{decision} suggestion {suggestion_id}")
    inline = request.args.get("inline") == "1" and is_fragment_request()
    form = _decision_form(decision)
    done = None
    if form.validate_on_submit():
        with web.action(form, flash_error=False) as outcome:
            _apply_decision(decision, suggestion, form)
        if outcome.done:
            done = _done_message(decision, suggestion)
            if not inline:
                flash(done, "success")
                return redirect_after_change(_safe_next(form.next.data, suggestion))
        else:
            _form_refusal(form, outcome)
            suggestion = queries.load_for_page(suggestion_id)
    if inline:
        return _inline_decision(suggestion_id, form, decision, done)
    return render_template("suggestions/decide.html", suggestion=suggestion, form=form, action=decision,
                           allowed=services.can(current_user, decision, suggestion),
                           hidden=queries.identity_hidden(current_user, suggestion),
                           workshop=queries.workshop_name(suggestion.workshop_id),
                           next=request.args.get("next") or form.next.data or "")


# --- awards (admins) -------------------------------------------------------------------------------------------------


def _people_of(suggestion: Suggestion) -> list[User]:
    return [suggestion.author] + [coauthor.user for coauthor in suggestion.coauthors]


def _read_shares(people: list[User]) -> tuple[dict[int, int], dict[int, str]]:
    """Shares typed per person (share-<user id>, in percent); returns (shares, errors by user id)."""
    shares, errors = {}, {}
    for person in people:
        raw = request.values.get(f"share-{person.id}", "")
        try:
            shares[person.id] = services.parse_share(raw)
        except (ValueError, ArithmeticError):
            errors[person.id] = _("请填写 0 到 100 之间的百分比，最多两位小数。")
    return shares, errors


def _award_preview(people: list[User], amount_raw: str, shares: dict[int, int], share_errors: dict[int, str]):
    """The split the admin is about to approve: per person amount, or why it cannot be computed yet."""
    refusal = services.amount_refusal(amount_raw)
    if refusal:
        return {"error": refusal}
    if share_errors:
        return {"error": _("请先改正标红的分配比例。")}
    total = sum(shares.values())
    if total != services.SHARE_TOTAL:
        return {"error": _("各人分配比例之和必须正好是 100%%，现在是 %(sum)s%%。", sum=services.percent(total))}
    amount = services.parse_money(amount_raw, "amount", services.MAX_REWARD)
    parts = services.split_reward(amount, [shares[person.id] for person in people])
    return {"rows": list(zip(people, parts, strict=True)), "amount": amount}


def _award_page(suggestion: Suggestion, people: list[User], form: AwardForm, shares: dict[int, int],
                share_errors: dict[int, str]):
    default_shares = dict(zip([person.id for person in people], services.equal_shares(len(people)), strict=True))
    typed = {person.id: request.form.get(f"share-{person.id}", services.percent(default_shares[person.id]))
             for person in people}
    preview = _award_preview(people, form.amount.data or "", shares or default_shares, share_errors)
    return render_template("suggestions/award.html", suggestion=suggestion, form=form, people=people, typed=typed,
                           share_errors=share_errors, suggested=services.suggested_grade(suggestion.score_total),
                           preview=preview, allowed=services.can(current_user, "award", suggestion),
                           rewards={grade: services.reward_for(grade, suggestion.department_id)
                                    for grade in GRADE_LABELS},
                           workshop=queries.workshop_name(suggestion.workshop_id))


@bp.route("/<int:suggestion_id>/award", methods=["GET", "POST"])
@roles_required("admin")
def award(suggestion_id: int):
    """Grade and reward an implemented suggestion and split the reward between its authors."""
    suggestion = _load_administered(suggestion_id)
    people = _people_of(suggestion)
    form = AwardForm()
    if not form.is_submitted():
        suggested = services.suggested_grade(suggestion.score_total)
        form.grade.data = suggested or ""
        form.amount.data = str(services.reward_for(suggested, suggestion.department_id)) if suggested else ""
    shares, share_errors = _read_shares(people) if form.is_submitted() else ({}, {})
    if form.validate_on_submit() and not share_errors:
        with action(form, flash_error=False) as outcome:
            services.award(suggestion, current_user, form.grade.data, form.amount.data, shares,
                           form.reason.data or "")
        if outcome.done:
            flash(_("已评奖：%(grade)s，奖金 %(amount)s 元，已记入奖金台账（待发放）。",
                    grade=GRADE_LABELS[suggestion.grade], amount=suggestion.reward_amount), "success")
            return redirect_after_change(_detail_url(suggestion.id))
        _form_refusal(form, outcome)
        suggestion = queries.load_for_page(suggestion_id)
        people = _people_of(suggestion)
    return _award_page(suggestion, people, form, shares, share_errors)


@bp.route("/<int:suggestion_id>/award/preview")
@roles_required("admin")
def award_preview(suggestion_id: int):
    """htmx: the split table for the amount and shares being typed."""
    suggestion = _load_administered(suggestion_id)
    if not is_fragment_request():
        return redirect_after_change(url_for("suggestions.award", suggestion_id=suggestion_id))
    people = _people_of(suggestion)
    shares, share_errors = _read_shares(people)
    preview = _award_preview(people, request.args.get("amount", ""), shares, share_errors)
    return render("suggestions/award.html", "preview", preview=preview, suggestion=suggestion)


# --- recommendations for 市级优秀职工创新成果 (admins) ------------------------------------------------------------


@bp.route("/<int:suggestion_id>/recommend", methods=["POST"])
@roles_required("admin")
def recommend(suggestion_id: int):
    """The enterprise's admin recommends an awarded suggestion for city-level recognition."""
    suggestion = _load_administered(suggestion_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_error_text(_all_errors(form)) or _("请求无效，请重试。"), "danger")
        return redirect_after_change(_detail_url(suggestion_id, "#recommendation"))
    with action() as outcome:
        services.recommend(suggestion, current_user, form.reason.data or "")
    if outcome.done:
        flash(_("已推荐参评市级优秀职工创新成果，上一级工会会收到通知。"), "success")
    return redirect_after_change(_detail_url(suggestion_id, "#recommendation"))


@bp.route("/<int:suggestion_id>/recommendation/<action>", methods=["POST"])
@roles_required("admin")
def recommendation_decide(suggestion_id: int, action: str):
    """The district or industry union forwards or declines; the city approves or declines (a reason to decline)."""
    decision = action  # the URL calls it "action" like decide(), which would hide web.action below
    if decision not in ("forward", "decline", "approve"):
        abort(404)
    suggestion = _load_administered(suggestion_id)
    recommendation = services.recommendation_of(suggestion_id)
    if recommendation is None:
        deny(404, f"recommendation of suggestion {suggestion_id}")
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_error_text(_all_errors(form)) or _("请求无效，请重试。"), "danger")
        return redirect_after_change(_detail_url(suggestion_id, "#recommendation"))
    with web.action() as outcome:
        services.decide_recommendation(suggestion, recommendation, current_user, decision, form.reason.data or "")
    if outcome.done:
        flash(_("已%(action)s。", action=RECOMMENDATION_ACTION_LABELS[decision]), "success")
    back = request.form.get("next")
    return redirect_after_change(url_for("suggestions.recommendations") if back == "list"
                                 else _detail_url(suggestion_id, "#recommendation"))


@bp.route("/recommendations")
@roles_required("admin")
def recommendations():
    """The recommendations waiting for the viewer's level (city: forwarded; a union: its enterprises')."""
    page = keyset_page(services.waiting_statement(current_user), [SuggestionRecommendation.updated_at,
                                                                  SuggestionRecommendation.id],
                       descending=False, cursor=request.args.get("after"), before=request.args.get("before"),
                       count=True, scalars=False)
    return render_template("suggestions/recommendations.html", page=page, reason_form=ReasonForm())


# --- review queue ----------------------------------------------------------------------------------------------------


def _require_reviewer():
    if not services.is_review_user(current_user):
        abort(403)


def _queue_filters(workshop_pick: pickers.Resolution | None = None) -> services.QueueFilters:
    args = request.args
    status = args.get("status", "submitted")
    return services.QueueFilters(
        status=status if status in services.QUEUE_STATUSES or status == "all" else "submitted",
        q=args.get("q", "")[:100],
        category=args.get("category") if args.get("category") in CATEGORY_LABELS else None,
        workshop=workshop_pick.value if workshop_pick is not None else _workshop_arg(args),
    )


@bp.route("/review")
@login_required
def review():
    """The queue of suggestions sent to the reviewer's workshops (admins: all), oldest waiting first."""
    workshop_pick = None
    if current_user.has_role("admin"):
        # A type-ahead picker (a city has thousands of workshops): those of the admin's scope and those they run.
        workshop_pick = pickers.filter_pick("review-workshops", request.args, "workshop", current_user,
                                            full=not is_fragment_request())
        workshops = []
    else:
        # For a lead this one query both scopes the queue and fills the workshop filter (bounded: the few
        # workshops they lead or deputise, so it stays a select).
        workshops = queries.reviewed_workshops(current_user)
    if not services.is_review_user(current_user) and current_user.has_role("lead"):
        # A lead whose workshop is not approved yet (or who has none) learns why the queue is empty.
        return render_template("suggestions/review_none.html")
    _require_reviewer()
    filters = _queue_filters(workshop_pick)
    page = keyset_page(services.queue_statement(current_user, filters), list(services.QUEUE_ORDER),
                       descending=not filters.oldest_first, cursor=request.args.get("after"),
                       before=request.args.get("before"), scalars=False)
    queries.mark_participation(page.items)
    return render("suggestions/review.html", "results", page=page, filters=filters,
                  look=rows.queue_look(current_user, page.items),
                  counts=services.queue_counts(current_user, filters.workshop),
                  workshops=workshops, workshop_pick=workshop_pick,
                  templates=lambda: services.templates_for(current_user),
                  bulk_form=BulkForm(), form=EmptyForm())


@bp.route("/review/counts")
@login_required
def review_counts():
    """htmx: the per-status counts of the queue, refreshed after each inline decision."""
    _require_reviewer()
    filters = _queue_filters()
    if not is_fragment_request():
        return redirect_after_change(url_for("suggestions.review", **request.args.to_dict()))
    return render("suggestions/review.html", "counts", filters=filters,
                  counts=services.queue_counts(current_user, filters.workshop))


def _queue_item_response(suggestion_id: int, form=None, decision: str | None = None, done: str | None = None):
    row = services.queue_row(current_user, suggestion_id)
    if row is None:
        abort(404)
    return make_response(render_template("suggestions/_queue_item.html", row=row, form=form, action=decision,
                                         done=done, look=rows.queue_look(current_user, [row])))


@bp.route("/review/item/<int:suggestion_id>")
@login_required
def review_item(suggestion_id: int):
    """htmx: one row of the queue (used by "cancel" on an inline form)."""
    _require_reviewer()
    suggestion = _load_visible(suggestion_id)
    if not queries.reviews(current_user, suggestion):
        deny(403, f"queue item {suggestion_id}")
    if not is_fragment_request():
        return redirect_after_change(_detail_url(suggestion_id))
    return _queue_item_response(suggestion_id)


@bp.route("/review/bulk", methods=["POST"])
@login_required
def review_bulk():
    """Return or reject the selected suggestions with one answer template."""
    _require_reviewer()
    form = BulkForm()
    form.template_id.choices = [(template.id, template.title) for template in services.templates_for(current_user)]
    ids = [n for n in (parse_int(v, low=1) for v in request.form.getlist("ids")) if n is not None]
    back = url_for("suggestions.review", **{k: v for k, v in request.args.items() if k in ("status", "workshop")})
    if not form.validate_on_submit():
        flash(_error_text(_all_errors(form)) or _("请求无效，请重试。"), "danger")
        return redirect_after_change(back)
    template = services.usable_template(current_user, form.template_id.data, form.action.data)
    with action() as outcome:
        result = services.bulk_decide(ids, current_user, form.action.data, template, form.extra.data or "")
    if outcome.done:
        if result.done:
            flash(_("已处理 %(n)s 条：%(serials)s。", n=len(result.done), serials="、".join(result.done)), "success")
        for serial, reason in result.skipped:
            flash(_("%(serial)s 未处理：%(reason)s", serial=serial, reason=reason), "warning")
    return redirect_after_change(back)


@bp.route("/review/templates", methods=["GET", "POST"])
@login_required
def answer_templates():
    """The reviewer's answer templates (and the shared ones), with a form to add one."""
    _require_reviewer()
    form = TemplateForm()
    if form.validate_on_submit():
        with action(form, flash_error=False) as outcome:
            services.create_template(current_user, form.kind.data, form.title.data, form.body.data,
                                     form.shared.data)
        if outcome.done:
            flash(_("模板已保存。"), "success")
            return redirect_after_change(url_for("suggestions.answer_templates"))
        _form_refusal(form, outcome)
    return render_template("suggestions/templates.html", form=form, templates=services.templates_for(current_user),
                           delete_form=EmptyForm())


@bp.route("/review/templates/<int:template_id>/delete", methods=["POST"])
@login_required
def delete_answer_template(template_id: int):
    """Delete one of my templates (admins may delete shared ones)."""
    _require_reviewer()
    template = services.visible_template(current_user, template_id)
    if template is None:
        deny(404, f"answer template {template_id}")
    if not EmptyForm().validate_on_submit():
        abort(400)
    with action() as outcome:
        services.delete_template(template, current_user)
    if outcome.done:
        flash(_("模板已删除。"), "success")
    return redirect_after_change(url_for("suggestions.answer_templates"))


# --- reward ledger (admins) ------------------------------------------------------------------------------------------


def _ledger_filters() -> services.LedgerFilters:
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    return services.LedgerFilters(status=status if status in PAYOUT_LABELS else "",
                                  q=request.args.get("q", "")[:50], year=_int_arg("year"),
                                  kind=kind if kind in REWARD_KIND_LABELS else "")


@bp.route("/rewards")
@roles_required("admin")
def rewards():
    """The reward ledger: who gets how much for which suggestion, who approved it, and whether it was paid."""
    filters = _ledger_filters()
    page = keyset_page(services.ledger_statement(current_user, filters), list(services.LEDGER_ORDER), descending=True,
                       cursor=request.args.get("after"), before=request.args.get("before"), count=True,
                       scalars=False)
    pay_form = PayForm()
    if not pay_form.is_submitted():
        pay_form.paid_on.data = local_today()
    return render("suggestions/rewards.html", "results", page=page, filters=filters, pay_form=pay_form,
                  kind_labels=REWARD_KIND_LABELS,
                  years=_year_choices(), whole_tree=queries.sees_everything(current_user))


@bp.route("/rewards/export", methods=["POST"])
@roles_required("admin")
def rewards_export():
    """Start the (filtered) ledger's .xlsx export for finance as a background job (audited)."""
    return _start_export("suggestions.rewards_export", "suggestion.rewards_export")


@bp.route("/rewards/pay", methods=["POST"])
@roles_required("admin")
def rewards_pay():
    """Mark the selected ledger lines paid on the given date."""
    form = PayForm()
    back = url_for("suggestions.rewards", **{k: v for k, v in request.args.items() if k in ("status", "q", "year")})
    if not form.validate_on_submit():
        flash(_error_text(_all_errors(form)) or _("请求无效，请重试。"), "danger")
        return redirect_after_change(back)
    ids = [n for n in (parse_int(v, low=1) for v in request.form.getlist("ids")) if n is not None]
    outside = services.lines_out_of_scope(current_user, ids)
    if outside:
        deny(404, f"reward ledger lines {','.join(map(str, outside))} outside the admin scope")
    with action() as outcome:
        paid, skipped = services.mark_paid(ids, current_user, form.paid_on.data)
    if outcome.done and paid:
        flash(_("已将 %(n)s 笔奖金标记为已发放。", n=paid), "success")
    if outcome.done and skipped:
        flash(_("%(n)s 笔已经是已发放状态，未重复处理。", n=skipped), "warning")
    return redirect_after_change(back)


# --- used by other domains' templates ------------------------------------------------------------------------------


@bp.app_template_global()
def adopted_suggestions(workshop_id: int, limit: int = 10) -> dict:
    """For the workshop profile: its latest adopted suggestions (accepted, implemented, awarded) and how many."""
    viewer = current_user if current_user.is_authenticated else None
    return {**queries.adopted_of_workshop(workshop_id, limit, viewer),
            "url": url_for("suggestions.index", workshop=workshop_id),
            "status_badges": STATUS_BADGES, "grade_labels": GRADE_LABELS}
