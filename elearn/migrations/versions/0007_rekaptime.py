"""pakta campaigns: the election date and the completion target (share and day) of the rekap charts

Three nullable columns added in place (batch mode: SQLite adds them with ALTER TABLE ... ADD COLUMN,
no table rebuild); existing campaigns keep working without them.

Revision ID: 0007_rekaptime
Revises: 0007_rekap (chained after the rekap branch's covering indexes, merged into this branch)
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0007_rekaptime"
down_revision = "0007_rekap"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pledge_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("election_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("target_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("target_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pledge_campaigns", schema=None) as batch_op:
        batch_op.drop_column("target_date")
        batch_op.drop_column("target_percent")
        batch_op.drop_column("election_date")
