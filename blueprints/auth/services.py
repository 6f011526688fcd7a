"""Authentication: signing in and out, changing one's password, and the Flask-Login user loader (the password rules
themselves are in core.passwords)."""
from __future__ import annotations

import secrets

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import Select, bindparam, delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from blueprints.core import audit, notify, scopes, settings
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import LoginSession, User
from blueprints.core.passwords import (  # noqa: F401  (re-exported: the rules live in core)
    MAX_PASSWORD,
    MIN_PASSWORD,
    check_password_policy,
    common_passwords,
    hash_password,
    set_password,
)
from blueprints.core.people import login_key
from blueprints.core.sessions import end_all_sessions, token_hash  # noqa: F401
from blueprints.core.types import utcnow
from extensions import db, login_manager

# A real hash to compare against when the 工号 is unknown, so both failures take the same time.
_DUMMY_HASH: dict[str, str] = {}


def authenticate(employee_no: str, password: str) -> User | None:
    """The active user with this 工号 and password, or None; an unknown 工号 costs as much as a wrong password."""
    user = db.session.scalar(select(User).where(func.lower(User.employee_no) == login_key(employee_no)))
    if user is None or not user.password_hash:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        dummy = _DUMMY_HASH.setdefault(method, generate_password_hash("not-a-password", method=method))
        check_password_hash(dummy, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if not user.active:
        return None
    return user


def start_session(user: User, remember: bool) -> None:
    """Sign the user in with a fresh login session; the old session cookie's contents are discarded (no fixation)."""
    token = secrets.token_urlsafe(32)
    lifetime = (current_app.config["REMEMBER_COOKIE_DURATION"] if remember
                else current_app.config["PERMANENT_SESSION_LIFETIME"])
    db.session.add(LoginSession(
        token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + lifetime,
        ip=audit.client_ip(), user_agent=(request.user_agent.string or "")[:200],
    ))
    # Drop expired rows of this user while we are here, so the table does not grow without bound.
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id,
                                                  LoginSession.expires_at < utcnow()))
    session.clear()
    session.permanent = True
    user.session_token = token
    login_user(user, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
    audit.record("auth.login", target=user, actor=user)


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password: the current one must match, the new one must pass the policy and differ."""
    if not check_password_hash(user.password_hash or "", current):
        raise DomainError(N_("当前密码不正确。"), field="current_password")
    check_password_policy(new, user.employee_no, field="new_password")
    if new == current:
        raise DomainError(N_("新密码不能与当前密码相同。"), field="new_password")
    set_password(user, new)
    audit.record("auth.password_changed", target=user)


def end_session() -> None:
    """Sign out: delete this login session so the cookie, even replayed, no longer works."""
    if current_user.is_authenticated and current_user.session_token:
        db.session.execute(delete(LoginSession).where(
            LoginSession.token_hash == token_hash(current_user.session_token)))
        audit.record("auth.logout", target=current_user)
    logout_user()
    session.clear()


# The user loader's statement, built once per database dialect: every request runs it, and building it (aliases,
# correlated subqueries, their cache key) cost several times what running it does.
_LOADER_STATEMENTS: dict[str, Select] = {}


def _loader_statement() -> Select:
    dialect = db.session.get_bind().dialect.name
    stmt = _LOADER_STATEMENTS.get(dialect)
    if stmt is None:
        stmt = (select(User, LoginSession.expires_at, scopes.grants_summary(User.id),
                       scopes.home_enterprise_path(User.department_id), scopes.federation_exists(),
                       notify.unread_count_column(User.id), settings.city_settings_column())
                .join(LoginSession, LoginSession.user_id == User.id)
                .where(LoginSession.token_hash == bindparam("token_hash")))
        _LOADER_STATEMENTS[dialect] = stmt
    return stmt


def load_user(token: str) -> User | None:
    """Flask-Login loader: the user behind a live login session token, if still active (with the request's scopes
    and the navbar's unread count, in the same statement)."""
    row = db.session.execute(_loader_statement(), {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    user, expires_at, grants, home_path, federation, unread, city_settings = row
    if expires_at < utcnow() or not user.active:
        return None
    user.session_token = token
    scopes.prime(user.id, grants)  # the request's scopes come with the user: no query of their own
    user.home_path, user.in_federation = home_path, bool(federation)
    notify.prime_unread(user, unread)
    settings.prime(city_settings)
    return user


PASSWORD_EXEMPT = {"auth.password", "auth.logout", "static", "core.healthz", "core.set_locale"}


def _force_password_change():
    """After an admin reset, nothing but the password page is reachable until the user picks a new one."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in PASSWORD_EXEMPT):
        return redirect(url_for("auth.password"))
    return None


def init_login(app: Flask) -> None:
    """Wire Flask-Login to login sessions."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_force_password_change)


def _unauthorized():
    """Send anonymous visitors to sign in; an htmx request (e.g. the badge after the session ended) navigates."""
    from flask import flash
    from flask_babel import gettext

    from blueprints.core.web import is_fragment_request

    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if is_fragment_request():
        response = current_app.response_class(status=200)
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    message = gettext("请先登录。")
    # Opening the portal itself needs no warning; and repeated visits before signing in (a reload, a bookmark
    # opened twice) keep one warning, not a list that grows in the session cookie until the browser drops it.
    if request.path != "/" and ("warning", message) not in session.get("_flashes", []):
        flash(message, "warning")
    return redirect(target)


