"""Search benchmark: indexing speed, query latency and index size of the search backends, at corpus sizes.

    DANGAN_BENCH_CACHE=/tmp/dangan-search-bench nice -n 10 .venv/bin/python bench/search.py \
        [--sizes 100000,1000000] [--backends tantivy,whoosh] [--per-kind 1000] [--rounds 3] \
        [--baseline-share 0.2] [--page-queries 1000] [--db-url postgresql://…] [--whoosh-max 100000] [--verbose]

For every size the corpus (:mod:`bench.corpus`: synthetic Xicheng files, tens of thousands of distinct names,
generated sentences mixed with the forms' printed labels, OCR noise; cached) is generated once, and every
backend's index is built once through the facade (``SearchIndex.batch()`` in batches, then ``optimize()``)
and kept under the cache directory for later runs.

Queries (:mod:`bench.search_mix`): ``--per-kind`` distinct queries of each kind drawn from the corpus's
first ``--mix-pages`` pages (names, common and rare words, phrases, phrases of the forms' printed lines,
field filters, combinations, boolean queries, ID numbers and 档号), each in one of four modes — all
streets or one, with or without facets.  Every query that raises is counted as an error (and timed).

Rounds: the mix is split into ``--rounds`` slices; in each round the backend answers its slice as
configured ("new") and, on ``--baseline-share`` of it, with sampling off and (whoosh) a searcher opened
per query, as before issue 14 ("baseline": the rest of this code, e.g. exact whoosh counts, stays); the
two alternate which goes first.  Printed: per kind, per mode and overall p50/p95/p99 of wall time and of
the searching thread's CPU time (median of the rounds, and their spread), the new/baseline
ratio on the same queries, how many answers were estimated from a sample, and whether both backends gave
the same totals.  Then the page's work as a second figure: ``--page-queries`` searches the way the search
page runs them (one street or all, facets, 20 hits with snippets) plus, with ``--db-url``, the query that
groups the hits by file (files ⋈ persons by primary key, in bench tables of that database).

Targets: tantivy p95 ≤ 20 ms at 1,000,000 pages for every kind; whoosh p95 ≤ 100 ms at 100,000 pages.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ comes first on sys.path, where bench/search.py would shadow the search package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import CACHE_DIR, CORPUS_VERSION, cache_path, cached_corpus, generate  # noqa: E402
from bench.search_mix import KINDS, MODES, CorpusStats, Query, corpus_stats, query_mix  # noqa: E402
from search import PageDoc, QueryError, SearchIndex, open_index  # noqa: E402

TARGET_P95_MS = {"tantivy": (1_000_000, 20.0), "whoosh": (100_000, 100.0)}  # backend → (at pages, p95 ms)
TARGET_PAGES_PER_S = 1000.0
MARKER = "bench-index.json"  # written into an index directory once it is complete


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


@dataclass(frozen=True)
class Sample:
    """One timed search."""

    query: Query
    ms: float  # wall time
    cpu: float  # CPU time of the searching thread (both engines search on it): no waiting for a CPU
    total: int | None  # None: the query raised
    exact: bool = True
    error: str = ""


def run_one(index: SearchIndex, query: Query) -> Sample:
    start, cpu = time.perf_counter(), time.thread_time()
    error, total, exact = "", None, True
    try:
        res = index.search(query.text, streets=query.streets, limit=20, facets=query.facets)
        total, exact = res.total, res.total_exact
    except QueryError as exc:
        error = f"QueryError: {exc}"
    except Exception as exc:  # noqa: BLE001 - counted and shown, never dropped
        error = f"{type(exc).__name__}: {exc}"
    return Sample(query, (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000, total, exact,
                  error)


class Variant:
    """Switch an index between its configuration ("new") and the pre-issue-14 behaviour ("baseline")."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.saved = {k: getattr(index, k) for k in ("work_bound", "facet_bound", "reuse_searchers")
                      if hasattr(index, k)}

    def set(self, name: str) -> None:
        for key, value in self.saved.items():
            setattr(self.index, key, value if name == "new" else (False if key == "reuse_searchers" else None))


