"""In-app notifications: send one, list and count them, mark read."""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import func, select, update

from blueprints.core.models import Notification
from blueprints.core.types import utcnow
from extensions import db


def notify(user_id: int, message: str, link: str | None = None, **params) -> Notification:
    """Queue a notification; `message` is a Chinese msgid marked with N_(), rendered in the reader's language."""
    note = Notification(user_id=user_id, message=message, params=params, link=link)
    db.session.add(note)
    _changed()
    return note


def notify_many(user_ids, message: str, link: str | None = None, **params) -> int:
    """Send the same notification to several users with one bulk insert; returns how many were sent."""
    rows = [{"user_id": uid, "message": message, "params": params, "link": link, "created_at": utcnow()}
            for uid in dict.fromkeys(user_ids)]
    if rows:
        db.session.execute(Notification.__table__.insert(), rows)
        _changed()
    return len(rows)


def inbox_query(user_id: int):
    """The user's notifications (the list page orders them newest first)."""
    return select(Notification).where(Notification.user_id == user_id)


def notify_each(notes) -> int:
    """Send several notifications with one bulk insert, each its own (user_id, message, link, params); returns how
    many were sent. For batches whose parameters differ per person (a certificate number, a waitlist position)."""
    now = utcnow()
    rows = [{"user_id": uid, "message": message, "params": params, "link": link, "created_at": now}
            for uid, message, link, params in notes]
    if rows:
        db.session.execute(Notification.__table__.insert(), rows)
        _changed()
    return len(rows)


def unread_count(user_id: int) -> int:
    """How many notifications the user has not read."""
    return db.session.scalar(select(unread_count_column(user_id))) or 0


def unread_count_column(user_id):
    """SQL: the unread count of a user (an id or a column), e.g. beside the user in the user loader's query."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())


def prime_unread(user, count: int | None) -> None:
    """Remember the unread count the user loader read with the user, for the navbar of this request's page."""
    user.unread_at_load = count or 0


def unread_for_navbar(user) -> int:
    """The navbar's unread count: the one read with the user, unless this request sent or read notifications."""
    primed = getattr(user, "unread_at_load", None)
    if primed is not None and not (has_request_context() and g.get("_notifications_changed")):
        return primed
    return unread_count(user.id)


def _changed() -> None:
    """This request sent or marked notifications: the count read with the user is no longer to be trusted."""
    if has_request_context():
        g._notifications_changed = True


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of the user read; returns rows changed."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    _changed()
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount


def render_message(note: Notification) -> str:
    """The notification text in the current language, with its parameters filled in."""
    from flask_babel import gettext

    try:
        return gettext(note.message, **(note.params or {}))
    except (KeyError, ValueError, TypeError):
        return note.message
