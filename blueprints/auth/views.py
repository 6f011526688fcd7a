"""Sign in, sign out and change password."""
from __future__ import annotations

from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.auth import bp, services
from blueprints.auth.forms import LoginForm, PasswordChangeForm
from blueprints.core import audit
from blueprints.core.forms import EmptyForm
from blueprints.core.web import action, redirect_after_change, safe_next_url
from extensions import db, limiter


def _login_key() -> str:
    """Throttle per account as typed, so spreading guesses over addresses does not help."""
    return "login:" + request.form.get("employee_no", "").strip().lower()[:32]


def _failed(response) -> bool:
    """Only failed attempts (the form shown again) use up the allowance."""
    return response.status_code != 303


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_key, methods=["POST"],
               deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_IP_RATE_LIMIT"], methods=["POST"], deduct_when=_failed)
def login():
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect_after_change(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.employee_no.data, form.password.data)
        if user is not None:
            services.start_session(user, remember=form.remember.data)
            db.session.commit()
            if user.must_change_password:
                flash(_("管理员重置了您的密码，请先设置一个新密码。"), "warning")
                return redirect_after_change(url_for("auth.password"))
            return redirect_after_change(safe_next_url(request.args.get("next"), url_for("core.home")))
        audit.record("auth.login_failed", actor_label=form.employee_no.data.strip())
        db.session.commit()
        # One message for an unknown 工号, a wrong password and a deactivated account: no account enumeration.
        form.password.errors.append(_("工号或密码不正确。"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, with the CSRF token)."""
    EmptyForm().validate_on_submit()  # CSRFProtect has already checked the token
    with action():
        services.end_session()
    flash(_("您已安全退出。"), "info")
    return redirect_after_change(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password (forced after an admin reset)."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with action(form) as outcome:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        if outcome.done:
            flash(_("密码已修改。其他设备上的登录已全部退出。"), "success")
            return redirect_after_change(url_for("core.home"))
    return render_template("auth/password.html", form=form)
