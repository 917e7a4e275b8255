"""Forms of the consultation and loan pages (CSRF on every one, Flask-WTF); labels are English msgids."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from archive.formutil import choices
from archive.lending.forms import PURPOSE_LABELS
from archive.lending.models import Purpose

__all__ = ["ConsultationForm", "LendForm", "LoanForm", "ReturnForm", "RevokeForm"]

WINDOW_FORMAT = "%Y-%m-%dT%H:%M"
PERSON_ROWS = 4


class PersonEntry(Form):
    """One consulting person (a sub-form: the CSRF token is the outer form's)."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=50)])
    id_number = StringField(_l("ID card number"), validators=[Optional(), Length(max=20)])


def _purposes() -> list[tuple[str, object]]:
    return choices([(p.value, PURPOSE_LABELS[p]) for p in Purpose])


class ConsultationForm(FlaskForm):
    unit = StringField(_l("Consulting unit"), validators=[DataRequired(), Length(max=200)])
    letter = FileField(_l("The unit's letter (PDF, JPEG or PNG)"))
    handler_name = StringField(_l("The unit's handler"), validators=[DataRequired(), Length(max=50)])
    handler_id_number = StringField(_l("The handler's ID card number"), validators=[DataRequired(),
                                                                                   Length(max=20)])
    persons = FieldList(FormField(PersonEntry), min_entries=PERSON_ROWS, max_entries=8)
    purpose = SelectField(_l("Purpose"), choices=[], default=Purpose.POLITICAL_REVIEW.value)
    purpose_text = StringField(_l("If other: what for"), validators=[Optional(), Length(max=200)])
    scope = RadioField(_l("Scope"), default="materials", choices=choices(
        [("materials", _l("The materials named below")), ("whole", _l("The whole file"))]))
    materials = SelectMultipleField(_l("Materials"), coerce=int, choices=[], validate_choice=False)
    window_start = DateTimeLocalField(_l("From"), format=WINDOW_FORMAT, validators=[DataRequired()])
    window_end = DateTimeLocalField(_l("Until"), format=WINDOW_FORMAT, validators=[DataRequired()])
    print_allowed = BooleanField(_l("Printing allowed"))
    download_allowed = BooleanField(_l("Downloading allowed"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.purpose.choices = _purposes()


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class LoanForm(FlaskForm):
    borrower_unit = StringField(_l("Borrowing unit"), validators=[DataRequired(), Length(max=200)])
    purpose = SelectField(_l("Purpose"), choices=[], default=Purpose.POLITICAL_REVIEW.value)
    purpose_text = StringField(_l("If other: what for"), validators=[Optional(), Length(max=200)])
    wanted = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    due_on = DateField(_l("Due back on"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.purpose.choices = _purposes()


class LendForm(FlaskForm):
    due_on = DateField(_l("Due back on"), validators=[DataRequired()])


class ReturnForm(FlaskForm):
    """The material lines are read from the posted fields ``checked-<id>``, ``found-<id>``, ``damaged-<id>``."""

    returned_by = StringField(_l("Brought back by"), validators=[DataRequired(), Length(max=50)])
