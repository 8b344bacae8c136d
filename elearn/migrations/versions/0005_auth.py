"""users.activation_failures: wrong activation codes count against the code, not the sign-in

Revision ID: 0005_auth
Revises: 0005_gift
Create Date: 2026-12-04 05:20:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0005_auth"
down_revision = "0005_gift"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activation_failures", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("activation_failures")
