"""department path prefix index on PostgreSQL: `path LIKE '/1/2/%'` (every scope and subtree filter) reads an index
instead of every department

PostgreSQL serves LIKE 'prefix%' from a btree only under the "C" collation or with a pattern operator class; the
plain ix_departments_path (kept: equality and ORDER BY path) does neither under a database's usual collation, so
each scoped page scanned all 26,501 departments of a city (2.3 ms). SQLite's LIKE ignores such indexes either way.
Created by raw SQL and left out of autogenerate (core.database.UNMANAGED_SEARCH_OBJECTS), like 0006's indexes.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 22:00:00

"""
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_departments_path_prefix ON departments (path varchar_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_departments_path_prefix")
