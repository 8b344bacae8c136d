"""units.sort_key: each unit's place in the natural order of the tree (issue 16), so that every
list of units or SKPDs, paged in SQL or not, orders "SD Negeri 2" before "SD Negeri 10". Filled in
here for the existing units (parents before children); org.services keeps it up to date.

Revision ID: 0012_unitsort
Revises: 0011_itemtally
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from elearn.org.models import sort_key_part


revision = '0012_unitsort'
down_revision = '0011_itemtally'
branch_labels = None
depends_on = None


def _sort_key_type() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    # NOT NULL with a default: SQLite adds such a column in place (changing NULL to NOT NULL
    # afterwards would copy the table, which its foreign keys refuse once units exist)
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_key', _sort_key_type(), server_default='', nullable=False))
    conn = op.get_bind()
    units = sa.table('units', sa.column('id', sa.Integer), sa.column('parent_id', sa.Integer),
                     sa.column('name', sa.String), sa.column('depth', sa.Integer),
                     sa.column('sort_key', sa.Text))
    keys: dict[int, str] = {}
    rows = conn.execute(sa.select(units.c.id, units.c.parent_id, units.c.name)
                        .order_by(units.c.depth, units.c.id)).all()
    for unit_id, parent_id, name in rows:
        keys[unit_id] = (keys.get(parent_id, "") if parent_id is not None else "") + sort_key_part(unit_id, name)
    if keys:
        conn.execute(units.update().where(units.c.id == sa.bindparam('unit_id')).values(sort_key=sa.bindparam('key')),
                     [{'unit_id': i, 'key': k} for i, k in keys.items()])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # in place (SQLite 3.35+): batch mode would copy the table, which its foreign keys refuse
        # once units exist
        op.execute("ALTER TABLE units DROP COLUMN sort_key")
    else:
        op.drop_column('units', 'sort_key')
