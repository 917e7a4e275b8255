"""The planning report's what-if form: a GET form (it changes nothing), every figure optional and bounded."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, IntegerField
from wtforms.validators import NumberRange, Optional

__all__ = ["PlanningForm"]


class PlanningForm(FlaskForm):
    """Figures that replace the database's counts; an empty field keeps them."""

    class Meta:
        csrf = False  # read only: the figures go in the query string

    volumes = IntegerField(_l("Volumes of the district store"), validators=[Optional(), NumberRange(0, 100_000_000)])
    growth_per_year = IntegerField(_l("New retirees a year"), validators=[Optional(), NumberRange(0, 10_000_000)])
    years = IntegerField(_l("Years ahead"), validators=[Optional(), NumberRange(0, 100)])
    volumes_per_retiree = FloatField(_l("Volumes per new retiree"), validators=[Optional(), NumberRange(0, 100)])

    bad = False  # set when the figures given do not validate
