"""roster imports: a typed confirmation before "deactivate missing" (issue 16, point 5)

The preview shows how many people the option would switch off; the user types that number to
confirm. Stored: the digest of the uploaded file (the confirmation names it), the number the user
confirmed, and, when the apply found other people to switch off than those confirmed (the roster
changed meanwhile), how many it found (it then deactivates nobody).

Revision ID: 0014_rosterconfirm
Revises: 0013_quizaudience
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0014_rosterconfirm"
down_revision = "0013_quizaudience"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roster_imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("deactivate_confirmed", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deactivate_refused", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roster_imports", schema=None) as batch_op:
        batch_op.drop_column("deactivate_refused")
        batch_op.drop_column("deactivate_confirmed")
        batch_op.drop_column("file_digest")
