"""Inputs for the ingest tests, all generated here: scanned-looking pages, encoded files, PDFs and zips.

Pages come from :func:`archive.demo.render_page` (tests may import archive; ingest may not) and are
cached, because rendering is the slow part; callers get copies.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pikepdf
from PIL import Image

from archive.demo import render_page

LINES = (
    "干部履历表",
    "姓名：张三　　性别：男　　出生日期：1950年3月",
    "民族：汉族　　籍贯：北京市　　文化程度：高中",
    "工作单位：北京市第一机床厂",
    "参加工作时间：1968年9月　　政治面貌：中共党员",
    "　　该同志工作认真负责，遵守劳动纪律，团结同志，积极完成各项生产任务。",
    "　　热爱本职工作，服从组织分配，能够虚心学习业务技术，技术水平提高较快。",
    "　　政治上积极要求进步，认真学习，关心集体，群众关系较好。",
    "　　严格执行安全操作规程，爱护国家财产，厉行节约，反对浪费。",
    "单位意见：同意。",
)

OTHER_LINES = (
    "自传",
    "　　我叫李四，1952年5月出生在北京。1970年参加工作，分配到北京市第二毛纺厂当工人。",
    "　　参加工作以后，在党组织和老师傅的帮助下，我努力学习政治和业务技术，认识到只有把个人的工作同国家建设联系在"
    "一起，才能做出成绩。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，克服缺点，把工作做得更好。",
    "　　　　　　　　　　　　　　　　本人签名：李四",
)


@functools.cache
def _rendered(lines: tuple[str, ...], seed: int | str, dpi: int, skew: float | None, colour: bool,
              red_header: bool, noise: bool) -> Image.Image:
    return render_page(list(lines), seed=seed, dpi=dpi, skew_deg=skew, colour=colour, red_header=red_header,
                       noise=noise)


def page(lines: tuple[str, ...] = LINES, *, seed: int | str = 1, dpi: int = 150, skew: float | None = 0.0,
         colour: bool = False, red_header: bool = False, noise: bool = True) -> Image.Image:
    """A rendered page (a copy: the cache keeps the original)."""
    return _rendered(tuple(lines), seed, dpi, skew, colour, red_header, noise).copy()


def bitonal(image: Image.Image) -> Image.Image:
    """Threshold a grey page the way the demo writes G4 TIFFs."""
    return image.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1")


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg(image: Image.Image, quality: int = 85, dpi: int | None = 150) -> bytes:
    return encode(image, "JPEG", quality=quality, **({"dpi": (dpi, dpi)} if dpi else {}))


def g4_tiff(images: list[Image.Image], dpi: int = 150) -> bytes:
    """A (multi-page) CCITT Group 4 TIFF of the pages, thresholded to bitonal."""
    frames = [bitonal(im) for im in images]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", compression="group4", dpi=(dpi, dpi), save_all=True, append_images=frames[1:])
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares ``width``×``height`` grey pixels (the data is a few bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


# --- PDFs ---------------------------------------------------------------------------------------------

_FONT = {"/Type": pikepdf.Name.Font, "/Subtype": pikepdf.Name.Type1, "/BaseFont": pikepdf.Name.Helvetica}


def _image_stream(pdf: pikepdf.Pdf, data: bytes, size: tuple[int, int], *, filter_: str, colorspace: str,
                  bits: int = 8, decode_parms: dict[str, object] | None = None) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, data)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width, stream.Height = size
    stream.ColorSpace = pikepdf.Name(colorspace)
    stream.BitsPerComponent = bits
    stream.Filter = pikepdf.Name(filter_)
    if decode_parms:
        stream.DecodeParms = pikepdf.Dictionary(decode_parms)
    return stream


def image_pdf(
    data: bytes,
    size: tuple[int, int],
    *,
    dpi: float = 150,
    filter_: str = "/DCTDecode",
    colorspace: str = "/DeviceGray",
    before: bytes = b"",
    after: bytes = b"",
    cover: float = 1.0,
    images: int = 1,
    password: str | None = None,
    pages: int = 1,
) -> bytes:
    """A PDF whose pages each draw ``data`` (already in ``filter_``'s encoding) over the whole page.

    ``before``/``after`` add content-stream operators around the image (text, paths …); ``cover`` < 1
    draws the image smaller than the page; ``images`` draws it that many times; ``password`` encrypts.
    """
    pdf = pikepdf.new()
    width_pt, height_pt = size[0] * 72 / dpi, size[1] * 72 / dpi
    for _ in range(pages):
        image = _image_stream(pdf, data, size, filter_=filter_, colorspace=colorspace)
        draw = b"".join(
            f"q {width_pt * cover:.4f} 0 0 {height_pt * cover:.4f} 0 0 cm /Im0 Do Q\n".encode() for _ in range(images))
        page = pdf.add_blank_page(page_size=(width_pt, height_pt))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image), Font=pikepdf.Dictionary(
            F1=pikepdf.Dictionary(_FONT)))
        page.Contents = pdf.make_stream(before + draw + after)
    out = io.BytesIO()
    if password:
        pdf.save(out, encryption=pikepdf.Encryption(user=password, owner=password + "-owner"))
    else:
        pdf.save(out)
    return out.getvalue()


TEXT_OPS = b"BT /F1 12 Tf 72 72 Td (Scanned by ACME) Tj ET\n"
INVISIBLE_TEXT_OPS = b"BT 3 Tr /F1 12 Tf 72 72 Td (OCR layer) Tj ET\n"
PATH_OPS = b"q 1 w 10 10 m 200 200 l S Q\n"


# --- zips ---------------------------------------------------------------------------------------------


class _LegacyNameInfo(zipfile.ZipInfo):
    """A member whose name is stored in a legacy encoding without the UTF-8 flag (as Windows Explorer does)."""

    encoding = "gbk"

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's own (private) hook
        return self.filename.encode(self.encoding), self.flag_bits & ~0x800


def make_zip(path: Path, members: dict[str, bytes], *, name_encoding: str | None = None,
             compress: int = zipfile.ZIP_STORED) -> Path:
    """Write ``members`` into a zip; ``name_encoding`` stores names in it without the UTF-8 flag."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            if name_encoding:
                info: zipfile.ZipInfo = type("Info", (_LegacyNameInfo,), {"encoding": name_encoding})(
                    name, date_time=(2020, 1, 1, 0, 0, 0))
            else:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = compress
            zf.writestr(info, data)
    return path


def symlink_zip(path: Path) -> Path:
    """A zip holding a Unix symbolic link member pointing outside."""
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("XC-1/0001.jpg", date_time=(2020, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    return path
