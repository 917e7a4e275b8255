"""enums become checked strings and hand-converted JSON text becomes JSON

Revision ID: 0008_typed_columns
Revises: 0007_ocr_seals
Create Date: 2026-12-04 20:30:00

Reviewed: hand-written.  Statuses and roles keep their VARCHAR columns and gain a CHECK constraint naming
the allowed values (the same on SQLite and PostgreSQL; existing rows hold only those values).  The JSON text
columns become JSON: on PostgreSQL the text is cast (``::json``; every row was written by json.dumps), on
SQLite the type is TEXT either way and batch mode copies the rows.  audit_events.details stays text because its
exact characters are hashed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_typed_columns'
down_revision = '0007_ocr_seals'
branch_labels = None
depends_on = None

CHECKS = [  # table, constraint (the naming convention's ck_<table>_<name>), column, values
    ('ingest_jobs', 'job_status', 'status', ('queued', 'running', 'done', 'failed')),
    ('qc_findings', 'finding_status', 'status', ('open', 'fixed', 'accepted', 'rescan')),
    ('files', 'file_status', 'status', ('received', 'catalogued', 'digitised', 'on_loan', 'transferred')),
    ('users', 'role', 'role', ('archivist', 'approver', 'auditor', 'admin', 'retiree')),
]
JSONS = [  # table, column, server default
    ('ingest_jobs', 'paths', '[]'),
    ('ingest_jobs', 'failure_params', '{}'),
    ('ingest_jobs', 'summary', '[]'),
    ('account_requests', 'payload', '{}'),
    ('pages', 'words', '[]'),
]


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table, column, default in JSONS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if postgres:  # a text default cannot be cast along with the column
                batch_op.alter_column(column, server_default=None)
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.JSON(), existing_nullable=False,
                                  postgresql_using=f'{column}::json')
            batch_op.alter_column(column, server_default=default)
    for table, name, column, values in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(f'ck_{table}_{name}', _in(column, values))


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table, name, _column, _values in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'ck_{table}_{name}', type_='check')
    for table, column, default in reversed(JSONS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if postgres:
                batch_op.alter_column(column, server_default=None)
            batch_op.alter_column(column, existing_type=sa.JSON(), type_=sa.Text(), existing_nullable=False,
                                  postgresql_using=f'{column}::text')
            batch_op.alter_column(column, server_default=default)
