"""yearly counters: one table for every yearly number series (suggestion serials and certificate numbers)

The suggestion serial counter and the certificate counter were two tables with the same shape; they become rows of
`yearly_counters` keyed by series and year. Data is copied both ways, so upgrade and downgrade lose nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SERIAL = "suggestion_serial"
CERTIFICATE = "training_certificate"


def upgrade():
    op.create_table(
        'yearly_counters',
        sa.Column('series', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_yearly_counters')),
    )
    op.execute(f"INSERT INTO yearly_counters (series, year, last) "
               f"SELECT '{SERIAL}', year, last_value FROM suggestion_serials")
    op.execute(f"INSERT INTO yearly_counters (series, year, last) "
               f"SELECT '{CERTIFICATE}', year, last FROM training_certificate_counters")
    op.drop_table('suggestion_serials')
    op.drop_table('training_certificate_counters')


def downgrade():
    op.create_table(
        'training_certificate_counters',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_training_certificate_counters')),
    )
    op.create_table(
        'suggestion_serials',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_suggestion_serials')),
    )
    op.execute(f"INSERT INTO suggestion_serials (year, last_value) "
               f"SELECT year, last FROM yearly_counters WHERE series = '{SERIAL}'")
    op.execute(f"INSERT INTO training_certificate_counters (year, last) "
               f"SELECT year, last FROM yearly_counters WHERE series = '{CERTIFICATE}'")
    op.drop_table('yearly_counters')
