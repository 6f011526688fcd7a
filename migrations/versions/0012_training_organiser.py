"""training organiser: a training session belongs to an organising unit (SPEC §7)

`training_sessions.organiser_id` points at the department whose HR run the session; its subtree is who may join.
Existing sessions get NULL: city-level, run by whole-tree HR and open to everyone, as before. Plain add/drop column
(no batch copy: enrollments point at this table with ON DELETE CASCADE).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

FK = 'fk_training_sessions_organiser_id_departments'


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot add a constraint to an existing table: the named reference goes inline with the column.
        op.execute(f"ALTER TABLE training_sessions ADD COLUMN organiser_id INTEGER CONSTRAINT {FK} "
                   "REFERENCES departments (id)")
    else:
        op.add_column('training_sessions', sa.Column('organiser_id', sa.Integer(), nullable=True))
        op.create_foreign_key(FK, 'training_sessions', 'departments', ['organiser_id'], ['id'])
    op.create_index(op.f('ix_training_sessions_organiser_id'), 'training_sessions', ['organiser_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_training_sessions_organiser_id'), table_name='training_sessions')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(FK, 'training_sessions', type_='foreignkey')
    op.drop_column('training_sessions', 'organiser_id')
