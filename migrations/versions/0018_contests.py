"""contests: skills contests with items, quotas, entrants, judges, scores, flags and objections (SPEC §9)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:26:44.693253

"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=True),
    sa.Column('trade', sa.String(length=50), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('chief_judge_id', sa.Integer(), nullable=True),
    sa.Column('first_prizes', sa.Integer(), nullable=False),
    sa.Column('second_prizes', sa.Integer(), nullable=False),
    sa.Column('third_prizes', sa.Integer(), nullable=False),
    sa.Column('titles', sa.Integer(), nullable=False),
    sa.Column('objections_until', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['chief_judge_id'], ['users.id'], name=op.f('fk_contests_chief_judge_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], name=op.f('fk_contests_competition_id_competitions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contests_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organiser_id'], ['departments.id'], name=op.f('fk_contests_organiser_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contests'))
    )
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contests_chief_judge_id'), ['chief_judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contests_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contests_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contests_status'), ['status'], unique=False)

    op.create_table('contest_entrants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('prize', sa.String(length=10), nullable=True),
    sa.Column('title', sa.Boolean(), nullable=False),
    sa.Column('certificate_no', sa.String(length=40), nullable=True),
    sa.Column('upgrade_to', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_contest_entrants_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_entrants_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['departments.id'], name=op.f('fk_contest_entrants_unit_id_departments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contest_entrants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_entrants')),
    sa.UniqueConstraint('contest_id', 'number', name='uq_contest_entrants_number'),
    sa.UniqueConstraint('contest_id', 'user_id', name='uq_contest_entrants_user')
    )
    with op.batch_alter_table('contest_entrants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_entrants_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_entrants_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_entrants_user_id'), ['user_id'], unique=False)

    op.create_table('contest_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('weight', sa.BigInteger(), nullable=False),
    sa.Column('max_score', sa.BigInteger(), nullable=False),
    sa.Column('spread_limit', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_items_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_items'))
    )
    with op.batch_alter_table('contest_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_items_contest_id'), ['contest_id'], unique=False)

    op.create_table('contest_quotas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_quotas_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['departments.id'], name=op.f('fk_contest_quotas_unit_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_quotas')),
    sa.UniqueConstraint('contest_id', 'unit_id', name='uq_contest_quotas_unit')
    )
    with op.batch_alter_table('contest_quotas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_quotas_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_quotas_unit_id'), ['unit_id'], unique=False)

    op.create_table('contest_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('entrant_id', sa.Integer(), nullable=False),
    sa.Column('spread', sa.BigInteger(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_contest_flags_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entrant_id'], ['contest_entrants.id'], name=op.f('fk_contest_flags_entrant_id_contest_entrants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['contest_items.id'], name=op.f('fk_contest_flags_item_id_contest_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_flags')),
    sa.UniqueConstraint('item_id', 'entrant_id', name='uq_contest_flags_entrant')
    )
    with op.batch_alter_table('contest_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_flags_entrant_id'), ['entrant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_flags_item_id'), ['item_id'], unique=False)

    op.create_table('contest_judges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_judges_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['contest_items.id'], name=op.f('fk_contest_judges_item_id_contest_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contest_judges_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_judges')),
    sa.UniqueConstraint('item_id', 'user_id', name='uq_contest_judges_user')
    )
    with op.batch_alter_table('contest_judges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_judges_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_judges_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_judges_user_id'), ['user_id'], unique=False)

    op.create_table('contest_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('entrant_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_contest_objections_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_objections_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entrant_id'], ['contest_entrants.id'], name=op.f('fk_contest_objections_entrant_id_contest_entrants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_objections'))
    )
    with op.batch_alter_table('contest_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_objections_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_objections_entrant_id'), ['entrant_id'], unique=False)

    op.create_table('contest_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('entrant_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entrant_id'], ['contest_entrants.id'], name=op.f('fk_contest_scores_entrant_id_contest_entrants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['contest_items.id'], name=op.f('fk_contest_scores_item_id_contest_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['contest_judges.id'], name=op.f('fk_contest_scores_judge_id_contest_judges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_scores')),
    sa.UniqueConstraint('judge_id', 'entrant_id', name='uq_contest_scores_entrant')
    )
    with op.batch_alter_table('contest_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_scores_entrant_id'), ['entrant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_scores_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_scores_judge_id'), ['judge_id'], unique=False)



def downgrade():
    with op.batch_alter_table('contest_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_scores_judge_id'))
        batch_op.drop_index(batch_op.f('ix_contest_scores_item_id'))
        batch_op.drop_index(batch_op.f('ix_contest_scores_entrant_id'))

    op.drop_table('contest_scores')
    with op.batch_alter_table('contest_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_objections_entrant_id'))
        batch_op.drop_index(batch_op.f('ix_contest_objections_contest_id'))

    op.drop_table('contest_objections')
    with op.batch_alter_table('contest_judges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_judges_user_id'))
        batch_op.drop_index(batch_op.f('ix_contest_judges_item_id'))
        batch_op.drop_index(batch_op.f('ix_contest_judges_contest_id'))

    op.drop_table('contest_judges')
    with op.batch_alter_table('contest_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_flags_item_id'))
        batch_op.drop_index(batch_op.f('ix_contest_flags_entrant_id'))

    op.drop_table('contest_flags')
    with op.batch_alter_table('contest_quotas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_quotas_unit_id'))
        batch_op.drop_index(batch_op.f('ix_contest_quotas_contest_id'))

    op.drop_table('contest_quotas')
    with op.batch_alter_table('contest_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_items_contest_id'))

    op.drop_table('contest_items')
    with op.batch_alter_table('contest_entrants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_entrants_user_id'))
        batch_op.drop_index(batch_op.f('ix_contest_entrants_unit_id'))
        batch_op.drop_index(batch_op.f('ix_contest_entrants_contest_id'))

    op.drop_table('contest_entrants')
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contests_status'))
        batch_op.drop_index(batch_op.f('ix_contests_organiser_id'))
        batch_op.drop_index(batch_op.f('ix_contests_competition_id'))
        batch_op.drop_index(batch_op.f('ix_contests_chief_judge_id'))

    op.drop_table('contests')
