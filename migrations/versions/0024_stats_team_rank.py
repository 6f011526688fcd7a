"""stats snapshot: a team's participation rate on its own rows, indexed, so the team ranking reads its top rows

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-21 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stats_rollups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_rate', sa.Float(), nullable=True))
        batch_op.create_index('ix_stats_rollups_team_rank', ['year', 'subtree', 'team_rate', 'participants'],
                              unique=False)
    # The rate is filled by the next rebuild: the snapshot is rebuilt now, on its next refresh (it reads no marks).
    op.execute("DELETE FROM stats_snapshot")


def downgrade():
    with op.batch_alter_table('stats_rollups', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_rollups_team_rank')
        batch_op.drop_column('team_rate')
