"""Certified copies (复印件) and certificates (证明) as PDF, built with pikepdf from plain data.

No Flask and no database here: :mod:`archive.lending.outputs` gathers the request's facts and page
images, and ``bench/lending.py`` calls the same functions with stored pages.

A copy is a cover sheet — request number, person, purpose, the materials (序号, 名称, 形成时间, 页数),
"经核对与原件一致", handling archivist, approver, date and a box for the seal — followed by every page's
viewing JPEG, embedded as it is stored (no re-encoding: fast, and the PDF is barely larger than the
images), each page with the watermark 复印件 · 仅供{用途}使用 · {申请编号} · {日期} across its diagonal.
The documents are issued to Chinese offices, so their text is Chinese whatever the reader's UI language.

Deterministic: the same inputs give the same bytes.  Only ``/CreationDate`` (fixed width, so every
other byte keeps its offset) says when the file was built; the document ID is derived from the request
number, not drawn at random.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pikepdf
from PIL import Image

from archive.lending.pdffont import SubsetFont, embed_font, subset_font

__all__ = ["CertificateSheet", "CopySheet", "MaterialLine", "PageImage", "build_certificate", "build_copy",
           "watermark_text"]

A4 = (595.0, 842.0)
MARGIN = 56.0
# qpdf's fixed document ID with static_id=True; replaced by one derived from the request number.
_QPDF_STATIC_ID = b"31415926535897932384626433832795"


@dataclass(frozen=True)
class MaterialLine:
    seq: str  # 序号 as the catalogue writes it: 一-3, 九-2-1
    title: str
    formed: str  # 形成时间 as given (1985, 1985.03, 1985.03.12)
    pages: int


@dataclass(frozen=True)
class PageImage:
    """A page's viewing JPEG and the paper size it stands for (points)."""

    jpeg: bytes
    width_pt: float
    height_pt: float


@dataclass(frozen=True)
class CopySheet:
    number: str
    person: str
    archive_no: str
    purpose: str  # 退休待遇, or the 其他 text
    date: str  # the approval date as printed: 2026年12月8日
    handler: str
    approver: str
    materials: Sequence[MaterialLine]
    issuer: str = ""
    note: str = "经核对与原件一致。"


@dataclass(frozen=True)
class CertificateSheet:
    number: str
    title: str
    body: str
    date: str
    handler: str
    approver: str
    issuer: str = ""
    valid_until: str = ""
    extra: Sequence[str] = field(default_factory=tuple)


def watermark_text(purpose: str, number: str, date: str) -> str:
    return f"复印件 · 仅供{purpose}使用 · {number} · {date}"


class _Canvas:
    """Just enough of a content stream: text in the one embedded font, lines and rectangles."""

    def __init__(self, font: SubsetFont) -> None:
        self.font = font
        self.ops: list[bytes] = []

    def text(self, x: float, y: float, text: str, size: float, *, centre: bool = False, right: bool = False) -> None:
        if centre:
            x -= self.font.width(text, size) / 2
        elif right:
            x -= self.font.width(text, size)
        self.ops.append(f"BT /F1 {size:.2f} Tf {x:.2f} {y:.2f} Td <".encode() + self.font.encode(text).hex().encode()
                        + b"> Tj ET")

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.6) -> None:
        self.ops.append(f"{width:.2f} w {x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S".encode())

    def rect(self, x: float, y: float, w: float, h: float, width: float = 0.8) -> None:
        self.ops.append(f"{width:.2f} w {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S".encode())

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """Lines of ``text`` no wider than ``width``: Chinese breaks between any two characters."""
        out: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for ch in paragraph:
                if line and self.font.width(line + ch, size) > width:
                    out.append(line)
                    line = ""
                line += ch
            out.append(line)
        return out

    def stream(self) -> bytes:
        return b"\n".join(self.ops)


def _page(pdf: pikepdf.Pdf, font_ref: pikepdf.Object, content: bytes, size: tuple[float, float],
          xobjects: dict[str, pikepdf.Object] | None = None) -> None:
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font_ref),
                                   ExtGState=pikepdf.Dictionary(GS0=pikepdf.Dictionary(ca=0.28, CA=0.28)))
    if xobjects:
        resources.XObject = pikepdf.Dictionary({f"/{k}": v for k, v in xobjects.items()})
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, round(size[0], 2), round(size[1], 2)],
                              Resources=resources, Contents=pikepdf.Stream(pdf, content))
    pdf.pages.append(pikepdf.Page(page))


