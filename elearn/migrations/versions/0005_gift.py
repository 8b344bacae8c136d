"""questions.import_source: the GIFT file a question was imported from

A GIFT import replaces only questions that came from the same file (unless --update).

Revision ID: 0005_gift
Revises: 0005_http
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0005_gift"
down_revision = "0005_http"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_source", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("import_source")
