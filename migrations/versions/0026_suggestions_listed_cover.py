"""suggestions list index covers the visibility test: ix_suggestions_listed also holds serial and author_id, so a
whole-tree viewer's page and its capped count read the index alone

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 04:10:00

"""
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_listed')
        batch_op.create_index('ix_suggestions_listed', ['listed_at', 'id', 'serial', 'author_id'], unique=False)


def downgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_listed')
        batch_op.create_index('ix_suggestions_listed', ['listed_at', 'id'], unique=False)
