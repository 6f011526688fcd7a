"""Engine set-up: SQLite pragmas and write locks, plus the write-intent switch for safe-method requests.

SQLite in WAL mode lets readers run beside one writer. A transaction that reads first and writes later can fail
with "database is locked" without waiting, so every transaction that may write starts with BEGIN IMMEDIATE, which
takes the write lock up front and waits (busy_timeout) for it. GET/HEAD requests only read and use a plain BEGIN,
so browsing never queues behind writers; the rare GET that must write (auditing a denial) calls begin_write().

On PostgreSQL a read-only request runs on an autocommit view of the engine: no BEGIN and no COMMIT, two of the
five round trips a list page cost (PostgreSQL's default READ COMMITTED gives each statement its own snapshot
anyway, so the page sees nothing different). A request that may write gets real transactions as before. A safe
request that writes without begin_write() is a bug on both databases: the tests raise it, production logs it.
"""
from __future__ import annotations

import sqlite3
import time

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import TextClause, event, exc, text

from extensions import PortalSession, db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_MS = 15000
AUTOCOMMIT_READS = "portal.autocommit_reads"  # app.extensions key: {engine: its autocommit view}
READING_KEYWORDS = frozenset({"SELECT", "WITH", "SHOW", "EXPLAIN", "VALUES", "PRAGMA"})
# A pooled connection back for less than this is handed out unpinged. Under load that is nearly every checkout,
# and the ping was a round trip of its own on every request (7.5 % of a list page's worker time under wrk).
PING_AFTER_IDLE_S = 1.0
RETURNED_AT = "portal.returned_at"  # connection record info key: time.monotonic() of its last checkin


def database_answers() -> bool:
    """Whether the database answers a trivial query (the health check); a failure is logged, not raised."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check failed")
        return False
    return True


def wants_write_lock() -> bool:
    """True unless this is a read-only request (safe method, and no write asked for)."""
    if not has_request_context():
        return True
    return request.method not in SAFE_METHODS or g.get("write_intent", False)


def reading_request() -> bool:
    """True inside a dispatched safe-method request that has not asked to write (see begin_write).

    The mark lives on g, which a request shares with an app context pushed before it (a test's): the request
    context check keeps it from outliving the request.
    """
    return has_request_context() and _reading_mark()


def _reading_mark() -> bool:
    """g's mark of a reading request: a safe method, and no begin_write() since."""
    return g.get("reading", False) and not g.get("write_intent", False)


def _mark_reading() -> None:
    g.reading = request.method in SAFE_METHODS


def _route_reads(engine):
    """PortalSession.route_engine: the autocommit view of `engine` for a reading request, else `engine`."""
    if not reading_request():
        return engine
    return current_app.extensions.get(AUTOCOMMIT_READS, {}).get(engine, engine)


def _refuse_unannounced_write(session, *_args) -> None:
    """A reading request is about to write: a bug (the write would not be atomic), raised in tests, logged else."""
    if not reading_request():
        return
    message = f"{request.method} {request.path} writes without begin_write()"
    if current_app.testing:
        raise RuntimeError(message)
    current_app.logger.warning(message)


def _writes(statement) -> bool:
    """Whether a statement changes data: DML, or a text() statement not opening with a reading keyword."""
    if isinstance(statement, TextClause):
        words = statement.text.split(None, 1)
        return bool(words) and words[0].upper() not in READING_KEYWORDS
    return bool(getattr(statement, "is_dml", False))


def _refuse_unannounced_statement(state) -> None:
    if _writes(state.statement):
        _refuse_unannounced_write(state.session)


def begin_write() -> None:
    """Switch the current request to write mode: end its read transaction so the next one takes the write lock."""
    if not g.get("write_intent"):
        db.session.rollback()
        g.write_intent = True


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's begin event emit BEGIN itself instead of pysqlite's implicit, deferred one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def _note_write(session, *_args) -> None:
    session.info["wrote"] = True


def _note_statement(state) -> None:
    if not state.is_select:  # ORM or Core DML, or a text() statement: treated as a write
        state.session.info["wrote"] = True


def _forget_writes(session, *_args) -> None:
    session.info.pop("wrote", None)


def _track_writes() -> None:
    """Mark a session that flushed or ran a statement other than a SELECT since its transaction began."""
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _note_write):
        event.listen(session_class, "after_flush", _note_write)
        event.listen(session_class, "do_orm_execute", _note_statement)
        event.listen(session_class, "after_commit", _forget_writes)
        event.listen(session_class, "after_rollback", _forget_writes)


