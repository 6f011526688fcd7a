"""an enterprise's department filter reads its own rows: ix_suggestions_department_status holds the subtree
filter's department, the status filter, the page's keys and the visibility test's columns, so the list filtered to
one enterprise (with or without a status) is an index-only scan of that enterprise's rows

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 23:30:00

"""
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_suggestions_department_status',
                              ['department_id', 'status', 'listed_at', 'id', 'serial', 'author_id'], unique=False)


def downgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_department_status')
