"""rekap per SKPD: covering indexes for the per-person probes of ``elearn.reports.services``
(roster scan, enrolment, passed attempt, valid certificate)

Revision ID: 0007_rekap
Revises: 0006_certificates
"""
from __future__ import annotations

from alembic import op

revision = '0007_rekap'
down_revision = '0006_certificates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_instansi_active_unit', ['instansi_id', 'active', 'unit_id'], unique=False)
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_user_course_read',
                              ['user_id', 'course_id', 'course_version_id', 'modules_completed_at'], unique=False)
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_user_quiz_passed', ['user_id', 'quiz_id', 'passed'], unique=False)
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_user_course_state', ['user_id', 'course_id', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_user_course_state')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_user_quiz_passed')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_user_course_read')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_instansi_active_unit')
