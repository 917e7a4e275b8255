"""Shared form helpers."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice

__all__ = ["choices"]


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """``[(value, label), …]`` as WTForms 3.3 ``SelectChoice`` objects (tuples are deprecated)."""
    return [SelectChoice(str(value), label) for value, label in pairs]  # type: ignore[arg-type]
