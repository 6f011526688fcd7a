"""Shared web plumbing: the request pipeline, htmx fragment rendering, redirects, security headers, template globals."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, flash, g, redirect, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape
from wtforms import ValidationError

from blueprints.core import i18n
from blueprints.core.errors import DomainError
from blueprints.core.labels import ROLE_LABELS
from extensions import db

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


@dataclass
class Outcome:
    """What a view's action came to: done (committed), or refused with the service's DomainError (rolled back)."""

    done: bool = False
    error: DomainError | None = None

    @property
    def message(self) -> str:
        """The refusal in the user's language ("" when the action was done)."""
        return str(self.error) if self.error is not None else ""


def show_error(error: DomainError, form=None, *, flash_message: bool = True) -> None:
    """Put a refusal on the form field it names, else in a flash message (unless the caller shows it itself)."""
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(error)]
    elif flash_message:
        flash(str(error), "danger")


@contextmanager
def action(form=None, *, flash_error: bool = True) -> Iterator[Outcome]:
    """The request pipeline around a view's action: commit once when it succeeds; on a DomainError roll back and
    show the message on the form's field (or as a flash, unless flash_error=False because a fragment shows it).

        with action(form) as outcome:
            services.do_it(...)
        if outcome.done:
            return redirect_after_change(...)

    Any other exception rolls back and propagates to the error handler. Services only flush; views never commit.
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        outcome.error = error
        show_error(error, form, flash_message=flash_error)
    except BaseException:
        db.session.rollback()
        raise
    else:
        db.session.commit()
        outcome.done = True


def commit_read_side_effect() -> None:
    """Commit what a read-only page recorded on the way (an audit row of an export, a notification marked read)."""
    db.session.commit()


def is_fragment_request() -> bool:
    """An htmx request that wants a fragment (boosted navigations want the whole page, and so does htmx restoring a
    page from history after "back", which swaps the answer into the whole <body>)."""
    return (request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(template: str, block: str | None = None, **context):
    """Render the named block for an htmx request and the whole page otherwise: one URL serves both."""
    if block and is_fragment_request():
        return render_block(template, block, **context)
    return render_template(template, **context)


def redirect_after_change(location: str):
    """After a successful change: HX-Redirect for htmx (it ignores 3xx headers), 303 See Other otherwise."""
    if is_fragment_request():
        response = current_app.response_class(status=200)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


def safe_next_url(target: str | None, fallback: str) -> str:
    """Only follow a local path after login or a language switch, never an absolute URL (open redirect)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def _security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # One URL answers with a page or a fragment depending on HX-Request, so caches must key on it.
    headers.add("Vary", "HX-Request")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages carry personal data; only the vendored assets may be cached.
        headers["Cache-Control"] = "no-store"
    return response


def has_endpoint(endpoint: str) -> bool:
    """Whether a route exists, so the navbar links only to domains that are installed."""
    return endpoint in current_app.view_functions


def select_options(choices, selected=None) -> Markup:
    """<option> tags for (value, label) pairs, escaped and joined in one pass: a city's filter boxes hold hundreds
    of entries, which a Jinja loop (or Markup.format) renders ten times slower."""
    chosen = str(selected) if selected is not None else None
    tags = []
    for value, label in choices:
        value = str(value)
        mark = " selected" if value == chosen else ""
        tags.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    # Safe to mark: every value and label above went through escape().
    return Markup("".join(tags))  # noqa: S704  # nosec B704


class UrlPattern:
    """A route's URL built once with holes, filled per row by joining strings: a list of 20–200 rows asks for one
    url_for instead of one per row and link (Werkzeug builds a URL in about 10 µs, a join in well under 1).

        detail = UrlPattern("suggestions.detail", "suggestion_id")
        detail(42)  # == url_for("suggestions.detail", suggestion_id=42)

    Holes are filled in the order they are named, which must be their order in the URL; they take ids and plain
    words (anything else is percent-quoted). Other values are fixed when the pattern is built.
    """

    _PROBE = 7_364_019_250  # a number that no route, fixed value or host name holds

    def __init__(self, endpoint: str, *holes: str, **values):
        from flask import url_for

        probes = [str(self._PROBE + i) for i in range(len(holes))]
        url = url_for(endpoint, **values, **dict(zip(holes, probes, strict=True)))
        parts = [url]
        for hole, probe in zip(holes, probes, strict=True):
            head, found, tail = parts[-1].partition(probe)
            if not found:
                raise ValueError(f"{endpoint}: {hole} is not where expected in {url}")
            parts[-1:] = [head, tail]
        self._parts = parts

    def __call__(self, *values) -> str:
        filled = [self._parts[0]]
        for value, part in zip(values, self._parts[1:], strict=True):
            filled += (str(value) if isinstance(value, int) else quote(str(value), safe=""), part)
        return "".join(filled)


