"""QC findings keep their text as a code with parameters; account requests and spot checks get checked enums

Revision ID: 0009_finding_texts
Revises: 0008_typed_columns
Create Date: 2026-12-08 01:40:00

Reviewed: hand-written.  Two columns on qc_findings: ``text`` (a code of ingest.qc.texts, "" for findings
recorded before; the page shows their stored Chinese message) and ``params`` (JSON, ``{}`` before).  Three
CHECK constraints named by the naming convention (ck_<table>_<name>); existing rows hold only these values
(the code never wrote others).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_finding_texts'
down_revision = '0008_typed_columns'
branch_labels = None
depends_on = None

CHECKS = [  # table, constraint name, column, values
    ('account_requests', 'request_action', 'action', ('activate', 'disable', 'enable', 'reset_password', 'update')),
    ('account_requests', 'request_status', 'status', ('pending', 'confirmed', 'rejected', 'superseded')),
    ('spot_checks', 'spot_check_result', 'result', ('pending', 'pass', 'fail')),
]


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table('qc_findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('params', sa.JSON(), server_default='{}', nullable=False))
    for table, name, column, values in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(f'ck_{table}_{name}', _in(column, values))


def downgrade():
    for table, name, _column, _values in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'ck_{table}_{name}', type_='check')
    with op.batch_alter_table('qc_findings', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('text')
