"""Sign in, sign out and change password."""
from __future__ import annotations

from flask import flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.auth import bp, services, throttle
from blueprints.auth.forms import LoginForm, PasswordChangeForm
from blueprints.core import audit
from blueprints.core.forms import EmptyForm
from blueprints.core.web import action, redirect_after_change, safe_next_url


def _refusal(status: int, title: str, text: str, retry_after: int = 0):
    """A sign-in refused before its password is checked, on the shared error page in the user's language."""
    response = make_response(render_template("errors/error.html", status=status, title=title, text=text), status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and sign the user in.

    Only a form post is read, and each attempt is counted (throttle.count_attempt) before its password is checked;
    a successful sign-in refunds its attempt, so only failures use up the allowance.
    """
    if current_user.is_authenticated:
        return redirect_after_change(url_for("core.home"))
    if request.method == "POST" and not throttle.is_form_post():
        # A JSON body would be read by the form but not by the throttle key: refuse it before any check.
        return _refusal(415, _("请求无效"), _("请在登录页面填写工号和密码后点击“登录”提交。"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    typed = form.employee_no.data.strip()
    attempt = throttle.count_attempt(form.employee_no.data)
    if not attempt.allowed:
        with action():
            audit.record("auth.login_failed", actor_label=typed, detail="throttled")
        return _refusal(429, _("尝试次数过多"), _("登录尝试次数过多，请 %(minutes)s 分钟后再试。",
                                                  minutes=attempt.retry_minutes), attempt.retry_after)
    user = services.authenticate(form.employee_no.data, form.password.data)
    if user is None:
        with action():
            audit.record("auth.login_failed", actor_label=typed)
        # One message for an unknown 工号, a wrong password and a deactivated account: no account enumeration.
        form.password.errors.append(_("工号或密码不正确。"))
        return render_template("auth/login.html", form=form)
    with action():
        services.start_session(user, remember=form.remember.data)
    attempt.refund()
    if user.must_change_password:
        flash(_("管理员重置了您的密码，请先设置一个新密码。"), "warning")
        return redirect_after_change(url_for("auth.password"))
    return redirect_after_change(safe_next_url(request.args.get("next"), url_for("core.home")))


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
