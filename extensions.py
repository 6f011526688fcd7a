"""Flask extensions, created unbound here and bound to the app in create_app()."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import DeclarativeBase

# Alembic needs predictable constraint names to alter or drop them later, above all in SQLite batch mode.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; carries the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PortalSession(Session):
    """Flask-SQLAlchemy's session, letting `route_engine` (core.database sets it) pick the engine of a transaction.

    The hook lives here because core.database imports `db`; it gives read-only requests on PostgreSQL an
    autocommit engine (no BEGIN and COMMIT round trips), everything else the app's engine.
    """

    route_engine: ClassVar[Callable[[Engine], Engine] | None] = None

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        """The engine Flask-SQLAlchemy picks, or the one route_engine trades it for."""
        chosen = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        route = PortalSession.route_engine
        return route(chosen) if route is not None and isinstance(chosen, Engine) else chosen


db = SQLAlchemy(model_class=Base, session_options={"class_": PortalSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage comes from RATELIMIT_STORAGE_URI: memory:// in development, redis://… when several workers share limits.
# It holds the sign-in counters of blueprints/auth/throttle.py, which counts each attempt before its check.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
