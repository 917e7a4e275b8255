"""OCR accuracy benchmark: character error rate per page condition, per engine and configuration, in one run.

    nice -n 10 .venv/bin/python bench/ocr_accuracy.py [--per-condition 2] [--seed 12]
        [--config NAME ...] [--condition NAME ...] [--workers 1] [-v]

The pages come from ``bench/labelled_pages.py`` (its own fonts, texts, layouts and damage — not the demo's
look): clean prose in 楷体, 明体, 黑体, 仿宋 and a handwriting-like 楷, ruled 登记表 tables, red seals over
text, skew of ±2.5–5°, 150 and 200 dpi scans, heavy JPEG noise, faded yellowed paper, photocopies of
photocopies and whole pages turned by 90°/180°/270°.  Each configuration reads every page; the table
shows the CER (%) per condition (both sides through ``normalise_text``, whitespace ignored, pooled over
the condition's characters), the mean over all pages, seconds of OCR per page, and the correlation of the
page's confidence with its CER (Pearson r; a useful confidence is strongly negative).

The skew is measured outside the timed OCR (ingest measures every page anyway, ``PageMetrics.skew_deg``);
configurations that straighten use that measure.  Tesseract runs with ``OMP_THREAD_LIMIT=1``, RapidOCR with
one ONNX Runtime thread; ``--workers N`` spreads the pages over N processes (one per core) as ingest does.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parent))  # after the project: bench/ingest.py is not ingest/

from labelled_pages import CONDITIONS, LabelledPage, labelled_set  # noqa: E402

from ingest.imaging import estimate_skew  # noqa: E402
from ingest.model import OcrResult  # noqa: E402
from ingest.ocr import OcrError, character_error_rate, get_engine, normalise_text  # noqa: E402
from ingest.ocr.page import PageOptions, recognise_page  # noqa: E402


@dataclass(frozen=True)
class Config:
    name: str
    engine: str
    engine_options: tuple[tuple[str, object], ...] = ()
    page: PageOptions | None = None  # None: the engine reads the page as it lies (the pipeline before issue 12)


_NEVER = 2.0  # despeckle_above: never
CONFIGS = {
    c.name: c
    for c in (
        Config("tess-today", "tesseract"),
        Config("tess-straight", "tesseract", page=PageOptions(threshold="otsu", despeckle_above=_NEVER)),
        Config("tess-local", "tesseract", page=PageOptions(despeckle_above=_NEVER)),
        Config("tess-local-desp", "tesseract", page=PageOptions(despeckle_above=0.0)),
        Config("tess-local-rules", "tesseract", page=PageOptions(remove_rules=True)),
        Config("tess-default", "tesseract", page=PageOptions()),
        Config("hans-default", "tesseract", (("lang", "HanS"),), page=PageOptions()),
        Config("rapid-today", "rapidocr", (("max_side", 2000), ("use_cls", True))),
        Config("rapid-1280-grey", "rapidocr", page=PageOptions(threshold="none", despeckle_above=_NEVER)),
        Config("rapid-1280-cls", "rapidocr", (("use_cls", True),), page=PageOptions(threshold="none")),
        Config("rapid-2000", "rapidocr", (("max_side", 2000),), page=PageOptions(threshold="none")),
        Config("rapid-default", "rapidocr", page=PageOptions.for_engine("rapidocr")),
    )
}
DEFAULT_CONFIGS = ["tess-today", "tess-straight", "tess-local", "tess-local-desp", "tess-local-rules", "tess-default",
                   "hans-default", "rapid-today", "rapid-default"]

_engines: dict[str, object] = {}


def _engine(config: Config):  # type: ignore[no-untyped-def]
    key = f"{config.engine}{config.engine_options}"
    if key not in _engines:
        _engines[key] = get_engine(config.engine, **dict(config.engine_options))
    return _engines[key]


def read(config: Config, page: LabelledPage, skew: float | None) -> tuple[OcrResult, float, float]:
    engine = _engine(config)
    started = time.perf_counter()
    cpu0 = _cpu()
    if config.page is None:
        result = engine.recognise(page.image, dpi=page.dpi)  # type: ignore[attr-defined]
    else:
        result = recognise_page(engine, page.image, dpi=page.dpi, skew_deg=skew, options=config.page)  # type: ignore[arg-type]
    return result, time.perf_counter() - started, _cpu() - cpu0


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as a child)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _job(args: tuple[str, str, int, int, float | None]) -> tuple[str, str, int, float, float, float, int, int, str]:
    config_name, condition, index, seed, skew = args
    page = _page(condition, index, seed)
    config = CONFIGS[config_name]
    try:
        result, seconds, cpu = read(config, page, skew)
    except OcrError as exc:
        return config_name, condition, index, math.nan, 0.0, 0.0, 0, 0, str(exc)
    ref = "".join(normalise_text(page.text).split())
    errors = round(character_error_rate(ref, result.text) * len(ref))
    return config_name, condition, index, result.mean_conf, seconds, cpu, errors, len(ref), ""


_last: dict[tuple[str, int, int], LabelledPage] = {}


def _page(condition: str, index: int, seed: int) -> LabelledPage:
    """The page, made once for all configurations (jobs come grouped by page; only the last is kept)."""
    from labelled_pages import make_page

    key = (condition, index, seed)
    if key not in _last:
        _last.clear()
        _last[key] = make_page(condition, index, seed)
    return _last[key]


def _init() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


def pearson(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 3 or statistics.pstdev(xs) == 0 or statistics.pstdev(ys) == 0:
        return math.nan
    return statistics.correlation(xs, ys)


def pages_with_seals(per_condition: int, seed: int, conditions: list[str]) -> list[LabelledPage]:
    from labelled_pages import make_page

    return [p for c in conditions for i in range(per_condition) if (p := make_page(c, i, seed)).seals]


def seal_rows(pages: list[LabelledPage]) -> None:
    """Seal text read apart from the body: CER against the seals' known text, seconds per page."""
    from ingest.ocr.seals import read_seals

    errors = length = 0
    seconds = []
    for page in pages:
        started = time.perf_counter()
        found = read_seals(page.image, dpi=page.dpi)
        seconds.append(time.perf_counter() - started)
        ref = "".join(page.seals)
        errors += round(character_error_rate(ref, "".join(found)) * len(ref))
        length += len(ref)
    if pages:
        print(f"{'seal text':<11} CER {100 * errors / length:.2f} % over {len(pages)} sealed pages "
              f"({length} characters), {statistics.fmean(seconds):.2f} s/page (read apart from the body text)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-condition", type=int, default=2)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--config", action="append", choices=sorted(CONFIGS))
    parser.add_argument("--condition", action="append", choices=CONDITIONS)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--conf-threshold", type=float, action="append",
                        help="also print the mean CER of the pages below/above this confidence (default 60 and 80)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    configs = args.config or DEFAULT_CONFIGS
    conditions = args.condition or list(CONDITIONS)
    _init()

    t0 = time.perf_counter()
    pages = labelled_set(args.per_condition, args.seed, conditions)
    skews = {(p.condition, i % args.per_condition): estimate_skew(p.image) for i, p in enumerate(pages)}
    print(f"{len(pages)} labelled pages ({args.per_condition} per condition, seed {args.seed}) made and measured "
          f"in {time.perf_counter() - t0:.1f} s")
    usable = []
    for name in configs:
        try:
            _engine(CONFIGS[name])
            usable.append(name)
        except OcrError as exc:
            print(f"{name}: unavailable ({exc})")
    jobs = [(name, p.condition, i % args.per_condition, args.seed, skews[(p.condition, i % args.per_condition)])
            for i, p in enumerate(pages) for name in usable]
    del pages
    mapper: Callable = map  # type: ignore[type-arg]
    pool = None
    if args.workers > 1:
        pool = ProcessPoolExecutor(args.workers, initializer=_init)
        mapper = lambda f, it: pool.map(f, it, chunksize=len(usable))  # noqa: E731
    rows = list(mapper(_job, jobs))
    if pool is not None:
        pool.shutdown()

    errors: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    per_page: dict[str, list[tuple[float, float, float]]] = defaultdict(list)  # (conf, cer, seconds)
    cpu_s: dict[str, list[float]] = defaultdict(list)
    for name, condition, index, conf, seconds, cpu, errs, length, problem in rows:
        if problem:
            print(f"  {name} {condition}#{index}: {problem}")
            continue
        errors[(name, condition)][0] += errs
        errors[(name, condition)][1] += length
        per_page[name].append((conf, errs / max(1, length), seconds))
        cpu_s[name].append(cpu)
        if args.verbose:
            cer = errs / max(1, length)
            print(f"  {name:<26} {condition}#{index:<3} {seconds:5.2f} s  conf {conf:5.1f}  CER {cer:.3f}")

    width = max(12, *(len(n) for n in usable))
    print()
    print("CER % per condition (pooled over the condition's characters)")
    print(f"{'condition':<11}" + "".join(f"{n:>{width + 1}}" for n in usable))
    for condition in conditions:
        cells = []
        for name in usable:
            errs, length = errors[(name, condition)]
            cells.append(f"{100 * errs / length:>{width + 1}.2f}" if length else f"{'-':>{width + 1}}")
        print(f"{condition:<11}" + "".join(cells))
    print(f"{'all (mean)':<11}" + "".join(
        f"{100 * statistics.fmean(c for _f, c, _s in per_page[n]):>{width + 1}.2f}" if per_page[n] else "-"
        for n in usable))
    print(f"{'s/page':<11}" + "".join(f"{statistics.fmean(s for _f, _c, s in per_page[n]):>{width + 1}.2f}"
                                      for n in usable))
    print(f"{'CPU s/page':<11}" + "".join(f"{statistics.fmean(cpu_s[n]):>{width + 1}.2f}" for n in usable))
    base = statistics.fmean(cpu_s[usable[0]])
    print(f"{'CPU ×' + usable[0][:5]:<11}" + "".join(f"{statistics.fmean(cpu_s[n]) / base:>{width + 1}.2f}"
                                                    for n in usable))
    print(f"{'r(conf,CER)':<11}" + "".join(
        f"{pearson([f for f, _c, _s in per_page[n]], [c for _f, c, _s in per_page[n]]):>{width + 1}.2f}"
        for n in usable))
    for threshold in args.conf_threshold or [60.0, 80.0]:
        for below in (True, False):
            label = f"conf{'<' if below else '≥'}{threshold:g}"
            cells = []
            for n in usable:
                cers = [c for f, c, _s in per_page[n] if (f < threshold) == below]
                cells.append(f"{100 * statistics.fmean(cers):>{width - 4}.2f} ({len(cers):>2})" if cers
                             else f"{'-':>{width + 1}}")
            print(f"{label:<11}" + "".join(cells))
    seal_rows(pages_with_seals(args.per_condition, args.seed, conditions))


if __name__ == "__main__":
    main()
