"""stats snapshot: the 创新之星 rows carry the person's 工号, the ranking's tie-break, at the end of the rank index, so
the top ten are the index's first ten entries instead of a sort of every tied row; a rank index for the workshops

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_stats_rollup_people_rank', table_name='stats_rollup_people')
    with op.batch_alter_table('stats_rollup_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employee_no', sa.String(length=32), nullable=True))
    # Read backwards: adopted and benefit descending, 工号 ascending (the ranking's order, on both databases).
    op.create_index('ix_stats_rollup_people_rank', 'stats_rollup_people',
                    ['year', 'adopted', 'benefit', sa.text('employee_no DESC')], unique=False)
    op.create_index('ix_stats_rollup_workshops_rank', 'stats_rollup_workshops', ['year', 'adopted', 'benefit'],
                    unique=False)
    # The 工号 is filled by the next rebuild: the snapshot is rebuilt on its next refresh (it reads no marks).
    op.execute("DELETE FROM stats_snapshot")


def downgrade():
    op.drop_index('ix_stats_rollup_workshops_rank', table_name='stats_rollup_workshops')
    op.drop_index('ix_stats_rollup_people_rank', table_name='stats_rollup_people')
    with op.batch_alter_table('stats_rollup_people', schema=None) as batch_op:
        batch_op.drop_column('employee_no')
    op.create_index('ix_stats_rollup_people_rank', 'stats_rollup_people', ['year', 'adopted', 'benefit'], unique=False)
