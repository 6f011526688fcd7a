"""Authentication rules: password policy and hashing, login sessions, and the Flask-Login user loader."""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import LoginSession, User
from blueprints.core.types import utcnow
from extensions import db, login_manager

MIN_PASSWORD = 8
MAX_PASSWORD = 128  # ASVS 6.2.9: at least 64 characters must be allowed
_COMMON = None
# A real hash to compare against when the 工号 is unknown, so both failures take the same time.
_DUMMY_HASH: dict[str, str] = {}


def common_passwords() -> frozenset[str]:
    """The list of passwords too common to allow (ASVS 6.2.4), loaded once."""
    global _COMMON
    if _COMMON is None:
        text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
        _COMMON = frozenset(line.strip().lower() for line in text.splitlines() if line.strip()
                            and not line.startswith("#"))
    return _COMMON


def check_password_policy(password: str, employee_no: str | None = None) -> None:
    """Raise DomainError when the password is too short, too long, too common, or the 工号 itself."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(N_("密码至少需要 %(n)s 个字符。"), field="password", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise DomainError(N_("密码不能超过 %(n)s 个字符。"), field="password", n=MAX_PASSWORD)
    lowered = password.lower()
    if lowered in common_passwords() or (employee_no and lowered == employee_no.lower()):
        raise DomainError(N_("这个密码太常见，很容易被猜到，请换一个。"), field="password")


def hash_password(password: str) -> str:
    """Hash with the configured method (PBKDF2-SHA256, 600,000 rounds in production)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Give the user a new password and end every other login session of theirs."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.password_changed_at = utcnow()
    keep = _token_hash(current_user.session_token) if (
        current_user and current_user.is_authenticated and current_user.id == user.id
        and current_user.session_token) else None
    stmt = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        stmt = stmt.where(LoginSession.token_hash != keep)
    db.session.execute(stmt)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(employee_no: str, password: str) -> User | None:
    """The active user with this 工号 and password, or None; an unknown 工号 costs as much as a wrong password."""
    user = db.session.scalar(select(User).where(func.lower(User.employee_no) == employee_no.strip().lower()))
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
        token_hash=_token_hash(token), user_id=user.id, expires_at=utcnow() + lifetime,
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


def end_session() -> None:
    """Sign out: delete this login session so the cookie, even replayed, no longer works."""
    if current_user.is_authenticated and current_user.session_token:
        db.session.execute(delete(LoginSession).where(
            LoginSession.token_hash == _token_hash(current_user.session_token)))
        audit.record("auth.logout", target=current_user)
    logout_user()
    session.clear()


def end_all_sessions(user: User) -> None:
    """End every login session of a user (on deactivation)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def load_user(token: str) -> User | None:
    """Flask-Login loader: the user behind a live login session token, if still active."""
    row = db.session.execute(
        select(User, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    user, expires_at = row
    if expires_at < utcnow() or not user.active:
        return None
    user.session_token = token
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
    if request.path != "/":  # opening the portal itself needs no warning
        flash(gettext("请先登录。"), "warning")
    return redirect(target)


