"""Demo data: synthetic Xicheng retirees, their file catalogues, scanned-looking pages and scan packages.

Used by ``dangan demo``, by tests and by benchmarks.  Pure Python (Pillow and openpyxl only): no Flask,
no database; every function is deterministic for a given seed.
"""

from __future__ import annotations

from archive.demo.package import (
    CATALOGUE_HEADER,
    LEVEL_NAMES,
    PEOPLE_HEADER,
    demo_summary,
    page_paths,
    spell_date,
    write_package,
    write_zip,
)
from archive.demo.pages import find_cjk_font, page_lines, render_page
from archive.demo.people import (
    BEIJING_DISTRICTS,
    DISTRICT_CODES,
    EMPLOYERS,
    XICHENG_STREETS,
    DemoMaterial,
    DemoPerson,
    generate_people,
    label_placement,
)

__all__ = [
    "BEIJING_DISTRICTS",
    "CATALOGUE_HEADER",
    "DISTRICT_CODES",
    "EMPLOYERS",
    "LEVEL_NAMES",
    "PEOPLE_HEADER",
    "XICHENG_STREETS",
    "DemoMaterial",
    "DemoPerson",
    "demo_summary",
    "find_cjk_font",
    "generate_people",
    "label_placement",
    "page_lines",
    "page_paths",
    "render_page",
    "spell_date",
    "write_package",
    "write_zip",
]
