"""PDF, and the one wrapper around pikepdf: checking a page is a scan and extracting its image as stored.

pikepdf's errors become ours here (``PasswordError`` is not a ``PdfError``, so it is caught on its own).
"""

from __future__ import annotations

import io
import logging
import math
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pikepdf
from PIL import Image

from ingest.errors import (
    BrokenPdf,
    DecompressionBomb,
    EncryptedPdf,
    IngestError,
    MissingDecoder,
    NotScannedPage,
    UnsupportedFormat,
)
from ingest.sources.formats import PageBytes
from ingest.sources.tiff import _png_with_dpi, _tiff_with_dpi

log = logging.getLogger(__name__)

# --- PDF: opening, checking a page is a scan, extracting its image ------------------------------------


def _why(exc: BaseException, path: Path, source: str) -> str:
    """An error's text with the file's server path replaced by its name in the package.

    qpdf (through pikepdf) starts its messages with the path it opened, ``/srv/…/tmp/XC-1.pdf: …``: that
    path means nothing to an archivist and tells anyone who reads the QC report where the server works.
    """
    text = str(exc)
    for where in {str(path.resolve()), str(path)}:
        text = text.replace(where, source)
    return text


@contextmanager
def _open_pdf(path: Path, source: str) -> Iterator[pikepdf.Pdf]:
    """Open a PDF read-only, translating pikepdf's errors into ours."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:  # not a PdfError: catch it first and on its own
        raise EncryptedPdf("PDF 已加密，需要密码才能打开", source) from exc
    except pikepdf.PdfError as exc:
        raise BrokenPdf(f"PDF 已损坏，无法打开（{_why(exc, path, source)}）", source) from exc
    except (OSError, ValueError) as exc:
        raise BrokenPdf(f"PDF 无法读取（{_why(exc, path, source)}）", source) from exc
    try:
        yield pdf
    finally:
        pdf.close()


def count_pdf_pages(path: Path, source: str = "") -> int:
    """Number of pages of a PDF; :class:`EncryptedPdf` or :class:`BrokenPdf` when it cannot be read."""
    source = source or path.name
    with _open_pdf(path, source) as pdf:
        try:
            return len(pdf.pages)
        except pikepdf.PdfError as exc:
            raise BrokenPdf(f"PDF 页面树损坏（{_why(exc, path, source)}）", source) from exc


_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_TEXT_SHOW = frozenset({"Tj", "TJ", "'", '"'})
_PATH_PAINT = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"})
_INVISIBLE_TEXT = (3, 7)  # render modes that paint nothing (an OCR text layer, a text clip)
_MAX_FORM_DEPTH = 8
# An image "covers the page" when it covers this share of the page box and is not much larger than it.
_MIN_COVER, _MAX_OVERSIZE = 0.90, 1.10


def _mul(m: _Matrix, n: _Matrix) -> _Matrix:
    """Matrix product m × n in PDF's row-vector convention (``cm`` pre-multiplies the CTM)."""
    a, b, c, d, e, f = m
    aa, bb, cc, dd, ee, ff = n
    return (a * aa + b * cc, a * bb + b * dd, c * aa + d * cc, c * bb + d * dd,
            e * aa + f * cc + ee, e * bb + f * dd + ff)


class _Drawn:
    """What a page's content draws: image XObjects with their CTM, and what else (the reasons it is no scan)."""

    def __init__(self) -> None:
        self.images: list[tuple[pikepdf.Object, _Matrix]] = []
        self.other: list[str] = []


