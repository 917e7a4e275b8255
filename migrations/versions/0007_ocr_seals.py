"""pages keep the text of their seals; materials keep their row in the catalogue as sent (issue 12)

Revision ID: 0007_ocr_seals
Revises: 0006_flag_params
Create Date: 2026-12-04 19:40:00

Reviewed: hand-written.  Existing pages get no seal text (they are read again on re-ingest); existing
materials get no row, so their flat files keep linking in class order until the catalogue is imported again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_ocr_seals'
down_revision = '0006_flag_params'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal_text', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sheet_row', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_column('sheet_row')
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('seal_text')