def _image(pdf: pikepdf.Pdf, jpeg: bytes) -> pikepdf.Object:
    with Image.open(io.BytesIO(jpeg)) as im:
        if im.format != "JPEG":
            raise ValueError("a page's viewing image is not a JPEG")
        width, height, mode = im.width, im.height, im.mode
    colour = {"L": pikepdf.Name.DeviceGray, "CMYK": pikepdf.Name.DeviceCMYK}.get(mode, pikepdf.Name.DeviceRGB)
    stream = pikepdf.Stream(pdf, jpeg)
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height, stream.ColorSpace, stream.BitsPerComponent = width, height, colour, 8
    stream.Filter = pikepdf.Name.DCTDecode
    if mode == "CMYK":  # Adobe JPEGs store CMYK inverted
        stream.Decode = [1, 0, 1, 0, 1, 0, 1, 0]
    return stream


def _watermark(canvas: _Canvas, text: str, w: float, h: float) -> None:
    """The text three times along the page's diagonal, light grey and translucent over the image."""
    angle = math.atan2(h, w)
    diagonal = math.hypot(w, h)
    size = max(8.0, min(40.0, diagonal * 0.45 / max(canvas.font.width(text, 1.0), 1.0)))
    cos, sin = math.cos(angle), math.sin(angle)
    tw = canvas.font.width(text, size)
    canvas.ops.append(b"q /GS0 gs 0.35 g")
    for shift in (-0.3, 0.0, 0.3):  # offsets across the diagonal, as fractions of the shorter side
        off = shift * min(w, h)
        cx, cy = w / 2 - sin * off, h / 2 + cos * off
        x, y = cx - cos * tw / 2, cy - sin * tw / 2
        canvas.ops.append(f"BT /F1 {size:.2f} Tf {cos:.5f} {sin:.5f} {-sin:.5f} {cos:.5f} {x:.2f} {y:.2f} Tm <"
                          .encode() + canvas.font.encode(text).hex().encode() + b"> Tj ET")
    canvas.ops.append(b"Q")


_COLS = ((0.0, "序号"), (0.14, "材料名称"), (0.70, "形成时间"), (0.88, "页数"))


def _cover_pages(font: SubsetFont, sheet: CopySheet, total_pages: int) -> list[bytes]:
    """The cover sheet, continued on further sheets when the list of materials is long."""
    w, h = A4
    inner = w - 2 * MARGIN
    rows = list(sheet.materials)
    per_sheet = 18
    chunks = [rows[i:i + per_sheet] for i in range(0, len(rows), per_sheet)] or [[]]
    out = []
    for n, chunk in enumerate(chunks, start=1):
        c = _Canvas(font)
        c.text(w / 2, h - 80, "人事档案材料复印件", 22, centre=True)
        if len(chunks) > 1:
            c.text(w - MARGIN, h - 80, f"（{n}/{len(chunks)}）", 10, right=True)
        y = h - 125
        for label, value in (("申请编号", sheet.number), ("姓名", sheet.person), ("档号", sheet.archive_no),
                             ("用途", sheet.purpose)):
            c.text(MARGIN, y, f"{label}：{value}", 12)
            y -= 20
        y -= 8
        c.line(MARGIN, y, w - MARGIN, y)
        for frac, label in _COLS:
            c.text(MARGIN + inner * frac + 4, y - 16, label, 11)
        y -= 22
        c.line(MARGIN, y, w - MARGIN, y)
        for row in chunk:
            title = c.wrap(row.title, 10.5, inner * 0.55)[0]
            if title != row.title:
                title = title[:-1] + "…"
            for frac, value in zip((f for f, _ in _COLS), (row.seq, title, row.formed, str(row.pages)), strict=True):
                c.text(MARGIN + inner * frac + 4, y - 15, value, 10.5)
            y -= 21
            c.line(MARGIN, y, w - MARGIN, y, 0.3)
        if n == len(chunks):
            y -= 24
            c.text(MARGIN, y, f"以上材料共{len(rows)}份，复印件共{total_pages}页（不含本页）。", 12)
            y -= 22
            c.text(MARGIN, y, sheet.note, 12)
            y -= 34
            c.text(MARGIN, y, f"经办人（档案管理员）：{sheet.handler}", 12)
            y -= 22
            c.text(MARGIN, y, f"审批人：{sheet.approver}", 12)
            y -= 22
            c.text(MARGIN, y, f"日期：{sheet.date}", 12)
            box = 130.0
            c.rect(w - MARGIN - box, 90, box, box)
            c.text(w - MARGIN - box / 2, 100, "（盖章）", 10, centre=True)
            if sheet.issuer:
                c.text(w - MARGIN - box / 2, 90 + box + 10, sheet.issuer, 10, centre=True)
        out.append(c.stream())
    return out