def _walk(content: pikepdf.Object | pikepdf.Page, resources: pikepdf.Object | None, ctm: _Matrix,
          drawn: _Drawn, depth: int) -> None:
    """Follow a content stream's graphics state; record images and anything else that paints."""
    stack: list[tuple[_Matrix, int]] = []
    render_mode = 0
    for instruction in pikepdf.parse_content_stream(content):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            drawn.other.append("内嵌图像")
            continue
        op = str(instruction.operator)
        operands = instruction.operands
        if op == "q":
            stack.append((ctm, render_mode))
        elif op == "Q":
            if stack:
                ctm, render_mode = stack.pop()
        elif op == "cm" and len(operands) == 6:
            ctm = _mul(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif op == "Tr" and operands:
            render_mode = int(operands[0])
        elif op in _TEXT_SHOW:
            if render_mode not in _INVISIBLE_TEXT:
                drawn.other.append("文字")
        elif op in _PATH_PAINT:
            drawn.other.append("矢量图形")
        elif op == "sh":
            drawn.other.append("渐变填充")
        elif op == "Do" and operands:
            _draw_xobject(operands[0], resources, ctm, drawn, depth)


def _draw_xobject(name: pikepdf.Object, resources: pikepdf.Object | None, ctm: _Matrix, drawn: _Drawn,
                  depth: int) -> None:
    xobjects = resources.get("/XObject") if resources is not None else None
    xobject = xobjects.get(str(name)) if xobjects is not None else None
    if xobject is None:
        drawn.other.append(f"缺失的对象 {name}")
        return
    subtype = xobject.get("/Subtype")
    if subtype == "/Image":
        drawn.images.append((xobject, ctm))
    elif subtype == "/Form":
        if depth >= _MAX_FORM_DEPTH:
            drawn.other.append("嵌套过深的表单对象")
            return
        matrix = xobject.get("/Matrix")
        form_ctm = _mul(tuple(float(v) for v in matrix), ctm) if matrix is not None else ctm  # type: ignore[arg-type]
        # A form without its own resources inherits those of the page that draws it.
        _walk(xobject, xobject.get("/Resources", resources), form_ctm, drawn, depth + 1)
    else:
        drawn.other.append(f"未知对象 {subtype}")


def _box(array: pikepdf.Object) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in array)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _image_box(ctm: _Matrix) -> tuple[float, float, float, float]:
    """Where the unit square an image is painted into lands on the page."""
    a, b, c, d, e, f = ctm
    xs = [e, a + e, c + e, a + c + e]
    ys = [f, b + f, d + f, b + d + f]
    return min(xs), min(ys), max(xs), max(ys)


def _scan_image(page: pikepdf.Page, source: str, page_no: int) -> tuple[pikepdf.Object, _Matrix]:
    """The one image a scanned page consists of, and where it is painted; :class:`NotScannedPage` otherwise."""
    drawn = _Drawn()
    _walk(page, page.obj.get("/Resources"), _IDENTITY, drawn, 0)
    if drawn.other:
        kinds = "、".join(dict.fromkeys(drawn.other))
        raise NotScannedPage(f"该页不是扫描图像：含有{kinds}", source, page_no)
    if len(drawn.images) != 1:
        what = "没有图像" if not drawn.images else f"含有 {len(drawn.images)} 幅图像"
        raise NotScannedPage(f"该页不是扫描图像：{what}（应恰好一幅覆盖整页的图像）", source, page_no)
    image, ctm = drawn.images[0]
    px0, py0, px1, py1 = _box(page.cropbox)
    ix0, iy0, ix1, iy1 = _image_box(ctm)
    page_area = (px1 - px0) * (py1 - py0)
    overlap = max(0.0, min(px1, ix1) - max(px0, ix0)) * max(0.0, min(py1, iy1) - max(py0, iy0))
    image_area = (ix1 - ix0) * (iy1 - iy0)
    if page_area <= 0 or overlap < _MIN_COVER * page_area or image_area > _MAX_OVERSIZE * page_area:
        raise NotScannedPage("该页不是扫描图像：图像没有覆盖整个页面", source, page_no)
    rotation = int(page.obj.get("/Rotate", 0)) % 360
    turned = abs(ctm[1]) > 1e-6 or abs(ctm[2]) > 1e-6 or ctm[0] < 0 or ctm[3] < 0
    if rotation or turned:
        # The extracted image keeps its stored orientation; the page shows it turned.
        log.warning("%s p.%d: PDF page shows its image rotated (/Rotate %d, matrix %s); kept as stored",
                    source, page_no, rotation, tuple(round(v, 3) for v in ctm[:4]))
    return image, ctm


