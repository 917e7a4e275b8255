"""anomaly flags keep their rule's figures as parameters, rendered in the reader's language

Revision ID: 0006_flag_params
Revises: 0005_job_owner
Create Date: 2026-12-04 19:30:00

Reviewed: hand-written.  One nullable JSON column; flags raised before it keep their plain summary,
which the page shows as stored.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_flag_params'
down_revision = '0005_job_owner'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_flags', schema=None) as batch_op:
        batch_op.drop_column('params')
