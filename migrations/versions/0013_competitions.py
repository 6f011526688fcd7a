"""competitions: campaigns, indicators, enrolled units; key projects with milestones (SPEC §8)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'competitions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('organiser_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('report_frequency', sa.String(length=10), nullable=False),
        sa.Column('rules', sa.Text(), nullable=False),
        sa.Column('rules_file_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('objections_until', sa.Date(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organiser_id'], ['departments.id'],
                                name=op.f('fk_competitions_organiser_id_departments')),
        sa.ForeignKeyConstraint(['rules_file_id'], ['stored_files.id'], ondelete='SET NULL',
                                name=op.f('fk_competitions_rules_file_id_stored_files')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_competitions_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions')),
    )
    op.create_index('ix_competitions_status_year', 'competitions', ['status', 'year'])
    op.create_index(op.f('ix_competitions_status'), 'competitions', ['status'])
    op.create_index(op.f('ix_competitions_organiser_id'), 'competitions', ['organiser_id'])

    op.create_table(
        'competition_indicators',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('weight', sa.BigInteger(), nullable=False),
        sa.Column('max_score', sa.BigInteger(), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_indicators_competition_id_competitions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_indicators')),
    )
    op.create_index(op.f('ix_competition_indicators_competition_id'), 'competition_indicators', ['competition_id'])

    op.create_table(
        'competition_enrolments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
        sa.Column('enrolled_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_enrolments_competition_id_competitions')),
        sa.ForeignKeyConstraint(['unit_id'], ['departments.id'],
                                name=op.f('fk_competition_enrolments_unit_id_departments')),
        sa.ForeignKeyConstraint(['enrolled_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_competition_enrolments_enrolled_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_enrolments')),
        sa.UniqueConstraint('competition_id', 'unit_id', name='uq_competition_enrolments_unit'),
    )
    op.create_index(op.f('ix_competition_enrolments_competition_id'), 'competition_enrolments', ['competition_id'])
    op.create_index(op.f('ix_competition_enrolments_unit_id'), 'competition_enrolments', ['unit_id'])

    op.create_table(
        'key_projects',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('location', sa.String(length=200), nullable=False),
        sa.Column('planned_start', sa.Date(), nullable=False),
        sa.Column('planned_end', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['departments.id'], name=op.f('fk_key_projects_owner_id_departments')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_key_projects_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_key_projects')),
    )
    op.create_index(op.f('ix_key_projects_owner_id'), 'key_projects', ['owner_id'])
    op.create_index(op.f('ix_key_projects_status'), 'key_projects', ['status'])

    op.create_table(
        'key_project_milestones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('planned_on', sa.Date(), nullable=False),
        sa.Column('actual_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['project_id'], ['key_projects.id'], ondelete='CASCADE',
                                name=op.f('fk_key_project_milestones_project_id_key_projects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_key_project_milestones')),
    )
    op.create_index(op.f('ix_key_project_milestones_project_id'), 'key_project_milestones', ['project_id'])

    op.create_table(
        'competition_projects',
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_projects_competition_id_competitions')),
        sa.ForeignKeyConstraint(['project_id'], ['key_projects.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_projects_project_id_key_projects')),
        sa.PrimaryKeyConstraint('competition_id', 'project_id', name=op.f('pk_competition_projects')),
    )
    op.create_index(op.f('ix_competition_projects_project_id'), 'competition_projects', ['project_id'])


def downgrade():
    op.drop_table('competition_projects')
    op.drop_table('key_project_milestones')
    op.drop_table('key_projects')
    op.drop_table('competition_enrolments')
    op.drop_table('competition_indicators')
    op.drop_table('competitions')
