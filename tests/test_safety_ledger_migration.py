"""Migration 0017 moves the suggestion reward ledger into the shared reward_ledger without losing a line or a fen,
and a downgrade moves the suggestion lines back (SQLite and PostgreSQL)."""
from __future__ import annotations

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from extensions import db
from tests.test_migrations import _fresh_app

# (id, suggestion, user, share_bp, amount in fen, status, paid_on)
LINES = [(7, 1, 1, 5000, 50000, "paid", "2026-03-01"), (8, 1, 2, 5000, 50000, "pending", None),
         (11, 2, 2, 10000, 123456, "pending", None)]


def _world(conn) -> None:
    conn.execute(text("INSERT INTO departments (id, code, name, parent_id, path, depth, kind, created_at) "
                      "VALUES (1, 'E', '企业', NULL, '/1/', 0, 'enterprise', CURRENT_TIMESTAMP), "
                      "(2, 'T', '班组', 1, '/1/2/', 1, 'team', CURRENT_TIMESTAMP)"))
    for ident in (1, 2):
        conn.execute(text("INSERT INTO users (id, employee_no, name, name_pinyin, department_id, job_title, "
                          "skill_level, role_mask, active, must_change_password, password_hash, created_at) "
                          "VALUES (:i, :no, :no, '', 2, '', '无', 1, :a, :f, 'x', CURRENT_TIMESTAMP)"),
                     {"i": ident, "no": f"w{ident}", "a": True, "f": False})
    for ident in (1, 2):
        conn.execute(text(
            "INSERT INTO suggestions (id, serial, title, category, problem, proposal, expected_benefit, author_id, "
            "department_id, status, year, created_at, updated_at, listed_at, endorsement_count) VALUES "
            "(:i, :s, '题目', 'suggestion', '', '', '', 1, 2, 'awarded', 2026, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0)"), {"i": ident, "s": f"WX-2026-000{ident}"})
    for ident, suggestion, user, share, amount, status, paid_on in LINES:
        conn.execute(text(
            "INSERT INTO suggestion_reward_ledger (id, suggestion_id, user_id, share_bp, amount, approved_by_id, "
            "status, paid_on, paid_by_id, created_at) VALUES (:i, :s, :u, :b, :a, 1, :st, :p, NULL, "
            "CURRENT_TIMESTAMP)"),
            {"i": ident, "s": suggestion, "u": user, "b": share, "a": amount, "st": status, "p": paid_on})


def _lines(conn, table: str) -> list[tuple]:
    query = f"SELECT id, suggestion_id, user_id, share_bp, amount, status, paid_on FROM {table} ORDER BY id"  # noqa: S608  # nosec B608
    rows = conn.execute(text(query)).all()
    return [(r[0], r[1], r[2], r[3], r[4], r[5], str(r[6]) if r[6] is not None else None) for r in rows]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_ledger_moves_up_down_up_without_loss(tmp_path, backend):
    os.environ.setdefault("PYTEST_XDIST_WORKER", "gw0")
    application = _fresh_app(tmp_path, backend)
    total = sum(line[4] for line in LINES)
    with application.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            _world(conn)
        upgrade(revision="0017")
        with db.engine.begin() as conn:
            assert _lines(conn, "reward_ledger") == LINES
            assert conn.execute(text("SELECT SUM(amount) FROM reward_ledger")).scalar() == total
            kinds = conn.execute(text("SELECT DISTINCT kind, department_id FROM reward_ledger")).all()
            assert kinds == [("suggestion", 2)]
            # New lines get ids after the moved ones (the PostgreSQL sequence moved on too).
            conn.execute(text("INSERT INTO reward_ledger (kind, suggestion_id, user_id, share_bp, amount, status, "
                              "created_at) VALUES ('suggestion', 2, 1, 0, 0, 'pending', CURRENT_TIMESTAMP)"))
            assert conn.execute(text("SELECT MAX(id) FROM reward_ledger")).scalar() == 12
            conn.execute(text("DELETE FROM reward_ledger WHERE id = 12"))
            # A line says what it pays for: a suggestion line without a suggestion is refused.
            with pytest.raises(Exception), conn.begin_nested():  # noqa: B017  (IntegrityError of either driver)
                conn.execute(text("INSERT INTO reward_ledger (kind, user_id, share_bp, amount, status, "
                                  "created_at) VALUES ('suggestion', 1, 0, 0, 'pending', CURRENT_TIMESTAMP)"))
        assert "suggestion_reward_ledger" not in inspect(db.engine).get_table_names()
        downgrade(revision="0013")
        with db.engine.begin() as conn:
            assert _lines(conn, "suggestion_reward_ledger") == LINES
            assert conn.execute(text("SELECT SUM(amount) FROM suggestion_reward_ledger")).scalar() == total
        upgrade()
        with db.engine.begin() as conn:
            assert _lines(conn, "reward_ledger") == LINES
            assert conn.execute(text("SELECT SUM(amount) FROM reward_ledger")).scalar() == total
        db.engine.dispose()
