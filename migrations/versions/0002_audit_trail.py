"""audit trail: hash-chained events, anomaly flags, staff ID numbers and relatives

Revision ID: 0002_audit_trail
Revises: 0001_foundation
Create Date: 2026-11-25

Reviewed by hand.  The events table is append-only: on PostgreSQL a trigger
rejects UPDATE, DELETE and TRUNCATE; on SQLite triggers reject UPDATE and DELETE
(the application refuses them too, see archive/audit/__init__.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_audit_trail'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', BigId, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('archive_no', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_events_seq'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        for column in ('action', 'archive_no', 'file_id', 'ip', 'occurred_at', 'outcome', 'person_id',
                       'request_id', 'user_id'):
            batch_op.create_index(batch_op.f(f'ix_audit_events_{column}'), [column], unique=False)

    op.create_table('audit_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('event_seq', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), server_default='', nullable=False),
    sa.Column('ip', sa.String(length=45), server_default='', nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('ack_note', sa.Text(), server_default='', nullable=False),
    sa.Column('ack_by', sa.String(length=64), server_default='', nullable=False),
    sa.Column('ack_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_flags'))
    )
    with op.batch_alter_table('audit_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_flags_event_seq'), ['event_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_flags_rule'), ['rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_flags_status'), ['status'], unique=False)

    op.create_table('audit_scan_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_scan_state'))
    )

    op.create_table('user_relatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('relation', sa.String(length=32), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_relatives_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_relatives'))
    )
    with op.batch_alter_table('user_relatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_relatives_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number', sa.String(length=18), nullable=True))

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_GUARD)
        op.execute("CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END")
        op.execute("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('id_number')
    with op.batch_alter_table('user_relatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_relatives_user_id'))
    op.drop_table('user_relatives')
    op.drop_table('audit_scan_state')
    with op.batch_alter_table('audit_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_flags_status'))
        batch_op.drop_index(batch_op.f('ix_audit_flags_rule'))
        batch_op.drop_index(batch_op.f('ix_audit_flags_event_seq'))
    op.drop_table('audit_flags')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        for column in ('action', 'archive_no', 'file_id', 'ip', 'occurred_at', 'outcome', 'person_id',
                       'request_id', 'user_id'):
            batch_op.drop_index(batch_op.f(f'ix_audit_events_{column}'))
    op.drop_table('audit_events')
