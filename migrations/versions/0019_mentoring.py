"""mentoring: master–apprentice pairs, check-ins and assessments (SPEC §10); the skill-level history of people

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'active'")


def _fk(table, column, target, ondelete=None):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], ondelete=ondelete,
                                   name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade():
    op.create_table(
        'skill_level_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('from_level', sa.String(length=10), nullable=False),
        sa.Column('to_level', sa.String(length=10), nullable=False),
        sa.Column('changed_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        _fk('skill_level_changes', 'user_id', 'users', 'CASCADE'),
        _fk('skill_level_changes', 'changed_by_id', 'users', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_level_changes')),
    )
    op.create_index('ix_skill_level_changes_user_changed', 'skill_level_changes', ['user_id', 'changed_on'])

    op.create_table(
        'mentoring_pairs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('master_id', sa.Integer(), nullable=False),
        sa.Column('apprentice_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('workshop_id', sa.Integer(), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('midterm_on', sa.Date(), nullable=False),
        sa.Column('goals', sa.Text(), nullable=False),
        sa.Column('start_level', sa.String(length=10), nullable=False),
        sa.Column('target_level', sa.String(length=10), nullable=False),
        sa.Column('agreement_file_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('target_reached', sa.Boolean(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('close_reason', sa.Text(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        _fk('mentoring_pairs', 'master_id', 'users'),
        _fk('mentoring_pairs', 'apprentice_id', 'users'),
        _fk('mentoring_pairs', 'department_id', 'departments'),
        _fk('mentoring_pairs', 'workshop_id', 'workshops', 'SET NULL'),
        _fk('mentoring_pairs', 'agreement_file_id', 'stored_files', 'SET NULL'),
        _fk('mentoring_pairs', 'closed_by_id', 'users', 'SET NULL'),
        _fk('mentoring_pairs', 'created_by_id', 'users', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_pairs')),
    )
    op.create_index(op.f('ix_mentoring_pairs_master_id'), 'mentoring_pairs', ['master_id'])
    op.create_index(op.f('ix_mentoring_pairs_apprentice_id'), 'mentoring_pairs', ['apprentice_id'])
    op.create_index(op.f('ix_mentoring_pairs_department_id'), 'mentoring_pairs', ['department_id'])
    op.create_index(op.f('ix_mentoring_pairs_workshop_id'), 'mentoring_pairs', ['workshop_id'])
    op.create_index('ix_mentoring_pairs_status_department', 'mentoring_pairs', ['status', 'department_id'])
    op.create_index('uq_mentoring_pairs_active_apprentice', 'mentoring_pairs', ['apprentice_id'], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)

    op.create_table(
        'mentoring_checkins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pair_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('written_on', sa.Date(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        _fk('mentoring_checkins', 'pair_id', 'mentoring_pairs', 'CASCADE'),
        _fk('mentoring_checkins', 'author_id', 'users'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_checkins')),
    )
    op.create_index('ix_mentoring_checkins_pair_written', 'mentoring_checkins', ['pair_id', 'written_on'])
    op.create_index(op.f('ix_mentoring_checkins_author_id'), 'mentoring_checkins', ['author_id'])

    op.create_table(
        'mentoring_assessments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pair_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=10), nullable=False),
        sa.Column('target_reached', sa.Boolean(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('assessed_on', sa.Date(), nullable=False),
        sa.Column('assessed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        _fk('mentoring_assessments', 'pair_id', 'mentoring_pairs', 'CASCADE'),
        _fk('mentoring_assessments', 'assessed_by_id', 'users', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_assessments')),
        sa.UniqueConstraint('pair_id', 'kind', name='uq_mentoring_assessments_pair_kind'),
    )


def downgrade():
    op.drop_table('mentoring_assessments')
    op.drop_table('mentoring_checkins')
    op.drop_index('uq_mentoring_pairs_active_apprentice', table_name='mentoring_pairs',
                  sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.drop_table('mentoring_pairs')
    op.drop_table('skill_level_changes')
