"""Shared fixtures: the app on a temporary SQLite file (or PostgreSQL), a CSRF-aware client, auth and factories."""
from __future__ import annotations

import functools
import itertools
import os
import re
import secrets
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, text
from werkzeug.security import generate_password_hash

from app import create_app
from blueprints.core.models import SCOPED_ROLES, Department, RoleGrant, User
from blueprints.core.people import pinyin_key
from extensions import db

# Each domain keeps its factory fixtures in its own module, so domains never edit this file at the same time.
pytest_plugins = ["tests.fixtures_workshops", "tests.fixtures_suggestions", "tests.fixtures_training",
                  "tests.fixtures_stats", "tests.security_world", "tests.fixtures_honours",
                  "tests.fixtures_safety"]
# The competitions, contests and mentoring tests each import their own `world` fixture (one name, three worlds).

TEST_PASSWORD = "Correct-Horse-42"
FAST_HASH = "pbkdf2:sha256:1000"
IN_CI = os.environ.get("CI") == "true" or os.environ.get("REQUIRE_POSTGRES") == "1"


def base_config(tmp_path) -> dict:
    """Configuration every test app shares; CSRF stays on (the client adds the token itself)."""
    return {
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "BACKUP_FOLDER": str(tmp_path / "backups"),
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Background jobs run inside the request that starts them (tests/test_jobs.py runs a real worker too).
        "JOBS_IMMEDIATE": True,
        "JOBS_FOLDER": str(tmp_path / "jobs"),
    }


def postgres_url() -> str:
    """TEST_DATABASE_URL with a schema of this xdist worker's own, so parallel workers never collide."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if IN_CI:
            pytest.fail("TEST_DATABASE_URL is required in CI")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    return url


def schema_name(suffix: str) -> str:
    """A PostgreSQL schema unique to this checkout and xdist worker, so parallel runs never share one."""
    import hashlib
    from pathlib import Path

    checkout = hashlib.sha1(str(Path(__file__).resolve().parent.parent).encode()).hexdigest()[:6]  # noqa: S324
    return f"test_{checkout}_{suffix}"


def _pg_schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def _migrate(url: str, tmp_path) -> None:
    """Build a schema the way production does: alembic upgrade to head."""
    from flask_migrate import upgrade

    config = base_config(tmp_path)
    config["SQLALCHEMY_DATABASE_URI"] = url
    application = create_app(config)
    with application.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file built once per session; each test gets its own copy."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    _migrate(f"sqlite:///{path}", folder)
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


@pytest.fixture(scope="session")
def postgres_schema(tmp_path_factory):
    """A migrated PostgreSQL schema of this xdist worker, built once; tests truncate it."""
    url = postgres_url()
    schema = schema_name(os.environ.get("PYTEST_XDIST_WORKER", "gw0"))
    _reset_pg_schema(url, schema)
    schema_url = _pg_schema_url(url, schema)
    _migrate(schema_url, tmp_path_factory.mktemp("pg"))
    return schema_url


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, sqlite_template):
    """The migrated database with the demo data, built once per session."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite3"
    import shutil

    shutil.copy(sqlite_template, path)
    config = base_config(folder)
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    application = create_app(config)
    result = application.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with application.app_context():
        db.engine.dispose()
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path



