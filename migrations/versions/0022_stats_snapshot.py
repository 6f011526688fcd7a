"""stats snapshot: rollups per department and period, counted-once entities, the rankings' rows, dirty marks

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-20 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stats_rollups',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('subtree', sa.Boolean(), nullable=False),
        sa.Column('heads', sa.Integer(), nullable=False),
        sa.Column('participants', sa.Integer(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('year', 'department_id', 'subtree', name=op.f('pk_stats_rollups')),
    )
    op.create_table(
        'stats_rollup_entities',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('entity_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('keys', sa.JSON(), nullable=False),
        sa.Column('nodes', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'entity_id', 'year', name=op.f('pk_stats_rollup_entities')),
    )
    op.create_table(
        'stats_rollup_people',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('adopted', sa.Integer(), nullable=False),
        sa.Column('benefit', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('year', 'user_id', name=op.f('pk_stats_rollup_people')),
    )
    op.create_index('ix_stats_rollup_people_rank', 'stats_rollup_people', ['year', 'adopted', 'benefit'])
    op.create_table(
        'stats_rollup_workshops',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('workshop_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('received', sa.Integer(), nullable=False),
        sa.Column('adopted', sa.Integer(), nullable=False),
        sa.Column('implemented', sa.Integer(), nullable=False),
        sa.Column('awarded', sa.Integer(), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.Column('benefit', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('year', 'workshop_id', name=op.f('pk_stats_rollup_workshops')),
    )
    op.create_table(
        'stats_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('built_at', sa.DateTime(), nullable=False),
        sa.Column('as_of', sa.DateTime(), nullable=False),
        sa.Column('first_year', sa.Integer(), nullable=False),
        sa.Column('last_year', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_snapshot')),
    )
    op.create_table(
        'stats_dirty',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_dirty')),
    )


def downgrade():
    op.drop_table('stats_dirty')
    op.drop_table('stats_snapshot')
    op.drop_table('stats_rollup_workshops')
    op.drop_index('ix_stats_rollup_people_rank', table_name='stats_rollup_people')
    op.drop_table('stats_rollup_people')
    op.drop_table('stats_rollup_entities')
    op.drop_table('stats_rollups')
