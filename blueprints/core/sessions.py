"""Login sessions are rows (table login_sessions): the token's hash, and ending every session of a user."""
from __future__ import annotations

import hashlib

from sqlalchemy import delete

from blueprints.core.models import LoginSession, User
from extensions import db


def token_hash(token: str) -> str:
    """The sha256 kept in the table instead of the cookie's token, so a leaked database hands out no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def end_all_sessions(user: User, keep_token: str | None = None) -> None:
    """End every login session of a user (on deactivation or a new password), except the one of keep_token."""
    stmt = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(LoginSession.token_hash != token_hash(keep_token))
    db.session.execute(stmt)
