"""Search benchmark: indexing speed, query latency and index size of the search backends, at corpus sizes.

    .venv/bin/python bench/search.py [--sizes 100000,1000000] [--backends tantivy,whoosh] [--workers 2]
                                     [--queries 200] [--whoosh-max 100000] [--rebuild] [--verbose]

For every size the corpus (:mod:`bench.corpus`: realistic Chinese OCR page texts of synthetic Xicheng
files, cached under ``bench/.cache/``) is generated once.  For every backend and size:

1. Indexing: the pages go through the facade (``search.open_index``, ``SearchIndex.batch()``) in batches of
   ``--batch`` pages; the time inside the batches (adding and committing, not reading the corpus) gives
   pages/s.  The index is kept under ``bench/.cache/index-<backend>-<n>/`` and reused by later runs
   (``--rebuild`` to index again); a reused index shows the indexing figures of the run that built it.
2. Queries: a fixed mix built from the corpus — names of people in it (very common, common, unique),
   common words, rare words, quoted phrases, field filters, combinations, ID numbers and street-scoped
   searches — run once untimed (warm-up), then ``--queries`` timed searches cycling through the mix
   (20 hits and facets, as the search page asks).
3. p50/p95/p99 latency, per query kind too, and the index size on disk.

Whoosh is skipped above ``--whoosh-max`` pages (default 100,000): at the measured ~265 pages/s, 1,000,000
pages would take about an hour to index.  Targets: tantivy p95 ≤ 50 ms at 1,000,000 pages; indexing
≥ 1,000 pages/s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ comes first on sys.path, where bench/search.py would shadow the search package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import CACHE_DIR, CORPUS_VERSION, cache_path, cached_corpus, generate  # noqa: E402
from search import PageDoc, QueryError, SearchIndex, open_index  # noqa: E402

TARGET_P95_MS = 50.0  # tantivy at 1,000,000 pages
TARGET_PAGES_PER_S = 1000.0
MARKER = "bench-index.json"  # written into an index directory once it is complete


@dataclass(frozen=True)
class Query:
    """One query of the mix."""

    kind: str
    text: str
    streets: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        scope = f"  [streets={','.join(self.streets)}]" if self.streets is not None else ""
        return f"{self.text}{scope}"


@dataclass
class CorpusStats:
    """What the query mix is built from: people, streets and rare material titles seen in the corpus."""

    pages: int = 0
    files: int = 0
    chars: int = 0
    name_files: Counter[str] = field(default_factory=Counter)  # name -> files
    name_streets: dict[str, str] = field(default_factory=dict)
    id_numbers: list[str] = field(default_factory=list)
    archive_nos: list[str] = field(default_factory=list)
    titles: Counter[str] = field(default_factory=Counter)  # material title -> pages
    streets: Counter[str] = field(default_factory=Counter)  # street -> pages

    def add(self, doc: PageDoc) -> None:
        self.pages += 1
        self.chars += len(doc.text)
        self.titles[doc.material_title] += 1
        self.streets[doc.street] += 1
        if doc.position == 1:
            self.files += 1
            self.name_files[doc.person_name] += 1
            self.name_streets.setdefault(doc.person_name, doc.street)
            if len(self.id_numbers) < 1000:
                self.id_numbers.append(doc.id_number)
                self.archive_nos.append(doc.archive_no)


def corpus_stats(n: int, seed: int, workers: int) -> CorpusStats:
    """Read (generating and caching if needed) the corpus of ``n`` pages once and gather its statistics."""
    stats = CorpusStats()
    for doc in generate(n, seed, workers=workers):
        stats.add(doc)
    return stats


def query_mix(stats: CorpusStats) -> list[Query]:
    """The fixed query mix for a corpus (deterministic: the same corpus gives the same mix)."""
    by_count = sorted(stats.name_files.items(), key=lambda kv: (-kv[1], kv[0]))
    common = [name for name, _ in by_count[:2]]
    middle = [name for name, count in by_count[2:] if 2 <= count <= 20][:2] or [by_count[len(by_count) // 2][0]]
    unique = [name for name, count in by_count[2:] if count == 1][:3] or [by_count[-1][0]]
    in_desheng = [name for name in unique + middle if stats.name_streets.get(name) == "德胜"][:1]
    q: list[Query] = []
    q += [Query("name: very common", n) for n in common]
    q += [Query("name: some files", n) for n in middle]
    q += [Query("name: one file", n) for n in unique]
    q += [Query("common word", w) for w in ("退休", "工资", "干部履历表", "同意", "工作鉴定表", "北京市")]
    q += [Query("rare word", w) for w in ("劳动模范", "警告处分", "出访国家", "技师聘任", "独生子女", "撤销处分")]
    q += [Query("phrase", f'"{p}"') for p in ("退休审批表", "工资变动审批表", "中国共产党入党志愿书", "同意录用",
                                              "无固定期限劳动合同", "符合国家规定的退休条件")]
    q += [Query("field", f) for f in (f"姓名:{common[0]}", f"姓名:{unique[0]}", "类别:9-2", "类别:4-1",
                                      "形成时间:1980..1990", "形成时间:2005..2010")]
    q += [Query("combined", c) for c in (f"{common[0]} 退休", "退休 类别:9-2", "工资 形成时间:1980..1990",
                                         f'"退休审批表" 姓名:{common[1]}', "劳动合同 形成时间:1995..1996")]
    q += [Query("boolean", b)
          for b in ("劳动模范 OR 先进生产者", "退休 NOT 干部", "工资 -调整", "(入党 OR 入团) 志愿书")]
    q += [Query("id / 档号", i) for i in (stats.id_numbers[0], f"身份证:{stats.id_numbers[1]}",
                                          f"档号:{stats.archive_nos[2]}", stats.archive_nos[3])]
    q += [Query("field", f) for f in ("姓名:张建国", "单位:机床厂", '材料:"工资变动 审批表"', "街道:月坛")]
    q += [Query("street scope", t, ("德胜",)) for t in ("退休", f"姓名:{common[0]}", '"工资变动审批表"',
                                                          *in_desheng)]
    q += [Query("street scope", "退休", ("德胜", "新街口", "月坛"))]
    return q


def run_queries(index: SearchIndex, mix: Sequence[Query], timed: int) -> tuple[list[tuple[Query, float]],
                                                                              dict[Query, int | str]]:
    """Warm up with the whole mix, then time ``timed`` searches cycling through it.

    Returns the (query, milliseconds) samples and, per query, its total hits or the error message.
    """
    totals: dict[Query, int | str] = {}
    for query in mix:  # warm-up, untimed
        try:
            totals[query] = index.search(query.text, streets=query.streets, limit=20).total
        except QueryError as exc:
            totals[query] = f"QueryError: {exc}"
    samples: list[tuple[Query, float]] = []
    runnable = [query for query in mix if not isinstance(totals[query], str)]
    for i in range(timed):
        query = runnable[i % len(runnable)]
        start = time.perf_counter()
        index.search(query.text, streets=query.streets, limit=20)
        samples.append((query, (time.perf_counter() - start) * 1000))
    return samples, totals


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0–100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def dir_size(path: Path) -> int:
    """Bytes of all files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _batches(docs: Iterator[PageDoc], size: int) -> Iterator[list[PageDoc]]:
    while True:
        chunk = [doc for _, doc in zip(range(size), docs, strict=False)]
        if not chunk:
            return
        yield chunk


