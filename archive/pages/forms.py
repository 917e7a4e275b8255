"""Forms of the pages domain: correcting a page's recognised text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from archive.pages.operations import MAX_TEXT

__all__ = ["CorrectTextForm"]


class CorrectTextForm(FlaskForm):
    text = TextAreaField(_l("Corrected text"), validators=[Length(max=MAX_TEXT)])
