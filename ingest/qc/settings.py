"""QC thresholds (:class:`QcSettings`), read once at the edge from ``DANGAN_QC_*`` values."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from ingest.qc.codes import _FALSE, _TRUE

# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class QcSettings:
    """Thresholds of the QC rules.

    Defaults follow docs/domain.md#scanning-standards: 300 dpi is personnel-file practice and 200 dpi the
    DA/T 31 floor; skew tolerance is local practice (some bureaus < 1°, all ≤ 3°).
    ``duplicate_hamming`` is the largest perceptual-hash distance (bits of 64) at
    which two pages count as the same scan.  ``check_labour_contract`` can turn off
    the 劳动合同 item of the retiree checklist for batches of early retirees.
    """

    dpi_warning: float = 300.0
    dpi_error: float = 200.0
    skew_warning: float = 1.0
    skew_error: float = 3.0
    # Tesseract's page confidence (chi_sim, pages straightened and cleaned): on the labelled set
    # (bench/ocr_accuracy.py) it follows the error rate closely (r = -0.91; the one page under 80 had 18 %
    # CER, the rest 2.3 %), but short sparse forms (the tests' demo pages) read correctly at 66–79, so the
    # threshold stays at 60.  RapidOCR's line scores sit near 100: its one bad page scored 97.2 (9 % CER),
    # every other ≥ 99.4, hence a threshold of its own.
    ocr_conf_warning: float = 60.0
    ocr_conf_warning_rapidocr: float = 99.0
    duplicate_hamming: int = 6
    check_required: bool = True
    check_labour_contract: bool = True

    def ocr_threshold(self, engine: str) -> float:
        """The LOW_OCR_CONFIDENCE threshold for pages read by ``engine``: each engine's scores have their own scale."""
        return self.ocr_conf_warning_rapidocr if engine in ("rapidocr", "ppocr") else self.ocr_conf_warning

    def __post_init__(self) -> None:
        if not 0 <= self.dpi_error <= self.dpi_warning:
            raise ValueError(
                f"QC dpi thresholds must satisfy 0 <= error <= warning ({self.dpi_error}, {self.dpi_warning})"
            )
        if not 0 <= self.skew_warning <= self.skew_error:
            raise ValueError(
                f"QC skew thresholds must satisfy 0 <= warning <= error ({self.skew_warning}, {self.skew_error})"
            )
        for value in (self.ocr_conf_warning, self.ocr_conf_warning_rapidocr):
            if not 0 <= value <= 100:
                raise ValueError(f"QC OCR confidence threshold must be 0–100, not {value}")
        if not 0 <= self.duplicate_hamming <= 64:
            raise ValueError(f"QC duplicate Hamming distance must be 0–64, not {self.duplicate_hamming}")

    @classmethod
    def from_mapping(cls, d: Mapping[str, object]) -> QcSettings:
        """Read ``DANGAN_QC_<FIELD>`` keys (e.g. ``DANGAN_QC_DPI_WARNING``) from an env or config mapping.

        Missing or empty keys keep the default; values may be strings (environment)
        or numbers/bools (app config).  A value that does not parse raises ValueError
        naming the key, so a typo fails at start-up rather than silently.
        """
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            key = f"DANGAN_QC_{f.name.upper()}"
            raw = d.get(key)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            values[f.name] = _parse_setting(key, raw, str(f.type))
        return cls(**values)  # type: ignore[arg-type]


def _parse_setting(key: str, raw: object, kind: str) -> object:
    # ``kind`` is the field's annotation as written ("float", "int", "bool"): postponed annotations are strings.
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{key}: expected a yes/no value, not {raw!r}")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"{key}: expected a number, not {raw!r}")
    try:
        number = float(raw.strip()) if isinstance(raw, str) else float(raw)
    except ValueError:
        raise ValueError(f"{key}: expected a number, not {raw!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{key}: expected a finite number, not {raw!r}")
    if kind == "int":
        if not number.is_integer():
            raise ValueError(f"{key}: expected a whole number, not {raw!r}")
        return int(number)
    return number