def index_path(backend: str, n: int, seed: int) -> Path:
    """Where the benchmark keeps the index of ``n`` pages for ``backend``."""
    return CACHE_DIR / (f"index-{backend}-{n}" + ("" if seed == 1 else f"-s{seed}"))


def index_url(backend: str, path: Path, workers: int) -> str:
    """The facade URL of a benchmark index (the facade takes no writer options: ``workers`` is only recorded)."""
    return f"{backend}://{path.resolve()}"


def build_index(backend: str, n: int, seed: int, *, batch: int, workers: int, rebuild: bool,
                tty: bool) -> tuple[SearchIndex, dict[str, float | int | bool]]:
    """Open the cached index of ``n`` pages for ``backend``, building it first when needed."""
    path = index_path(backend, n, seed)
    marker = path / MARKER
    if marker.exists() and not rebuild:
        info = json.loads(marker.read_text())
        if info.get("corpus_version") == CORPUS_VERSION and info.get("pages") == n:
            index = open_index(index_url(backend, path, workers))
            if index.count() == n:
                info["reused"] = True
                return index, info
            index.close()
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    index = open_index(index_url(backend, path, workers))
    load_before = os.getloadavg()[0]
    inside = 0.0
    done = 0
    wall = time.perf_counter()
    for chunk in _batches(generate(n, seed), batch):
        start = time.perf_counter()
        with index.batch() as writer:
            for doc in chunk:
                writer.add(doc)
        inside += time.perf_counter() - start
        done += len(chunk)
        line = f"  {backend} {n:,}: indexed {done:,} pages, {done / inside:,.0f} pages/s"
        if tty:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        elif done % (batch * 10) == 0 or done == n:  # a log file: a line every ten batches
            print(f"{line} ({time.perf_counter() - wall:,.0f} s)", file=sys.stderr, flush=True)
    if tty:
        print(file=sys.stderr)
    merge = time.perf_counter()
    index.optimize()  # as `dangan index rebuild` does after its batches
    merge = time.perf_counter() - merge
    inside += merge
    wall = time.perf_counter() - wall
    count = index.count()
    if count != n:
        raise SystemExit(f"{backend}: index holds {count:,} pages, expected {n:,}")
    info: dict[str, float | int | bool] = {
        "corpus_version": CORPUS_VERSION, "pages": n, "index_seconds": inside, "wall_seconds": wall,
        "pages_per_s": n / inside, "merge_seconds": merge, "batch": batch, "workers": workers,
        "load_before": load_before, "load_after": os.getloadavg()[0], "cpus": os.cpu_count() or 0,
    }
    marker.write_text(json.dumps(info))
    info["reused"] = False
    return index, info


