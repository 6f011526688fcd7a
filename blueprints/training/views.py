"""Training pages: the workers' list and detail with htmx signup, HR management, rosters, exports, certificates."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.core import web
from blueprints.core.clock import from_local_naive, local_zone, to_local_naive
from blueprints.core.errors import DomainError
from blueprints.core.forms import EmptyForm
from blueprints.core.i18n import N_
from blueprints.core.pagination import keyset_page
from blueprints.core.people import parse_employee_nos
from blueprints.core.permissions import deny, roles_required
from blueprints.core.types import utcnow
from blueprints.core.web import is_fragment_request, redirect_after_change, render
from blueprints.training import bp, exports, queries, services
from blueprints.training.forms import (
    BulkAddForm,
    CancelSessionForm,
    ListFilterForm,
    MoveForm,
    ResultForm,
    SessionForm,
)
from blueprints.training.labels import ACTION_LABELS
from blueprints.training.models import STATUSES, Enrollment, TrainingSession

ROSTER_TABS = ("confirmed", "waitlisted", "cancelled")
ROSTER_PAGE = 50


def _visible_session(session_id: int) -> TrainingSession:
    """The session with its departments, or 404 (drafts are hidden from workers, and the refusal is audited)."""
    training_session = queries.load_session(session_id)
    if training_session is None:
        abort(404)
    if not queries.can_view(current_user, training_session):
        deny(404, f"training session {session_id}")
    return training_session


def _managed_session(session_id: int) -> TrainingSession:
    """A session HR works on: its organiser lies in the user's HR scope, else 404 like a missing one (audited)."""
    training_session = queries.load_session(session_id)
    if training_session is None:
        abort(404)
    if not queries.manages(current_user, training_session):
        deny(404, f"training session {session_id} outside the HR scope")
    return training_session


def _local_day_start(day) -> datetime:
    return datetime.combine(day, time.min, local_zone())


def _form_errors(form) -> str:
    """A form's validation errors as one message (for answers that show no form)."""
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


# --- Workers ----------------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """Sessions open for signup (or all, or mine), filtered by kind and date, with seats and my status."""
    form = ListFilterForm(request.args)
    show = request.args.get("show", "open")
    if show not in ("open", "all", "mine"):
        show = "open"
    valid = form.validate()
    date_from = _local_day_start(form.date_from.data) if valid and form.date_from.data else None
    date_to = (_local_day_start(form.date_to.data + timedelta(days=1)) if valid and form.date_to.data else None)
    stmt = queries.sessions_list(current_user, kind=form.kind.data if valid else None, date_from=date_from,
                                 date_to=date_to, mine=show == "mine", show_all=show == "all")
    page = keyset_page(stmt, [TrainingSession.starts_at, TrainingSession.id], descending=False,
                       cursor=request.args.get("after"), before=request.args.get("before"), count=True)
    ids = [s.id for s in page.items]
    mine = queries.my_enrollments_for(current_user.id, ids)
    restricted = queries.restricted_session_ids(ids)
    return render("training/index.html", "results", page=page, form=form, show=show, mine=mine,
                  restricted=restricted, now=utcnow())


def _detail_context(training_session: TrainingSession, **extra) -> dict:
    """What the detail page and its signup box need, for the current user."""
    enrollment = services.active_enrollment(training_session.id, current_user.id)
    eligibility = services.eligibility_of(training_session)
    problem = services.signup_problem(training_session, current_user, enrollment, eligibility)
    withdraw_problem = services.withdraw_problem(training_session, enrollment)
    overlaps = (services.overlapping_sessions(current_user.id, training_session)
                if training_session.status in services.ROSTER_OPEN else [])
    past = queries.last_enrollment(training_session.id, current_user.id) if enrollment is None else None
    context = {"session": training_session, "enrollment": enrollment, "eligibility": eligibility,
               "problem": problem, "withdraw_problem": withdraw_problem, "overlaps": overlaps, "past": past,
               "form": EmptyForm(), "can_manage": queries.manages(current_user, training_session), "message": None,
               "message_tone": "success", "oob": False}
    context.update(extra)
    return context


@bp.route("/<int:session_id>")
@login_required
def detail(session_id: int):
    """A session: what, when, where, who may come, the live seat count and my signup box."""
    training_session = _visible_session(session_id)
    return render("training/detail.html", "mybox", **_detail_context(training_session))


