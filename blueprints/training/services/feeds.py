"""The secret of a person's calendar subscription URL."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from blueprints.core import audit
from blueprints.core.models import User
from blueprints.core.types import utcnow
from blueprints.training.models import FeedToken
from extensions import db

# --- Calendar feed token ----------------------------------------------------------------------------------


def feed_token(user_id: int, reset: bool = False) -> str:
    """The secret of the person's calendar subscription URL, created on first use; reset makes a new one."""
    row = db.session.get(FeedToken, user_id)
    if row is None:
        row = FeedToken(user_id=user_id, token=secrets.token_urlsafe(24))
        db.session.add(row)
    elif reset:
        row.token = secrets.token_urlsafe(24)
        row.created_at = utcnow()
    db.session.flush()
    return row.token


def subscribe_feed(user: User, reset: bool = False) -> str:
    """Create (or with reset replace) the person's calendar subscription secret, audited; returns it."""
    token = feed_token(user.id, reset=reset)
    audit.record("training.feed_reset" if reset else "training.feed_created", target=user)
    return token


def user_for_feed(token: str) -> int | None:
    """The user id a calendar subscription secret belongs to."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(FeedToken.user_id).where(FeedToken.token == token))
