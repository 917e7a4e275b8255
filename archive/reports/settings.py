"""The reports' settings: deadlines, targets and planning defaults, read once from ``app.config``.

``archive/config.py`` passes every ``DANGAN_REPORTS_*`` variable through; this module parses and checks them
when the app is built (:func:`validate`), so a mistyped deadline stops the start-up instead of a page later.

* ``DANGAN_REPORTS_DEADLINES`` — ``central=2020-12-31,municipal=2020-12-31,district=2020-09-30`` (work plan §四)
* ``DANGAN_REPORTS_TARGETS`` — ``central=40000,municipal=60000,district=20000`` (work plan §五)
* ``DANGAN_REPORTS_START`` — ``2020-05-26``: the day the plan was issued, where the pace towards a deadline starts
* ``DANGAN_REPORTS_GROWTH_PER_YEAR`` / ``DANGAN_REPORTS_YEARS`` — the planning report's default projection
* ``DANGAN_REPORTS_VOLUMES_PER_RETIREE`` — volumes a new retiree's file brings (empty: the average held)
* ``DANGAN_REPORTS_CENTRALISE_STREET_FILES`` — size the district store for the streets' files too (default yes)
* ``DANGAN_REPORTS_ACCEPT_SHARE`` — share of a batch's sample pages that must pass for acceptance (0.95)
* ``DANGAN_REPORTS_PDF_FONT`` — a TrueType/OpenType font with Chinese glyphs for the PDF (default:
  ``DANGAN_PDF_FONT``, else the first Noto CJK / WenQuanYi / AR PL font installed)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archive.config import ConfigError

__all__ = ["LEVELS", "ReportSettings", "settings_from", "validate"]

#: 央属, 市属, 区属 — the values ``persons.employer_level`` holds.
LEVELS = ("central", "municipal", "district")

_DEFAULT_DEADLINES = {"central": "2020-12-31", "municipal": "2020-12-31", "district": "2020-09-30"}
_DEFAULT_TARGETS = {"central": "40000", "municipal": "60000", "district": "20000"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ReportSettings:
    deadlines: dict[str, dt.date]
    targets: dict[str, int]
    start: dt.date
    growth_per_year: int
    years: int
    volumes_per_retiree: float | None
    centralise_street_files: bool
    accept_share: float
    pdf_font: str


def _pairs(name: str, raw: str, defaults: Mapping[str, str]) -> dict[str, str]:
    values = dict(defaults)
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in LEVELS:
            raise ConfigError(f"invalid configuration: {name} {raw!r}: write level=value pairs, levels "
                              f"{', '.join(LEVELS)}")
        values[key.strip()] = value.strip()
    return values


def _date(name: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"invalid configuration: {name} {value!r} is no date (YYYY-MM-DD)") from exc


def _count(name: str, value: Any, *, most: int = 10_000_000) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) > most:
        raise ConfigError(f"invalid configuration: {name} {value!r} is no whole number from 0 to {most}")
    return int(text)


def _share(name: str, value: Any, *, most: float) -> float:
    try:
        share = float(str(value).strip())
    except ValueError:
        share = -1.0
    if not 0 <= share <= most:
        raise ConfigError(f"invalid configuration: {name} {value!r} is no number from 0 to {most:g}")
    return share


def settings_from(config: Mapping[str, Any]) -> ReportSettings:
    """Parse the ``DANGAN_REPORTS_*`` values of ``config``; :class:`ConfigError` names a bad one."""
    deadlines_raw = _pairs("DANGAN_REPORTS_DEADLINES", str(config.get("DANGAN_REPORTS_DEADLINES") or ""),
                           _DEFAULT_DEADLINES)
    targets_raw = _pairs("DANGAN_REPORTS_TARGETS", str(config.get("DANGAN_REPORTS_TARGETS") or ""),
                         _DEFAULT_TARGETS)
    per_retiree = str(config.get("DANGAN_REPORTS_VOLUMES_PER_RETIREE") or "").strip()
    centralise = str(config.get("DANGAN_REPORTS_CENTRALISE_STREET_FILES") or "yes").strip().lower()
    if centralise not in _TRUE | _FALSE:
        raise ConfigError(f"invalid configuration: DANGAN_REPORTS_CENTRALISE_STREET_FILES {centralise!r} is "
                          "neither yes nor no")
    return ReportSettings(
        deadlines={k: _date("DANGAN_REPORTS_DEADLINES", v) for k, v in deadlines_raw.items()},
        targets={k: _count("DANGAN_REPORTS_TARGETS", v) for k, v in targets_raw.items()},
        start=_date("DANGAN_REPORTS_START", str(config.get("DANGAN_REPORTS_START") or "2020-05-26")),
        growth_per_year=_count("DANGAN_REPORTS_GROWTH_PER_YEAR", config.get("DANGAN_REPORTS_GROWTH_PER_YEAR") or 0),
        years=_count("DANGAN_REPORTS_YEARS", config.get("DANGAN_REPORTS_YEARS") or 0, most=100),
        volumes_per_retiree=_share("DANGAN_REPORTS_VOLUMES_PER_RETIREE", per_retiree, most=100) if per_retiree
        else None,
        centralise_street_files=centralise in _TRUE,
        accept_share=_share("DANGAN_REPORTS_ACCEPT_SHARE", config.get("DANGAN_REPORTS_ACCEPT_SHARE") or 0.95,
                            most=1),
        # The transfers' PDFs name their font in DANGAN_PDF_FONT: one setting serves both, if that is all it is.
        pdf_font=str(config.get("DANGAN_REPORTS_PDF_FONT") or config.get("DANGAN_PDF_FONT") or ""),
    )


def validate(config: Mapping[str, Any]) -> None:
    """Refuse bad ``DANGAN_REPORTS_*`` values when the app is built."""
    settings_from(config)
