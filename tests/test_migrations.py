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
