"""search: an index for Chinese substring search of suggestions; indexes for employee-number lookups and tree levels

SQLite gets an FTS5 table with the trigram tokenizer over title, problem, proposal and serial, stored as an
external-content table (the text lives once, in suggestions) and kept in sync by triggers. PostgreSQL gets a
pg_trgm GIN index over the same four columns joined into one text, which ILIKE '%…%' uses directly.

On PostgreSQL a character-bigram array with a GIN index was measured first: correct, but computing the bigrams in
SQL cost 0.75 ms a row, so indexing two million suggestions would take about 25 minutes, against a few
minutes for pg_trgm. pg_trgm needs a database whose LC_CTYPE treats Chinese characters as letters (C.UTF-8,
zh_CN.UTF-8); the migration checks and, on any other locale, leaves the index out with a warning.
blueprints/suggestions/search.py is the only code that queries either.

Batch-mode migrations recreate a SQLite table by copying it, which drops its triggers: a later migration that
batch-alters `suggestions` must recreate the three triggers below.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 06:40:00

"""
import logging

from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE suggestions_fts USING fts5(
           title, problem, proposal, serial, content='suggestions', content_rowid='id', tokenize='trigram')""",
    "INSERT INTO suggestions_fts(suggestions_fts) VALUES ('rebuild')",
    """CREATE TRIGGER suggestions_fts_insert AFTER INSERT ON suggestions BEGIN
           INSERT INTO suggestions_fts(rowid, title, problem, proposal, serial)
           VALUES (new.id, new.title, new.problem, new.proposal, new.serial);
       END""",
    """CREATE TRIGGER suggestions_fts_delete AFTER DELETE ON suggestions BEGIN
           INSERT INTO suggestions_fts(suggestions_fts, rowid, title, problem, proposal, serial)
           VALUES ('delete', old.id, old.title, old.problem, old.proposal, old.serial);
       END""",
    """CREATE TRIGGER suggestions_fts_update AFTER UPDATE OF title, problem, proposal, serial ON suggestions BEGIN
           INSERT INTO suggestions_fts(suggestions_fts, rowid, title, problem, proposal, serial)
           VALUES ('delete', old.id, old.title, old.problem, old.proposal, old.serial);
           INSERT INTO suggestions_fts(rowid, title, problem, proposal, serial)
           VALUES (new.id, new.title, new.problem, new.proposal, new.serial);
       END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS suggestions_fts_update",
    "DROP TRIGGER IF EXISTS suggestions_fts_delete",
    "DROP TRIGGER IF EXISTS suggestions_fts_insert",
    "DROP TABLE IF EXISTS suggestions_fts",
]
# Must stay character for character the expression in blueprints/suggestions/search.py, or no query uses it.
POSTGRES_SEARCH_TEXT = ("(coalesce(suggestions.title, '') || ' ' || coalesce(suggestions.problem, '') || ' ' || "
                        "coalesce(suggestions.proposal, '') || ' ' || coalesce(suggestions.serial, ''))")
POSTGRES_INDEX = ("CREATE INDEX ix_suggestions_search_trgm ON suggestions "
                  f"USING gin ({POSTGRES_SEARCH_TEXT} {{schema}}.gin_trgm_ops)")
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_suggestions_search_trgm",
]


# Employee numbers are matched without regard to case (imports, bulk signups, the person picker), so lookups
# compare lower(employee_no); without an index of that expression each lookup reads every user.
EMPLOYEE_NO_INDEX_UP = "CREATE INDEX ix_users_employee_no_lower ON users (lower(employee_no))"
EMPLOYEE_NO_INDEX_DOWN = "DROP INDEX IF EXISTS ix_users_employee_no_lower"


def _trigram_schema() -> str:
    """Install pg_trgm if needed; the schema it lives in (it may be off the search path, so names are qualified)."""
    bind = op.get_bind()
    bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    return bind.exec_driver_sql("SELECT quote_ident(extnamespace::regnamespace::text) FROM pg_extension "
                                "WHERE extname = 'pg_trgm'").scalar()


def _trigrams_cover_chinese(schema: str) -> bool:
    """pg_trgm only indexes characters the database's LC_CTYPE calls letters: C.UTF-8 and zh_CN.UTF-8 do."""
    return bool(op.get_bind().exec_driver_sql(f"SELECT cardinality({schema}.show_trgm('数控车床')) > 2").scalar())


def upgrade():
    op.execute(EMPLOYEE_NO_INDEX_UP)
    # Filter boxes show the top levels of the department tree (blueprints/core/people.py): counted per level.
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_departments_depth'), ['depth'], unique=False)
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_suggestions_department_listed', ['department_id', 'listed_at'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
        return
    schema = _trigram_schema()
    if _trigrams_cover_chinese(schema):
        op.execute(POSTGRES_INDEX.format(schema=schema))
    else:
        # Search still returns the right rows (the query rechecks with ILIKE), only without the index.
        logging.getLogger("alembic").warning(
            "LC_CTYPE of this database does not treat Chinese characters as letters, so pg_trgm cannot index "
            "them: suggestion search will scan. Create the database with LC_CTYPE 'C.UTF-8' or 'zh_CN.UTF-8'.")


def downgrade():
    op.execute(EMPLOYEE_NO_INDEX_DOWN)
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departments_depth'))
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_department_listed')
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN:
        op.execute(statement)
