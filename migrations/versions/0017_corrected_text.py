"""pages keep an archivist's correction of their recognised text beside the engine's (issue 12)

Revision ID: 0017_corrected_text
Revises: 0016_page_tasks
Create Date: 2026-12-08 02:20:00

Reviewed: hand-written.  Three nullable/defaulted columns on pages; the engine's ocr_text is untouched.
The search index reads corrected_text when it is set (the analysis version went to 4 with the seal field,
so `dangan index rebuild` follows the upgrade anyway).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_corrected_text'
down_revision = '0016_page_tasks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('corrected_by', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('corrected_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('corrected_at')
        batch_op.drop_column('corrected_by')
        batch_op.drop_column('corrected_text')
