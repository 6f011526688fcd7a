"""hazard reports (SPEC §11) and one reward ledger for every kind of reward (suggestion_reward_ledger → reward_ledger)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:00:00

The suggestion ledger's rows move to reward_ledger with their ids, as kind 'suggestion' paid by the suggestion's
department at submission. A downgrade moves the suggestion lines back; hazard lines go with the hazard tables.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

LEDGER_COLUMNS = "id, user_id, share_bp, amount, approved_by_id, status, paid_on, paid_by_id, created_at"


def _hazard_tables():
    op.create_table(
        'hazard_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('serial', sa.String(length=20), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('proposed_severity', sa.String(length=20), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('grade', sa.String(length=20), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
        sa.Column('responsible_department_id', sa.Integer(), nullable=True),
        sa.Column('measures', sa.Text(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('rectification_note', sa.Text(), nullable=False),
        sa.Column('reward_amount', sa.BigInteger(), nullable=True),
        sa.Column('triaged_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('triaged_at', sa.DateTime(), nullable=True),
        sa.Column('rectified_at', sa.DateTime(), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('reminded_for', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_hazard_reports_reporter_id_users')),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_hazard_reports_department_id_departments')),
        sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ondelete='SET NULL',
                                name=op.f('fk_hazard_reports_competition_id_competitions')),
        sa.ForeignKeyConstraint(['duplicate_of_id'], ['hazard_reports.id'], ondelete='SET NULL',
                                name=op.f('fk_hazard_reports_duplicate_of_id_hazard_reports')),
        sa.ForeignKeyConstraint(['responsible_department_id'], ['departments.id'],
                                name=op.f('fk_hazard_reports_responsible_department_id_departments')),
        sa.ForeignKeyConstraint(['triaged_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_hazard_reports_triaged_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_reports')),
        sa.UniqueConstraint('serial', name=op.f('uq_hazard_reports_serial')),
    )
    op.create_index('ix_hazard_reports_status_created', 'hazard_reports', ['status', 'created_at'])
    op.create_index('ix_hazard_reports_department_created', 'hazard_reports', ['department_id', 'created_at'])
    op.create_index('ix_hazard_reports_reporter_created', 'hazard_reports', ['reporter_id', 'created_at'])
    op.create_index(op.f('ix_hazard_reports_competition_id'), 'hazard_reports', ['competition_id'])
    op.create_index(op.f('ix_hazard_reports_responsible_department_id'), 'hazard_reports',
                    ['responsible_department_id'])

    op.create_table(
        'hazard_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hazard_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('thumb_id', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazard_reports.id'], ondelete='CASCADE',
                                name=op.f('fk_hazard_photos_hazard_id_hazard_reports')),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_hazard_photos_file_id_stored_files')),
        sa.ForeignKeyConstraint(['thumb_id'], ['stored_files.id'],
                                name=op.f('fk_hazard_photos_thumb_id_stored_files')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_photos')),
        sa.UniqueConstraint('file_id', name=op.f('uq_hazard_photos_file_id')),
        sa.UniqueConstraint('thumb_id', name=op.f('uq_hazard_photos_thumb_id')),
    )
    op.create_index(op.f('ix_hazard_photos_hazard_id'), 'hazard_photos', ['hazard_id'])

    op.create_table(
        'hazard_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hazard_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('from_status', sa.String(length=20), nullable=True),
        sa.Column('to_status', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazard_reports.id'], ondelete='CASCADE',
                                name=op.f('fk_hazard_events_hazard_id_hazard_reports')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_hazard_events_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_events')),
    )
    op.create_index('ix_hazard_events_hazard', 'hazard_events', ['hazard_id', 'created_at'])


def _reward_ledger():
    op.create_table(
        'reward_ledger',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('suggestion_id', sa.Integer(), nullable=True),
        sa.Column('hazard_id', sa.Integer(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('reference', sa.String(length=40), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('share_bp', sa.Integer(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=True),
        sa.Column('paid_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("(kind = 'suggestion' AND suggestion_id IS NOT NULL AND hazard_id IS NULL) OR "
                           "(kind = 'hazard' AND hazard_id IS NOT NULL AND suggestion_id IS NULL)",
                           name=op.f('ck_reward_ledger_what_for')),
        sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], ondelete='CASCADE',
                                name=op.f('fk_reward_ledger_suggestion_id_suggestions')),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazard_reports.id'], ondelete='CASCADE',
                                name=op.f('fk_reward_ledger_hazard_id_hazard_reports')),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_reward_ledger_department_id_departments')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reward_ledger_user_id_users')),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_reward_ledger_approved_by_id_users')),
        sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_reward_ledger_paid_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_ledger')),
        sa.UniqueConstraint('suggestion_id', 'user_id', name='uq_reward_ledger_suggestion_user'),
        sa.UniqueConstraint('hazard_id', 'user_id', name='uq_reward_ledger_hazard_user'),
    )
    op.create_index('ix_reward_ledger_status_created', 'reward_ledger', ['status', 'created_at'])
    op.create_index(op.f('ix_reward_ledger_user_id'), 'reward_ledger', ['user_id'])
    op.create_index(op.f('ix_reward_ledger_department_id'), 'reward_ledger', ['department_id'])


def _old_ledger():
    op.create_table(
        'suggestion_reward_ledger',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('suggestion_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('share_bp', sa.Integer(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=True),
        sa.Column('paid_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_suggestion_reward_ledger_approved_by_id_users')),
        sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_suggestion_reward_ledger_paid_by_id_users')),
        sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], ondelete='CASCADE',
                                name=op.f('fk_suggestion_reward_ledger_suggestion_id_suggestions')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_suggestion_reward_ledger_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_reward_ledger')),
        sa.UniqueConstraint('suggestion_id', 'user_id', name='uq_suggestion_reward_ledger_suggestion_user'),
    )
    op.create_index('ix_suggestion_reward_ledger_status_created', 'suggestion_reward_ledger', ['status', 'created_at'])
    op.create_index(op.f('ix_suggestion_reward_ledger_user_id'), 'suggestion_reward_ledger', ['user_id'])


def _reset_sequence(table):
    """PostgreSQL: rows copied with their ids leave the id sequence behind; move it past the largest id."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608 (constant)
                           f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))


