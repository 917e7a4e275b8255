"""Shared form helpers: choices for select fields, the CSRF-only form of POST buttons."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

__all__ = ["ConfirmForm", "choices"]


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """``[(value, label), …]`` as WTForms 3.3 ``SelectChoice`` objects (tuples are deprecated)."""
    return [SelectChoice(str(value), label) for value, label in pairs]  # type: ignore[arg-type]


class ConfirmForm(FlaskForm):
    """An empty form: just the CSRF token for POST buttons."""
