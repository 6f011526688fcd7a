"""Language and time-zone selection, and the formatting helpers templates use."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user


def N_(message: str) -> str:
    """Mark a message id for extraction without translating it yet (it is translated when shown)."""
    return message


def select_locale() -> str:
    """The signed-in user's saved language, else the one chosen this session, else zh_CN."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Every user sees times in the configured zone (default Asia/Shanghai)."""
    return current_app.config["TIMEZONE"]


def fmt_datetime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC datetime shown in the configured zone."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def fmt_date(value: date | datetime | None) -> str:
    """A date in ISO order, which reads naturally in Chinese and English alike."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd")
    return format_date(value, "yyyy-MM-dd")


def fmt_money(value: Decimal | int | None) -> str:
    """A yuan amount with thousands separators and two decimals, with the currency sign of the locale."""
    if value is None:
        return ""
    number = format_decimal(value, format="#,##0.00")
    return f"¥{number}" if str(get_locale()).startswith("zh") else f"CNY {number}"


def current_language() -> str:
    """The active interface language as a LANGUAGES key: "zh_CN" or "en"."""
    locale = get_locale()
    return "zh_CN" if locale is None or locale.language == "zh" else "en"
