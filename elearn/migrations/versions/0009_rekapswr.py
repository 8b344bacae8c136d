"""rekap snapshots served stale while a background job recounts them (stale, refresh_requested_at)

Revision ID: 0009_rekapswr
Revises: 0008_rekapfast
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import elearn.db


revision = '0009_rekapswr'
down_revision = '0008_rekapfast'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rekap_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stale', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('refresh_requested_at', elearn.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rekap_snapshots', schema=None) as batch_op:
        batch_op.drop_column('refresh_requested_at')
        batch_op.drop_column('stale')
