"""Migrations: the models and the migration chain agree, and upgrade → downgrade → upgrade runs clean."""
from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from blueprints.core.database import include_schema_name
from extensions import db
from tests.conftest import _pg_schema_url, _reset_pg_schema, base_config, postgres_url, schema_name


def _fresh_app(tmp_path, backend: str):
    config = base_config(tmp_path)
    if backend == "postgres":
        url = postgres_url()
        schema = schema_name("migrations_" + os.environ.get("PYTEST_XDIST_WORKER", "gw0"))
        _reset_pg_schema(url, schema)
        config["SQLALCHEMY_DATABASE_URI"] = _pg_schema_url(url, schema)
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    return create_app(config)


# Indexes on expressions (migration 0006) cannot be reflected; include_schema_name leaves them out of the diff.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_upgrade_downgrade_upgrade(tmp_path, backend):
    application = _fresh_app(tmp_path, backend)
    with application.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "departments", "audit_log", "workshops"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == tables
        # The migrated schema is exactly what the models describe: nothing missing, nothing extra.
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_schema_name}),
                                    db.metadata)
        assert diff == []
        db.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_federation_migration_keeps_a_part_one_installation_working(tmp_path, backend):
    """0008 on a Part I database: kinds follow depth, every admin and HR user gets a whole-tree grant, and
    down/up again loses nothing."""
    from sqlalchemy import text

    application = _fresh_app(tmp_path, backend)
    with application.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            for ident, parent, path, depth in ((1, None, "/1/", 0), (2, 1, "/1/2/", 1), (3, 2, "/1/2/3/", 2),
                                               (4, 3, "/1/2/3/4/", 3)):
                conn.execute(text("INSERT INTO departments (id, code, name, parent_id, path, depth, created_at) "
                                  "VALUES (:i, :c, :n, :p, :path, :d, CURRENT_TIMESTAMP)"),
                             {"i": ident, "c": f"D{ident}", "n": f"部门{ident}", "p": parent, "path": path, "d": depth})
            for ident, no, mask in ((1, "admin", 9), (2, "hr1", 5), (3, "worker1", 1)):
                conn.execute(text("INSERT INTO users (id, employee_no, name, name_pinyin, department_id, job_title, "
                                  "skill_level, role_mask, active, must_change_password, password_hash, created_at) "
                                  "VALUES (:i, :no, :no, '', 4, '', '无', :m, :a, :f, 'x', CURRENT_TIMESTAMP)"),
                             {"i": ident, "no": no, "m": mask, "a": True, "f": False})
        upgrade()
        with db.engine.connect() as conn:
            kinds = dict(conn.execute(text("SELECT id, kind FROM departments")).all())
            held = sorted(conn.execute(text("SELECT user_id, role, department_id FROM role_grants")).all())
        assert kinds == {1: "enterprise", 2: "branch", 3: "floor", 4: "team"}
        assert held == [(1, "admin", None), (2, "hr", None)]
        downgrade(revision="0007")
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 3
            assert conn.execute(text("SELECT count(*) FROM role_grants")).scalar() == 2
        db.engine.dispose()
