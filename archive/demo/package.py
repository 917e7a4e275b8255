"""Write demo scan packages: the ingest contract of docs/scan-package.md, filled with demo people.

A package is a folder (or a .zip of one) with ``目录.xlsx|csv`` (one row per material), ``人员.xlsx|csv``
(one row per person) and page images per file, either flat (``<档号>/0001.jpg`` in catalogue order, the
materials found by cumulative 页数) or structured (``<档号>/<类号>-<序号>/001.jpg``).  The 目录 keeps what a
sending unit would type: its own 类号 labels (``四-1``, ``4-1``, ``一``) and dates in mixed spellings, so
the importer meets the variety it has to cope with.

Pure Python: no Flask, no database.  Deterministic for a given seed (zip entries carry a fixed time).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image

from archive.demo.pages import page_lines, render_page, seal_text_for
from archive.demo.people import XICHENG_STREETS, DemoMaterial, DemoPerson

__all__ = [
    "CATALOGUE_HEADER",
    "LEVEL_NAMES",
    "PEOPLE_HEADER",
    "demo_summary",
    "page_paths",
    "spell_date",
    "write_package",
    "write_zip",
]

CATALOGUE_HEADER = ("档号", "类号", "序号", "材料名称", "材料形成时间", "页数", "备注")
PEOPLE_HEADER = (
    "档号", "姓名", "性别", "身份证号", "出生日期", "原单位", "单位层级", "退休时间",
    "户籍区", "户籍街道", "常住区", "常住街道", "党员",
)
LEVEL_NAMES = {"central": "央属", "municipal": "市属", "district": "区属"}
_SEX_NAMES = {"M": "男", "F": "女"}
_IMAGE_EXT = {"jpg": ".jpg", "png": ".png", "tif": ".tif"}
_ZIP_TIME = (2020, 6, 1, 9, 0, 0)  # fixed entry time: the same inputs give the same zip bytes

# Materials that carry an official seal (and often a red heading): their signed page is scanned in
# colour, as DA/T 31 asks for pages with red headers or seals.
_SEALED = (
    "退休审批表", "毕业证书", "入党志愿书", "先进", "劳动模范", "奖励决定", "处分的决定", "招工审批表",
    "录用干部审批表", "劳动合同书", "任免审批表", "转正定级表", "调动",
)


# --- spelling what a sending unit types ---------------------------------------------------------------

_DAY_STYLES = ("iso", "dots", "dots_short", "cn", "compact")
_MONTH_STYLES = {"iso": "{y}-{m:02d}", "dots": "{y}.{m:02d}", "dots_short": "{y}.{m}", "cn": "{y}年{m}月",
                 "compact": "{y}.{m}"}
_DAY_FORMATS = {"iso": "{y}-{m:02d}-{d:02d}", "dots": "{y}.{m:02d}.{d:02d}", "dots_short": "{y}.{m}.{d}",
                "cn": "{y}年{m}月{d}日", "compact": "{y}{m:02d}{d:02d}"}


def spell_date(partial: str, style: str) -> str:
    """Spell an ISO partial date ('1985', '1985-03', '1985-03-12') in one of the styles above.

    The precision given is kept: a month stays a month whatever the style.
    """
    parts = [int(p) for p in partial.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    if len(parts) == 2:
        return _MONTH_STYLES[style].format(y=parts[0], m=parts[1])
    return _DAY_FORMATS[style].format(y=parts[0], m=parts[1], d=parts[2])


def _catalogue_rows(people: Sequence[DemoPerson], seed: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for person in people:
        rng = random.Random(f"{seed}|dates|{person.archive_no}")
        # Each sending unit has a habit; a tenth of the rows were typed by someone else.
        habit = rng.choices(_DAY_STYLES, weights=(55, 15, 8, 15, 7))[0]
        for m in person.materials:
            style = habit if rng.random() < 0.9 else rng.choice(_DAY_STYLES)
            rows.append([person.archive_no, m.label, m.seq, m.title, spell_date(m.formed, style), m.pages,
                         m.remarks])
    return rows


def _people_rows(people: Sequence[DemoPerson]) -> list[list[Any]]:
    return [
        [p.archive_no, p.name, _SEX_NAMES[p.sex], p.id_number, p.birth_date.isoformat(), p.employer,
         LEVEL_NAMES[p.employer_level], p.retired_on.isoformat(), p.hukou_district, p.hukou_street,
         p.residence_district, p.residence_street, "是" if p.party_member else "否"]
        for p in people
    ]


def _sheet_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], sheet_format: str,
                 encoding: str) -> bytes:
    if sheet_format == "csv":
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\r\n")  # what Excel writes
        writer.writerow(header)
        writer.writerows(rows)
        return text.getvalue().encode(encoding)
    # Imported here: only the xlsx path needs openpyxl.
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    # Every value but 序号 and 页数 goes in as a string: a 身份证号 in a number cell would lose its last
    # digits (and the X), and dates keep the spelling the sending unit typed.
    book.properties.creator = "Dangan demo"
    book.properties.created = book.properties.modified = dt.datetime(*_ZIP_TIME)
    raw = io.BytesIO()
    # ExcelWriter rather than Workbook.save, which stamps the current time into the properties.
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_time_zip(raw.getvalue())


def _fixed_time_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times, so that the same rows always give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item))
    return out.getvalue()


# --- images ---------------------------------------------------------------------------------------------


def _digits_label(material: DemoMaterial) -> str:
    cls, sub = material.placement
    return f"{cls}-{sub}" if sub else str(cls)


def page_paths(person: DemoPerson, layout: str = "flat", image_format: str = "jpg") -> list[str]:
    """Relative paths of a person's page images in catalogue order (flat or structured layout)."""
    ext = _IMAGE_EXT[image_format]
    paths: list[str] = []
    running = 0
    for m in person.materials:
        for page_no in range(1, m.pages + 1):
            running += 1
            if layout == "flat":
                paths.append(f"{person.archive_no}/{running:04d}{ext}")
            else:
                paths.append(f"{person.archive_no}/{_digits_label(m)}-{m.seq}/{page_no:03d}{ext}")
    return paths


