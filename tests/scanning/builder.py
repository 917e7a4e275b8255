"""Scan packages for intake tests: small, scanned-looking Chinese pages with planted defects on request.

Pages are A6 at 300 dpi (1240 × 1748 px) so that real tesseract runs in about a second a page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from archive.demo import render_page
from archive.idnumbers import make_id_number

PAPER = (105, 148)

# A file that satisfies the retiree checklist of docs/domain.md#retiree-checklist (not a party member).
CLEAN_MATERIALS = [
    ("一", 1, "干部履历表", 1),
    ("四-1", 1, "毕业证书", 1),
    ("九-1", 1, "转正定级表", 1),
    ("九-1", 2, "工资变动审批表", 1),
    ("九-2", 1, "招工审批表", 1),
    ("九-2", 2, "劳动合同书", 1),
    ("九-2", 3, "退休审批表", 1),
]


@dataclass
class PageSpec:
    lines: list[str]
    dpi: int = 300
    skew: float = 0.0
    blank: bool = False
    corrupt: bool = False
    same_as: int | None = None  # index of an earlier page: a rescanned duplicate
    fmt: str = "jpg"
    seal: str = ""  # a red seal with this unit's name over the text: the page is kept in colour


@dataclass
class FileSpec:
    archive_no: str
    name: str = "张建国"
    materials: list[tuple[str, int, str, int]] = field(default_factory=lambda: list(CLEAN_MATERIALS))
    pages: list[PageSpec] | None = None  # default: one page per catalogue page, text naming the material
    party_member: bool = False
    in_catalogue: bool = True


def default_pages(spec: FileSpec) -> list[PageSpec]:
    pages = []
    for label, seq, title, count in spec.materials:
        for n in range(1, count + 1):
            pages.append(PageSpec([title, f"姓名：{spec.name}　档号：{spec.archive_no}", f"{label}类第{seq}号 第{n}页",
                                   "工作单位：北京第一机床厂"]))
    return pages


def render(spec: PageSpec, seed: int) -> bytes:
    if spec.blank:
        image = render_page([], seed=seed, dpi=spec.dpi, paper=PAPER, skew_deg=0.0)
    else:
        image = render_page(spec.lines, seed=seed, dpi=spec.dpi, paper=PAPER, skew_deg=spec.skew,
                            red_header=bool(spec.seal), seal_text=spec.seal)
    buffer = io.BytesIO()
    if spec.seal:
        image.save(buffer, "JPEG", quality=90, dpi=(spec.dpi, spec.dpi))
    elif spec.fmt == "png":
        image.save(buffer, "PNG", dpi=(spec.dpi, spec.dpi))
    else:
        image.convert("L").save(buffer, "JPEG", quality=85, dpi=(spec.dpi, spec.dpi))
    data = buffer.getvalue()
    return data[: len(data) // 3] if spec.corrupt else data


def build(root: Path, files: list[FileSpec], *, catalogue: bool = True) -> Path:
    """Write a flat-layout package: 目录.csv, 人员.csv and <档号>/0001.jpg …"""
    root.mkdir(parents=True, exist_ok=True)
    if catalogue:
        with (root / "目录.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["档号", "类号", "序号", "材料名称", "材料形成时间", "页数", "备注"])
            for f in files:
                if f.in_catalogue:
                    for label, seq, title, count in f.materials:
                        w.writerow([f.archive_no, label, seq, title, "1980.5", count, ""])
        with (root / "人员.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["档号", "姓名", "性别", "身份证号", "出生日期", "原单位", "单位层级", "退休时间", "户籍区",
                        "户籍街道", "常住区", "常住街道", "党员"])
            for f in files:
                if f.in_catalogue:
                    # distinct per 档号, so packages built in one database never share a person
                    h = zlib.crc32(f.archive_no.encode())
                    born = dt.date(1940 + h % 20, 1 + h % 12, 1 + h % 28)
                    number = make_id_number("110102", born, (2 * (h // 7) + 1) % 1000)
                    w.writerow([f.archive_no, f.name, "男", number, born.isoformat(), "北京第一机床厂", "市属", "2010",
                                "西城", "德胜", "西城", "德胜", "是" if f.party_member else "否"])
    for f_index, f in enumerate(files):
        folder = root / f.archive_no
        folder.mkdir(exist_ok=True)
        pages = f.pages if f.pages is not None else default_pages(f)
        rendered: list[bytes] = []
        for p_index, page in enumerate(pages):
            data = rendered[page.same_as] if page.same_as is not None else render(page, seed=f_index * 100 + p_index)
            if page.same_as is not None:
                # a rescan of the same sheet: same picture, different bytes
                image = Image.open(io.BytesIO(data))
                buffer = io.BytesIO()
                image.save(buffer, "JPEG", quality=80, dpi=(300, 300))
                data = buffer.getvalue()
            rendered.append(data)
            (folder / f"{p_index + 1:04d}.{page.fmt}").write_bytes(data)
    return root
