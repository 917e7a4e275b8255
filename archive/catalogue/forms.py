"""Forms of the catalogue module (CSRF on every one)."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from archive.catalogue.classes import SUBCLASS_NAMES, class_name, display_class
from archive.catalogue.models import Custody, FileStatus
from archive.formutil import choices
from archive.geo import STREETS
from archive.i18n import select_locale

STATUS_LABELS = {
    FileStatus.RECEIVED: _l("Received"),
    FileStatus.CATALOGUED: _l("Catalogued"),
    FileStatus.DIGITISED: _l("Digitised"),
    FileStatus.ON_LOAN: _l("On loan"),
    FileStatus.TRANSFERRED: _l("Transferred out"),
}

CUSTODY_LABELS = {Custody.DISTRICT: _l("District repository"), Custody.STREET: _l("Street storeroom")}

LEVEL_LABELS = {"central": _l("Central (央属)"), "municipal": _l("Municipal (市属)"), "district": _l("District (区属)")}


def class_choices() -> list[tuple[str, str]]:
    """``("4-1", "四-1 学历学位")`` for every class and sub-class, in catalogue order, in the reader's language."""
    english = has_request_context() and select_locale() != "zh_CN"
    choices = []
    for class_no in range(1, 11):
        choices.append((str(class_no), f"{display_class(class_no, 0)} {class_name(class_no, english=english)}"))
        for c, s in SUBCLASS_NAMES:
            if c == class_no:
                choices.append((f"{c}-{s}", f"{display_class(c, s)} {class_name(c, s, english=english)}"))
    return choices


class PartialDateField(StringField):
    """A 材料形成时间 in any spelling the sheets accept; ``.partial`` holds the parsed value."""

    partial = None

    def pre_validate(self, form: FlaskForm) -> None:
        from archive.catalogue.dates import InvalidDate, parse_partial_date

        try:
            self.partial = parse_partial_date(self.data or "")
        except InvalidDate as exc:
            raise ValidationError(str(exc)) from exc


class MaterialForm(FlaskForm):
    class_code = SelectField(_l("Class"), choices=[], validate_choice=True)
    seq = IntegerField(_l("No. (序号)"), validators=[Optional(), NumberRange(min=1, max=9999)])
    title = StringField(_l("Title (材料名称)"), validators=[DataRequired(), Length(max=300)])
    formed = PartialDateField(_l("Date formed (材料形成时间)"), validators=[Length(max=20)])
    pages = IntegerField(_l("Pages"), validators=[Optional(), NumberRange(min=0, max=9999)])
    remarks = StringField(_l("Remarks (备注)"), validators=[Length(max=300)])
    original_label = StringField(_l("Sending unit's class label"), validators=[Length(max=32)])

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.class_code.choices = choices(class_choices())

    @property
    def class_tuple(self) -> tuple[int, int]:
        class_no, _, subclass = self.class_code.data.partition("-")
        return int(class_no), int(subclass or 0)


class FileForm(FlaskForm):
    volumes_original = IntegerField(_l("Volumes (正本)"), validators=[DataRequired(), NumberRange(min=0, max=99)])
    volumes_copy = IntegerField(_l("Copies (副本)"), validators=[Optional(), NumberRange(min=0, max=99)])
    custody = SelectField(_l("Custody"), choices=choices((c.value, label) for c, label in CUSTODY_LABELS.items()))
    street = SelectField(_l("Street"), choices=[])
    status = SelectField(_l("Status"), choices=choices((s.value, label) for s, label in STATUS_LABELS.items()))
    room = StringField(_l("Storeroom (库房)"), validators=[Length(max=32)])
    row_no = StringField(_l("Row (排)"), validators=[Length(max=16)])
    rack = StringField(_l("Rack (架)"), validators=[Length(max=16)])
    shelf = StringField(_l("Shelf (层)"), validators=[Length(max=16)])
    cell = StringField(_l("Cell (格)"), validators=[Length(max=16)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])

    def __init__(self, *args, allowed_streets: list[str] | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        streets = list(STREETS) if allowed_streets is None else allowed_streets
        none = [("", str(_l("None (not served by a street)")))] if allowed_streets is None else []
        self.street.choices = choices(none + [(s, s) for s in streets])


class ImportForm(FlaskForm):
    files = MultipleFileField(_l("Spreadsheets (目录 / 人员, .xlsx or .csv)"))
    replace = BooleanField(_l("Replace catalogues that already exist"))

    def validate_files(self, field: MultipleFileField) -> None:
        uploads = [f for f in field.data or [] if f and f.filename]
        if not uploads:
            raise ValidationError(_l("Choose at least one file."))
        for upload in uploads:
            if not upload.filename.lower().endswith((".xlsx", ".csv")):
                raise ValidationError(_l("Only .xlsx and .csv files can be imported."))


__all__ = [
    "CUSTODY_LABELS",
    "FileForm",
    "ImportForm",
    "LEVEL_LABELS",
    "MaterialForm",
    "STATUS_LABELS",
    "class_choices",
]