def _encode(image: Image.Image, image_format: str, dpi: int) -> bytes:
    out = io.BytesIO()
    if image_format == "jpg":
        image.save(out, "JPEG", quality=85, dpi=(dpi, dpi))
    elif image_format == "png":
        image.save(out, "PNG", compress_level=1, dpi=(dpi, dpi))  # grain defeats zlib; keep it fast
    elif image.mode == "L":
        # Archival TIFF practice: clean black-and-white pages go bitonal, CCITT Group 4.
        bitonal = image.point(lambda v: 255 if v > 150 else 0).convert("1")
        bitonal.save(out, "TIFF", compression="group4", dpi=(dpi, dpi))
    else:
        image.save(out, "TIFF", compression="jpeg", quality=85, dpi=(dpi, dpi))
    return out.getvalue()


def _page_job(person: DemoPerson, material: DemoMaterial, page_no: int, *, seed: int, dpi: int,
              image_format: str) -> bytes:
    sealed = page_no == material.pages and any(k in material.title for k in _SEALED)
    image = render_page(
        page_lines(person, material, page_no),
        seed=f"{seed}|{person.archive_no}|{material.label}|{material.seq}|{page_no}",
        dpi=dpi,
        red_header=sealed,
        seal_text=seal_text_for(person, material),
    )
    return _encode(image, image_format, dpi)


# --- sinks: a folder or a zip ---------------------------------------------------------------------------


def _folder_sink(root: Path) -> Callable[[str, bytes], None]:
    def write(rel: str, data: bytes) -> None:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    return write


def _zip_sink(archive: zipfile.ZipFile) -> Callable[[str, bytes], None]:
    def write(rel: str, data: bytes) -> None:
        info = zipfile.ZipInfo(rel, date_time=_ZIP_TIME)
        # Images are compressed already; deflating them again costs time and gains nothing.
        info.compress_type = zipfile.ZIP_STORED if rel.endswith(tuple(_IMAGE_EXT.values())) else (
            zipfile.ZIP_DEFLATED)
        info.external_attr = 0o644 << 16
        archive.writestr(info, data)

    return write


