"""QC findings in the reader's language: a finding's text code and parameters, rendered through Babel when shown.

ingest records what a finding says as a code of :mod:`ingest.qc.texts` with JSON parameters (and keeps a Chinese
``message`` for the command line); this module is the web app's rendering of the same codes, so the English UI
reads English and the Chinese UI reads what the archivists always read (``tests/unit/test_finding_texts.py``
renders every code in Chinese here and in ingest and requires the same words).  Rows recorded before the codes
existed (``text == ""``) are shown by their stored message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import flask_babel
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from archive.catalogue.classes import display_class

# Flask-Babel is untyped: its functions return str here (Babel extracts the calls by these names).
_: Callable[..., str] = flask_babel.gettext
ngettext: Callable[..., str] = flask_babel.ngettext
npgettext: Callable[..., str] = flask_babel.npgettext
pgettext: Callable[..., str] = flask_babel.pgettext

__all__ = ["ERROR_NAMES", "ITEMS", "TEXTS", "finding_detail", "finding_material", "finding_text", "render_finding"]

TEXTS: dict[str, Any] = {
    "unreadable": _l("Page %(page)s could not be read, rescan needed: %(error)s (%(source)s)"),
    "unreadable_decoder": _l("Page %(page)s could not be read, install the decoder and ingest again: "
                             "%(error)s (%(source)s)"),
    "unreadable_file": _l("%(source)s was not taken: %(error)s"),
    "duplicate_same": _l("Duplicate: page %(page)s is the same file as page %(first)s (same SHA-256)"),
    "duplicate_similar": _l("Possible rescan: page %(page)s is nearly identical to page %(first)s (perceptual "
                            "hashes differ by %(distance)s bits), please check"),
    "blank": _l("Page %(page)s is blank: blank pages are not counted, check whether it should be removed"),
    "dpi_unknown": _l("Page %(page)s has no recorded resolution: check the scanner settings"),
    "dpi_error": _l("Page %(page)s is at %(dpi)s dpi, below the minimum of %(limit)s dpi: rescan needed"),
    "dpi_warning": _l("Page %(page)s is at %(dpi)s dpi, below %(limit)s dpi"),
    "skew_error": _l("Page %(page)s is skewed by %(angle)s°, more than %(limit)s°: straighten it and submit "
                     "again"),
    "skew_warning": _l("Page %(page)s is skewed by %(angle)s°, more than %(limit)s°"),
    "low_conf": _l("Page %(page)s: text recognition confidence %(conf)s, below %(threshold)s, check by hand"),
    "formats_file": _l("Storage formats differ within this file: %(formats)s (a batch should use one storage "
                       "format)"),
    "formats_batch": _l("Storage formats differ within this batch: %(parts)s (a batch should use one storage "
                        "format)"),
    "seq_missing": _l("%(cls)s numbering has gaps: %(missing)s missing"),
    "seq_repeat": _l("%(cls)s numbering repeats: No. %(seq)s appears %(count)s times"),
    "required": _l("Expected material missing: no %(item)s found"),
    "count_more": _l("Scanned pages differ from the catalogue: %(scanned)s scanned, %(expected)s in the "
                     "catalogue (%(diff)s too many)"),
    "count_less": _l("Scanned pages differ from the catalogue: %(scanned)s scanned, %(expected)s in the "
                     "catalogue (%(diff)s missing)"),
    "count_shifted": _l(". When linking by cumulative page counts, every material after the error is shifted: "
                        "check the catalogue page counts and the scans first"),
    "count_material": _l("%(material)s: %(expected)s pages in the catalogue, %(scanned)s scanned"),
    "not_scanned": _l("Not scanned: %(material)s (%(expected)s pages in the catalogue) has no scanned page"),
    "extra_folder": _l("Extra page: page %(page)s is in a folder (%(folder)s) that no catalogue material has"),
    "extra_loose": _l("Extra page: page %(page)s is in no material folder"),
    "extra_beyond": _l("Extra page: page %(page)s is beyond the catalogue's page total and belongs to no "
                       "material"),
    "title": _l("Linking doubtful: the heading of page %(page)s reads “%(heading)s”, which does not match the "
                "linked material %(material)s but looks like %(looks_like)s: check the linking and the "
                "catalogue page counts"),
}

# Texts whose wording depends on a count (``n`` in the parameters): rendered by :func:`_plural`.
PLURALS = frozenset({"count_blank", "count_unknown", "kept_pages"})


def _plural(text: str, n: int) -> str:
    # Written out once per text, so that Babel extracts each pair (a loop over PLURALS would hide them).
    if text == "count_blank":
        return ngettext(", plus %(num)d blank page not counted", ", plus %(num)d blank pages not counted", n)
    if text == "count_unknown":
        return ngettext(", and %(num)d material has no page count", ", and %(num)d materials have no page count",
                        n)
    return ngettext("Not one page of this file in the package is usable; the %(num)d page already in the archive "
                    "is kept", "Not one page of this file in the package is usable; the %(num)d pages already in "
                    "the archive are kept", n)


ERROR_NAMES: dict[str, Any] = {
    "ingest_error": _l("could not be processed"),
    "bad_package": _l("the package cannot be opened"),
    "unsupported_format": _l("not a page format the archive accepts"),
    "corrupt_image": _l("the image is damaged or incomplete"),
    "decompression_bomb": _l("the image declares too many pixels and was not decoded"),
    "encrypted_pdf": _l("the PDF is password-protected"),
    "broken_pdf": _l("the PDF is damaged"),
    "not_scanned_pdf_page": _l("the PDF page holds text or vector graphics, not a scan"),
    "decoder_missing": _l("the server lacks a decoder for this format"),
    "ocr_failed": _l("text recognition failed"),
    "storage_unavailable": _l("the object store is unavailable"),
    "bad_layout": _l("the file is not where the scan package layout puts it"),
    "symlink_refused": _l("symbolic links are refused"),
    "not_an_image": _l("not an image file"),
    "empty_file": _l("empty file"),
    "duplicate_file": _l("the file number appears twice; this copy was not taken"),
}

ITEMS: dict[str, Any] = {
    "resume": _l("curriculum vitae or staff registration form (usually in class 1)"),
    "recruitment": _l("recruitment approval or hiring materials (usually in class 9-2)"),
    "confirmation": _l("probation completion and grading form (usually in class 9-1)"),
    "wage": _l("wage change approval or wage register (usually in class 9-1)"),
    "retirement": _l("retirement approval (usually in class 9-2)"),
    "labour_contract": _l("labour contract (usually in class 9); expected of staff still employed after 1995, "
                          "not of those who retired before contracts for all"),
    "education": _l("education records (usually in class 4-1)"),
    "party": _l("party application or party member registration form (usually in class 6)"),
}


def render_finding(text: str, params: Mapping[str, Any]) -> str | None:
    """The finding's words in the reader's language, or None for a text code this version does not know."""
    if text in PLURALS:
        n = int(params.get("n") or 0)
        out = _plural(text, n)
    elif text in TEXTS:
        shown = {name: _param(name, value) for name, value in params.items() if name != "then"}
        try:
            out = str(TEXTS[text]) % shown
        except (KeyError, TypeError, ValueError):
            return None
    else:
        return None
    for clause, clause_params in params.get("then", ()):
        rendered = render_finding(clause, clause_params)
        if rendered is None:
            return None
        out += rendered
    return out


def _get(f: Any, name: str) -> Any:
    return f.get(name) if isinstance(f, Mapping) else getattr(f, name, None)


def finding_text(f: Any) -> str:
    """A stored finding (a QcFinding row, or a finding dict of a job's summary) in the reader's language."""
    text, params = _get(f, "text") or "", _get(f, "params") or {}
    rendered = render_finding(text, params) if text else None
    return rendered if rendered is not None else str(_get(f, "message") or "")


def finding_material(f: Any) -> str:
    """The material a stored finding is about, as the reader's language numbers it ("" when none)."""
    params = _get(f, "params") or {}
    if params.get("material"):
        return _material_label(*params["material"][:3])
    if params.get("cls") and params.get("seq") is not None:
        return _material_label(params["cls"][0], params["cls"][1], params["seq"])
    return str(_get(f, "material_label") or "") if not _get(f, "text") else ""


def finding_detail(f: Any) -> str:
    """The failing tool's own words (Chinese, naming the file): shown under the text to Chinese readers only."""
    detail = (_get(f, "params") or {}).get("detail") or ""
    return str(detail) if detail and has_request_context() and str(get_locale() or "").startswith("zh") else ""


def _material_label(class_no: int, subclass: int, seq: int) -> str:
    return _("%(cls)s No. %(seq)d", cls=display_class(class_no, subclass), seq=seq)


def _ranges(numbers: Sequence[int]) -> str:
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    listed = _separator().join(str(a) if a == b else f"{a}–{b}" for a, b in runs)
    return ngettext("No. %(list)s", "Nos. %(list)s", len(numbers), list=listed)


def _separator() -> str:
    return pgettext("list separator", ", ")


def _param(name: str, value: Any) -> object:
    if value is None:
        return "?"
    if name in ("material", "looks_like"):
        class_no, subclass, seq, title = value
        label = _material_label(class_no, subclass, seq)
        return _("%(label)s “%(title)s”", label=label, title=title) if title else label
    if name == "folder":
        return _material_label(value[0], value[1], value[2])
    if name == "cls":
        return display_class(value[0], value[1])
    if name == "missing":
        return _ranges(value)
    if name == "formats":
        return _separator().join(ngettext("%(fmt)s %(num)d page", "%(fmt)s %(num)d pages", n, fmt=fmt)
                                 for fmt, n in value)
    if name == "parts":
        return _separator().join(_format_part(*part) for part in value)
    if name == "error":
        return str(ERROR_NAMES.get(value, value))
    if name == "item":
        return str(ITEMS.get(value, value))
    return value


def _format_part(fmt: str, n: int, files: int, names: Sequence[str]) -> str:
    pages = ngettext("%(fmt)s %(num)d page", "%(fmt)s %(num)d pages", n, fmt=fmt)
    counted = npgettext("volumes of a batch", "%(num)d file", "%(num)d files", files)
    if names:
        listed = _separator().join(names)
        if files > len(names):
            listed = _("%(names)s and others, %(num)d in all", names=listed, num=files)
        counted = _("%(files)s: %(names)s", files=counted, names=listed)
    return _("%(pages)s (%(files)s)", pages=pages, files=counted)
