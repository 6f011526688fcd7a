"""The password rules: policy (ASVS 6.2), hashing, and setting a new password (which ends the user's other sessions)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app
from flask_login import current_user
from werkzeug.security import generate_password_hash

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import User
from blueprints.core.sessions import end_all_sessions
from blueprints.core.types import utcnow

MIN_PASSWORD = 8
MAX_PASSWORD = 128  # ASVS 6.2.9: at least 64 characters must be allowed


@cache
def common_passwords() -> frozenset[str]:
    """The list of passwords too common to allow (ASVS 6.2.4), loaded once."""
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check_password_policy(password: str, employee_no: str | None = None, *, field: str = "password") -> None:
    """Raise DomainError (on the form field `field`) when the password is too short, too long, too common, or the
    工号 itself."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(N_("密码至少需要 %(n)s 个字符。"), field=field, n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise DomainError(N_("密码不能超过 %(n)s 个字符。"), field=field, n=MAX_PASSWORD)
    lowered = password.lower()
    if lowered in common_passwords() or (employee_no and lowered == employee_no.lower()):
        raise DomainError(N_("这个密码太常见，很容易被猜到，请换一个。"), field=field)


def hash_password(password: str) -> str:
    """Hash with the configured method (PBKDF2-SHA256, 600,000 rounds in production)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Give the user a new password and end every other login session of theirs (the caller's own one stays)."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.password_changed_at = utcnow()
    own = (current_user and current_user.is_authenticated and current_user.id == user.id
           and current_user.session_token)
    end_all_sessions(user, keep_token=current_user.session_token if own else None)
