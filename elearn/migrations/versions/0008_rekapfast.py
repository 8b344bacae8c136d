"""the dashboard's snapshots of counted figures (rekap_snapshots), per instansi x selection

Revision ID: 0008_rekapfast
Revises: 0007_rekapscale
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import elearn.db


revision = '0008_rekapfast'
down_revision = '0007_rekapscale'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rekap_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('selection_key', sa.String(length=120), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('skpd_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('quiz_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('computed_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['pledge_campaigns.id'], name=op.f('fk_rekap_snapshots_campaign_id_pledge_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_rekap_snapshots_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_rekap_snapshots_instansi_id_instansi'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_rekap_snapshots_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skpd_id'], ['units.id'], name=op.f('fk_rekap_snapshots_skpd_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rekap_snapshots')),
    sa.UniqueConstraint('selection_key', name=op.f('uq_rekap_snapshots_selection_key'))
    )
    with op.batch_alter_table('rekap_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_rekap_snapshots_instansi', ['instansi_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rekap_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_rekap_snapshots_instansi')

    op.drop_table('rekap_snapshots')
