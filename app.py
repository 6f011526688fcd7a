"""Application factory of the Worker Innovation & Skills Competition Portal (职工创新与技能竞赛平台)."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from blueprints.core.database import (
    configure_engine,
    include_schema_name,
    normalise_database_url,
    render_migration_item,
)
from extensions import babel, csrf, db, limiter, login_manager, migrate


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot run safely."""


DEFAULTS = {
    # "development" generates a SECRET_KEY into instance/; anything else refuses to start without one.
    "APP_ENV": "production",
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "MAX_CONTENT_LENGTH": 55 * 1024 * 1024,  # five 10 MB attachments plus the form itself
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,  # one attached file
    "UPLOAD_FOLDER": None,  # default: instance/uploads (outside static/)
    "BACKUP_FOLDER": None,  # default: instance/backups
    "TIMEZONE": "Asia/Shanghai",
    "CALENDAR_UID_DOMAIN": "skills-portal",  # the fixed @domain of .ics event UIDs (never the request's host)
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": {"zh_CN": "中文", "en": "English"},
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:600000",  # ASVS 6.2.x: PBKDF2-SHA256 with at least 600,000 rounds
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": False,
    "LOGIN_RATE_LIMIT": "10 per 15 minutes",
    "LOGIN_IP_RATE_LIMIT": "100 per 15 minutes",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=10),  # one working day
    # Send the session cookie only when it changed. Re-sending it on every response let a background poll (the
    # navbar badge) that overlapped a form post overwrite the newer cookie and lose the post's flash message;
    # the sign-in itself ends at a fixed time kept server-side (login_sessions.expires_at).
    "SESSION_REFRESH_EACH_REQUEST": False,
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    "SESSION_COOKIE_NAME": "portal_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_NAME": "portal_remember",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": False,
    "HTTPS": False,  # served over HTTPS (usually behind a proxy): Secure cookies and https URLs
    "PROXY_FIX": 0,  # number of trusted proxies in front of the app
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, so a long form is not lost
    "PAGE_SIZE": 20,
    "NOTIFICATION_POLL_SECONDS": 60,  # how often the navbar badge asks for the unread count
    "REDIS_URL": None,  # set: background jobs queue in Redis (workers on other hosts); unset: SQLite in instance/
    "JOBS_FOLDER": None,  # default: instance/jobs (the SQLite queue and each job's result file)
    "JOBS_IMMEDIATE": False,  # run each job inside the request that starts it (tests only)
    "JOBS_KEEP_DAYS": 7,  # `flask jobs clean` deletes result files older than this
    "IMPORT_INLINE_ROWS": 200,  # a people import of more rows is applied by a background job
}

# Environment variables read without the PORTAL_ prefix because deployments conventionally set them by these names.
PLAIN_ENV = ("SECRET_KEY", "DATABASE_URL", "APP_ENV", "RATELIMIT_STORAGE_URI", "REDIS_URL")


