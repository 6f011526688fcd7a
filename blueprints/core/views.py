"""My space, notifications, the language switch and the health checks."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.core import bp, myspace, notify, people, pickers
from blueprints.core.database import database_answers
from blueprints.core.forms import EmptyForm
from blueprints.core.models import Notification
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import deny
from blueprints.core.scopes import scope_of
from blueprints.core.web import action, is_fragment_request, redirect_after_change, render, safe_next_url
from extensions import db


@bp.route("/")
@login_required
def home():
    """My space: what is mine and what waits for me, panel by panel for each role."""
    panels = myspace.panels_for(current_user)
    return render("core/home.html", panels=panels)


@bp.route("/ping")
def ping():
    """Liveness: the process answers, without touching the database (also the benchmark's bare route, P6)."""
    return "pong", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/healthz")
def healthz():
    """200 ok when the database answers (for load balancers and monitoring)."""
    if not database_answers():
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/notifications/")
@login_required
def notifications():
    """The user's notifications, newest first, paged."""
    stmt = notify.inbox_query(current_user.id)
    page = keyset_page(stmt, [Notification.created_at, Notification.id], descending=True,
                       cursor=request.args.get("after"), before=request.args.get("before"))
    return render("core/notifications.html", "results", page=page, form=EmptyForm(),
                  render_message=notify.render_message)


@bp.route("/notifications/badge")
@login_required
def notification_badge():
    """The unread count in the navbar, refreshed by htmx; a plain request gets the notification list."""
    if not is_fragment_request():
        return redirect(url_for("core.notifications"))
    return render("core/_badge.html", "badge", unread=notify.unread_count(current_user.id))


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    """Mark one notification read and go to what it is about."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        deny(404, f"notification {notification_id}")
    with action():
        notify.mark_read(current_user.id, notification_id)
    return redirect_after_change(safe_next_url(note.link, url_for("core.notifications")))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all_notifications():
    """Mark every notification read."""
    with action() as outcome:
        count = notify.mark_read(current_user.id)
    if outcome.done:
        flash(_("已将 %(n)s 条通知标为已读。", n=count), "success")
    return redirect_after_change(url_for("core.notifications"))


@bp.route("/people/search")
@login_required
def people_search():
    """Type-ahead for the person picker: up to 10 active people by name, 工号 or pinyin initials — inside the
    user's admin and HR scopes when they hold one (see people.picker_clause)."""
    q = request.args.get("q", "")[:50]
    target = request.args.get("target", "")[:64]
    scopes = (scope_of(current_user, "admin"), scope_of(current_user, "hr"))
    results = people.find_people(q, scopes=scopes) if len(q.strip()) >= 1 else []
    return render("core/_people_results.html", "results", results=results, q=q, target=target)


@bp.route("/pick/<source>")
@login_required
def pick(source: str):
    """Type-ahead for the department and workshop pickers: at most pickers.PICK_LIMIT rows of what the field would
    accept for this user (core.pickers), so the route never names a row outside the field's allowed set."""
    found = pickers.get_source(source)
    if found is None:
        abort(404)
    name = request.args.get("field", "")[:64]
    q = request.args.get(f"{name}-q") if name else None
    q = (q if q is not None else request.args.get("q", ""))[:50]
    params = {key: request.args.get(key, "") for key in found.params}
    results = pickers.search(found, q, current_user, params)
    return render("core/_pick_results.html", "results", results=results, q=q,
                  target=request.args.get("target", "")[:64])


@bp.route("/locale", methods=["POST"])
def set_locale():
    """Switch the interface language; remembered on the user when signed in."""
    EmptyForm().validate_on_submit()
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        with action():
            people.set_locale(current_user, locale)
    return redirect_after_change(safe_next_url(request.form.get("next"), url_for("core.home")))