def _write(
    write: Callable[[str, bytes], None],
    people: Sequence[DemoPerson],
    *,
    images_for: int | None,
    layout: str,
    sheet_format: str,
    csv_encoding: str,
    image_format: str,
    dpi: int,
    seed: int,
    workers: int,
) -> None:
    if layout not in ("flat", "structured"):
        raise ValueError(f"layout must be 'flat' or 'structured', not {layout!r}")
    if sheet_format not in ("xlsx", "csv"):
        raise ValueError(f"sheet_format must be 'xlsx' or 'csv', not {sheet_format!r}")
    if image_format not in _IMAGE_EXT:
        raise ValueError(f"image_format must be one of {sorted(_IMAGE_EXT)}, not {image_format!r}")
    write(f"目录.{sheet_format}", _sheet_bytes("目录", CATALOGUE_HEADER, _catalogue_rows(people, seed),
                                              sheet_format, csv_encoding))
    write(f"人员.{sheet_format}", _sheet_bytes("人员", PEOPLE_HEADER, _people_rows(people), sheet_format,
                                              csv_encoding))
    imaged = people if images_for is None else people[: max(0, images_for)]
    jobs = [(person, m, page_no) for person in imaged for m in person.materials
            for page_no in range(1, m.pages + 1)]
    paths = [path for person in imaged for path in page_paths(person, layout, image_format)]

    def run(job: tuple[DemoPerson, DemoMaterial, int]) -> bytes:
        return _page_job(*job, seed=seed, dpi=dpi, image_format=image_format)

    if workers > 1:
        # Pillow releases the GIL while it rotates, filters and encodes, so threads scale on 2 cores;
        # map() keeps the order, so the output does not depend on the number of workers.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for path, data in zip(paths, pool.map(run, jobs), strict=True):
                write(path, data)
    else:
        for path, job in zip(paths, jobs, strict=True):
            write(path, run(job))


def write_package(
    dest: Path,
    people: Sequence[DemoPerson],
    *,
    images_for: int | None = None,
    layout: str = "flat",
    sheet_format: str = "xlsx",
    csv_encoding: str = "utf-8",
    image_format: str = "jpg",
    dpi: int = 300,
    seed: int = 2020,
    workers: int = 1,
) -> Path:
    """Write a scan package for ``people`` into the folder ``dest`` (created if missing) and return it.

    ``images_for`` limits page images to the first N people (``None`` = everyone; the sheets always list
    everyone).  ``layout`` is ``flat`` or ``structured``; ``sheet_format`` ``xlsx`` or ``csv`` (in
    ``csv_encoding``, e.g. ``gb18030``); ``image_format`` ``jpg`` (quality 85), ``png`` or ``tif``
    (bitonal Group 4 for grey pages, JPEG-in-TIFF for colour ones).  ``workers`` > 1 renders pages in
    threads; the bytes written are the same.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    _write(_folder_sink(dest), people, images_for=images_for, layout=layout, sheet_format=sheet_format,
           csv_encoding=csv_encoding, image_format=image_format, dpi=dpi, seed=seed, workers=workers)
    return dest


def write_zip(dest_zip: Path, people: Sequence[DemoPerson], **kw: Any) -> Path:
    """Write the same package as :func:`write_package` straight into the zip file ``dest_zip``."""
    dest_zip = Path(dest_zip)
    dest_zip.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"images_for": None, "layout": "flat", "sheet_format": "xlsx",
                               "csv_encoding": "utf-8", "image_format": "jpg", "dpi": 300, "seed": 2020,
                               "workers": 1}
    unknown = set(kw) - set(options)
    if unknown:
        raise TypeError(f"unexpected keyword arguments: {sorted(unknown)}")
    options.update(kw)
    with zipfile.ZipFile(dest_zip, "w") as archive:
        _write(_zip_sink(archive), people, **options)
    return dest_zip


# --- summary ------------------------------------------------------------------------------------------


def demo_summary(people: Sequence[DemoPerson]) -> dict[str, Any]:
    """Counts for the demo command's report: people, materials, pages, levels, streets, party members."""
    hukou_streets = Counter(p.hukou_street for p in people if p.hukou_district == "西城")
    home_streets = Counter(p.residence_street for p in people if p.residence_district == "西城")
    levels = Counter(p.employer_level for p in people)
    return {
        "people": len(people),
        "materials": sum(len(p.materials) for p in people),
        "pages": sum(p.page_count for p in people),
        "party_members": sum(p.party_member for p in people),
        "by_level": {level: levels.get(level, 0) for level in LEVEL_NAMES},
        "hukou_in_xicheng": sum(hukou_streets.values()),
        "residence_in_xicheng": sum(home_streets.values()),
        "neither_in_xicheng": sum(
            p.hukou_district != "西城" and p.residence_district != "西城" for p in people
        ),
        # All 15 streets in their official order, zeros included, so a report table has fixed rows.
        "by_hukou_street": {street: hukou_streets.get(street, 0) for street in XICHENG_STREETS},
        "by_residence_street": {street: home_streets.get(street, 0) for street in XICHENG_STREETS},
    }
