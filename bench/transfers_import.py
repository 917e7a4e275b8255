"""名册 import benchmark: a 5,000-row 移交名册 (xlsx) read, routed, checked and written, target < 10 s.

    .venv/bin/python bench/transfers_import.py [--rows 5000] [--rounds 5] [--csv] [--pg postgresql://…/postgres]

Each round writes a fresh 名册 (new people, so no round sees another's duplicates) and times, in alternating
order, the baseline — reading and routing it only (``read_roster``, no database) — and the whole import
(``import_roster``: the reader, the checks against the database, entries, relations, outgoing transfers,
the audit event, the commit) into a new batch.  Prints every round, then median and spread (min–max) of
both and of their difference, the cost of the database part.  SQLite by default (a temporary file, the
embedded default); ``--pg`` creates and drops a throw-away PostgreSQL database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from archive.geo import BEIJING_DISTRICTS, STREETS  # noqa: E402
from archive.idnumbers import make_id_number  # noqa: E402
from archive.transfers.roster import COLUMNS  # noqa: E402


def roster(path: Path, rows: int, round_no: int, as_csv: bool) -> Path:
    """A realistic 名册: most people in Xicheng streets, a fifth registered elsewhere, a third party members."""
    rng = random.Random(round_no)
    data = []
    for n in range(rows):
        born = dt.date(1940 + n % 25, 1 + n % 12, 1 + n % 28)
        male = n % 2 == 0
        # birth dates repeat every 2,100 rows; the region code names the round and the block, so every ID
        # number of every round is unique (no round sees another's people)
        region = f"11{round_no % 100:02d}{n // 2100 + 1:02d}"
        number = make_id_number(region, born, (n % 400) * 2 + (1 if male else 0))
        elsewhere = rng.random() < 0.2
        hukou = (rng.choice([d for d in BEIJING_DISTRICTS if d != "西城"]), "") if elsewhere else (
            "西城", rng.choice(STREETS))
        residence = ("西城", rng.choice(STREETS)) if rng.random() < 0.5 else ("", "")
        data.append([f"测试{n:05d}", number, "男" if male else "女", born.isoformat(), f"{born.year + 60}-06",
                     *hukou, *residence, "是" if rng.random() < 0.3 else "否", 1, rng.randint(0, 1),
                     rng.randint(20, 120)])
    if as_csv:
        path = path.with_suffix(".csv")
        path.write_text("\n".join(",".join(map(str, r)) for r in [COLUMNS, *data]) + "\n", encoding="gb18030")
        return path
    # a normal workbook, as Excel writes one: with its <dimension> tag (openpyxl's write-only mode leaves it
    # out, and a reader then has to scan the whole sheet once more to learn its size)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    sheet.append(list(COLUMNS))
    for row in data:
        sheet.append(row)
    workbook.save(path)
    return path


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):6.2f} s  (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--csv", action="store_true", help="a GB18030 csv instead of xlsx")
    parser.add_argument("--pg", default="", help="a PostgreSQL server URL (its postgres database)")
    args = parser.parse_args()

    from archive import create_app
    from archive.extensions import db
    from archive.transfers import operations as ops
    from archive.transfers.roster import read_roster

    tmp = Path(tempfile.mkdtemp(prefix="dangan-bench-transfers-"))
    pg_name = ""
    if args.pg:
        base = make_url(args.pg).set(drivername="postgresql+psycopg")
        pg_name = f"dangan_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = base.set(database=pg_name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        app = create_app({"INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench", "TESTING": True,
                          "SQLALCHEMY_DATABASE_URI": url, "DANGAN_STORAGE_URL": f"file://{tmp / 'objects'}"})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            baseline, full, cpu = [], [], []
            for round_no in range(args.rounds):
                path = roster(tmp / f"名册{round_no}.xlsx", args.rows, round_no, args.csv)
                order = ("parse", "import") if round_no % 2 == 0 else ("import", "parse")
                for what in order:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    if what == "parse":
                        data = read_roster(path, "municipal")
                        assert not data.errors, data.errors[:3]
                        baseline.append(time.perf_counter() - start)
                    else:
                        batch = ops.open_batch(f"基准企业{round_no}", "municipal")
                        outcome = ops.import_roster(batch, path)
                        db.session.commit()
                        full.append(time.perf_counter() - start)
                        cpu.append(time.process_time() - start_cpu)
                        assert outcome.ok and outcome.expected_files + outcome.routed_elsewhere == args.rows, \
                            [e.as_dict() for e in outcome.errors[:3]]
                print(f"round {round_no + 1}: parse+route {baseline[-1]:.2f} s, import {full[-1]:.2f} s "
                      f"({outcome.expected_files} expected here, {outcome.routed_elsewhere} routed elsewhere)")
            db.session.remove()
            db.engine.dispose()
        kind = "csv (GB18030)" if args.csv else "xlsx"
        backend = "PostgreSQL" if args.pg else "SQLite"
        print(f"\n{args.rows:,} rows, {kind}, {backend}, {args.rounds} rounds")
        print(f"baseline: read + route only    {spread(baseline)}")
        print(f"whole import (target < 10 s)   {spread(full)}")
        print(f"database part (difference)     {spread([f - b for f, b in zip(full, baseline, strict=True)])}")
        # On a shared machine the wall clock includes waiting for a core; this process's CPU time does not
        # (SQLite works in-process, so it is all there; PostgreSQL's server time is not).
        print(f"whole import, CPU time         {spread(cpu)}")
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average at the end        {load} on {os.cpu_count()} cores")
    finally:
        if pg_name:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
