"""quizzes.audience: who a quiz is for (issue 16: the leaders' quiz was listed for every teacher).
NULL: everyone; "pimpinan": leaders (authz.in_quiz_audience). Shipped quizzes get theirs from the
files on the next ``content sync``.

Revision ID: 0013_quizaudience
Revises: 0013_quizbanks (chained after the multi-bank quizzes of issue 16 point 6, merged first)
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0013_quizaudience'
down_revision = '0013_quizbanks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column: SQLite adds it in place (no table copy, which the foreign keys would refuse)
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=32), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # in place (SQLite 3.35+): batch mode would copy the table
        op.execute("ALTER TABLE quizzes DROP COLUMN audience")
    else:
        op.drop_column('quizzes', 'audience')
