"""workshop recommendations: an approved enterprise-level workshop recommended up the union chain (SPEC §7)

Two new tables: the recommendation (one open per workshop, through a unique column that holds the workshop's id
while open) and its dated steps (actor, time, reason, the level reached). Downgrade drops them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'workshop_recommendations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('open_workshop_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('from_level', sa.String(length=20), nullable=False),
        sa.Column('to_level', sa.String(length=20), nullable=False),
        sa.Column('recommended_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'],
                                name=op.f('fk_workshop_recommendations_workshop_id_workshops'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recommended_by_id'], ['users.id'],
                                name=op.f('fk_workshop_recommendations_recommended_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_recommendations')),
        sa.UniqueConstraint('open_workshop_id', name=op.f('uq_workshop_recommendations_open_workshop_id')),
    )
    with op.batch_alter_table('workshop_recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_recommendations_workshop_id'), ['workshop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_recommendations_status'), ['status'], unique=False)
    op.create_table(
        'workshop_recommendation_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('acted_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('reached', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['recommendation_id'], ['workshop_recommendations.id'],
                                name=op.f('fk_workshop_recommendation_steps_recommendation_id_workshop_recommendations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_workshop_recommendation_steps_actor_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_recommendation_steps')),
    )
    with op.batch_alter_table('workshop_recommendation_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_recommendation_steps_recommendation_id'), ['recommendation_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('workshop_recommendation_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_recommendation_steps_recommendation_id'))
    op.drop_table('workshop_recommendation_steps')
    with op.batch_alter_table('workshop_recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_recommendations_status'))
        batch_op.drop_index(batch_op.f('ix_workshop_recommendations_workshop_id'))
    op.drop_table('workshop_recommendations')
