"""competition reports, scores, objections; competition_id on suggestions and training sessions (SPEC §8)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04 18:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

LINKED = ('suggestions', 'training_sessions')


def _fk(table: str) -> str:
    return f'fk_{table}_competition_id_competitions'


def _add_competition_id(table: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot add a constraint to an existing table: the named reference goes inline with the column.
        op.execute(f"ALTER TABLE {table} ADD COLUMN competition_id INTEGER CONSTRAINT {_fk(table)} "
                   "REFERENCES competitions (id)")
    else:
        op.add_column(table, sa.Column('competition_id', sa.Integer(), nullable=True))
        op.create_foreign_key(_fk(table), table, 'competitions', ["competition_id"], ["id"])
    op.create_index(op.f(f'ix_{table}_competition_id'), table, ['competition_id'], unique=False)


def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ['users.id'], ondelete='SET NULL', name=op.f(f'fk_{table}_{column}_users'))


def _reports() -> None:
    op.create_table(
        'competition_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('narrative', sa.Text(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_reports_competition_id_competitions')),
        sa.ForeignKeyConstraint(['unit_id'], ['departments.id'], name=op.f('fk_competition_reports_unit_id_departments')),
        _user_fk('competition_reports', 'created_by_id'),
        _user_fk('competition_reports', 'decided_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_reports')),
        sa.UniqueConstraint('competition_id', 'unit_id', 'period_start', name='uq_competition_reports_period'),
    )
    op.create_index(op.f('ix_competition_reports_competition_id'), 'competition_reports', ['competition_id'])
    op.create_index(op.f('ix_competition_reports_unit_id'), 'competition_reports', ['unit_id'])
    op.create_table(
        'competition_report_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['competition_reports.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_report_figures_report_id_competition_reports')),
        sa.ForeignKeyConstraint(['indicator_id'], ['competition_indicators.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_report_figures_indicator_id_competition_indicators')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_report_figures')),
        sa.UniqueConstraint('report_id', 'indicator_id', name='uq_competition_report_figures_cell'),
    )
    op.create_index(op.f('ix_competition_report_figures_report_id'), 'competition_report_figures', ['report_id'])
    op.create_index(op.f('ix_competition_report_figures_indicator_id'), 'competition_report_figures',
                    ['indicator_id'])
    op.create_table(
        'competition_report_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['competition_reports.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_report_files_report_id_competition_reports')),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_report_files_file_id_stored_files')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_report_files')),
    )
    op.create_index(op.f('ix_competition_report_files_report_id'), 'competition_report_files', ['report_id'])
    op.create_table(
        'competition_report_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_report_reminders_competition_id_competitions')),
        sa.ForeignKeyConstraint(['unit_id'], ['departments.id'],
                                name=op.f('fk_competition_report_reminders_unit_id_departments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_report_reminders')),
        sa.UniqueConstraint('competition_id', 'unit_id', 'period_start',
                            name='uq_competition_report_reminders_period'),
    )
    op.create_index(op.f('ix_competition_report_reminders_competition_id'), 'competition_report_reminders',
                    ['competition_id'])


def _assessment() -> None:
    op.create_table(
        'competition_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.BigInteger(), nullable=False),
        sa.Column('scored_by_id', sa.Integer(), nullable=True),
        sa.Column('scored_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_scores_competition_id_competitions')),
        sa.ForeignKeyConstraint(['unit_id'], ['departments.id'], name=op.f('fk_competition_scores_unit_id_departments')),
        sa.ForeignKeyConstraint(['indicator_id'], ['competition_indicators.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_scores_indicator_id_competition_indicators')),
        _user_fk('competition_scores', 'scored_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_scores')),
        sa.UniqueConstraint('competition_id', 'unit_id', 'indicator_id', name='uq_competition_scores_cell'),
    )
    op.create_index(op.f('ix_competition_scores_competition_id'), 'competition_scores', ['competition_id'])
    op.create_index(op.f('ix_competition_scores_unit_id'), 'competition_scores', ['unit_id'])
    op.create_table(
        'competition_objections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('raised_by_id', sa.Integer(), nullable=True),
        sa.Column('raised_at', sa.DateTime(), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ondelete='CASCADE',
                                name=op.f('fk_competition_objections_competition_id_competitions')),
        sa.ForeignKeyConstraint(['unit_id'], ['departments.id'],
                                name=op.f('fk_competition_objections_unit_id_departments')),
        _user_fk('competition_objections', 'raised_by_id'),
        _user_fk('competition_objections', 'answered_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_objections')),
    )
    op.create_index(op.f('ix_competition_objections_competition_id'), 'competition_objections', ['competition_id'])
    op.create_index(op.f('ix_competition_objections_unit_id'), 'competition_objections', ['unit_id'])


def upgrade():
    op.add_column('competitions', sa.Column('results_published_at', sa.DateTime(), nullable=True))
    _reports()
    _assessment()
    for table in LINKED:
        _add_competition_id(table)


def downgrade():
    for table in LINKED:
        op.drop_index(op.f(f'ix_{table}_competition_id'), table_name=table)
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(_fk(table), table, type_='foreignkey')
        op.drop_column(table, 'competition_id')
    op.drop_table('competition_objections')
    op.drop_table('competition_scores')
    op.drop_table('competition_report_reminders')
    op.drop_table('competition_report_files')
    op.drop_table('competition_report_figures')
    op.drop_table('competition_reports')
    op.drop_column('competitions', 'results_published_at')