@dataclass
class Outcome:
    """The figures of one backend at one size."""

    backend: str
    size: int
    info: dict[str, float | int | bool]
    disk: int
    rounds: list[dict[str, list[Sample]]] = field(default_factory=list)  # per round: variant → samples
    page: list[tuple[float, float, float]] = field(default_factory=list)  # (engine, database, engine CPU) ms

    def samples(self, variant: str = "new") -> list[Sample]:
        return [s for r in self.rounds for s in r.get(variant, [])]

    def per_round(self, pct: float, variant: str = "new", pick: object = None, cpu: bool = False) -> list[float]:
        """The ``pct`` percentile of each round (optionally only samples ``pick`` accepts; CPU time)."""
        out = []
        for r in self.rounds:
            ms = [s.cpu if cpu else s.ms for s in r.get(variant, []) if pick is None or pick(s)]  # type: ignore[operator]
            if ms:
                out.append(percentile(ms, pct))
        return out


def run_rounds(index: SearchIndex, mix: Sequence[Query], rounds: int, baseline_share: float,
               seed: int) -> list[dict[str, list[Sample]]]:
    """Each round answers its slice of the mix as configured and (a share of it) as the baseline."""
    variant = Variant(index)
    order = list(mix)
    random.Random(seed).shuffle(order)
    every = max(1, round(1 / baseline_share)) if baseline_share > 0 else 0
    out = []
    for r in range(rounds):
        part = order[r::rounds]
        runs: dict[str, list[Sample]] = {}
        names = ("new", "baseline") if r % 2 == 0 else ("baseline", "new")
        for name in names:
            todo = part if name == "new" else ([q for i, q in enumerate(part) if i % every == 0] if every else [])
            variant.set(name)
            runs[name] = [run_one(index, q) for q in todo]
        variant.set("new")
        out.append(runs)
    return out


def _median_spread(values: Sequence[float]) -> str:
    if not values:
        return "-"
    med = statistics.median(values)
    return f"{_fmt_ms(med)} ±{_fmt_ms((max(values) - min(values)) / 2)}" if len(values) > 1 else _fmt_ms(med)


