"""stats snapshot: a team's participation rate on its own rows, indexed, so the team ranking reads its top rows;
indexes for the earliest fact of each kind, which every refresh asks for

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-21 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

FIRST_FACT_INDEXES = (('ix_suggestions_awarded_at', 'suggestions', 'awarded_at'),
                      ('ix_workshop_members_joined_at', 'workshop_members', 'joined_at'),
                      ('ix_contests_held_on', 'contests', 'held_on'),
                      ('ix_mentoring_pairs_starts_on', 'mentoring_pairs', 'starts_on'),
                      ('ix_mentoring_pairs_closed_on', 'mentoring_pairs', 'closed_on'),
                      ('ix_hazard_reports_created_at', 'hazard_reports', 'created_at'))


def upgrade():
    with op.batch_alter_table('stats_rollups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_rate', sa.Float(), nullable=True))
        batch_op.create_index('ix_stats_rollups_team_rank', ['year', 'subtree', 'team_rate', 'participants'],
                              unique=False)
    for name, table, column in FIRST_FACT_INDEXES:
        op.create_index(name, table, [column], unique=False)
    # The rate is filled by the next rebuild: the snapshot is rebuilt now, on its next refresh (it reads no marks).
    op.execute("DELETE FROM stats_snapshot")


def downgrade():
    for name, table, _column in FIRST_FACT_INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('stats_rollups', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_rollups_team_rank')
        batch_op.drop_column('team_rate')
