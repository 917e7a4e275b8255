"""Reports benchmark: the progress dashboard's queries and the planning counts at 120,000 files.

    .venv/bin/python bench/reports_dashboard.py [--files 120000] [--pages-per-file 4] [--rounds 15]
                                                [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--no-sqlite]

Builds a throw-away database (SQLite in a temporary folder; with --pg also a fresh PostgreSQL database) by the
real migrations, bulk-inserts N persons and files over 15 streets, 3 levels and 200 enterprises at every stage
(40 % digitised, with pages, ingest jobs, spot checks and QC errors), 10 % more still expected on open 名册,
and storerooms.  Then it times, alternating in each round so that the machine's noise falls on all of them:

* baselines: ``SELECT count(*) FROM files`` (the cheapest question one can ask of the table), and the files
  joined to their persons grouped by level, street and employer with nothing else (the least the dashboard's
  grouping can cost);
* the dashboard (``archive.reports.progress.dashboard``: the held GROUP BY with its two per-file aggregates,
  the expected 名册 rows, the roll-ups in Python), district-wide and for one street;
* the planning counts (``archive.reports.counts.planning_inputs`` + ``compute``).

It prints median, min, max and the interquartile range of each over the rounds.  Not a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

STREETS = ("西长安街", "新街口", "月坛", "展览路", "德胜", "金融街", "什刹海", "大栅栏", "天桥", "椿树", "陶然亭",
           "广安门内", "牛街", "白纸坊", "广安门外")
LEVELS = ("central", "municipal", "district")


def _populate(db, n_files: int, pages_per_file: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    from archive.catalogue.models import ArchiveFile, Person
    from archive.pages.models import Page
    from archive.scanning.models import IngestJob, QcFinding, SpotCheck
    from archive.transfers.models import RosterEntry, Storeroom, TransferBatch

    rng = random.Random(seed)
    enterprises = [(f"企业{i:03d}", LEVELS[i % 3]) for i in range(200)]
    conn = db.session.connection()
    people, files = [], []
    for i in range(1, n_files + 1):
        employer, level = rng.choice(enterprises)
        street = rng.choice(STREETS)
        # no ID numbers: the dashboard never reads them, and NULLs keep the unique index out of the way
        people.append({"id": i, "name": f"退休{i}", "sex": "M", "employer": employer, "employer_level": level,
                       "hukou_district": "西城", "hukou_street": street, "residence_district": "西城",
                       "residence_street": street})
        stage = rng.random()
        status = ("received" if stage < 0.1 else "catalogued" if stage < 0.55 else "digitised" if stage < 0.95
                  else "transferred" if stage < 0.97 else "on_loan")
        files.append({"id": i, "archive_no": f"B-{i:07d}", "person_id": i, "street": street, "status": status,
                      "custody": "street" if rng.random() < 0.2 else "district",
                      "volumes_original": 1 + (rng.random() < 0.3), "volumes_copy": int(rng.random() < 0.4),
                      "room": f"库{1 + i % 4}"})
    for chunk in range(0, n_files, 20_000):
        conn.execute(insert(Person), people[chunk:chunk + 20_000])
        conn.execute(insert(ArchiveFile), files[chunk:chunk + 20_000])
    jobs = 200
    conn.execute(insert(IngestJob), [{"id": j, "created_by": "bench", "source": "bench", "status": "done",
                                      "paths": [], "summary": []} for j in range(1, jobs + 1)])
    digitised = [f["id"] for f in files if f["status"] in ("digitised", "on_loan")]
    pages, checks, findings = [], [], []
    page_id = 0
    for fid in digitised:
        job = 1 + fid % jobs
        for position in range(1, pages_per_file + 1):
            page_id += 1
            sha = uuid.uuid4().hex * 2
            pages.append({"id": page_id, "file_id": fid, "job_id": job, "position": position, "backend": "file",
                          "original_key": f"pages/{sha}", "sha256": sha, "size": 1000, "view_key": "v",
                          "thumb_key": "t", "format": "jpeg", "width": 10, "height": 10, "colour": "grey",
                          "phash": "0" * 16, "words": []})
            if position == 1 and (fid // jobs) % 20 == 0:  # a 5 % sample in every batch; the last 15 % not checked yet
                result = "pending" if job > jobs * 0.85 else "pass" if rng.random() < 0.995 else "fail"
                checks.append({"job_id": job, "page_id": page_id, "result": result})
        if rng.random() < 0.05:
            findings.append({"file_id": fid, "job_id": job, "rule": "PAGE_COUNT_MISMATCH", "severity": "error",
                             "message": "bench", "status": "open"})
    for chunk in range(0, len(pages), 20_000):
        conn.execute(insert(Page), pages[chunk:chunk + 20_000])
    seen = set()
    checks = [c for c in checks if not ((c["job_id"], c["page_id"]) in seen or seen.add((c["job_id"], c["page_id"])))]
    if checks:
        conn.execute(insert(SpotCheck), checks)
    if findings:
        conn.execute(insert(QcFinding), findings)
    # 10 % more still expected on the 名册 of open batches
    conn.execute(insert(TransferBatch), [{"id": b, "enterprise": e, "level": lv, "status": "open"}
                                         for b, (e, lv) in enumerate(enterprises[:50], start=1)])
    conn.execute(insert(RosterEntry), [{"batch_id": 1 + k % 50, "name": f"待收{k}", "id_number": f"X{k:017d}",
                                        "archive_to": "西城", "street": rng.choice(STREETS), "status": "expected"}
                                       for k in range(n_files // 10)])
    conn.execute(insert(Storeroom), [{"name": f"库{r}", "rows": 10, "racks": 10, "shelves": 10, "cells": 10,
                                      "cell_capacity": 40} for r in range(1, 5)])
    db.session.commit()


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _summary(name: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=4) if len(values) >= 4 else [min(values), 0, max(values)]
    return (f"  {name:<42} median {statistics.median(values):8.1f} ms   min {min(values):8.1f}   "
            f"max {max(values):8.1f}   IQR {q[2] - q[0]:6.1f}")


def run(url: str, label: str, args: argparse.Namespace) -> None:
    from archive import create_app
    from archive.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="dangan-bench-reports-"))
    app = create_app({"INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": url, "DANGAN_STORAGE_URL": f"file://{tmp / 'objects'}"})
    with app.app_context():
        try:
            _measure(db, app, label, args)
        finally:
            db.session.remove()
            db.engine.dispose()


def _measure(db, app, label: str, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from archive.catalogue.models import ArchiveFile, Person
    from archive.reports.counts import planning_inputs
    from archive.reports.planning import compute
    from archive.reports.progress import dashboard
    from archive.reports.settings import settings_from

    upgrade()
    started = time.perf_counter()
    _populate(db, args.files, args.pages_per_file, seed=7)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    pages = db.session.scalar(text("SELECT count(*) FROM pages"))
    print(f"{label}: {args.files:,} files, {pages:,} pages, {args.files // 10:,} expected rows "
          f"(built in {time.perf_counter() - started:.0f} s)")
    settings = settings_from(app.config)
    kinds: dict[str, Callable[[], object]] = {
        "baseline: count(*) of files": lambda: db.session.scalar(select(func.count()).select_from(ArchiveFile)),
        "baseline: files by level/street/employer": lambda: db.session.execute(
            select(Person.employer_level, ArchiveFile.street, Person.employer, func.count())
            .outerjoin(Person, Person.id == ArchiveFile.person_id)
            .group_by(Person.employer_level, ArchiveFile.street, Person.employer)).all(),
        "dashboard, district": lambda: dashboard(settings),
        "dashboard, one street": lambda: dashboard(settings, street="德胜"),
        "planning counts + compute": lambda: compute(planning_inputs(settings)),
    }
    for fn in kinds.values():  # warm the caches once
        fn()
    times: dict[str, list[float]] = {k: [] for k in kinds}
    order = list(kinds)
    for r in range(args.rounds):
        for name in (order if r % 2 == 0 else order[::-1]):  # alternate the order each round
            times[name].append(_time(kinds[name]))
            db.session.rollback()
    for name, values in times.items():
        print(_summary(name, values))
    board = dashboard(settings)
    print(f"  (dashboard totals: {board.total.as_dict()})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=120_000)
    parser.add_argument("--pages-per-file", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pg", default="", help="a PostgreSQL server URL; a fresh database is made on it")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="dangan-bench-sqlite-") as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite", args)
    if args.pg:
        base = make_url(args.pg).set(drivername="postgresql+psycopg")
        name = f"dangan_bench_reports_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(base.set(database=name).render_as_string(hide_password=False), "PostgreSQL", args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()


if __name__ == "__main__":
    main()