def print_outcome(o: Outcome, verbose: bool) -> None:
    """Per-kind and per-mode latencies, baseline ratios, estimates and errors of one backend and size."""
    new = o.samples()
    load = (f"load average {float(o.info['load_before']):.1f} → {float(o.info['load_after']):.1f} while indexing, "
            if "load_before" in o.info else "")
    print(f"\n-- {o.backend}, {o.size:,} pages: {len(new):,} timed queries in {len(o.rounds)} rounds, "
          f"{len(o.samples('baseline')):,} baseline ({load}{float(o.info['query_load']):.1f} after the queries; "
          f"{os.cpu_count()} CPUs) --")
    print("   figures: median of the rounds ± half their spread, in ms; wall time, then the CPU time of the searching "
          "thread (what a query costs when it need not wait for a CPU)")
    print(f"   {'query kind / mode':<20} {'n':>5} {'wall p50':>12} {'p95':>12} {'p99':>12} {'max':>6} {'CPU p50':>11} "
          f"{'p95':>11} {'p99':>11} {'estimated':>9} {'errors':>6}")
    groups: list[tuple[str, object]] = [(k, (lambda s, k=k: s.query.kind == k)) for k in KINDS]
    groups += [(f"mode {m}", (lambda s, m=m: s.query.mode == m)) for m in MODES]
    groups.append(("overall", None))
    for label, pick in groups:
        ms = [s for s in new if pick is None or pick(s)]  # type: ignore[operator]
        if not ms:
            continue
        est = sum(1 for s in ms if s.total is not None and not s.exact)
        err = sum(1 for s in ms if s.total is None)
        cols = [_median_spread(o.per_round(p, pick=pick)) for p in (50, 95, 99)]
        cpu = [_median_spread(o.per_round(p, pick=pick, cpu=True)) for p in (50, 95, 99)]
        print(f"   {_ljust(label, 20)} {len(ms):>5} {cols[0]:>12} {cols[1]:>12} {cols[2]:>12} "
              f"{_fmt_ms(max(s.ms for s in ms)):>6} {cpu[0]:>11} {cpu[1]:>11} {cpu[2]:>11} {est:>9} {err:>6}")
    base = o.samples("baseline")
    if base:
        paired = {s.query for s in base}
        for cpu in (False, True):
            ratios: dict[int, list[float]] = {50: [], 95: []}
            for r in o.rounds:
                b = [s.cpu if cpu else s.ms for s in r.get("baseline", [])]
                n = [s.cpu if cpu else s.ms for s in r.get("new", []) if s.query in paired]
                if b and n:
                    for pct in ratios:
                        ratios[pct].append(percentile(b, pct) / max(percentile(n, pct), 1e-6))
            bp = {pct: o.per_round(pct, "baseline", cpu=cpu) for pct in (50, 95, 99)}
            what = "CPU" if cpu else "wall"
            print(f"   baseline (no sampling{', a searcher per query' if o.backend == 'whoosh' else ''}), {what}: "
                  f"{len(base):,} queries, p50 {_median_spread(bp[50])}, p95 {_median_spread(bp[95])}, "
                  f"p99 {_median_spread(bp[99])} ms; baseline/new on the same queries: "
                  f"p50 {statistics.median(ratios[50]):.1f}× (rounds {min(ratios[50]):.1f}–{max(ratios[50]):.1f}), "
                  f"p95 {statistics.median(ratios[95]):.1f}× (rounds {min(ratios[95]):.1f}–{max(ratios[95]):.1f})")
        exact_new = {s.query: s.total for s in new if s.total is not None and s.exact}
        agree = [exact_new[s.query] == s.total for s in base if s.query in exact_new and s.total is not None]
        print(f"   exact totals equal to the baseline's on {sum(agree):,} of {len(agree):,} queries")
    errors = [s for s in new if s.total is None]
    for s in errors[:10]:
        print(f"   error: {s.query.kind}: {s.query.label}: {s.error}")
    if o.page:
        engine = [e for e, _, _ in o.page]
        whole = [e + d for e, d, _ in o.page]
        db = [d for _, d, _ in o.page]
        cpu = [c for _, _, c in o.page]
        print(f"   search page ({len(o.page):,} views: scope, facets, 20 hits with snippets"
              f"{', grouping query' if any(db) else ''}): "
              f"engine p50/p95/p99 {_fmt_ms(percentile(engine, 50))}/{_fmt_ms(percentile(engine, 95))}/"
              f"{_fmt_ms(percentile(engine, 99))} ms (CPU {_fmt_ms(percentile(cpu, 50))}/"
              f"{_fmt_ms(percentile(cpu, 95))}/{_fmt_ms(percentile(cpu, 99))})"
              + (f", database {_fmt_ms(percentile(db, 50))}/{_fmt_ms(percentile(db, 95))}/"
                 f"{_fmt_ms(percentile(db, 99))} ms, whole {_fmt_ms(percentile(whole, 50))}/"
                 f"{_fmt_ms(percentile(whole, 95))}/{_fmt_ms(percentile(whole, 99))} ms" if any(db) else ""))
    if verbose:
        for s in sorted(new, key=lambda s: -s.ms)[:30]:
            shown = "error" if s.total is None else f"{'' if s.exact else '~'}{s.total:,}"
            print(f"   slowest: {_ljust(s.query.kind + ': ' + s.query.label, 60)} {shown:>10} {_fmt_ms(s.ms):>8} ms")


