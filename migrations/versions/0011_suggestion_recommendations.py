"""suggestion recommendations: the chain enterprise → district/industry union → city for 市级优秀职工创新成果

One row per recommended suggestion (where it stands) and one row per step (actor, time, level reached, reason).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'suggestion_recommendations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('suggestion_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('union_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('recommended_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['departments.id'],
                                name=op.f('fk_suggestion_recommendations_enterprise_id_departments')),
        sa.ForeignKeyConstraint(['union_id'], ['departments.id'],
                                name=op.f('fk_suggestion_recommendations_union_id_departments')),
        sa.ForeignKeyConstraint(['recommended_by_id'], ['users.id'],
                                name=op.f('fk_suggestion_recommendations_recommended_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'],
                                name=op.f('fk_suggestion_recommendations_suggestion_id_suggestions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_recommendations')),
        sa.UniqueConstraint('suggestion_id', name=op.f('uq_suggestion_recommendations_suggestion_id')),
    )
    op.create_index('ix_suggestion_recommendations_status_union', 'suggestion_recommendations',
                    ['status', 'union_id'], unique=False)
    op.create_table(
        'suggestion_recommendation_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_suggestion_recommendation_steps_actor_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['recommendation_id'], ['suggestion_recommendations.id'],
                                name='fk_suggestion_recommendation_steps_recommendation_id',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_recommendation_steps')),
    )
    op.create_index('ix_suggestion_recommendation_steps_rec', 'suggestion_recommendation_steps',
                    ['recommendation_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_suggestion_recommendation_steps_rec', table_name='suggestion_recommendation_steps')
    op.drop_table('suggestion_recommendation_steps')
    op.drop_index('ix_suggestion_recommendations_status_union', table_name='suggestion_recommendations')
    op.drop_table('suggestion_recommendations')
