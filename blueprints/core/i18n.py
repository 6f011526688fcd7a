"""Language and time-zone selection, and the formatting helpers templates use."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from flask import current_app, g, has_app_context, has_request_context, session
from flask_babel import format_datetime, format_decimal, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from blueprints.core.clock import to_local


def N_(message: str) -> str:
    """Mark a message id for extraction without translating it yet (it is translated when shown)."""
    return message


def select_locale() -> Locale:
    """The signed-in user's saved language, else the one chosen this session, else zh_CN."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background jobs speak the default language
        return parsed_locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return parsed_locale(current_user.locale)
    chosen = session.get("locale")
    if chosen in languages:
        return parsed_locale(chosen)
    return parsed_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


@cache
def parsed_locale(code: str) -> Locale:
    """A Locale parsed once per process: Flask-Babel parses the selector's answer on every request unless it is
    already a Locale, and parsing "zh_CN" scans every locale Babel knows (half a millisecond a page)."""
    return Locale.parse(code)


def select_timezone() -> str:
    """Every user sees times in the configured zone (default Asia/Shanghai)."""
    return current_app.config["TIMEZONE"]


DATETIME_FORMAT = "yyyy-MM-dd HH:mm"


def fmt_datetime(value: datetime | None, fmt: str = DATETIME_FORMAT) -> str:
    """A UTC datetime shown in the configured zone."""
    if value is None:
        return ""
    if fmt == DATETIME_FORMAT:
        # The same digits Babel writes for this pattern in every locale, without its pattern machinery (a list
        # page shows a date per row; Babel took 40 µs for each).
        local = _local(value)
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
    return format_datetime(value, fmt)


def fmt_date(value: date | datetime | None) -> str:
    """A date in ISO order, which reads naturally in Chinese and English alike."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _local(value: datetime) -> datetime:
    """A stored datetime (naive means UTC, as Flask-Babel reads it) in the configured zone."""
    return to_local(value if value.tzinfo is not None else value.replace(tzinfo=UTC))


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


# Each Locale that select_locale hands out (one object per language) with its translations. Flask-Babel's own
# template gettext looks the request context up three times and spells the locale's name out on every call; a page
# translates about a hundred strings.
_TRANSLATIONS: dict[int, tuple[Locale | None, object]] = {}


def _translations():
    # Flask-Babel keeps the request's locale on g._flask_babel once it has been selected (force_locale swaps it);
    # reading it from the app context's g directly costs one context lookup instead of get_locale()'s three.
    babel_state = getattr(g._get_current_object(), "_flask_babel", None) if has_app_context() else None
    locale = getattr(babel_state, "babel_locale", None) or get_locale()
    found = _TRANSLATIONS.get(id(locale))
    if found is None or found[0] is not locale:
        if len(_TRANSLATIONS) > 32:  # force_locale parses a new Locale each time: keep the map small
            _TRANSLATIONS.clear()
        found = _TRANSLATIONS[id(locale)] = (locale, get_translations())
    return found[1]


# A template's `_("…")` without variables, translated and escaped, per catalogue (Flask-Babel keeps one catalogue
# object per language). Jinja's new-style gettext passes each call through three Context.call layers, wraps the
# text in Markup and formats it with no variables: 7% of a list page's time under gunicorn, for the same answer.
_PLAIN_TEXTS: dict[tuple[object, str], Markup] = {}
_PLAIN_TEXTS_MAX = 20_000  # `_(value)` of a stored value could otherwise grow it without end


@pass_context
def template_gettext(context, string: str, **variables) -> str:
    """Jinja's new-style gettext (the text is always a format string, escaped under autoescape), with the
    answer to a call without variables kept per catalogue and text."""
    translations = _translations()
    if not context.eval_ctx.autoescape:
        return translations.ugettext(string) % variables
    if variables:
        return Markup(translations.ugettext(string)) % variables  # noqa: S704  # nosec B704 - our catalogue, as Jinja's
    key = (translations, string)
    text = _PLAIN_TEXTS.get(key)
    if text is None:
        if len(_PLAIN_TEXTS) >= _PLAIN_TEXTS_MAX:
            _PLAIN_TEXTS.clear()
        text = _PLAIN_TEXTS[key] = Markup(translations.ugettext(string)) % {}  # noqa: S704  # nosec B704
    return text


def install_template_gettext(app) -> None:
    """Give templates `_`, `ngettext`, `pgettext` and `npgettext` that find the request's translations quickly
    (the same catalogues and the same answers as Flask-Babel's)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # `_` is the i18n extension's alias that looks `gettext` up on each call; both now name the function itself.
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = template_gettext
