"""review queue counts read their index alone: ix_suggestions_status_listed also holds serial (the queue's
"submitted" test), so each capped per-status count is an index-only scan instead of a sequential one

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 21:00:00

"""
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_status_listed')
        batch_op.create_index('ix_suggestions_status_listed', ['status', 'listed_at', 'serial'], unique=False)


def downgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_status_listed')
        batch_op.create_index('ix_suggestions_status_listed', ['status', 'listed_at'], unique=False)
