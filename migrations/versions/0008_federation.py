"""federation: organisation levels on the department tree and scoped role grants

Every department gets a kind (SPEC §7). An existing tree is one enterprise (or several) without a federation root,
so kinds follow depth: top-level nodes are enterprises, then branches, floors and teams. Every admin and HR user gets
a grant over the whole tree (no node), so an existing installation behaves as before until someone narrows them.
Downgrade drops the grants (the role bits on the users stay) and the two columns.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ADMIN, HR = 8, 4


def upgrade():
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='enterprise'))
        batch_op.add_column(sa.Column('industry', sa.String(length=50), nullable=True))
        batch_op.create_index(batch_op.f('ix_departments_kind'), ['kind'], unique=False)
    op.execute("UPDATE departments SET kind = CASE WHEN depth = 0 THEN 'enterprise' WHEN depth = 1 THEN 'branch' "
               "WHEN depth = 2 THEN 'floor' ELSE 'team' END")
    op.create_table(
        'role_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_role_grants_department_id_departments')),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_role_grants_granted_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
        sa.UniqueConstraint('user_id', 'role', 'department_id', name='uq_role_grants_user_role_dept'),
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grants_user_id'), ['user_id'], unique=False)
    # Stored as naive UTC, like every other timestamp.
    now = "timezone('utc', now())" if op.get_bind().dialect.name == "postgresql" else "CURRENT_TIMESTAMP"
    for role, bit in (("admin", ADMIN), ("hr", HR)):
        op.execute(f"INSERT INTO role_grants (user_id, role, department_id, created_at) "
                   f"SELECT id, '{role}', NULL, {now} FROM users WHERE (role_mask & {bit}) != 0")


def downgrade():
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grants_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_grants_department_id'))
    op.drop_table('role_grants')
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `departments` would trip the foreign keys pointing at it.
    op.drop_index(op.f('ix_departments_kind'), table_name='departments')
    op.drop_column('departments', 'industry')
    op.drop_column('departments', 'kind')