def print_summary(outcomes: Sequence[Outcome], skipped: Sequence[tuple[str, int, str]]) -> None:
    """The overall table, the targets, skipped runs and the totals check across backends."""
    print()
    print("== Summary " + "=" * 100)
    header = (f"{'backend':<8} {'pages':>10} {'index pages/s':>14} {'index time':>11} {'on disk':>10} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'worst kind p95':>15} {'CPU p95':>8} {'worst CPU':>15}  "
              f"targets (wall; CPU)")
    print(header)
    print("-" * len(header))
    for o in outcomes:
        rate = float(o.info["pages_per_s"])
        kinds = {k: statistics.median(o.per_round(95, pick=lambda s, k=k: s.query.kind == k) or [0.0]) for k in KINDS}
        ckinds = {k: statistics.median(o.per_round(95, pick=lambda s, k=k: s.query.kind == k, cpu=True) or [0.0])
                  for k in KINDS}
        worst = max(kinds, key=lambda k: kinds[k])
        cworst = max(ckinds, key=lambda k: ckinds[k])
        targets = [f"index ≥ {TARGET_PAGES_PER_S:,.0f}/s {_mark(rate >= TARGET_PAGES_PER_S)}"]
        at, p95 = TARGET_P95_MS[o.backend]
        if o.size >= at:
            targets.append(f"every kind p95 ≤ {p95:.0f} ms {_mark(kinds[worst] <= p95)}; "
                           f"{_mark(ckinds[cworst] <= p95)}")
        reused = " (index cached)" if o.info.get("reused") else ""
        print(f"{o.backend:<8} {o.size:>10,} {rate:>14,.0f} {float(o.info['index_seconds']):>10,.0f}s "
              f"{o.disk / 2**20:>8,.0f}MB {_fmt_ms(statistics.median(o.per_round(50))):>8} "
              f"{_fmt_ms(statistics.median(o.per_round(95))):>8} {_fmt_ms(statistics.median(o.per_round(99))):>8} "
              f"{_fmt_ms(kinds[worst]):>8} {worst[:6]:<6} {_fmt_ms(statistics.median(o.per_round(95, cpu=True))):>8} "
              f"{_fmt_ms(ckinds[cworst]):>8} {cworst[:6]:<6}  {'; '.join(targets)}{reused}")
    for backend, size, why in skipped:
        print(f"{backend:<8} {size:>10,}  skipped: {why}")
    print("Indexing time: inside SearchIndex.batch() blocks and optimize() (corpus generation interleaved when the "
          "corpus was not cached yet).")
    by_key = {(o.backend, o.size): o for o in outcomes}
    for size in sorted({o.size for o in outcomes}):
        tv, wh = by_key.get(("tantivy", size)), by_key.get(("whoosh", size))
        if tv and wh:
            a = {s.query: s.total for s in tv.samples() if s.total is not None and s.exact}
            b = {s.query: s.total for s in wh.samples() if s.total is not None and s.exact}
            both = set(a) & set(b)
            same = sum(1 for q in both if a[q] == b[q])
            ratio = statistics.median(wh.per_round(95)) / statistics.median(tv.per_round(95))
            print(f"At {size:,} pages: exact totals equal across backends on {same:,} of {len(both):,} queries; "
                  f"p95 whoosh / tantivy = {ratio:,.0f}×")
            for q in [q for q in both if a[q] != b[q]][:5]:
                print(f"   differs: {q.kind}: {q.label}: tantivy {a[q]:,}, whoosh {b[q]:,}")