@bp.route("/<int:session_id>/seats")
@login_required
def seats(session_id: int):
    """The seat count alone, polled by the detail page so it stays live."""
    training_session = _visible_session(session_id)
    if is_fragment_request():
        return render_template("training/_seats.html", session=training_session, oob=False)
    return redirect(url_for("training.detail", session_id=training_session.id))


def _signup_answer(session_id: int, message: str | None, tone: str):
    """After a signup or cancel: the refreshed box (and seats) for htmx, or a message and a redirect."""
    if is_fragment_request():
        training_session = _visible_session(session_id)
        return render("training/detail.html", "mybox", **_detail_context(
            training_session, message=message, message_tone=tone, oob=True))
    if message:
        flash(message, tone)
    return redirect(url_for("training.detail", session_id=session_id), code=303)


def _signup_message(result: services.SignupResult) -> tuple[str, str]:
    """What a signup tells the person: confirmed or waitlisted, and any confirmed session at the same time."""
    enrollment = result.enrollment
    if enrollment.status == "confirmed":
        message, tone = _("报名成功，您的名额已确认。"), "success"
    else:
        message, tone = _("名额已满，您已进入候补名单，当前第 %(pos)s 位。有人取消时会按顺序自动递补并通知您。",
                          pos=enrollment.waitlist_position), "warning"
    for other in result.overlaps:
        message += " " + _("注意：与您已确认的《%(title)s》（%(start)s）时间重叠。", title=other.title,
                           start=services.local_text(other.starts_at))
        tone = "warning"
    return message, tone


