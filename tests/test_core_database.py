"""Transactions of requests: reading requests on PostgreSQL run in autocommit (no BEGIN, no COMMIT) and keep the
connection's prepared statements; a safe request that writes must say so (begin_write); pooled connections are
pinged only after sitting idle; code run in a request context but outside a dispatched request (data set-up,
jobs) keeps ordinary transactions: what it leaves uncommitted, or what fails, is rolled back."""
from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text, update

from blueprints.core import database
from blueprints.core.database import begin_write, normalise_database_url
from blueprints.core.models import User
from extensions import db
from tests.conftest import both_backends

postgres_only = pytest.mark.parametrize("app", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                        indirect=True)


def _prepared_names(app: Flask) -> int:
    """How many statements the pooled connection holds prepared (psycopg's own bookkeeping)."""
    with app.app_context():
        return len(db.session.connection().connection.driver_connection._prepared._names)


@postgres_only
def test_reading_pages_keeps_the_connections_prepared_statements(app, client, login_as):
    login_as()
    for _ in range(8):  # psycopg prepares a statement on its sixth run
        assert client.get("/suggestions/").status_code == 200
    assert _prepared_names(app) >= 2  # at least the user loader and the list's page


def _stored_name(app, user_id: int) -> str:
    """The user's name as the database has it, read in a fresh session."""
    with app.app_context():
        return db.session.scalar(select(User.name).where(User.id == user_id))


@postgres_only
def test_a_change_left_in_the_session_by_a_read_is_not_committed(app, make_user):
    user = make_user(name="原来的名字")
    with app.test_request_context():
        db.session.get(User, user.id).name = "不该保存的名字"  # dirty, never committed by the code
    assert _stored_name(app, user.id) == "原来的名字"


@postgres_only
def test_a_flushed_write_that_was_not_committed_is_rolled_back(app, make_user):
    user = make_user(name="原来的名字")
    with app.test_request_context():
        db.session.get(User, user.id).name = "只刷新未提交"
        db.session.flush()
    assert _stored_name(app, user.id) == "原来的名字"


@postgres_only
def test_a_failed_request_is_rolled_back(app, make_user):
    user = make_user(name="原来的名字")
    with pytest.raises(RuntimeError), app.test_request_context():
        db.session.execute(User.__table__.update().where(User.id == user.id).values(name="失败的请求"))
        raise RuntimeError("the view failed")
    assert _stored_name(app, user.id) == "原来的名字"


@postgres_only
def test_objects_read_in_a_request_stay_readable_after_it(app, make_user):
    """Committing a clean read must not expire what it loaded (the session is closed next, as before)."""
    user = make_user(name="读过的人")
    with app.test_request_context():
        loaded = db.session.get(User, user.id)
    assert loaded.name == "读过的人"


# --- Reading requests in autocommit; writes announced ---------------------------------------------------------------


def _transaction_state() -> str:
    """psycopg's view of the server's transaction state after one statement: IDLE in autocommit, INTRANS else."""
    db.session.execute(select(1))
    return db.session.connection().connection.driver_connection.info.transaction_status.name


def _rename(user_id: int, name: str) -> None:
    db.session.execute(update(User).where(User.id == user_id).values(name=name))
    db.session.commit()


@postgres_only
def test_a_reading_request_runs_in_autocommit_and_a_writing_one_in_a_transaction(app, client):
    app.add_url_rule("/_probe/tx", "probe_tx", _transaction_state, methods=["GET", "POST"])
    # One pooled connection serves all three: the POST proves the GET's autocommit was undone on its return.
    assert client.get("/_probe/tx").get_data(as_text=True) == "IDLE"
    assert client.post("/_probe/tx").get_data(as_text=True) == "INTRANS"
    assert client.get("/_probe/tx").get_data(as_text=True) == "IDLE"
    assert client.head("/_probe/tx").status_code == 200


