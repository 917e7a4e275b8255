"""Decoding a page image safely: the pixel limit before any pixel is read, a full decode, our errors."""

from __future__ import annotations

import io
import logging
import struct
import warnings
import zlib

from PIL import Image, ImageOps, UnidentifiedImageError

from ingest.errors import CorruptImage, DecompressionBomb, UnsupportedFormat
from ingest.sources import SNIFF_BYTES, describe_unknown, sniff

log = logging.getLogger(__name__)


DEFAULT_MAX_PIXELS = 200_000_000

# Pillow plugins allowed for each sniffed format: a file is decoded as what its bytes say it is.
_PIL_FORMATS = {"jpeg": ("JPEG", "MPO"), "tiff": ("TIFF",), "png": ("PNG",), "jp2": ("JPEG2000",)}


# --- decoding -----------------------------------------------------------------------------------------


def decode(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, source: str = "") -> Image.Image:
    """Decode a page image completely and turn it upright (EXIF orientation).

    Raises :class:`UnsupportedFormat` for bytes that are not JPEG, TIFF, PNG or JPEG 2000,
    :class:`DecompressionBomb` when the image declares more than ``max_pixels`` pixels (checked from the
    header, before any pixel is decoded) and :class:`CorruptImage` when it cannot be decoded to the end.
    ``source`` names the page in messages (``XC-1/0003.jpg``, ``XC-1.pdf p.3``).

    Pillow's own bomb limit (``Image.MAX_IMAGE_PIXELS``) is left alone, so an image beyond twice that
    limit is refused by Pillow whatever ``max_pixels`` says; its warning below that is silenced here
    because ``max_pixels`` is the limit that counts.
    """
    fmt = sniff(data[:SNIFF_BYTES])
    if fmt is None or fmt == "pdf":
        what = "PDF（应先取出页面图像）" if fmt == "pdf" else describe_unknown(data[:16])
        raise UnsupportedFormat(f"不支持的图像格式（{what}）", source)
    try:
        # record=True keeps warnings local to this block (nothing is printed, nothing escalates under
        # ``-W error``); what Pillow warned about is logged instead.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            image = Image.open(io.BytesIO(data), formats=_PIL_FORMATS[fmt])
            pixels = image.width * image.height
            if pixels > max_pixels:
                raise DecompressionBomb(
                    f"图像声明的尺寸 {image.width}×{image.height} 超过上限 {max_pixels:,} 像素", source)
            frames = int(getattr(image, "n_frames", 1))
            if frames > 1:
                log.info("%s: image has %d frames; the first is the page", source, frames)
            image.load()
        for warning in caught:
            if not issubclass(warning.category, Image.DecompressionBombWarning):
                log.warning("%s: %s", source, warning.message)
    except DecompressionBomb:
        raise
    except Image.DecompressionBombError as exc:
        raise DecompressionBomb(f"图像像素过多（{exc}）", source) from exc
    except UnidentifiedImageError as exc:
        raise CorruptImage(f"{fmt.upper()} 图像无法识别，文件可能已损坏", source) from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error) as exc:
        raise CorruptImage(f"{fmt.upper()} 图像已损坏或不完整（{exc}）", source) from exc
    except MemoryError as exc:
        raise DecompressionBomb("解码图像所需内存过多", source) from exc
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        log.warning("%s: EXIF orientation unreadable, kept as stored (%s)", source, exc)
    return image
