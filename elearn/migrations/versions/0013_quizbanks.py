"""quiz_banks: a quiz may draw from several question banks (issue 16 point 6). One row per bank of a
quiz, in order; position 0 is the home bank, which ``quizzes.bank_id`` keeps naming (its folder holds
the quiz file). Filled in here from ``quizzes.bank_id`` for the existing quizzes.

Revision ID: 0013_quizbanks
Revises: 0012_unitsort
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0013_quizbanks'
down_revision = '0012_unitsort'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quiz_banks',
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['question_banks.id'], name=op.f('fk_quiz_banks_bank_id_question_banks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_banks_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('quiz_id', 'bank_id', name=op.f('pk_quiz_banks')),
    sa.UniqueConstraint('quiz_id', 'position', name=op.f('uq_quiz_banks_quiz_id_position')),
    )
    with op.batch_alter_table('quiz_banks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_banks_bank_id'), ['bank_id'], unique=False)
    quizzes = sa.table('quizzes', sa.column('id', sa.Integer), sa.column('bank_id', sa.Integer))
    quiz_banks = sa.table('quiz_banks', sa.column('quiz_id', sa.Integer), sa.column('bank_id', sa.Integer),
                          sa.column('position', sa.Integer))
    op.execute(quiz_banks.insert().from_select(
        ['quiz_id', 'bank_id', 'position'],
        sa.select(quizzes.c.id, quizzes.c.bank_id, sa.literal(0)),
    ))


def downgrade() -> None:
    # the home bank stays in quizzes.bank_id; the other banks of a quiz are dropped with the table
    with op.batch_alter_table('quiz_banks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_banks_bank_id'))
    op.drop_table('quiz_banks')
