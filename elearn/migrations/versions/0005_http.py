"""tags remember the instansi that created them (unused tags are listed to that instansi only)

Revision ID: 0005_http
Revises: 0005_pakta
Create Date: 2026-12-04 05:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005_http'
down_revision = "0005_pakta"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instansi_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tags_instansi_id_instansi'), 'instansi', ['instansi_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tags_instansi_id_instansi'), type_='foreignkey')
        batch_op.drop_column('instansi_id')
