"""The perceptual hash of a page (a separable 32×32 DCT keeping 8×8 coefficients) and its distance."""

from __future__ import annotations

import math

from PIL import Image, ImageOps

from ingest.imaging.copies import _darkness, _inner, _small, _values

_HASH_SIZE = 32
_HASH_KEEP = 8
_HASH_INK = 40  # darkness below this is paper, grain or blotches: left out of the hash
_HASH_SPREAD = 2.2  # the hashed window spans the ink's mean ± this many standard deviations


def _dct_table(n: int, keep: int) -> list[list[float]]:
    return [[math.cos(math.pi * (2 * x + 1) * k / (2 * n)) for x in range(n)] for k in range(keep)]


_COS = _dct_table(_HASH_SIZE, _HASH_KEEP)


def _dct_hash(tiny: Image.Image) -> str:
    """The 8×8 lowest DCT-II frequencies of a 32×32 image against their median, as 64 bits."""
    pixels = _values(tiny)
    rows = [pixels[y * _HASH_SIZE:(y + 1) * _HASH_SIZE] for y in range(_HASH_SIZE)]
    # Separable DCT, computing only the kept coefficients: rows first, then the 8 kept columns.
    row_coefs = [[sum(c * v for c, v in zip(cos_k, row, strict=True)) for cos_k in _COS] for row in rows]
    coefs = [sum(cos_k[y] * row_coefs[y][u] for y in range(_HASH_SIZE)) for cos_k in _COS for u in range(_HASH_KEEP)]
    ac = sorted(coefs[1:])  # the DC term only says how much ink there is
    median = ac[len(ac) // 2]
    bits = 0
    for value in coefs:
        bits = (bits << 1) | (value > median)
    return f"{bits:016x}"


def _mean_spread(profile: list[float]) -> tuple[float, float]:
    total = sum(profile)
    if total <= 0:
        return len(profile) / 2, 0.0
    mean = sum(i * v for i, v in enumerate(profile)) / total
    spread = math.sqrt(sum((i - mean) ** 2 * v for i, v in enumerate(profile)) / total)
    return mean + 0.5, spread  # + 0.5: the centre of pixel i is at i + 0.5


def _phash_of(small_grey: Image.Image) -> str:
    # Hash the ink, not the paper: a rescan's paper tone, blotches and grain differ, its ink does not.
    dark = _darkness(_inner(small_grey)).point(lambda v: v if v > _HASH_INK else 0).convert("F")
    cx, sx = _mean_spread(_values(dark.resize((dark.width, 1), Image.Resampling.BOX)))
    cy, sy = _mean_spread(_values(dark.resize((1, dark.height), Image.Resampling.BOX)))
    if sx < 1 or sy < 1:  # no ink to speak of (a blank page): hash the whole inner page
        return _dct_hash(dark.resize((_HASH_SIZE, _HASH_SIZE), Image.Resampling.BOX))
    # A window set by the ink's own mean and spread: shifts and margins of another scan cancel out, and
    # the writing fills the 32×32 grid, so pages whose text differs differ in more bits.
    pad = max(dark.size)
    padded = ImageOps.expand(dark, border=pad, fill=0)
    box = (cx - _HASH_SPREAD * sx + pad, cy - _HASH_SPREAD * sy + pad,
           cx + _HASH_SPREAD * sx + pad, cy + _HASH_SPREAD * sy + pad)
    return _dct_hash(padded.resize((_HASH_SIZE, _HASH_SIZE), Image.Resampling.BOX, box=box))


def phash(image: Image.Image) -> str:
    """64-bit DCT perceptual hash of the page's writing, as 16 hex digits; compare with :func:`hamming`.

    The classic hash (low frequencies of a 32×32 grey copy against their median) sees mostly paper on a
    document page: two scans of one page differ by their paper tone, and two pages of one form look
    alike.  Here the paper is taken out first (darkness against the local paper, below 40 levels
    dropped), and the 32×32 grid spans the ink's mean ± 2.2 standard deviations each way, so the hash
    follows the text and ignores where on the glass the page lay.  Re-saved or shifted copies of a page
    differ by a few bits; pages with other text by many more, pages of one printed form by fewer.
    """
    return _phash_of(_small(image))


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
