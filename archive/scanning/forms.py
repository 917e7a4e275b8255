"""Forms of the scanning module: upload, finding decisions, bulk acceptance."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from archive.formutil import choices
from archive.scanning.models import FindingStatus

ACCEPTED_UPLOADS = (".zip", ".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png", ".jp2", ".xlsx", ".csv")

STATUS_LABELS = {
    FindingStatus.OPEN: _l("Open"),
    FindingStatus.FIXED: _l("Fixed"),
    FindingStatus.ACCEPTED: _l("Accepted"),
    FindingStatus.RESCAN: _l("Sent back for rescanning"),
}


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Scan package (.zip), or PDF/TIFF/image files and 目录.xlsx"))

    def validate_files(self, field: MultipleFileField) -> None:
        uploads = [f for f in field.data or [] if f and f.filename]
        if not uploads:
            raise ValidationError(_l("Choose at least one file."))
        for upload in uploads:
            if not upload.filename.lower().endswith(ACCEPTED_UPLOADS):
                raise ValidationError(_l("Unsupported file: %(name)s", name=upload.filename))


class FindingForm(FlaskForm):
    status = SelectField(_l("Decision"), choices=choices((s.value, label) for s, label in STATUS_LABELS.items()
                                                           if s is not FindingStatus.OPEN))
    resolution = TextAreaField(_l("Reason / note"), validators=[Length(max=2000)])

    def validate_resolution(self, field: TextAreaField) -> None:
        if self.status.data == FindingStatus.ACCEPTED and not (field.data or "").strip():
            raise ValidationError(_l("Accepting a finding needs a reason."))


class BulkAcceptForm(FlaskForm):
    """Accept several open findings of a file at once, with one reason (each still gets its own audit event)."""

    resolution = TextAreaField(_l("Reason / note"), validators=[
        DataRequired(_l("Accepting a finding needs a reason.")), Length(max=2000)])