def _ljust(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (Chinese characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


def _fmt_ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


@dataclass
class Outcome:
    """The figures of one backend at one size."""

    backend: str
    size: int
    info: dict[str, float | int | bool]
    disk: int
    samples: list[tuple[Query, float]]
    totals: dict[Query, int | str]

    def p(self, pct: float, kind: str | None = None) -> float:
        return percentile([ms for q, ms in self.samples if kind is None or q.kind == kind], pct)


def print_summary(outcomes: Sequence[Outcome], skipped: Sequence[tuple[str, int, str]]) -> None:
    """The overall table, the targets, skipped runs and the tantivy/whoosh ratios."""
    print()
    print("== Summary " + "=" * 100)
    header = (f"{'backend':<8} {'pages':>10} {'index pages/s':>14} {'index time':>11} {'on disk':>10} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  targets")
    print(header)
    print("-" * len(header))
    for o in outcomes:
        rate = float(o.info["pages_per_s"])
        ms = [x for _, x in o.samples]
        targets = [f"index ≥ {TARGET_PAGES_PER_S:,.0f}/s {_mark(rate >= TARGET_PAGES_PER_S)}"]
        if o.backend == "tantivy" and o.size >= 1_000_000:
            targets.append(f"p95 ≤ {TARGET_P95_MS:.0f} ms {_mark(o.p(95) <= TARGET_P95_MS)}")
        reused = " (cached)" if o.info.get("reused") else ""
        print(f"{o.backend:<8} {o.size:>10,} {rate:>14,.0f} {float(o.info['index_seconds']):>10,.0f}s "
              f"{o.disk / 2**20:>8,.0f}MB {_fmt_ms(o.p(50)):>8} {_fmt_ms(o.p(95)):>8} {_fmt_ms(o.p(99)):>8} "
              f"{_fmt_ms(max(ms)):>8}  {'; '.join(targets)}{reused}")
    for backend, size, why in skipped:
        print(f"{backend:<8} {size:>10,}  skipped: {why}")
    print(f"Targets: tantivy p95 ≤ {TARGET_P95_MS:.0f} ms at 1,000,000 pages; indexing ≥ {TARGET_PAGES_PER_S:,.0f} "
          "pages/s.  Indexing time is the time inside SearchIndex.batch() blocks (adding + committing).")
    by_key = {(o.backend, o.size): o for o in outcomes}
    for size in sorted({o.size for o in outcomes}):
        tv, wh = by_key.get(("tantivy", size)), by_key.get(("whoosh", size))
        if tv and wh:
            print(f"At {size:,} pages: p95 whoosh / tantivy = {wh.p(95):,.1f} / {tv.p(95):,.2f} ms = "
                  f"{wh.p(95) / tv.p(95):,.0f}×; p50 {wh.p(50) / tv.p(50):,.0f}×; indexing tantivy / whoosh = "
                  f"{float(tv.info['pages_per_s']) / float(wh.info['pages_per_s']):,.1f}×")


def print_outcome(o: Outcome, verbose: bool) -> None:
    """Per-kind latencies of one backend and size, and with ``verbose`` every query's hits and time."""
    load = (f"load average {float(o.info['load_before']):.1f} → {float(o.info['load_after']):.1f} while indexing, "
            if "load_before" in o.info else "")
    print(f"\n-- {o.backend}, {o.size:,} pages: {len(o.samples)} timed queries "
          f"({load}{float(o.info['query_load']):.1f} after the queries; {os.cpu_count()} CPUs) --")
    kinds = list(dict.fromkeys(q.kind for q, _ in o.samples))
    print(f"   {'query kind':<18} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind in kinds:
        ms = [x for q, x in o.samples if q.kind == kind]
        print(f"   {kind:<18} {len(ms):>4} {_fmt_ms(o.p(50, kind)):>8} {_fmt_ms(o.p(95, kind)):>8} "
              f"{_fmt_ms(max(ms)):>8}")
    errors = {q: t for q, t in o.totals.items() if isinstance(t, str)}
    for query, message in errors.items():
        print(f"   not run: {query.label}: {message}")
    if verbose:
        print(f"   {'query':<48} {'hits':>9} {'median ms':>10}")
        for query, total in o.totals.items():
            ms = [x for q, x in o.samples if q == query]
            med = _fmt_ms(statistics.median(ms)) if ms else "-"
            shown = total if isinstance(total, str) else f"{total:,}"
            print(f"   {_ljust(query.kind + ': ' + query.label, 48)} {shown:>9} {med:>10}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="corpus sizes in pages, comma-separated")
    parser.add_argument("--backends", default="tantivy,whoosh")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes generating a corpus that is not cached yet (the backends choose their own "
                             "writer threads: tantivy uses min(4, CPUs))")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per backend and size")
    parser.add_argument("--whoosh-max", type=int, default=100_000, help="skip whoosh above this many pages")
    parser.add_argument("--batch", type=int, default=10_000, help="pages per SearchIndex.batch()")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="index again even when a cached index exists")
    parser.add_argument("--verbose", "-v", action="store_true", help="hits and time of every query")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    tty = sys.stderr.isatty()

    outcomes: list[Outcome] = []
    skipped: list[tuple[str, int, str]] = []
    for size in sizes:
        start = time.perf_counter()
        source = cached_corpus(size, args.seed)
        stats = corpus_stats(size, args.seed, args.workers)
        took = time.perf_counter() - start
        print(f"Corpus {size:,} pages: {stats.files:,} files, {stats.chars / stats.pages:.0f} chars/page, "
              f"{len(stats.name_files):,} distinct names; "
              + (f"read from {source.name}" if source else f"generated into {cache_path(size, args.seed).name}")
              + f" in {took:.1f} s")
        mix = query_mix(stats)
        for backend in backends:
            if backend == "whoosh" and size > args.whoosh_max:
                why = (f"above --whoosh-max {args.whoosh_max:,} (at ~265 pages/s it would take "
                       f"~{size / 265 / 60:,.0f} min to index)")
                print(f"whoosh {size:,}: skipped, {why}")
                skipped.append((backend, size, why))
                continue
            index, info = build_index(backend, size, args.seed, batch=args.batch, workers=args.workers,
                                      rebuild=args.rebuild, tty=tty)
            try:
                state = "reused" if info.get("reused") else "built"
                print(f"{backend} {size:,}: index {state}: {float(info['pages_per_s']):,.0f} pages/s "
                      f"({float(info['index_seconds']):,.1f} s)")
                samples, totals = run_queries(index, mix, args.queries)
                info["query_load"] = os.getloadavg()[0]
            finally:
                index.close()
            outcome = Outcome(backend, size, info, dir_size(index_path(backend, size, args.seed)), samples, totals)
            outcomes.append(outcome)
            print_outcome(outcome, args.verbose)
    print_summary(outcomes, skipped)
    if args.json:
        args.json.write_text(json.dumps([
            {"backend": o.backend, "pages": o.size, "index": o.info, "disk_bytes": o.disk,
             "p50_ms": o.p(50), "p95_ms": o.p(95), "p99_ms": o.p(99),
             "queries": [{"kind": q.kind, "query": q.text, "streets": q.streets, "total": o.totals[q]}
                         for q in o.totals]}
            for o in outcomes
        ], ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
