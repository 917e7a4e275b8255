"""ingest job owner and failure reason: a job left running by a dead process is recovered

Revision ID: 0005_job_owner
Revises: 0004_account_security
Create Date: 2026-12-03 16:05:00

Reviewed: hand-written.  Existing jobs get an empty owner (start-up recovery then judges them by their
heartbeat) and no failure code (their plain-text error is shown as before).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_job_owner'
down_revision = '0004_account_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ingest_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_host', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('owner_pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('owner_token', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('failure_code', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('failure_params', sa.Text(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('ingest_jobs', schema=None) as batch_op:
        batch_op.drop_column('failure_params')
        batch_op.drop_column('failure_code')
        batch_op.drop_column('owner_token')
        batch_op.drop_column('owner_pid')
        batch_op.drop_column('owner_host')
