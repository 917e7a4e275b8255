"""Decoding safely and measuring pages: resolution, colour, blank, skew, perceptual hash, derivatives."""

from __future__ import annotations

import io
import random
import warnings

import pytest
from PIL import Image, ImageChops, ImageDraw

from ingest.errors import CorruptImage, DecompressionBomb, UnsupportedFormat
from ingest.imaging import (
    classify_colour,
    decode,
    estimate_skew,
    hamming,
    image_dpi,
    is_blank,
    make_thumb,
    make_view,
    page_metrics,
    phash,
)
from tests.ingest.helpers import OTHER_LINES, bitonal, bomb_png, encode, g4_tiff, jpeg, page

# --- decode -------------------------------------------------------------------------------------------


def test_decode_loads_fully_and_keeps_the_resolution() -> None:
    image = decode(jpeg(page(dpi=60), dpi=60), source="XC-1/0001.jpg")
    assert image.size == page(dpi=60).size
    assert image_dpi(image) == 60


def test_truncated_jpeg_is_corrupt() -> None:
    data = jpeg(page(dpi=60))
    with pytest.raises(CorruptImage) as caught:
        decode(data[: len(data) // 2], source="XC-1/0003.jpg")
    assert caught.value.code == "corrupt_image"
    assert str(caught.value).startswith("XC-1/0003.jpg：")


def test_garbage_after_a_valid_signature_is_corrupt() -> None:
    with pytest.raises(CorruptImage):
        decode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)


def test_unknown_bytes_and_pdf_are_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="BMP"):
        decode(encode(page(dpi=20), "BMP"))
    with pytest.raises(UnsupportedFormat, match="PDF"):
        decode(b"%PDF-1.7\n")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    limit = Image.MAX_IMAGE_PIXELS
    with pytest.raises(DecompressionBomb) as caught:
        decode(bomb_png(), source="XC-1/0001.png")
    assert caught.value.code == "decompression_bomb"
    assert "XC-1/0001.png" in str(caught.value)
    # Our own limit is checked from the header, below Pillow's.
    with pytest.raises(DecompressionBomb, match="2000×2000"):
        decode(bomb_png(2000, 2000), max_pixels=1_000_000)
    assert limit == Image.MAX_IMAGE_PIXELS  # nothing global was changed


def test_pillow_bomb_warning_does_not_escape_when_our_limit_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 40 * 40)
    data = encode(Image.new("L", (50, 50), 255), "PNG")  # above Pillow's limit, below twice it: a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert decode(data).size == (50, 50)


def test_exif_rotated_jpeg_comes_out_upright() -> None:
    upright = page(dpi=40)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the camera wrote: the page lying on its side
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    image = decode(encode(stored, "JPEG", quality=95, exif=exif.tobytes()))
    assert image.size == upright.size
    diff = ImageChops.difference(image.convert("L"), upright)
    assert sum(diff.histogram()[40:]) < 0.01 * upright.width * upright.height


# --- resolution and colour ----------------------------------------------------------------------------


def _jfif_in_dots_per_cm(data: bytes, density: int) -> bytes:
    out = bytearray(data)
    at = out.index(b"JFIF\x00") + 7
    out[at] = 2  # units: dots per centimetre
    out[at + 1:at + 5] = density.to_bytes(2, "big") * 2
    return bytes(out)


def test_resolution_read_from_jfif_png_tiff_or_absent() -> None:
    im = page(dpi=30)
    assert image_dpi(decode(jpeg(im, dpi=300))) == 300
    assert image_dpi(decode(encode(im, "PNG", dpi=(200, 200)))) == 200
    assert image_dpi(decode(encode(im, "TIFF", dpi=(300, 300)))) == 300
    assert image_dpi(decode(jpeg(im, dpi=None))) is None
    assert image_dpi(decode(encode(im, "PNG"))) is None
    assert image_dpi(decode(encode(im, "TIFF"))) is None
    assert image_dpi(decode(_jfif_in_dots_per_cm(jpeg(im, dpi=300), 118))) == pytest.approx(299.72)
    cm = encode(im, "TIFF", tiffinfo={282: 78.74, 283: 78.74, 296: 3})  # 78.74 dots/cm = 200 dpi
    assert image_dpi(decode(cm)) == pytest.approx(200, abs=0.01)


def test_colour_classification() -> None:
    grey = page(dpi=60)
    assert classify_colour(grey) == "grey"
    assert classify_colour(bitonal(grey)) == "bitonal"
    assert classify_colour(bitonal(grey).convert("L")) == "bitonal"  # only two grey levels
    assert classify_colour(page(dpi=60, red_header=True)) == "colour"  # red heading and seal
    assert classify_colour(page(dpi=60, colour=True)) == "grey"  # colour scan of yellowed black-and-white
    assert classify_colour(decode(jpeg(page(dpi=60, colour=True)))) == "grey"


# --- blank pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_empty_pages_with_specks_and_noise_are_blank(seed: int) -> None:
    empty = page((), seed=seed, dpi=150, skew=None)
    assert is_blank(empty)
    assert is_blank(bitonal(empty))
    assert estimate_skew(empty) is None


