"""the national roll-up's summary table (rekap_summary): per instansi x SKPD, refreshed per instansi

Revision ID: 0007_rekapscale
Revises: 0007_rekaptime
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import elearn.db


revision = '0007_rekapscale'
down_revision = '0007_rekaptime'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rekap_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('skpd_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('quiz_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('signed', sa.Integer(), nullable=False),
    sa.Column('certified', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['pledge_campaigns.id'], name=op.f('fk_rekap_summary_campaign_id_pledge_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_rekap_summary_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_rekap_summary_instansi_id_instansi'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_rekap_summary_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skpd_id'], ['units.id'], name=op.f('fk_rekap_summary_skpd_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rekap_summary'))
    )
    with op.batch_alter_table('rekap_summary', schema=None) as batch_op:
        batch_op.create_index('ix_rekap_summary_instansi_skpd', ['instansi_id', 'skpd_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rekap_summary', schema=None) as batch_op:
        batch_op.drop_index('ix_rekap_summary_instansi_skpd')

    op.drop_table('rekap_summary')