FRAGMENT_CACHE_SIZE = 2000  # entries per process: languages × role sets × endpoints actually visited


T = TypeVar("T")


def per_language(name: str, build: Callable[[], T]) -> T:
    """What `build()` returns, made once per process and language and then reused (afresh every time while
    templates reload): badges and labels a list shows on every row, rendered by their macros."""
    app = current_app._get_current_object()
    cache = app.extensions.setdefault(name, {})
    locale = str(get_locale())
    if locale not in cache or app.jinja_env.auto_reload:
        cache[locale] = build()
    return cache[locale]


def cached_fragment(template: str, *key, **context) -> Markup:
    """A part of every page rendered once per process for each language, URL root, `key` and `context`, then reused:
    the main menu (per role set and endpoint), the asset links, a list's filter form (per filter values). Such a
    template may read nothing but what the key and the context name; the context's values are part of the key, so
    they must be hashable. Rendered afresh every time while templates reload (development), so edits show at once."""
    app = current_app._get_current_object()
    cache = app.extensions.setdefault("cached_fragments", {})
    full_key = (template, str(get_locale()), request.script_root, *key, *sorted(context.items()))
    found = cache.get(full_key)
    if found is None or app.jinja_env.auto_reload:
        if len(cache) >= FRAGMENT_CACHE_SIZE:
            cache.clear()
        found = cache[full_key] = Markup(render_template(template, **context))  # noqa: S704  # nosec B704
    return found


def _template_globals() -> dict:
    from blueprints.core.notify import unread_for_navbar

    def unread() -> int:
        return unread_for_navbar(current_user) if current_user.is_authenticated else 0

    return {
        "is_fragment_request": is_fragment_request,
        "languages": current_app.config["LANGUAGES"],
        "has_endpoint": has_endpoint,
        "unread_notifications": unread,
        "role_labels": ROLE_LABELS,
    }


# Signed CSRF tokens by (signing key, the session's raw token). Flask-WTF signs the session's raw token again on
# every request that shows a form (0.1 ms, 3% of a list page under gunicorn). With WTF_CSRF_TIME_LIMIT None the
# signature's time is never checked, so a token signed once stays valid for as long as the session keeps its raw
# token; a sign-in or sign-out replaces the raw token, and with it the key.
_SIGNED_CSRF: dict[tuple[object, str], str] = {}
_SIGNED_CSRF_MAX = 10_000


def _signed_csrf_key() -> tuple[str, tuple[object, str | None]] | None:
    """The g attribute Flask-WTF caches its token in and this session's key in _SIGNED_CSRF, or None when
    tokens expire (then each request signs its own)."""
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return None
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return field, (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, session.get(field))


def _reuse_signed_csrf() -> None:
    """Before a request: hand generate_csrf this session's token signed earlier, where it looks first (g)."""
    found = _signed_csrf_key()
    if found is not None and (signed := _SIGNED_CSRF.get(found[1])) is not None:
        setattr(g, found[0], signed)
        g.csrf_reused = True


def _keep_signed_csrf(response):
    """After a request that signed a token: keep it for the session's next pages, if it is still the session's."""
    found = None if g.get("csrf_reused") else _signed_csrf_key()
    if found is None or not isinstance(signed := g.get(found[0]), str) or found[1][1] is None:
        return response
    try:
        validate_csrf(signed)  # a sign-in during the request replaced the raw token the page's token was signed for
    except ValidationError:
        return response
    if len(_SIGNED_CSRF) >= _SIGNED_CSRF_MAX:
        _SIGNED_CSRF.clear()
    _SIGNED_CSRF[found[1]] = signed
    return response


def init_web(app: Flask) -> None:
    """Register the after-request headers and the helpers every template can use."""
    app.after_request(_security_headers)
    app.before_request(_reuse_signed_csrf)
    app.after_request(_keep_signed_csrf)
    app.context_processor(_template_globals)
    i18n.install_template_gettext(app)
    app.add_template_filter(i18n.fmt_datetime, "datetime")
    app.add_template_filter(i18n.fmt_date, "date")
    app.add_template_filter(i18n.fmt_money, "money")
    app.jinja_env.globals["select_options"] = select_options
    app.jinja_env.globals["cached_fragment"] = cached_fragment
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["current_language"] = i18n.current_language
