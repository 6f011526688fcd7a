"""honours: nominations of units, teams and people for honours, with their dated chain of steps (SPEC §8)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'honour_nominations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('honour', sa.String(length=20), nullable=False),
        sa.Column('honour_name', sa.String(length=60), nullable=False),
        sa.Column('level', sa.String(length=12), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('subject_kind', sa.String(length=10), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('open_key', sa.String(length=80), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('nominated_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_honour_nominations_department_id_departments')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_honour_nominations_user_id_users')),
        sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_honour_nominations_nominated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_honour_nominations')),
        sa.UniqueConstraint('open_key', name=op.f('uq_honour_nominations_open_key')),
    )
    op.create_index(op.f('ix_honour_nominations_department_id'), 'honour_nominations', ['department_id'])
    op.create_index(op.f('ix_honour_nominations_user_id'), 'honour_nominations', ['user_id'])
    op.create_index(op.f('ix_honour_nominations_status'), 'honour_nominations', ['status'])

    op.create_table(
        'honour_nomination_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nomination_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('acted_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('reached', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['nomination_id'], ['honour_nominations.id'], ondelete='CASCADE',
                                name=op.f('fk_honour_nomination_steps_nomination_id_honour_nominations')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_honour_nomination_steps_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_honour_nomination_steps')),
    )
    op.create_index(op.f('ix_honour_nomination_steps_nomination_id'), 'honour_nomination_steps', ['nomination_id'])


def downgrade():
    op.drop_table('honour_nomination_steps')
    op.drop_table('honour_nominations')
