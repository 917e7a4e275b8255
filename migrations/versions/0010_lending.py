"""lending: requests of every kind, their materials, transitions, templates and registrations (issue 10)

Revision ID: 0010_lending
Revises: 0009_finding_texts
Create Date: 2026-12-08 01:40:00

Reviewed: hand-written; new tables only, so nothing existing is touched.  Enums are checked strings named by
the naming convention (ck_<table>_<name>), JSON columns JSON, as in 0008.  The child tables of consultations
and loans are created now so that the work that builds them needs no migration for the shape of a request.
Two default certificate templates are inserted; admins edit them in the app.
"""
import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_lending'
down_revision = '0009_finding_texts'
branch_labels = None
depends_on = None

KINDS = ('copy', 'certificate', 'consultation', 'loan')
STATUSES = ('submitted', 'in_review', 'approved', 'rejected', 'fulfilled', 'closed', 'expired', 'revoked')
PURPOSES = ('retirement', 'service_years', 'social_insurance', 'notarisation', 'litigation', 'funeral', 'wages',
            'political_review', 'appointment', 'appraisal', 'talent', 'discipline', 'history', 'other')
DELIVERIES = ('download', 'counter')
REGISTRATION = ('pending', 'bound', 'refused')

TEMPLATES = [
    ('service_years', '工龄证明',
     '兹证明{姓名}（性别：{性别}，身份证号：{身份证号}），出生日期{出生日期}，参加工作时间{参加工作时间}，'
     '原工作单位{原单位}，截至{截止日期}连续工龄{连续工龄}年。\n以上情况与其人事档案记载一致。\n特此证明。'),
    ('birth_date', '出生日期证明',
     '兹证明{姓名}（身份证号：{身份证号}）的出生日期，经核对其人事档案，为{出生日期}。\n特此证明。'),
]


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    templates = op.create_table(
        'lending_certificate_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
        sa.Column('updated_by', sa.String(length=64), server_default='', nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_lending_certificate_templates'),
        sa.UniqueConstraint('code', name='uq_lending_certificate_templates_code'),
    )
    op.create_table(
        'lending_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='submitted', nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('requester_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('relative_name', sa.String(length=50), server_default='', nullable=False),
        sa.Column('relative_id_number', sa.String(length=18), nullable=True),
        sa.Column('relative_relation', sa.String(length=32), server_default='', nullable=False),
        sa.Column('authorisation_key', sa.String(length=300), nullable=True),
        sa.Column('authorisation_mime', sa.String(length=32), server_default='', nullable=False),
        sa.Column('authorisation_sha256', sa.String(length=64), server_default='', nullable=False),
        sa.Column('purpose', sa.String(length=24), nullable=False),
        sa.Column('purpose_text', sa.String(length=200), server_default='', nullable=False),
        sa.Column('wanted', sa.Text(), server_default='', nullable=False),
        sa.Column('wanted_classes', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('delivery', sa.String(length=16), server_default='download', nullable=False),
        sa.Column('handler_id', sa.Integer(), nullable=True),
        sa.Column('approver_id', sa.Integer(), nullable=True),
        sa.Column('decision_reason', sa.Text(), server_default='', nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('valid_until', sa.DateTime(), nullable=True),
        sa.Column('download_token', sa.String(length=64), nullable=True),
        sa.Column('output_key', sa.String(length=300), nullable=True),
        sa.Column('output_sha256', sa.String(length=64), server_default='', nullable=False),
        sa.Column('output_size', sa.BigInteger(), nullable=True),
        sa.Column('built_at', sa.DateTime(), nullable=True),
        sa.Column('template_id', sa.Integer(), nullable=True),
        sa.Column('certificate_text', sa.Text(), server_default='', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(_in('kind', KINDS), name='ck_lending_requests_request_kind'),
        sa.CheckConstraint(_in('status', STATUSES), name='ck_lending_requests_request_status'),
        sa.CheckConstraint(_in('purpose', PURPOSES), name='ck_lending_requests_request_purpose'),
        sa.CheckConstraint(_in('delivery', DELIVERIES), name='ck_lending_requests_request_delivery'),
        sa.CheckConstraint('handler_id IS NULL OR approver_id IS NULL OR handler_id <> approver_id',
                           name='ck_lending_requests_two_person'),
        sa.ForeignKeyConstraint(['file_id'], ['files.id'], name='fk_lending_requests_file_id_files',
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name='fk_lending_requests_requester_id_users',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name='fk_lending_requests_created_by_id_users',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name='fk_lending_requests_handler_id_users',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name='fk_lending_requests_approver_id_users',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['template_id'], ['lending_certificate_templates.id'],
                                name='fk_lending_requests_template_id_lending_certificate_templates',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_lending_requests'),
        sa.UniqueConstraint('number', name='uq_lending_requests_number'),
        sa.UniqueConstraint('download_token', name='uq_lending_requests_download_token'),
    )
    with op.batch_alter_table('lending_requests', schema=None) as batch_op:
        for column in ('status', 'file_id', 'requester_id', 'handler_id', 'approver_id', 'created_at'):
            batch_op.create_index(f'ix_lending_requests_{column}', [column], unique=False)
    op.create_table(
        'lending_request_materials',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=32), server_default='', nullable=False),
        sa.Column('title', sa.String(length=300), server_default='', nullable=False),
        sa.Column('formed', sa.String(length=10), nullable=True),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.CheckConstraint('position >= 1', name='ck_lending_request_materials_position'),
        sa.ForeignKeyConstraint(['request_id'], ['lending_requests.id'],
                                name='fk_lending_request_materials_request_id_lending_requests', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['material_id'], ['materials.id'],
                                name='fk_lending_request_materials_material_id_materials', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_lending_request_materials'),
        sa.UniqueConstraint('request_id', 'material_id', name='uq_lending_request_materials_request_id_material_id'),
    )
    with op.batch_alter_table('lending_request_materials', schema=None) as batch_op:
        batch_op.create_index('ix_lending_request_materials_request_id', ['request_id'], unique=False)
        batch_op.create_index('ix_lending_request_materials_material_id', ['material_id'], unique=False)
    op.create_table(
        'lending_transitions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=64), server_default='', nullable=False),
        sa.Column('from_status', sa.String(length=16), nullable=True),
        sa.Column('to_status', sa.String(length=16), nullable=False),
        sa.Column('reason_code', sa.String(length=32), server_default='', nullable=False),
        sa.Column('reason_params', sa.JSON(), server_default='{}', nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['lending_requests.id'],
                                name='fk_lending_transitions_request_id_lending_requests', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_lending_transitions_user_id_users',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_lending_transitions'),
    )
    with op.batch_alter_table('lending_transitions', schema=None) as batch_op:
        batch_op.create_index('ix_lending_transitions_request_id', ['request_id'], unique=False)
    op.create_table(
        'lending_consultations',
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=200), nullable=False),
        sa.Column('letter_key', sa.String(length=300), nullable=True),
        sa.Column('letter_sha256', sa.String(length=64), server_default='', nullable=False),
        sa.Column('unit_handler_name', sa.String(length=50), server_default='', nullable=False),
        sa.Column('unit_handler_id_number', sa.String(length=18), nullable=True),
        sa.Column('whole_file', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('window_start', sa.DateTime(), nullable=True),
        sa.Column('window_end', sa.DateTime(), nullable=True),
        sa.Column('print_allowed', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('download_allowed', sa.Boolean(), server_default='0', nullable=False),
        sa.CheckConstraint('window_end IS NULL OR window_start IS NULL OR window_end > window_start',
                           name='ck_lending_consultations_window'),
        sa.ForeignKeyConstraint(['request_id'], ['lending_requests.id'],
                                name='fk_lending_consultations_request_id_lending_requests', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('request_id', name='pk_lending_consultations'),
    )
    op.create_table(
        'lending_consulting_persons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['lending_consultations.request_id'],
                                name='fk_lending_consulting_persons_request_id_lending_consultations',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_lending_consulting_persons_user_id_users',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_lending_consulting_persons'),
        sa.UniqueConstraint('request_id', 'id_number', name='uq_lending_consulting_persons_request_id_id_number'),
    )
    with op.batch_alter_table('lending_consulting_persons', schema=None) as batch_op:
        batch_op.create_index('ix_lending_consulting_persons_request_id', ['request_id'], unique=False)
    op.create_table(
        'lending_loans',
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('borrower_unit', sa.String(length=200), server_default='', nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('lent_at', sa.DateTime(), nullable=True),
        sa.Column('returned_at', sa.DateTime(), nullable=True),
        sa.Column('returned_by_name', sa.String(length=50), server_default='', nullable=False),
        sa.Column('checked_by_id', sa.Integer(), nullable=True),
        sa.Column('discrepancies', sa.JSON(), server_default='[]', nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['lending_requests.id'],
                                name='fk_lending_loans_request_id_lending_requests', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name='fk_lending_loans_checked_by_id_users',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('request_id', name='pk_lending_loans'),
    )
    op.create_table(
        'lending_registrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('mobile', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
        sa.Column('counter', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('decided_by', sa.String(length=64), server_default='', nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(_in('status', REGISTRATION), name='ck_lending_registrations_registration_status'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_lending_registrations_user_id_users',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_lending_registrations'),
        sa.UniqueConstraint('user_id', name='uq_lending_registrations_user_id'),
    )
    with op.batch_alter_table('lending_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_lending_registrations_id_number', ['id_number'], unique=False)
        batch_op.create_index('ix_lending_registrations_status', ['status'], unique=False)
    created = datetime.datetime(2026, 12, 8)
    op.bulk_insert(templates, [
        {'code': code, 'title': title, 'body': body, 'active': True, 'updated_by': 'migration',
         'updated_at': created}
        for code, title, body in TEMPLATES
    ])


def downgrade():
    for table in ('lending_registrations', 'lending_loans', 'lending_consulting_persons', 'lending_consultations',
                  'lending_transitions', 'lending_request_materials', 'lending_requests',
                  'lending_certificate_templates'):
        op.drop_table(table)