@both_backends
def test_a_reading_request_that_announces_its_write_gets_a_transaction(app, client, make_user):
    user = make_user(name="原来的名字")

    def audited_read():
        begin_write()
        state = _transaction_state() if db.engine.dialect.name == "postgresql" else "INTRANS"
        _rename(user.id, "宣布后写入")
        return state

    app.add_url_rule("/_probe/announced", "probe_announced", audited_read)
    assert client.get("/_probe/announced").get_data(as_text=True) == "INTRANS"
    assert _stored_name(app, user.id) == "宣布后写入"


@both_backends
def test_a_reading_request_that_writes_unannounced_is_refused_in_tests(app, client, make_user):
    user = make_user(name="原来的名字")
    app.add_url_rule("/_probe/sneaky", "probe_sneaky", lambda: _rename(user.id, "偷偷写入") or "done")
    with pytest.raises(RuntimeError, match="writes without begin_write"):
        client.get("/_probe/sneaky")
    assert _stored_name(app, user.id) == "原来的名字"


@both_backends
def test_an_unannounced_write_in_production_is_logged(app, client, make_user, caplog):
    user = make_user(name="原来的名字")
    app.add_url_rule("/_probe/sneaky", "probe_sneaky", lambda: _rename(user.id, "偷偷写入") or "done")
    app.config["TESTING"] = False
    with caplog.at_level(logging.WARNING):
        assert client.get("/_probe/sneaky").status_code == 200
    assert "GET /_probe/sneaky writes without begin_write()" in caplog.text
    assert _stored_name(app, user.id) == "偷偷写入"  # not lost: the log is for the engineer, not the user


@both_backends
def test_an_orm_change_in_a_reading_request_is_refused_too(app, client, make_user):
    user = make_user(name="原来的名字")

    def dirty_read():
        db.session.get(User, user.id).name = "对象改动"
        db.session.commit()
        return "done"

    app.add_url_rule("/_probe/dirty", "probe_dirty", dirty_read)
    with pytest.raises(RuntimeError, match="writes without begin_write"):
        client.get("/_probe/dirty")
    assert _stored_name(app, user.id) == "原来的名字"


def test_text_statements_count_as_writes_unless_they_read():
    assert not database._writes(text("SELECT 1"))
    assert not database._writes(text("  with t as (select 1) select * from t"))
    assert database._writes(text("UPDATE users SET name = 'x'"))
    assert database._writes(update(User).values(name="x"))
    assert not database._writes(select(User.id))


# --- Pinging pooled connections only after they sat idle -----------------------------------------------------------


def _backend_pid() -> str:
    return str(db.session.scalar(text("SELECT pg_backend_pid()")))


def _count_pings(app, monkeypatch) -> list[int]:
    with app.app_context():
        dialect = db.engine.dialect
    pings: list[int] = []
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    return pings


@postgres_only
def test_a_connection_back_moments_ago_is_handed_out_without_a_ping(app, client, monkeypatch):
    app.add_url_rule("/_probe/pid", "probe_pid", _backend_pid)
    pings = _count_pings(app, monkeypatch)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 60.0)
    first = client.get("/_probe/pid").get_data(as_text=True)
    assert client.get("/_probe/pid").get_data(as_text=True) == first
    assert pings == []
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)  # now every return counts as idle
    assert client.get("/_probe/pid").get_data(as_text=True) == first
    assert pings == [1]


@postgres_only
def test_an_idle_connection_the_server_dropped_is_replaced_before_the_request_uses_it(app, client, monkeypatch):
    app.add_url_rule("/_probe/pid", "probe_pid", _backend_pid)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)
    first = client.get("/_probe/pid").get_data(as_text=True)
    killer = create_engine(normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    with killer.begin() as conn:  # what a server restart does to every pooled connection
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": int(first)})
    killer.dispose()
    response = client.get("/_probe/pid")
    assert response.status_code == 200
    assert response.get_data(as_text=True) != first


@postgres_only
def test_a_request_inside_a_held_app_context_leaves_no_reading_mark_behind(app, client):
    """A request shares g with an app context pushed before it; after the request, code there gets transactions."""
    app.add_url_rule("/_probe/tx", "probe_tx", _transaction_state)
    with app.app_context():
        assert client.get("/_probe/tx").get_data(as_text=True) == "IDLE"
        assert _transaction_state() == "INTRANS"
        db.session.rollback()
