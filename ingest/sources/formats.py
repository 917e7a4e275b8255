"""Telling formats apart by their magic bytes, and what a page's original is (:class:`PageBytes`)."""

from __future__ import annotations

from dataclasses import dataclass

#: Formats a page's original may have (what :func:`read_page_bytes` returns).
IMAGE_FORMATS = ("jpeg", "tiff", "png", "jp2")

# How many bytes of a file :func:`sniff` needs: PDF allows junk before ``%PDF-`` within the first 1 KiB.
SNIFF_BYTES = 1024


# --- format by magic bytes ----------------------------------------------------------------------------


def sniff(head: bytes) -> str | None:
    """Return ``jpeg``, ``tiff``, ``png``, ``jp2``, ``pdf`` or ``None`` from a file's first bytes.

    The extension is never trusted: scanners and users rename files, and a ``.jpg`` that is really a
    BMP must be rejected rather than stored as a JPEG.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    # JP2 file (signature box) or a raw J2K codestream (SOC + SIZ markers).
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "jp2"
    if b"%PDF-" in head[:SNIFF_BYTES]:
        return "pdf"
    return None


def describe_unknown(head: bytes) -> str:
    """Name, in Chinese, what an unsupported file probably is, for the rejection message."""
    if not head:
        return "空文件"
    if head.startswith(b"BM"):
        return "BMP 位图"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF 图像"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif"):
        return "HEIC/HEIF 图像"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP 图像"
    if head.startswith(b"PK\x03\x04"):
        return "Office 文档、OFD 或压缩包"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "旧版 Office 文档（doc/xls）"
    if head.startswith(b"{\\rtf"):
        return "RTF 文档"
    if head.startswith((b"Rar!", b"7z\xbc\xaf")):
        return "压缩包"
    return "无法识别的文件"


@dataclass(frozen=True)
class PageBytes:
    """A page's original bytes, their format, and the resolution its container states (PDF pages)."""

    data: bytes
    format: str
    dpi: float | None = None  # image pixels over drawn size for a PDF page; None: ask the image itself
