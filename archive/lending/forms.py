"""Forms of the lending pages; every form carries a CSRF token (Flask-WTF).  Labels are English msgids."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from archive.accounts.forms import StrongPassword
from archive.formutil import choices
from archive.lending.models import RETIREE_PURPOSES, Delivery, Purpose, RequestKind, RequestStatus

__all__ = ["BindForm", "CounterForm", "DecisionForm", "PrepareForm", "RegisterForm", "RequestForm",
           "TemplateForm", "DELIVERY_LABELS", "KIND_LABELS", "PURPOSE_LABELS", "STATUS_LABELS", "WANTED_CLASSES"]

KIND_LABELS = {
    RequestKind.COPY: _l("Certified copy"),
    RequestKind.CERTIFICATE: _l("Certificate"),
    RequestKind.CONSULTATION: _l("Consultation"),
    RequestKind.LOAN: _l("Loan"),
}
STATUS_LABELS = {
    RequestStatus.SUBMITTED: _l("Submitted"),
    RequestStatus.IN_REVIEW: _l("Waiting for approval"),
    RequestStatus.APPROVED: _l("Approved"),
    RequestStatus.REJECTED: _l("Not approved"),
    RequestStatus.FULFILLED: _l("Ready"),
    RequestStatus.CLOSED: _l("Done"),
    RequestStatus.EXPIRED: _l("Expired"),
    RequestStatus.REVOKED: _l("Withdrawn"),
}
PURPOSE_LABELS = {
    Purpose.RETIREMENT: _l("Retirement benefits"),
    Purpose.SERVICE_YEARS: _l("Recognition of years of service"),
    Purpose.SOCIAL_INSURANCE: _l("Social insurance"),
    Purpose.NOTARISATION: _l("Notarisation"),
    Purpose.LITIGATION: _l("Evidence for a lawsuit"),
    Purpose.FUNERAL: _l("Funeral arrangements"),
    Purpose.WAGES: _l("Wages and benefits"),
    Purpose.POLITICAL_REVIEW: _l("Political review"),
    Purpose.APPOINTMENT: _l("Appointment"),
    Purpose.APPRAISAL: _l("Appraisal"),
    Purpose.TALENT: _l("Talent programmes"),
    Purpose.DISCIPLINE: _l("Discipline inspection"),
    Purpose.HISTORY: _l("Compiling history"),
    Purpose.OTHER: _l("Other"),
}
DELIVERY_LABELS = {
    Delivery.DOWNLOAD: _l("Download it here"),
    Delivery.COUNTER: _l("Collect it at the counter"),
}
# What a retiree can ask for without knowing the catalogue: the material classes most requests name.
WANTED_CLASSES = (
    ("9-2", _l("Recruitment, hiring, transfer and retirement approvals")),
    ("9-1", _l("Wage records")),
    ("1", _l("Curriculum vitae")),
    ("4-1", _l("Education records")),
    ("6", _l("Party and Youth League records")),
)


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("ID card number"), validators=[DataRequired(), Length(min=15, max=20)])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    username = StringField(_l("User name for logging in"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, '.', '_' and '-' only."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256),
                                                         StrongPassword("username")])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("Passwords differ."))])


class RequestForm(FlaskForm):
    kind = RadioField(_l("What do you need?"), default=RequestKind.COPY.value, choices=choices(
        [(RequestKind.COPY.value, _l("A certified copy of materials")),
         (RequestKind.CERTIFICATE.value, _l("A certificate, e.g. of years of service"))]))
    purpose = RadioField(_l("What is it for?"), default=Purpose.RETIREMENT.value,
                         choices=choices([(p.value, PURPOSE_LABELS[p]) for p in RETIREE_PURPOSES]))
    purpose_text = StringField(_l("If other: what for"), validators=[Optional(), Length(max=200)])
    wanted_classes = SelectMultipleField(_l("Which materials?"), choices=choices(WANTED_CLASSES),
                                         validators=[Optional()])
    wanted = TextAreaField(_l("Or describe what you need"), validators=[Optional(), Length(max=4000)])
    delivery = RadioField(_l("How do you want to receive it?"), default=Delivery.DOWNLOAD.value,
                          choices=choices([(d.value, DELIVERY_LABELS[d]) for d in Delivery]))
    on_behalf = BooleanField(_l("I am a relative asking on the retiree's behalf"))
    relative_name = StringField(_l("Your name (the relative)"), validators=[Optional(), Length(max=50)])
    relative_relation = StringField(_l("Your relation to the retiree"), validators=[Optional(), Length(max=32)])
    relative_id_number = StringField(_l("Your ID card number"), validators=[Optional(), Length(max=20)])
    authorisation = FileField(_l("Signed authorisation (PDF, JPEG or PNG)"))


class PrepareForm(FlaskForm):
    materials = SelectMultipleField(_l("Materials"), coerce=int, choices=[], validate_choice=False)
    template = SelectField(_l("Certificate template"), choices=[], validate_choice=False, validators=[Optional()])
    work_start = StringField(_l("Date work started, confirmed from the file"),
                             validators=[Optional(), Length(max=30)])
    service_years = StringField(_l("Continuous years of service (empty: counted)"),
                                validators=[Optional(), Length(max=10)])
    cutoff = StringField(_l("Counted up to (empty: the retirement date)"),
                         validators=[Optional(), Length(max=30)])


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=choices([("approve", _l("Approve")), ("reject", _l("Reject"))]),
                          validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class BindForm(FlaskForm):
    archive_no = StringField(_l("File no."), validators=[DataRequired(), Length(max=64)])


class CounterForm(FlaskForm):
    archive_no = StringField(_l("File no."), validators=[DataRequired(), Length(max=64)])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    username = StringField(_l("User name"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, '.', '_' and '-' only."))])
    password = PasswordField(_l("First password (to be changed at first log-in)"),
                             validators=[DataRequired(), Length(max=256), StrongPassword("username")])


class TemplateForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=8000)])
    active = BooleanField(_l("In use"))
