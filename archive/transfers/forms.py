"""Forms of the transfers pages (CSRF on every one) and the labels of the domain's states."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from archive.formutil import choices
from archive.geo import STREETS
from archive.transfers.models import EntryStatus, RelationKind, RelationState, TransferStatus

LEVEL_LABELS = {"central": lazy_pgettext("level", "Central"), "municipal": lazy_pgettext("level", "Municipal"),
                "district": lazy_pgettext("level", "District")}
LEVEL_CHOICES = tuple(LEVEL_LABELS.items())
ENTRY_LABELS = {EntryStatus.EXPECTED: _l("Expected"), EntryStatus.RECEIVED: _l("Received"),
                EntryStatus.MISSING: _l("Missing"), EntryStatus.ELSEWHERE: _l("To another district")}
RELATION_LABELS = {RelationKind.SOCIAL_INSURANCE: _l("Social insurance"), RelationKind.ARCHIVE: _l("Personnel file"),
                   RelationKind.MEDICAL_INSURANCE: _l("Medical insurance"),
                   RelationKind.PARTY: _l("Party membership")}
RELATION_OFFICES = {RelationKind.SOCIAL_INSURANCE: _l("District human resources bureau"),
                    RelationKind.ARCHIVE: _l("District human resources bureau"),
                    RelationKind.MEDICAL_INSURANCE: _l("District medical insurance bureau"),
                    RelationKind.PARTY: _l("Street party working committee")}
STATE_LABELS = {RelationState.EXPECTED: _l("Expected"), RelationState.RECEIVED: _l("Received"),
                RelationState.PASSED_ON: _l("Passed on")}
TRANSFER_LABELS = {TransferStatus.PREPARED: _l("Prepared"), TransferStatus.SENT: _l("Sent, receipt outstanding"),
                   TransferStatus.RETURNED: _l("Receipt returned")}


def _count(label: object) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(0, 999)])


class BatchForm(FlaskForm):
    enterprise = StringField(_l("Enterprise"), validators=[DataRequired(), Length(max=200)])
    level = SelectField(_l("Level"), choices=choices(LEVEL_CHOICES))
    group_name = StringField(_l("Enterprise group"), validators=[Optional(), Length(max=200)])
    contact = StringField(_l("Contact person"), validators=[Optional(), Length(max=50)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    approval_ref = StringField(_l("Approval reference"), validators=[Optional(), Length(max=100)])
    approval_date = DateField(_l("Approval date"), validators=[Optional()])
    expected_on = DateField(_l("Expected delivery"), validators=[Optional()])


class RosterForm(FlaskForm):
    roster = FileField(_l("Transfer list (.xlsx or .csv)"), validators=[FileRequired()])


class ReceiveForm(FlaskForm):
    outcome = SelectField(_l("Check"), choices=choices((("received", _l("Received")), ("damaged", _l("Damaged")),
                                                         ("missing", _l("Missing")))))
    volumes_original = _count(_l("Original volumes"))
    volumes_copy = _count(_l("Copy volumes"))
    materials = _count(_l("Materials"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ExtraForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=18)])
    volumes_original = _count(_l("Original volumes"))
    volumes_copy = _count(_l("Copy volumes"))
    materials = _count(_l("Materials"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class StatementForm(FlaskForm):
    text = TextAreaField(_l("Statement on missing materials"), validators=[Optional(), Length(max=20000)])
    upload = FileField(_l("Signed statement (scan or PDF)"))


class SendForm(FlaskForm):
    sent_on = DateField(_l("Sent on"), validators=[Optional()])
    courier = StringField(_l("Confidential courier"), validators=[Optional(), Length(max=100)])
    carrier1 = StringField(_l("Carried by (first staff member)"), validators=[Optional(), Length(max=50)])
    carrier2 = StringField(_l("Carried by (second staff member)"), validators=[Optional(), Length(max=50)])


class ReceiptForm(FlaskForm):
    returned_on = DateField(_l("Receipt returned on"), validators=[Optional()])


class FileTransferForm(FlaskForm):
    to = StringField(_l("Transfer to (district or office)"), validators=[DataRequired(), Length(max=100)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    post = StringField(_l("Post"), validators=[Optional(), Length(max=100)])


class IncomingForm(FlaskForm):
    sender = StringField(_l("Sender"), validators=[DataRequired(), Length(max=100)])
    their_notice_no = StringField(_l("Their notice no."), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=18)])
    unit = StringField(_l("Unit and post"), validators=[Optional(), Length(max=200)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])
    volumes_original = _count(_l("Original volumes"))
    volumes_copy = _count(_l("Copy volumes"))
    materials = _count(_l("Materials"))


class IncomingReceiveForm(FlaskForm):
    street = SelectField(_l("Street"), choices=choices([(s, s) for s in STREETS]))


class RelationForm(FlaskForm):
    state = SelectField(_l("State"), choices=choices(((RelationState.RECEIVED.value, _l("Received")),
                                                      (RelationState.PASSED_ON.value, _l("Passed on")))))


class StoreroomForm(FlaskForm):
    name = StringField(_l("Storeroom"), validators=[DataRequired(), Length(max=32)])
    street = SelectField(_l("Street"), choices=choices([("", _l("District store")), *((s, s) for s in STREETS)]))
    rows = IntegerField(_l("Rows"), validators=[DataRequired(), NumberRange(1, 500)])
    racks = IntegerField(_l("Racks per row"), validators=[DataRequired(), NumberRange(1, 500)])
    shelves = IntegerField(_l("Shelves per rack"), validators=[DataRequired(), NumberRange(1, 50)])
    cells = IntegerField(_l("Cells per shelf"), validators=[DataRequired(), NumberRange(1, 50)])
    cell_capacity = IntegerField(_l("Files per cell"), validators=[DataRequired(), NumberRange(1, 500)])


class RouteForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    level = SelectField(_l("Level"), choices=choices(LEVEL_CHOICES))
    hukou_district = StringField(_l("Household registration: district"))
    hukou_street = StringField(_l("Household registration: street"))
    residence_district = StringField(_l("Usual residence: district"))
    residence_street = StringField(_l("Usual residence: street"))
    party = SelectField(_l("Party member"), choices=choices((("no", _l("No")), ("yes", _l("Yes")))))