# Scanner resolutions: a PDF page size rounded to whole points gives 300.1 dpi where 300 was scanned.
_STANDARD_DPI = (72, 96, 100, 120, 150, 200, 240, 250, 254, 300, 320, 360, 400, 600, 1200)


def _pdf_dpi(width: int, height: int, ctm: _Matrix) -> float | None:
    """Resolution of an image painted with ``ctm``: its pixels over the length (in inches) it is drawn at."""
    a, b, c, d = ctm[:4]
    across, down = math.hypot(a, b), math.hypot(c, d)
    if across <= 0 or down <= 0 or width <= 0 or height <= 0:
        return None
    dpi = (width * 72 / across + height * 72 / down) / 2
    near = min(_STANDARD_DPI, key=lambda v: abs(v - dpi))
    return float(near) if abs(near - dpi) <= 0.01 * near else round(dpi, 1)


_EXTENSION_FORMATS = {".jpg": "jpeg", ".jp2": "jp2", ".tif": "tiff", ".png": "png"}


def _pdf_page(path: Path, index: int, source: str) -> PageBytes:
    page_no = index + 1
    with _open_pdf(path, source) as pdf:
        try:
            if not 0 <= index < len(pdf.pages):
                raise BrokenPdf(f"PDF 只有 {len(pdf.pages)} 页", source, page_no)
            image, ctm = _scan_image(pdf.pages[index], source, page_no)
            pim = pikepdf.PdfImage(cast(pikepdf.Stream, image))  # _scan_image checked /Subtype /Image
            out = io.BytesIO()
            # apply_mask=False: the scan is the base image; a soft mask would need compositing (transcoding).
            ext = pim.extract_to(stream=out, apply_mask=False)
            dpi = _pdf_dpi(pim.width, pim.height, ctm)
        except IngestError:
            raise
        except pikepdf.PasswordError as exc:
            raise EncryptedPdf("PDF 已加密", source, page_no) from exc
        except Image.DecompressionBombError as exc:  # pikepdf's bomb errors subclass Pillow's
            raise DecompressionBomb(f"PDF 中的图像像素过多（{exc}）", source, page_no) from exc
        except (pikepdf.NotExtractableError, pikepdf.UnsupportedImageTypeError, pikepdf.InvalidPdfImageError) as exc:
            raise UnsupportedFormat(f"PDF 中的图像无法无损取出（{_why(exc, path, source)}）", source, page_no) from exc
        except pikepdf.DependencyError as exc:  # a decoder missing on this server (jbig2dec): the page is not at fault
            raise MissingDecoder(f"服务器缺少读取该页所需的解码程序（{exc}），页面本身未必损坏",
                                 source, page_no) from exc
        except pikepdf.PikepdfError as exc:  # PdfError, DataDecodingError, ImageDecompressionError …
            raise BrokenPdf(f"PDF 页面损坏（{_why(exc, path, source)}）", source, page_no) from exc
        except (ValueError, TypeError, OSError, struct.error) as exc:  # malformed numbers or streams
            raise BrokenPdf(f"PDF 页面无法解析（{_why(exc, path, source)}）", source, page_no) from exc
    fmt = _EXTENSION_FORMATS.get(ext)
    if fmt is None:
        raise UnsupportedFormat(f"PDF 中的图像格式 {ext} 不受支持", source, page_no)
    data = out.getvalue()
    # The TIFF around CCITT data and the PNG of Flate pixels are our own wrappers: let them state the
    # resolution the PDF gives.  A JPEG or JPEG 2000 stays byte for byte; its resolution travels beside it.
    if dpi is not None and fmt == "tiff":
        data = _tiff_with_dpi(data, dpi)
    elif dpi is not None and fmt == "png":
        data = _png_with_dpi(data, dpi)
    return PageBytes(data, fmt, dpi)
