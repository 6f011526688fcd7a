"""people search index: person_search_keys (every suffix of the name, the pinyin and its words, the 工号), filled
for the people already there

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-21 10:00:00

"""
import string

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
BATCH = 5000


def _keys(name, pinyin, employee_no):
    """The keys of core.person_index.search_keys as of this revision (kept here: a migration must not change
    when the app does)."""
    name = (name or "").translate(ASCII_LOWER)
    pinyin = (pinyin or "").translate(ASCII_LOWER)
    keys = {name[i:] for i in range(len(name))}
    keys.add(pinyin)
    keys.update(pinyin[i + 1:] for i, char in enumerate(pinyin) if char == " ")
    keys.add((employee_no or "").translate(ASCII_LOWER))
    keys.discard("")
    return keys


def _fill(bind):
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('name_pinyin', sa.String), sa.column('employee_no', sa.String))
    keys = sa.table('person_search_keys', sa.column('key', sa.Text), sa.column('user_id', sa.Integer))
    cache = {}  # many people share a name: its keys are computed once
    last = 0
    while True:
        rows = bind.execute(sa.select(users.c.id, users.c.name, users.c.name_pinyin, users.c.employee_no)
                            .where(users.c.id > last).order_by(users.c.id).limit(BATCH)).all()
        if not rows:
            return
        values = []
        for uid, name, pinyin, no in rows:
            if (name, pinyin) not in cache:
                if len(cache) > 100_000:
                    cache.clear()
                cache[(name, pinyin)] = _keys(name, pinyin, None)
            for key in cache[(name, pinyin)] | _keys(None, None, no):
                values.append({"key": key, "user_id": uid})
        if values:
            bind.execute(keys.insert(), values)
        last = rows[-1][0]


def upgrade():
    op.create_table(
        'person_search_keys',
        sa.Column('key', sa.Text().with_variant(sa.Text(collation='C'), 'postgresql'), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_person_search_keys_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', 'user_id', name=op.f('pk_person_search_keys')),
    )
    _fill(op.get_bind())
    op.create_index('ix_person_search_keys_user', 'person_search_keys', ['user_id', 'key'])


def downgrade():
    op.drop_index('ix_person_search_keys_user', table_name='person_search_keys')
    op.drop_table('person_search_keys')
