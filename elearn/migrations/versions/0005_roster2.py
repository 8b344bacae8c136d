"""roster imports: what the background check found (people it would deactivate, the preview)

The upload request no longer reads the rows: a job checks the file and stores this for the
preview page. The import's status gains "checked" and "rejected" (a non-native enum: no DDL).

Revision ID: 0005_roster2
Revises: 0005_roster
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0005_roster2"
down_revision = "0005_roster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roster_imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("would_deactivate", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("preview", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roster_imports", schema=None) as batch_op:
        batch_op.drop_column("preview")
        batch_op.drop_column("would_deactivate")
