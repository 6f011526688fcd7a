"""The local zone and "today": times are stored in UTC and shown, dated and counted in the configured zone."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from blueprints.core.types import utcnow

DEFAULT_ZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    """The configured time zone (TIMEZONE, default Asia/Shanghai); the default outside an app context."""
    name = current_app.config.get("TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def to_local(moment: datetime) -> datetime:
    """An aware datetime in the local zone."""
    return moment.astimezone(local_zone())


def local_now() -> datetime:
    """Now, as an aware datetime in the local zone."""
    return to_local(utcnow())


def local_today() -> date:
    """Today's date in the local zone (a date typed by a user is compared against this)."""
    return local_now().date()


def local_year(moment: datetime | None = None) -> int:
    """The local calendar year of a moment (default now): serials, certificates and statistics count by it."""
    return to_local(moment or utcnow()).year


def from_local_naive(value: datetime) -> datetime:
    """A naive local wall-clock time (as typed in a form) as an aware UTC datetime."""
    return value.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local_naive(value: datetime) -> datetime:
    """An aware datetime as naive local wall-clock time (for form fields and spreadsheets)."""
    return to_local(value).replace(tzinfo=None)