@pytest.fixture
def demo_app(tmp_path, demo_template):
    """The app on a fresh copy of the demo database (seed-demo), for tests that want a realistic world."""
    import shutil

    shutil.copy(demo_template, tmp_path / "test.sqlite3")
    application = create_app(base_config(tmp_path))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _truncate_all(url: str) -> None:
    from sqlalchemy import create_engine

    from blueprints.core.database import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        tables = [t.name for t in db.metadata.sorted_tables]
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(request, tmp_path):
    """The app on a fresh migrated database; parametrize indirectly with "postgres" to run on PostgreSQL."""
    import shutil

    backend = getattr(request, "param", "sqlite")
    config = base_config(tmp_path)
    config.update(_marker_config(request))
    if backend == "postgres":
        url = request.getfixturevalue("postgres_schema")
        _truncate_all(url)
        config["SQLALCHEMY_DATABASE_URI"] = url
    else:
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "test.sqlite3")
    application = create_app(config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _marker_config(request) -> dict:
    marker = request.node.get_closest_marker("app_config")
    return dict(marker.args[0]) if marker else {}


def _reset_pg_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine

    from blueprints.core.database import normalise_database_url

    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        _trigram_extension_in_public(conn)
    engine.dispose()


def _trigram_extension_in_public(conn) -> None:
    """Install pg_trgm (the search index of migration 0006) in public, once for every worker.

    Left to the migration, it would land in the first worker's own schema, and dropping that schema would
    cascade into every other worker's search index.
    """
    conn.execute(text("SELECT pg_advisory_lock(7206)"))
    try:
        where = conn.execute(text("SELECT extnamespace::regnamespace::text FROM pg_extension "
                                  "WHERE extname = 'pg_trgm'")).scalar()
        if where is None:
            conn.execute(text("CREATE EXTENSION pg_trgm SCHEMA public"))
        elif where != "public":
            conn.execute(text("ALTER EXTENSION pg_trgm SET SCHEMA public"))
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(7206)"))


both_backends = pytest.mark.parametrize("app", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                                        indirect=True)


class PortalClient(FlaskClient):
    """A test client that sends the CSRF token as the X-CSRFToken header, unless told csrf=False."""

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def open(self, *args, **kwargs):
        send_token = kwargs.pop("csrf", True)
        method = (kwargs.get("method") or "GET").upper()
        if send_token and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = PortalClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_department(app):
    """Factory: make_department(name=..., parent=..., code=..., kind=...) -> Department (committed); the kind
    defaults to the usual next level down (core.org)."""

    def make(name: str | None = None, parent: Department | None = None, code: str | None = None,
             kind: str | None = None) -> Department:
        from blueprints.core.people import create_department

        n = next(_counter)
        with app.app_context():
            dept = create_department(code or f"D{n:04d}", name or f"部门{n}", parent, kind=kind)
            db.session.commit()
            db.session.refresh(dept)
            db.session.expunge(dept)
        return dept

    return make


@functools.cache
def _password_hash(password: str) -> str:
    return generate_password_hash(password, method=FAST_HASH)


def _add_user(*, employee_no: str, name: str, roles=("worker",), department: Department | None = None,
              password: str = TEST_PASSWORD, **fields) -> User:
    """The one way tests build a user: the row with its pinyin key, roles and a password, added to the session."""
    if department is not None:
        fields["department_id"] = department.id
    user = User(employee_no=employee_no, name=name, name_pinyin=pinyin_key(name),
                password_hash=_password_hash(password), **fields)
    user.set_roles(roles)
    db.session.add(user)
    if set(roles) & set(SCOPED_ROLES):
        # As production does (core.grants): a scoped role comes with a grant; a factory user's covers everything.
        db.session.flush()
        db.session.add_all(RoleGrant(user_id=user.id, role=role) for role in roles if role in SCOPED_ROLES)
    return user


@pytest.fixture
def make_user(app):
    """Factory: make_user(employee_no=..., roles=("worker",), department=..., **fields) -> User (committed)."""

    def make(employee_no: str | None = None, roles=("worker",), department: Department | None = None,
             name: str | None = None, password: str | None = None, **fields) -> User:
        n = next(_counter)
        with app.app_context():
            user = _add_user(employee_no=employee_no or f"u{n:05d}", name=name or f"测试员{n}", roles=roles,
                             department=department, password=password or TEST_PASSWORD, **fields)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


@pytest.fixture
def make_users(app):
    """Factory, the bulk form of make_user: make_users(n, prefix=..., roles=..., department=..., **fields) -> user
    ids in 工号 order ("<prefix>0001", "<prefix>0002", ...), written in one flush."""

    def make(n: int, prefix: str | None = None, roles=("worker",), department: Department | None = None,
             **fields) -> list[int]:
        prefix = prefix or f"p{next(_counter)}x"
        with app.app_context():
            users = [_add_user(employee_no=f"{prefix}{i:04d}", name=f"测试员{prefix}{i}", roles=roles,
                               department=department, **fields) for i in range(1, n + 1)]
            db.session.flush()
            ids = [user.id for user in users]
            db.session.commit()
        return ids

    return make


class AuthActions:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, employee_no: str, password: str = TEST_PASSWORD, remember: bool = False):
        data = {"employee_no": employee_no, "password": password}
        if remember:
            data["remember"] = "y"
        return self._client.post("/auth/login", data=data)

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(client, auth, make_user):
    """Create a user with the given roles and sign them in: login_as("admin") -> User."""

    def do(*roles: str, **fields) -> User:
        user = make_user(roles=roles or ("worker",), **fields)
        response = auth.login(user.employee_no)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return user

    return do


class QueryCounter:
    """Counts the SQL statements the app sends, apart from transaction control."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)", statement, re.I):
            return
        self.statements.append(statement)


@pytest.fixture
def count_queries(app):
    """Context manager: `with count_queries() as counter: ...; counter.count`."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


def html_text(response) -> str:
    """The response body as text (helper for assertions)."""
    return response.get_data(as_text=True)