def _cover_text(sheet: CopySheet, total_pages: int) -> str:
    parts = ["人事档案材料复印件（）/0123456789", sheet.number, sheet.person, sheet.archive_no, sheet.purpose,
             sheet.note, sheet.handler, sheet.approver, sheet.date, sheet.issuer,
             "申请编号姓名档号用途：序号材料名称形成时间页数…",
             f"以上材料共{len(sheet.materials)}份，复印件共{total_pages}页（不含本页）。",
             "经办人（档案管理员）审批人日期盖章", watermark_text(sheet.purpose, sheet.number, sheet.date)]
    for row in sheet.materials:
        parts += [row.seq, row.title, row.formed, str(row.pages)]
    return "".join(parts)


def _finish(pdf: pikepdf.Pdf, number: str, title: str, created: dt.datetime) -> bytes:
    pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String(title), Producer=pikepdf.String("Dangan"),
                                     CreationDate=pikepdf.String(created.strftime("D:%Y%m%d%H%M%SZ"))))
    out = io.BytesIO()
    pdf.save(out, static_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=True)
    data = out.getvalue()
    ident = hashlib.md5(number.encode(), usedforsecurity=False).hexdigest().upper().encode()
    return data.replace(_QPDF_STATIC_ID, ident)


def build_copy(sheet: CopySheet, pages: Iterable[PageImage], *, created: dt.datetime) -> bytes:
    """The certified copy: cover sheet(s), then every page watermarked.  ``pages`` may be a generator."""
    pages = list(pages)
    mark = watermark_text(sheet.purpose, sheet.number, sheet.date)
    font = subset_font(_cover_text(sheet, len(pages)))
    pdf = pikepdf.new()
    font_ref = embed_font(pdf, font)
    for content in _cover_pages(font, sheet, len(pages)):
        _page(pdf, font_ref, content, A4)
    images: dict[str, pikepdf.Object] = {}
    for page in pages:
        key = hashlib.sha256(page.jpeg).hexdigest()
        if key not in images:  # the same scan twice (a material chosen twice) is stored once
            images[key] = pdf.make_indirect(_image(pdf, page.jpeg))
        w, h = page.width_pt, page.height_pt
        canvas = _Canvas(font)
        canvas.ops.append(f"q {w:.2f} 0 0 {h:.2f} 0 0 cm /Im0 Do Q".encode())
        _watermark(canvas, mark, w, h)
        _page(pdf, font_ref, canvas.stream(), (w, h), {"Im0": images[key]})
    return _finish(pdf, sheet.number, f"复印件 {sheet.number}", created)


def build_certificate(sheet: CertificateSheet, *, created: dt.datetime) -> bytes:
    """A certificate (证明) from its filled template text."""
    w, h = A4
    text = "".join([sheet.number, sheet.title, sheet.body, sheet.date, sheet.handler, sheet.approver, sheet.issuer,
                    sheet.valid_until, *sheet.extra, "编号：经办人审批人日期有效期至（盖章）"])
    font = subset_font(text)
    pdf = pikepdf.new()
    font_ref = embed_font(pdf, font)
    c = _Canvas(font)
    c.text(w / 2, h - 100, sheet.title, 24, centre=True)
    c.text(w - MARGIN, h - 130, f"编号：{sheet.number}", 10.5, right=True)
    y = h - 175
    for line in c.wrap(sheet.body, 14, w - 2 * MARGIN):
        c.text(MARGIN, y, line, 14)
        y -= 26
    for line in sheet.extra:
        c.text(MARGIN, y, line, 12)
        y -= 20
    y = min(y - 30, 300)
    if sheet.issuer:
        c.text(w - MARGIN - 65, y, sheet.issuer, 13, centre=True)
    c.text(w - MARGIN - 65, y - 24, sheet.date, 13, centre=True)
    box = 130.0
    c.rect(w - MARGIN - box, y - 60 - box, box, box)
    c.text(w - MARGIN - box / 2, y - 50 - box, "（盖章）", 10, centre=True)
    c.text(MARGIN, 110, f"经办人：{sheet.handler}    审批人：{sheet.approver}", 11)
    if sheet.valid_until:
        c.text(MARGIN, 90, f"有效期至：{sheet.valid_until}", 11)
    _page(pdf, font_ref, c.stream(), A4)
    return _finish(pdf, sheet.number, f"{sheet.title} {sheet.number}", created)
