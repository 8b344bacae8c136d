"""pakta chain against a database administrator: a keyed MAC per signature, signed checkpoints

The two new columns of pledge_signatures are added in place (ALTER TABLE ... ADD COLUMN, no batch
rebuild), so the append-only triggers of 0004 stay as they are on SQLite and PostgreSQL.

Revision ID: 0005_pakta
Revises: 0004
Create Date: 2026-12-04 05:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import elearn.db


revision = "0005_pakta"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pledge_signatures", sa.Column("hmac_key_id", sa.String(length=16), nullable=True))
    op.add_column("pledge_signatures", sa.Column("record_mac", sa.String(length=64), nullable=True))
    op.create_table(
        "pledge_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instansi_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", elearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["instansi_id"], ["instansi.id"],
                                name=op.f("fk_pledge_checkpoints_instansi_id_instansi"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_checkpoints")),
    )
    op.create_index("ix_pledge_checkpoints_instansi_created", "pledge_checkpoints", ["instansi_id", "created_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_pledge_checkpoints_instansi_created", table_name="pledge_checkpoints")
    op.drop_table("pledge_checkpoints")
    op.drop_column("pledge_signatures", "record_mac")
    op.drop_column("pledge_signatures", "hmac_key_id")
