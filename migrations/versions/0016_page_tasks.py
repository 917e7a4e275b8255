"""Per-file tasks of a job run on Celery: what each file waits for before its one short recording transaction

Revision ID: 0016_page_tasks
Revises: 0012_transfers
Create Date: 2026-12-08 02:20:00

Reviewed: hand-written.  One new table, ``ingest_file_tasks``: a row per file of a job fanned out to Celery
page tasks (archive/scanning/distributed.py) — the file's plan (catalogue file id, a rejection reason, the
SHA-256 of each page of the package), how many page checkpoints it waits for, and whether it was recorded.
Nothing existing changes; the embedded and Redis-list queues do not use it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_page_tasks'
down_revision = '0012_transfers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ingest_file_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('archive_no', sa.String(length=64), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=True),
        sa.Column('reject', sa.Text(), server_default='', nullable=False),
        sa.Column('shas', sa.JSON(), server_default='{}', nullable=False),
        sa.Column('expected', sa.Integer(), server_default='0', nullable=False),
        sa.Column('recorded', sa.Boolean(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['ingest_jobs.id'], name=op.f('fk_ingest_file_tasks_job_id_ingest_jobs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_file_tasks')),
        sa.UniqueConstraint('job_id', 'archive_no', name=op.f('uq_ingest_file_tasks_job_id_archive_no')),
    )
    with op.batch_alter_table('ingest_file_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_file_tasks_job_id'), ['job_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ingest_file_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingest_file_tasks_job_id'))
    op.drop_table('ingest_file_tasks')