def load_config(app: Flask, test_config: dict | None) -> None:
    """Layer the configuration: defaults, then instance/config.py, then environment (or the test mapping)."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for key in PLAIN_ENV:
            if os.environ.get(key):
                app.config[key] = os.environ[key]
        app.config.from_prefixed_env("PORTAL")
    else:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        url = app.config.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.sqlite3'}"
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("connect_args", {"timeout": 15})
    app.config["UPLOAD_FOLDER"] = str(app.config["UPLOAD_FOLDER"] or instance / "uploads")
    app.config["BACKUP_FOLDER"] = str(app.config["BACKUP_FOLDER"] or instance / "backups")
    app.config["JOBS_FOLDER"] = str(app.config["JOBS_FOLDER"] or instance / "jobs")
    if app.config["HTTPS"]:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    app.config["SECRET_KEY"] = _secret_key(app, instance)
    if app.config["APP_ENV"] == "development" and app.config.get("TEMPLATES_AUTO_RELOAD") is None:
        app.config["TEMPLATES_AUTO_RELOAD"] = True  # Flask defines the key as None, so setdefault would not do


def _secret_key(app: Flask, instance: Path) -> str:
    """Return the configured key; in development generate one once into instance/, elsewhere refuse to guess."""
    if app.config.get("SECRET_KEY"):
        return app.config["SECRET_KEY"]
    if app.config["APP_ENV"] != "development":
        raise ConfigError(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable or put SECRET_KEY in "
            "instance/config.py (python -c 'import secrets; print(secrets.token_hex(32))' makes one). "
            "For local development only, set APP_ENV=development to have one generated."
        )
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def register_extensions(app: Flask) -> None:
    """Bind the extensions created in extensions.py to this app."""
    from blueprints.core.i18n import select_locale, select_timezone

    db.init_app(app)
    configure_engine(app)
    # Batch mode lets Alembic alter SQLite tables by copying them, since SQLite's ALTER TABLE is limited.
    migrate.init_app(app, db, render_as_batch=True, render_item=render_migration_item,
                     include_name=include_schema_name, directory=str(Path(app.root_path) / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)


def register_input_guards(app: Flask) -> None:
    """Input the portal never accepts, turned away before any view runs (QUALITY §12, issue 14).

    Ids in URLs are capped at the range of an id column (a bigger number is a 404); query strings and form bodies
    arrive cleaned of NUL, control and bidi characters (core.forms.CleanMultiDict); every form posts form-encoded
    data, so a JSON body to a form endpoint is refused with 415 (Flask-WTF would read it as form data and fail on
    an array or a number).
    """
    from flask import abort, request

    from blueprints.core.forms import PortalRequest
    from blueprints.core.types import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any blueprint adds a rule
    app.request_class = PortalRequest

    @app.before_request
    def refuse_json_bodies():
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.is_json:
            abort(415)


def register_blueprints(app: Flask) -> None:
    """Mount every domain blueprint under its URL prefix."""
    from blueprints.admin import bp as admin_bp
    from blueprints.auth import bp as auth_bp
    from blueprints.competitions import bp as competitions_bp
    from blueprints.contests import bp as contests_bp
    from blueprints.core import bp as core_bp
    from blueprints.honours import bp as honours_bp
    from blueprints.mentoring import bp as mentoring_bp
    from blueprints.projects import bp as projects_bp
    from blueprints.safety import bp as safety_bp
    from blueprints.stats import bp as stats_bp
    from blueprints.suggestions import bp as suggestions_bp
    from blueprints.training import bp as training_bp
    from blueprints.workshops import bp as workshops_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(workshops_bp, url_prefix="/workshops")
    app.register_blueprint(suggestions_bp, url_prefix="/suggestions")
    app.register_blueprint(training_bp, url_prefix="/training")
    app.register_blueprint(stats_bp, url_prefix="/stats")
    app.register_blueprint(competitions_bp, url_prefix="/competitions")
    app.register_blueprint(mentoring_bp, url_prefix="/mentoring")
    app.register_blueprint(projects_bp, url_prefix="/projects")
    app.register_blueprint(honours_bp, url_prefix="/honours")
    app.register_blueprint(safety_bp, url_prefix="/safety")
    app.register_blueprint(contests_bp, url_prefix="/contests")


def register_jobs(app: Flask) -> None:
    """The background job queue (huey), once every blueprint has registered its job kinds."""
    from blueprints.core.jobs import init_jobs

    init_jobs(app)


def register_errorhandlers(app: Flask) -> None:
    """Friendly error pages in the user's language, never a traceback."""
    from blueprints.core.errors import init_error_handlers

    init_error_handlers(app)


def register_request_hooks(app: Flask) -> None:
    """Security headers, htmx caching rules, login loading and template helpers."""
    from blueprints.auth.services import init_login
    from blueprints.core.web import init_web

    init_login(app)
    init_web(app)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_commands(app: Flask) -> None:
    """CLI commands: seed-demo, create-admin, import-users, backup and the domain ones."""
    from blueprints.core.commands import init_commands

    init_commands(app)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; test_config replaces instance/config.py and the environment."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config)
    register_extensions(app)
    register_input_guards(app)
    register_blueprints(app)
    register_jobs(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    return app
