"""admin scopes: the audit log remembers whose part of the tree an entry concerns; enterprise setting overrides

`audit_log.department_id` is the actor's department and `audit_log.target_department_id` the target person's
department (or the target node itself), both recorded at write time, so a scoped admin's log is two indexed IN
conditions and never a query per row. No foreign keys: the log outlives deleted nodes. Existing rows are filled in
from the users as they are now. `setting_overrides` holds an enterprise's own value of an overridable setting.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: no batch copy of a table other tables point at.
    op.add_column('audit_log', sa.Column('department_id', sa.Integer(), nullable=True))
    op.add_column('audit_log', sa.Column('target_department_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_audit_log_department_id'), 'audit_log', ['department_id'], unique=False)
    op.create_index(op.f('ix_audit_log_target_department_id'), 'audit_log', ['target_department_id'], unique=False)
    op.execute("UPDATE audit_log SET department_id = (SELECT users.department_id FROM users "
               "WHERE users.id = audit_log.actor_id) WHERE actor_id IS NOT NULL")
    op.execute("UPDATE audit_log SET target_department_id = (SELECT users.department_id FROM users "
               "WHERE CAST(users.id AS VARCHAR(64)) = audit_log.target_id) WHERE target_type = 'users'")
    op.execute("UPDATE audit_log SET target_department_id = (SELECT departments.id FROM departments "
               "WHERE CAST(departments.id AS VARCHAR(64)) = audit_log.target_id) WHERE target_type = 'departments'")
    op.create_table(
        'setting_overrides',
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_setting_overrides_department_id_departments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('department_id', 'key', name=op.f('pk_setting_overrides')),
    )


def downgrade():
    op.drop_table('setting_overrides')
    op.drop_index(op.f('ix_audit_log_target_department_id'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_department_id'), table_name='audit_log')
    op.drop_column('audit_log', 'target_department_id')
    op.drop_column('audit_log', 'department_id')
