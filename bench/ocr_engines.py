"""OCR benchmark: speed and accuracy of each engine on demo pages whose text is known.

    .venv/bin/python bench/ocr_engines.py [--pages 10] [--seed 2020] [--engine tesseract --engine rapidocr]
                                          [--engine "tesseract:lang=chi_sim+HanS"] [-v]

Renders ``--pages`` A4 pages at 300 dpi with the demo generator (first and continuation pages of
several people's materials; every third page in colour with a red heading rule and a seal over the
text, as a scan of a sealed page would be), then runs each engine on every page in this one process,
single-threaded, as one ingest worker would.  Per engine it prints seconds per page, pages per second,
mean confidence and the character error rate against the page's known lines (both sides through
``normalise_text``, whitespace ignored; mean, median and worst page).  The first page of each engine
is run once untimed, so model loading does not count as page time: "load s" is the engine's
construction plus that first run.

An engine spec is a name for ``ingest.ocr.get_engine`` with optional ``key=value`` options after a
colon, separated by commas: ``tesseract:psm=6,binarise=false``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from archive.demo import generate_people, page_lines, render_page  # noqa: E402
from archive.demo.pages import seal_text_for  # noqa: E402
from ingest.ocr import OcrError, character_error_rate, get_engine, normalise_text  # noqa: E402


def demo_pages(count: int, seed: int) -> list[tuple[str, list[str], Image.Image]]:
    """``count`` pages: (label, known lines, image); first pages and continuation pages, mixed."""
    people = generate_people(max(4, count // 2), seed=seed)
    wanted: list[tuple[object, object, int]] = []
    for person in people:
        multi = [m for m in person.materials if m.pages > 1]
        single = [m for m in person.materials if m.pages == 1]
        if multi:
            wanted += [(person, multi[0], 1), (person, multi[0], 2)]
        if single:
            wanted.append((person, single[0], 1))
    pages = []
    for i, (person, material, page_no) in enumerate(wanted[:count]):
        lines = page_lines(person, material, page_no)
        image = render_page(
            lines,
            seed=f"{seed}|bench|{i}",
            red_header=i % 3 == 0,
            seal_text=seal_text_for(person, material),
        )
        pages.append((f"{person.archive_no} {material.title} p{page_no}", lines, image))
    return pages


def parse_spec(spec: str) -> tuple[str, dict[str, object]]:
    name, _, rest = spec.partition(":")
    options: dict[str, object] = {}
    for item in filter(None, rest.split(",")):
        key, _, raw = item.partition("=")
        value: object = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif raw.replace(".", "", 1).isdigit():
            value = float(raw) if "." in raw else int(raw)
        options[key.strip()] = value
    return name, options


def run_engine(spec: str, pages: list[tuple[str, list[str], Image.Image]], verbose: bool) -> dict[str, object]:
    name, options = parse_spec(spec)
    row: dict[str, object] = {"engine": spec}
    started = time.perf_counter()
    try:
        engine = get_engine(name, **options)
        engine.recognise(pages[0][2])  # warm-up: loads models, fills caches
    except OcrError as exc:
        row["error"] = str(exc)
        return row
    row["load"] = time.perf_counter() - started
    seconds, confs, cers = [], [], []
    for label, lines, image in pages:
        t0 = time.perf_counter()
        result = engine.recognise(image)
        seconds.append(time.perf_counter() - t0)
        confs.append(result.mean_conf)
        cers.append(character_error_rate(normalise_text("\n".join(lines)), result.text))
        if verbose:
            print(f"  {spec:<24} {label:<32} {seconds[-1]:5.2f} s  conf {confs[-1]:5.1f}  CER {cers[-1]:.3f}")
    total = sum(seconds)
    row.update(
        pages=len(pages),
        s_per_page=total / len(pages),
        pages_per_s=len(pages) / total,
        conf=statistics.fmean(confs),
        cer=statistics.fmean(cers),
        cer_median=statistics.median(cers),
        cer_max=max(cers),
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--engine", action="append", help="engine spec; default: tesseract and rapidocr")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every page")
    args = parser.parse_args()

    t0 = time.perf_counter()
    pages = demo_pages(args.pages, args.seed)
    print(f"{len(pages)} pages rendered (A4, 300 dpi) in {time.perf_counter() - t0:.1f} s")
    rows = [run_engine(spec, pages, args.verbose) for spec in args.engine or ["tesseract", "rapidocr"]]

    header = f"{'engine':<40} {'pages':>5} {'s/page':>7} {'pages/s':>8} {'conf':>6} {'CER':>6} {'median':>7} {'max':>6}"
    print()
    print(header + f" {'load s':>7}")
    print("-" * (len(header) + 8))
    for row in rows:
        if "error" in row:
            print(f"{row['engine']:<40} unavailable: {row['error']}")
            continue
        print(
            f"{row['engine']:<40} {row['pages']:>5} {row['s_per_page']:>7.2f} {row['pages_per_s']:>8.2f} "
            f"{row['conf']:>6.1f} {row['cer']:>6.3f} {row['cer_median']:>7.3f} {row['cer_max']:>6.3f} "
            f"{row['load']:>7.2f}"
        )


if __name__ == "__main__":
    main()