def upgrade():
    _hazard_tables()
    _reward_ledger()
    op.execute(sa.text(  # nosec B608 (constant column list)
        f"INSERT INTO reward_ledger (kind, suggestion_id, department_id, {LEDGER_COLUMNS}) "
        f"SELECT 'suggestion', l.suggestion_id, s.department_id, "
        f"{', '.join('l.' + c.strip() for c in LEDGER_COLUMNS.split(','))} "
        f"FROM suggestion_reward_ledger l JOIN suggestions s ON s.id = l.suggestion_id"))
    _reset_sequence('reward_ledger')
    op.drop_index(op.f('ix_suggestion_reward_ledger_user_id'), table_name='suggestion_reward_ledger')
    op.drop_index('ix_suggestion_reward_ledger_status_created', table_name='suggestion_reward_ledger')
    op.drop_table('suggestion_reward_ledger')


def downgrade():
    _old_ledger()
    op.execute(sa.text(  # nosec B608 (constant column list)
        f"INSERT INTO suggestion_reward_ledger (suggestion_id, {LEDGER_COLUMNS}) "
        f"SELECT suggestion_id, {LEDGER_COLUMNS} FROM reward_ledger WHERE kind = 'suggestion'"))
    _reset_sequence('suggestion_reward_ledger')
    op.drop_index(op.f('ix_reward_ledger_department_id'), table_name='reward_ledger')
    op.drop_index(op.f('ix_reward_ledger_user_id'), table_name='reward_ledger')
    op.drop_index('ix_reward_ledger_status_created', table_name='reward_ledger')
    op.drop_table('reward_ledger')
    op.drop_index('ix_hazard_events_hazard', table_name='hazard_events')
    op.drop_table('hazard_events')
    op.drop_index(op.f('ix_hazard_photos_hazard_id'), table_name='hazard_photos')
    op.drop_table('hazard_photos')
    for name in ('ix_hazard_reports_responsible_department_id', 'ix_hazard_reports_competition_id'):
        op.drop_index(op.f(name), table_name='hazard_reports')
    for name in ('ix_hazard_reports_reporter_created', 'ix_hazard_reports_department_created',
                 'ix_hazard_reports_status_created'):
        op.drop_index(name, table_name='hazard_reports')
    op.drop_table('hazard_reports')
