"""Ending requests on PostgreSQL: a request that only read ends with COMMIT, so psycopg keeps the connection's
prepared statements (a rollback drops them all); anything that wrote, or failed, still ends with a rollback."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from blueprints.core.models import User
from extensions import db

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