@bp.route("/<int:session_id>/signup", methods=["POST"])
@login_required
def signup(session_id: int):
    """Sign myself up: a seat while there are free ones, else a place in the waitlist."""
    training_session = _visible_session(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action(flash_error=False) as outcome:
        result = services.signup(training_session, current_user)
    if not outcome.done:
        return _signup_answer(session_id, outcome.message, "danger")
    return _signup_answer(session_id, *_signup_message(result))


@bp.route("/<int:session_id>/withdraw", methods=["POST"])
@login_required
def withdraw(session_id: int):
    """Cancel my place, or leave the waitlist; the first person waiting moves up."""
    training_session = _visible_session(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action(flash_error=False) as outcome:
        was = services.withdraw(training_session, current_user)
    if not outcome.done:
        return _signup_answer(session_id, outcome.message, "danger")
    message = _("已取消报名。") if was == "confirmed" else _("已退出候补名单。")
    return _signup_answer(session_id, message, "info")


@bp.route("/<int:session_id>.ics")
@login_required
def session_ics(session_id: int):
    """The session as an iCalendar file."""
    training_session = _visible_session(session_id)
    return exports.ics_response([training_session], f"training-{training_session.id}.ics", training_session.title)


@bp.route("/my")
@login_required
def my_record():
    """My training record: every enrollment with attendance, result and certificate, newest first."""
    page = keyset_page(queries.my_record_query(current_user.id), [TrainingSession.starts_at, Enrollment.id],
                       descending=True, cursor=request.args.get("after"), before=request.args.get("before"),
                       count=True, scalars=False, key_of=lambda row: [row[1].starts_at, row[0].id])
    return render("training/my.html", "results", page=page, feed_form=EmptyForm(),
                  feed_token=queries.feed_token_of(current_user.id))


@bp.route("/my.ics")
@login_required
def my_ics():
    """My confirmed trainings as an iCalendar file."""
    training_sessions = queries.confirmed_sessions_of(current_user.id)
    return exports.ics_response(training_sessions, "my-trainings.ics", _("我的培训"))


@bp.route("/my/feed", methods=["POST"])
@login_required
def my_feed():
    """Create (or, with reset, replace) my calendar subscription address."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    reset = request.form.get("reset") == "1"
    with web.action() as outcome:
        services.subscribe_feed(current_user, reset=reset)
    if outcome.done:
        flash(_("已生成新的订阅地址，旧地址已失效。") if reset else _("已生成订阅地址。"), "success")
    return redirect_after_change(url_for("training.my_record") + "#feed")


@bp.route("/feed/<token>.ics")
def feed(token: str):
    """A calendar subscription (no sign-in: calendar programs cannot log in); the secret in the URL is the key."""
    user_id = services.user_for_feed(token)
    if user_id is None or not queries.is_active_user(user_id):
        abort(404)
    return exports.ics_response(queries.confirmed_sessions_of(user_id), "my-trainings.ics", _("我的培训"),
                                attachment=False)


@bp.route("/certificates/<int:enrollment_id>")
@login_required
def certificate(enrollment_id: int):
    """A printable certificate for a passed trainee (the trainee and HR only)."""
    row = queries.certificate_row(enrollment_id)
    if row is None:
        abort(404)
    enrollment, training_session, person = row
    if not queries.can_view_enrollment(current_user, enrollment) or not enrollment.certificate_no:
        deny(404, f"certificate of enrollment {enrollment_id}")
    return render_template("training/certificate.html", enrollment=enrollment, session=training_session,
                           person=person)


# --- HR: sessions -----------------------------------------------------------------------------------------


@bp.route("/manage")
@roles_required("hr")
def manage():
    """Sessions I manage (or all), with status, seats and waitlist, newest start first."""
    q = request.args.get("q", "")[:50]
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    scope = request.args.get("scope", "mine")
    stmt = queries.manage_list(current_user, q=q, status=status, kind=request.args.get("kind"),
                               manager_id=current_user.id if scope == "mine" else None)
    page = keyset_page(stmt, [TrainingSession.starts_at, TrainingSession.id], descending=True,
                       cursor=request.args.get("after"), before=request.args.get("before"), count=True)
    return render("training/manage.html", "results", page=page, q=q, status=status, scope=scope,
                  kind=request.args.get("kind", ""))


def _session_form(training_session: TrainingSession | None = None) -> SessionForm:
    form = SessionForm(obj=None)
    # Whole-tree HR may organise a city-level session (an empty organiser box); others only for their units.
    if queries.default_organiser_id(current_user) is None:
        form.organiser.placeholder = _("全市（全体职工可报名）")
    form.organiser.keep = training_session.organiser_id if training_session is not None else None
    from blueprints.competitions.queries import department_path, filing_choices

    organiser_id = (form.organiser.data if form.is_submitted() and "organiser" in request.form
                    else (training_session.organiser_id if training_session is not None
                          else queries.default_organiser_id(current_user)))
    keep = training_session.competition_id if training_session is not None else None
    form.competition_id.choices = [("", _("不归入竞赛"))] + filing_choices(department_path(organiser_id), keep)
    if training_session is not None and not form.is_submitted():
        form.competition_id.data = training_session.competition_id
    # A form without the box (a first view, an older page, a script) keeps the session's unit, or the user's default.
    if not form.is_submitted() or "organiser" not in request.form:
        form.organiser.data = (training_session.organiser_id if training_session is not None
                               else queries.default_organiser_id(current_user))
    if training_session is not None and not form.is_submitted():
        form.title.data, form.kind.data = training_session.title, training_session.kind
        form.instructor.data, form.location.data = training_session.instructor, training_session.location
        form.description.data, form.capacity.data = training_session.description, training_session.capacity
        form.starts_at.data = to_local_naive(training_session.starts_at)
        form.ends_at.data = to_local_naive(training_session.ends_at)
        form.signup_deadline.data = to_local_naive(training_session.signup_deadline)
        form.departments.data = [d.id for d in training_session.departments]
        form.skill_levels.data = list(training_session.skill_levels or [])
    return form


def _manager_id(form: SessionForm, fallback_manager_id: int | None) -> int | None:
    """The manager typed as a 工号 (an active HR member), else the fallback; raise DomainError otherwise."""
    nos = parse_employee_nos(form.manager.data)
    if not nos:
        return fallback_manager_id
    if len(nos) > 1:
        raise DomainError(N_("负责人只能填一位。"), field="manager")
    manager = queries.active_user_by_employee_no(nos[0])
    if manager is None or not manager.has_role("hr"):
        raise DomainError(N_("“%(no)s”不是在用的培训管理员。"), field="manager", no=nos[0])
    return manager.id


def _form_data(form: SessionForm, fallback_manager_id: int | None) -> services.SessionData:
    """Convert the form to service data (times from local to UTC); raise DomainError for a manager who is not HR."""
    manager_id = _manager_id(form, fallback_manager_id)
    starts = from_local_naive(form.starts_at.data)
    deadline = from_local_naive(form.signup_deadline.data) if form.signup_deadline.data else starts
    return services.SessionData(
        title=form.title.data.strip(), kind=form.kind.data, description=(form.description.data or "").strip(),
        instructor=(form.instructor.data or "").strip(), location=form.location.data.strip(), starts_at=starts,
        ends_at=from_local_naive(form.ends_at.data), signup_deadline=deadline, capacity=form.capacity.data,
        department_ids=list(form.departments.data or []), skill_levels=list(form.skill_levels.data or []),
        manager_id=manager_id, organiser_id=form.organiser.data, competition_id=form.competition_id.data)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("hr")
def new():
    """Create a session (saved as a draft, opened for signup from its roster page)."""
    form = _session_form()
    if not form.is_submitted():
        form.manager.data = current_user.employee_no
    if form.validate_on_submit():
        with web.action(form) as outcome:
            training_session = services.create_session(_form_data(form, current_user.id), current_user)
        if outcome.done:
            flash(_("已保存为草稿。确认无误后点击“发布并开放报名”。"), "success")
            _warn_if_started(training_session)
            return redirect_after_change(url_for("training.roster", session_id=training_session.id))
    return _session_form_page(form, None)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required("hr")
def edit(session_id: int):
    """Edit a session; capacity changes follow the waitlist rules, trainees hear about a new time or place."""
    training_session = _managed_session(session_id)
    if not services.is_editable(training_session):
        flash(_("已结束或已取消的场次不能再修改。"), "warning")
        return redirect(url_for("training.roster", session_id=training_session.id))
    form = _session_form(training_session)
    if not form.is_submitted():
        form.manager.data = queries.employee_no_of(training_session.manager_id)
    if form.validate_on_submit():
        with web.action(form) as outcome:
            promoted = services.update_session(training_session, _form_data(form, training_session.manager_id),
                                               current_user)
        if outcome.done:
            flash(_("已保存。"), "success")
            if promoted:
                flash(_("名额增加，候补名单中的 %(n)s 人已自动转为正式学员并收到通知。", n=len(promoted)), "info")
            _warn_if_started(training_session)
            return redirect_after_change(url_for("training.roster", session_id=session_id))
    return _session_form_page(form, training_session)


def _warn_if_started(training_session: TrainingSession) -> None:
    """A draft saved with a start in the past is kept, with a warning that it cannot be published as it is."""
    if training_session.status == "draft" and services.start_has_passed(training_session.starts_at):
        flash(_("注意：开始时间 %(start)s 已经过去，这个草稿不能发布。请修改开始时间。",
                start=services.local_text(training_session.starts_at)), "warning")


def _session_form_page(form: SessionForm, training_session: TrainingSession | None):
    """The session form, warning when the start it shows is already past (the page's script warns as it is typed)."""
    # A refused start (outside the years a column holds) is shown with its error, not compared with now.
    usable = form.starts_at.data is not None and not form.starts_at.errors
    starts = from_local_naive(form.starts_at.data) if usable else None
    return render_template("training/session_form.html", form=form, session=training_session,
                           start_passed=services.start_has_passed(starts),
                           local_now=to_local_naive(utcnow()).strftime("%Y-%m-%dT%H:%M"))


@bp.route("/<int:session_id>/status/<action>", methods=["POST"])
@roles_required("hr")
def change_status(session_id: int, action: str):
    """Open, close, complete or cancel a session (cancelling needs a reason and tells everyone on it)."""
    training_session = _managed_session(session_id)
    if action not in services.TRANSITIONS:
        abort(404)
    roster_url = url_for("training.roster", session_id=session_id)
    form = CancelSessionForm() if action == "cancel" else EmptyForm()
    if not form.validate_on_submit():
        if action == "cancel" and form.reason.errors and not form.csrf_token.errors:
            flash(form.reason.errors[0], "danger")
            return redirect_after_change(roster_url + "#status-actions")
        abort(400)
    reason = form.reason.data if action == "cancel" else ""
    with web.action() as outcome:
        services.transition(training_session, action, current_user, reason=reason)
    if outcome.done:
        done = {"open": _("已发布，职工现在可以报名了。"), "close": _("已截止报名。"),
                "complete": _("已标记为结束，合格学员的证书已生成。"),
                "cancel": _("场次已取消，所有报名已取消并通知到本人。")}
        flash(done[action], "success")
    return redirect_after_change(roster_url)


# --- HR: roster -------------------------------------------------------------------------------------------


def _roster_context(training_session: TrainingSession, tab: str, q: str, **extra) -> dict:
    stmt = queries.roster_query(training_session.id, tab, q)
    keys = queries.roster_keys(tab)
    page = keyset_page(stmt, keys, descending=tab == "cancelled", cursor=request.args.get("after"),
                       before=request.args.get("before"), per_page=ROSTER_PAGE, scalars=False,
                       key_of=lambda row: [getattr(row[0], k.key) for k in keys])
    context = {"session": training_session, "tab": tab, "q": q, "page": page,
               "counts": queries.roster_counts(training_session.id),
               "eligibility": services.eligibility_of(training_session),
               "actions": services.allowed_actions(training_session), "action_labels": ACTION_LABELS,
               "bulk_form": BulkAddForm(), "cancel_form": CancelSessionForm(), "form": EmptyForm(), "lines": None,
               "bulk_error": None, "start_passed": services.start_has_passed(training_session.starts_at),
               "result_choices": ResultForm().result.choices}
    context.update(extra)
    return context


def _tab() -> str:
    tab = request.args.get("tab", "confirmed")
    return tab if tab in ROSTER_TABS else "confirmed"


@bp.route("/<int:session_id>/roster")
@roles_required("hr")
def roster(session_id: int):
    """The roster: add trainees, attendance and results, the waitlist and the cancelled, exports."""
    training_session = _managed_session(session_id)
    q = request.args.get("q", "")[:50]
    return render("training/roster.html", "roster", **_roster_context(training_session, _tab(), q))


@bp.route("/<int:session_id>/people")
@roles_required("hr")
def people_search(session_id: int):
    """The roster's person picker: only people who may join the session and whom the HR user is responsible for."""
    training_session = _managed_session(session_id)
    q = request.args.get("q", "")[:50]
    target = request.args.get("target", "")[:64]
    results = queries.picker_people(training_session, current_user, q)
    return render("core/_people_results.html", "results", results=results, q=q, target=target)


def _bulk_numbers(form: BulkAddForm) -> list[str]:
    """The 工号 from the picker, the pasted text and the uploaded file, in that order (a repeat is kept, so the
    answer can say it was listed twice)."""
    nos = parse_employee_nos(form.people.data, repeats=True) + parse_employee_nos(form.pasted.data, repeats=True)
    upload = form.file.data
    if upload and upload.filename:
        nos += services.parse_roster_file(upload.filename, upload.read())
    return nos


@bp.route("/<int:session_id>/roster/add", methods=["POST"])
@roles_required("hr")
def roster_add(session_id: int):
    """Bulk signup from the picker, pasted 工号 and/or a file: one answer line per person, all or nothing."""
    training_session = _managed_session(session_id)
    form = BulkAddForm()
    lines, error = None, None
    if form.validate_on_submit():
        # A refusal is shown in the panel (on its field, else above the button), never as a flash that the htmx
        # answer would not carry and a later page would show out of place.
        with web.action(form, flash_error=False) as outcome:
            lines = services.bulk_enroll(training_session, _bulk_numbers(form), current_user)
        if outcome.done:
            form = BulkAddForm(formdata=None)
        elif not _on_field(form, outcome.error):
            error = outcome.message
    training_session = _managed_session(session_id)
    context = _roster_context(training_session, "confirmed", "", bulk_form=form, lines=lines, bulk_error=error)
    response = make_response(render("training/roster.html", "bulk", **context))
    if lines is not None and is_fragment_request():
        response.headers["HX-Trigger"] = "roster-changed"
    return response


def _on_field(form, error: DomainError) -> bool:
    """Whether the refusal was shown on one of the form's fields."""
    return bool(error.field) and hasattr(getattr(form, error.field, None), "errors")


def _row_answer(training_session: TrainingSession, enrollment_id: int, error: str | None = None):
    """After an attendance or result change: the row again for htmx, or back to the roster."""
    if is_fragment_request():
        row = queries.roster_row(training_session.id, enrollment_id)
        if row is None:
            return render_template("training/_roster_row_gone.html", session=training_session,
                                   enrollment_id=enrollment_id, error=error)
        return render_template("training/_roster_row.html", row=row, session=training_session, tab="confirmed",
                               error=error, result_choices=ResultForm().result.choices)
    if error:
        flash(error, "danger")
    return redirect(url_for("training.roster", session_id=training_session.id) + f"#e{enrollment_id}", code=303)


@bp.route("/<int:session_id>/roster/<int:enrollment_id>/attendance", methods=["POST"])
@roles_required("hr")
def attendance(session_id: int, enrollment_id: int):
    """Mark one trainee present or absent (an htmx toggle on the roster)."""
    training_session = _managed_session(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action(flash_error=False) as outcome:
        services.set_attendance(training_session, enrollment_id, request.form.get("value") or None, current_user)
    return _row_answer(training_session, enrollment_id, outcome.message or None)


@bp.route("/<int:session_id>/roster/present-all", methods=["POST"])
@roles_required("hr")
def present_all(session_id: int):
    """Mark every confirmed trainee without a mark present."""
    training_session = _managed_session(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action() as outcome:
        count = services.mark_all_present(training_session, current_user)
    if outcome.done:
        flash(_("已将 %(n)s 人标为出勤。", n=count), "success")
    return redirect_after_change(url_for("training.roster", session_id=session_id))


@bp.route("/<int:session_id>/roster/<int:enrollment_id>/result", methods=["POST"])
@roles_required("hr")
def result(session_id: int, enrollment_id: int):
    """Record pass or fail and a score for one trainee."""
    training_session = _managed_session(session_id)
    form = ResultForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _row_answer(training_session, enrollment_id, _form_errors(form))
    with web.action(flash_error=False) as outcome:
        services.set_result(training_session, enrollment_id, form.result.data or None, form.score.data,
                            current_user)
    return _row_answer(training_session, enrollment_id, outcome.message or None)


@bp.route("/<int:session_id>/roster/<int:enrollment_id>/move", methods=["POST"])
@roles_required("hr")
def move(session_id: int, enrollment_id: int):
    """Move a waitlisted trainee to another position, with a recorded reason."""
    training_session = _managed_session(session_id)
    form = MoveForm()
    waitlist_url = url_for("training.roster", session_id=session_id, tab="waitlisted")
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_form_errors(form), "danger")
        return redirect_after_change(waitlist_url)
    with web.action() as outcome:
        services.move_in_waitlist(training_session, enrollment_id, form.position.data, form.reason.data,
                                  current_user)
    if outcome.done:
        flash(_("已调整候补位次，并通知了本人。"), "success")
    return redirect_after_change(waitlist_url)


@bp.route("/<int:session_id>/roster/<int:enrollment_id>/remove", methods=["POST"])
@roles_required("hr")
def remove(session_id: int, enrollment_id: int):
    """Take a trainee off the roster; a freed seat goes to the first person waiting."""
    training_session = _managed_session(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    tab = request.form.get("tab") if request.form.get("tab") in ROSTER_TABS else "confirmed"
    with web.action() as outcome:
        enrollment = services.remove_trainee(training_session, enrollment_id, current_user)
        name = queries.user_name(enrollment.user_id)
    if outcome.done:
        flash(_("已将 %(name)s 移出名单并通知本人。", name=name), "success")
    return redirect_after_change(url_for("training.roster", session_id=session_id, tab=tab))


@bp.route("/<int:session_id>/roster.xlsx")
@roles_required("hr")
def roster_xlsx(session_id: int):
    """The roster as .xlsx with a signature column (the sign-in sheet); exporting personal data is audited."""
    training_session = _managed_session(session_id)
    return exports.roster_xlsx(training_session)


@bp.route("/<int:session_id>/signin")
@roles_required("hr")
def signin_sheet(session_id: int):
    """A printable sign-in sheet of the confirmed trainees (printing personal data is audited)."""
    _managed_session(session_id)
    exports.audit_print(session_id)
    training_session = _managed_session(session_id)
    rows = queries.full_roster(training_session.id, ("confirmed",))
    return render_template("training/signin.html", session=training_session, rows=rows, now=utcnow())


@bp.route("/roster-template.xlsx")
@roles_required("hr")
def roster_template():
    """An empty upload file with the expected column names."""
    return exports.template_xlsx()


# What templates anywhere may ask of training: the labels of its enums (the my-space panels render on the core
# home page), who manages sessions, and which status allows editing, roster changes and recording.
from blueprints.training import labels as _training_labels  # noqa: E402

bp.add_app_template_global(_training_labels, "training_labels")
bp.add_app_template_global(queries.can_manage, "training_can_manage")
bp.add_app_template_global(services.is_editable, "training_editable")
bp.add_app_template_global(services.is_roster_open, "training_roster_open")
bp.add_app_template_global(services.is_recording, "training_recording")
bp.add_app_template_global(services.records_later, "training_records_later")