def test_heavy_specks_and_binding_holes_are_still_blank() -> None:
    dpi = 300
    sheet = page((), seed=9, dpi=dpi)
    draw = ImageDraw.Draw(sheet)
    rng = random.Random(9)
    for _ in range(500):  # dust up to 0.7 mm across, as dark as ink
        x, y, r = rng.randrange(sheet.width), rng.randrange(sheet.height), rng.choice((1, 2, 3, 4))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(30, 140))
    hole = round(3 / 25.4 * dpi)
    for cy in (sheet.height * 0.3, sheet.height * 0.7):  # binding holes 8 mm from the spine
        cx = round(8 / 25.4 * dpi)
        draw.ellipse((cx - hole, cy - hole, cx + hole, cy + hole), fill=60)
    assert is_blank(sheet)


@pytest.mark.parametrize("lines", [("", "同意。"), ("", "　　以下空白"), ("无",)])
@pytest.mark.parametrize("dpi", [150, 300])
def test_one_short_line_is_not_blank(lines: tuple[str, ...], dpi: int) -> None:
    assert not is_blank(page(lines, dpi=dpi))


# --- skew ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-3.0, -1.2, 0.0, 0.8, 2.5])
def test_skew_is_found_within_a_third_of_a_degree(angle: float) -> None:
    estimate = estimate_skew(page(dpi=150, skew=angle))
    assert estimate is not None
    assert estimate == pytest.approx(angle, abs=0.3)


def test_skew_of_a_300_dpi_page_near_the_edge_of_the_range() -> None:
    assert estimate_skew(page(OTHER_LINES, dpi=300, skew=-4.7)) == pytest.approx(-4.7, abs=0.3)


# --- perceptual hash ----------------------------------------------------------------------------------


def _shifted(image: Image.Image, dx: int, dy: int) -> Image.Image:
    out = Image.new(image.mode, image.size, 242)
    out.paste(image, (dx, dy))
    return out


def test_phash_near_identical_copies_are_close_other_pages_far() -> None:
    original = page(dpi=150)
    h = phash(decode(jpeg(original, quality=92)))
    assert len(h) == 16 and int(h, 16) >= 0
    assert hamming(h, phash(decode(jpeg(original, quality=40)))) <= 6
    assert hamming(h, phash(_shifted(original, 15, 10))) <= 6  # 2.5 mm further on the glass
    assert hamming(h, phash(page(dpi=150, skew=0.4))) <= 6  # the same page laid down again
    assert hamming(h, phash(page(OTHER_LINES, dpi=150))) >= 15


def test_hamming_counts_differing_bits() -> None:
    assert hamming("0000000000000000", "0000000000000000") == 0
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    assert hamming("8000000000000001", "0000000000000000") == 2


# --- derivatives and metrics --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["L", "RGB", "1", "RGBA", "I;16", "P"])
def test_view_and_thumb_are_jpegs_of_the_right_size(mode: str) -> None:
    source = page(dpi=200)
    image = {"1": bitonal(source), "I;16": source.convert("I").point(lambda v: v * 256).convert("I;16"),
             "P": source.convert("RGB").convert("P")}.get(mode) or source.convert(mode)
    for make, side in ((make_view, 1600), (make_thumb, 240)):
        out = Image.open(io.BytesIO(make(image)))
        assert out.format == "JPEG"
        assert max(out.size) == side
        assert out.size[0] / out.size[1] == pytest.approx(source.width / source.height, abs=0.01)
        assert out.mode in ("L", "RGB")


def test_small_images_are_not_blown_up() -> None:
    tiny = Image.new("L", (100, 150), 255)
    assert Image.open(io.BytesIO(make_view(tiny))).size == (100, 150)


def test_page_metrics_of_a_g4_tiff_page() -> None:
    data = g4_tiff([page(dpi=200, skew=1.0)], dpi=200)
    metrics = page_metrics(decode(data), "tiff", data)
    assert (metrics.format, metrics.compression, metrics.colour, metrics.dpi) == ("tiff", "group4", "bitonal", 200)
    assert (metrics.width, metrics.height) == (1654, 2339)
    assert not metrics.blank
    assert metrics.skew_deg == pytest.approx(1.0, abs=0.3)
    assert len(metrics.phash) == 16


def test_page_metrics_of_a_blank_colour_jpeg_with_pdf_resolution() -> None:
    data = jpeg(page((), dpi=200, colour=True), dpi=None)
    metrics = page_metrics(decode(data), "jpeg", data, dpi=200)
    assert (metrics.compression, metrics.dpi, metrics.blank, metrics.skew_deg) == ("jpeg", 200, True, None)
    assert metrics.colour == "grey"


def test_page_metrics_of_a_sealed_colour_page_agrees_with_the_parts() -> None:
    image = page(OTHER_LINES, dpi=150, red_header=True, seed=3)
    metrics = page_metrics(image, "png", b"")
    assert metrics.colour == "colour" and metrics.compression == "deflate"
    assert metrics.phash == phash(image)
    assert metrics.blank is is_blank(image) is False
    assert metrics.skew_deg == estimate_skew(image)
