"""jobs: the outcome of a done job (a message id and its parameters, e.g. a people import's counts)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-21 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('jobs', sa.Column('outcome', sa.String(length=500), nullable=True))
    op.add_column('jobs', sa.Column('outcome_params', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('jobs', 'outcome_params')
    op.drop_column('jobs', 'outcome')