def page_views(index: SearchIndex, mix: Sequence[Query], n: int, db: object | None, seed: int
               ) -> list[tuple[float, float, float]]:
    """``n`` searches as the search page runs them, and the page's grouping query when a database is given."""
    rng = random.Random(seed + 1)
    out = []
    for q in rng.sample(list(mix), min(n, len(mix))):
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            res = index.search(q.text, streets=q.streets, limit=20, offset=0, facets=True)
        except QueryError:
            out.append(((time.perf_counter() - start) * 1000, 0.0, (time.thread_time() - cpu) * 1000))
            continue
        engine, engine_cpu = (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000
        db_ms = 0.0
        if db is not None and res.hits:
            start = time.perf_counter()
            file_ids = list(dict.fromkeys(h.file_id for h in res.hits))
            files, persons = db.tables  # type: ignore[attr-defined]
            db.execute(f"select f.id, f.archive_no, p.name from {files} f left join {persons} p "  # type: ignore[attr-defined]
                       "on f.person_id = p.id where f.id = any(%s)", (file_ids,)).fetchall()
            db_ms = (time.perf_counter() - start) * 1000
        out.append((engine, db_ms, engine_cpu))
    return out


def open_db(url: str, stats: CorpusStats, largest: int) -> object:
    """Bench tables shaped like the app's files and persons, a row per file of the largest corpus.

    Files beyond the statistics' pages get placeholder rows (their number estimated from the pages per
    file); the tables are named after this process, so runs side by side do not share them.
    """
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    files, persons = f"bench_search_files_{os.getpid()}", f"bench_search_persons_{os.getpid()}"
    conn.execute(f"create table {persons} (id integer primary key, name text, id_number text, employer text, "
                 "street text)")
    conn.execute(f"create table {files} (id integer primary key, archive_no text, "
                 f"person_id integer references {persons}(id), street text)")
    n = max(stats.max_file_id, round(stats.max_file_id * largest / max(stats.pages, 1) * 1.1))
    rows = [(i, *(stats.file_names.get(i, (f"XC-{i:06d}", "某某")))) for i in range(1, n + 1)]
    with conn.cursor() as cur:
        cur.executemany(f"insert into {persons} values (%s, %s, '', '', '')", [(i, m) for i, _, m in rows])
        cur.executemany(f"insert into {files} values (%s, %s, %s, '')", [(i, a, i) for i, a, _ in rows])
    conn.execute(f"analyze {files}; analyze {persons}")
    conn.tables = (files, persons)  # type: ignore[attr-defined]
    return conn


def close_db(conn: object) -> None:
    files, persons = conn.tables  # type: ignore[attr-defined]
    conn.execute(f"drop table {files}; drop table {persons}")  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="corpus sizes in pages, comma-separated")
    parser.add_argument("--backends", default="tantivy,whoosh")
    parser.add_argument("--workers", type=int, default=2, help="processes generating a corpus not cached yet")
    parser.add_argument("--per-kind", type=int, default=1000, help="distinct queries per kind")
    parser.add_argument("--mix-pages", type=int, default=100_000, help="pages the query mix is drawn from")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-share", type=float, default=0.2, help="share of each round run as the baseline")
    parser.add_argument("--page-queries", type=int, default=1000, help="search-page views (0: none)")
    parser.add_argument("--db-url", help="PostgreSQL for the page's grouping query (bench tables are created)")
    parser.add_argument("--whoosh-max", type=int, default=100_000, help="skip whoosh above this many pages")
    parser.add_argument("--batch", type=int, default=10_000, help="pages per SearchIndex.batch()")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="index again even when a cached index exists")
    parser.add_argument("--verbose", "-v", action="store_true", help="the slowest queries")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    tty = sys.stderr.isatty()

    start = time.perf_counter()
    mix_pages = min(args.mix_pages, min(sizes))
    stats = corpus_stats(generate(mix_pages, args.seed, workers=args.workers))
    mix = query_mix(stats, args.per_kind, args.seed)
    counts = {k: sum(1 for q in mix if q.kind == k) for k in KINDS}
    print(f"Query mix from the first {stats.pages:,} pages ({stats.files:,} files, {len(stats.name_files):,} "
          f"distinct names, {stats.chars / stats.pages:.0f} chars/page; of the lines of every "
          f"{round(stats.pages / stats.sampled)}th page {stats.line_repetition():.0%} occur on ten or more of them) "
          f"in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{k} {n:,}" for k, n in counts.items()))
    db = open_db(args.db_url, stats, max(sizes)) if args.db_url else None

    outcomes: list[Outcome] = []
    skipped: list[tuple[str, int, str]] = []
    for size in sizes:
        source = cached_corpus(size, args.seed)
        print(f"Corpus {size:,} pages: " + (f"cached in {source.name}" if source else
                                            f"not cached (generated into {cache_path(size, args.seed).name} "
                                            "if an index must be built)"))
        for backend in backends:
            if backend == "whoosh" and size > args.whoosh_max:
                why = f"above --whoosh-max {args.whoosh_max:,}"
                print(f"whoosh {size:,}: skipped, {why}")
                skipped.append((backend, size, why))
                continue
            index, info = build_index(backend, size, args.seed, batch=args.batch, workers=args.workers,
                                      rebuild=args.rebuild, tty=tty)
            try:
                state = "reused" if info.get("reused") else "built"
                print(f"{backend} {size:,}: index {state}: {float(info['pages_per_s']):,.0f} pages/s "
                      f"({float(info['index_seconds']):,.1f} s)", flush=True)
                for q in mix[:: max(1, len(mix) // 200)]:  # warm-up: the index's files into the page cache
                    run_one(index, q)
                outcome = Outcome(backend, size, info, dir_size(index_path(backend, size, args.seed)))
                outcome.rounds = run_rounds(index, mix, args.rounds, args.baseline_share, args.seed)
                if args.page_queries:
                    outcome.page = page_views(index, mix, args.page_queries, db, args.seed)
                info["query_load"] = os.getloadavg()[0]
            finally:
                index.close()
            outcomes.append(outcome)
            print_outcome(outcome, args.verbose)
            sys.stdout.flush()
    if db is not None:
        close_db(db)
    print_summary(outcomes, skipped)
    if args.json:
        args.json.write_text(json.dumps([
            {"backend": o.backend, "pages": o.size, "index": o.info, "disk_bytes": o.disk,
             "p50_ms": o.per_round(50), "p95_ms": o.per_round(95), "p99_ms": o.per_round(99),
             "samples": [{"kind": s.query.kind, "query": s.query.text, "mode": s.query.mode,
                          "streets": s.query.streets, "ms": s.ms, "cpu_ms": s.cpu, "total": s.total, "exact": s.exact,
                          "error": s.error} for s in o.samples()]}
            for o in outcomes
        ], ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