def _commit_clean_read(exc: BaseException | None) -> None:
    """End a request that wrote nothing with COMMIT instead of the rollback the session's close would send.

    psycopg forgets every prepared statement of a connection when it rolls back, so PostgreSQL planned the user
    loader and each list statement again on every request (1.7 ms of planning for the loader alone, more than
    running it). Committing a transaction that only read is the same as rolling it back, and keeps them. A reading
    request's connection is in autocommit (_route_reads): it has no transaction to end, and the close's rollback
    keeps the prepared statements, so the commit would only cost the session's bookkeeping.
    """
    if exc is not None or not db.session.registry.has() or _read_in_autocommit():
        return
    session = db.session()
    if session.info.get("wrote") or not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    session.expire_on_commit = False  # the session is closed next: keep loaded objects as a close would
    session.commit()


def _read_in_autocommit() -> bool:
    """At the end of a request's app context: it was a reading request, so its session read in autocommit."""
    return _reading_mark() and bool(current_app.extensions.get(AUTOCOMMIT_READS))


def _guard_reading_requests(app: Flask) -> None:
    """Mark each dispatched request as reading or not, first thing, and refuse unannounced writes in reading ones.

    Marked in before_request (which test_request_context does not run), so tests that build data inside a
    request context keep ordinary transactions; first in line, so no earlier hook opens a transaction unmarked.
    """
    app.before_request_funcs.setdefault(None, []).insert(0, _mark_reading)
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "before_flush", _refuse_unannounced_write):
        event.listen(session_class, "before_flush", _refuse_unannounced_write)
        event.listen(session_class, "do_orm_execute", _refuse_unannounced_statement)


def _note_return(dbapi_connection, connection_record) -> None:
    connection_record.info[RETURNED_AT] = time.monotonic()


def _ping_idle_connections(engine) -> None:
    """Ping a connection that sat in the pool a while before handing it out; a dead one invalidates the pool.

    Replaces pool_pre_ping, which pinged on every checkout. A connection returned under PING_AFTER_IDLE_S ago
    was working then: if the server restarted in between, its first statement fails, SQLAlchemy sees the
    disconnect and drops the pool, and the next request reconnects. A new connection carries no mark: no ping.
    """
    dialect = engine.dialect

    def ping_after_idle(dbapi_connection, connection_record, connection_proxy) -> None:
        returned_at = connection_record.info.pop(RETURNED_AT, None)
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError("a pooled connection did not answer its ping") from error
            raise

    event.listen(engine, "checkin", _note_return)
    event.listen(engine, "checkout", ping_after_idle)


def configure_engine(app: Flask) -> None:
    """Attach the SQLite hooks to this app's engine; on PostgreSQL: autocommit reads, idle pings, clean-read commits."""
    with app.app_context():
        engine = db.engine
    _guard_reading_requests(app)
    if engine.dialect.name == "postgresql":
        app.extensions[AUTOCOMMIT_READS] = {engine: engine.execution_options(isolation_level="AUTOCOMMIT")}
        PortalSession.route_engine = _route_reads
        if not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):  # set by an operator: left as is
            _ping_idle_connections(engine)
        _track_writes()
        app.teardown_appcontext(_commit_clean_read)  # runs before Flask-SQLAlchemy's (registered earlier)
        return
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and route them to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# Search structures the models do not describe (SQLite FTS5 table and its shadow tables, indexes on expressions or
# with a PostgreSQL operator class): created by raw SQL in migrations 0006 and 0029, so autogenerate and the schema
# test skip them.
UNMANAGED_SEARCH_OBJECTS = ("suggestions_fts", "ix_suggestions_search_trgm", "ix_users_employee_no_lower",
                            "ix_departments_path_prefix")


def include_schema_name(name, type_, parent_names) -> bool:
    """Alembic include_name hook: leave the hand-made search table and index out of autogenerate comparisons."""
    return not (name and name.startswith(UNMANAGED_SEARCH_OBJECTS))


def render_migration_item(type_, obj, autogen_context):
    """Alembic autogenerate: write our TypeDecorators as their plain SQL type, so migrations never import app code."""
    from sqlalchemy.types import TypeDecorator

    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance.__class__.__name__}()"
    return False


def upsert_insert(table):
    """An INSERT for the session's dialect that supports ON CONFLICT (PostgreSQL and SQLite spell it the same)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
