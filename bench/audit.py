"""Audit benchmark: cost of recording an event in a request, and time to verify a long chain.

    .venv/bin/python bench/audit.py [--events 1000000] [--requests 2000] [--pg postgresql://postgres@127.0.0.1/postgres]

Creates a throw-away PostgreSQL database, runs the real migrations, then
1. times request transactions with and without an event (``record()`` then the commit that chains it),
   alternating, and prints both and their difference — the cost of recording, target ≤ 2 ms median —
   beside the median of a whole audited request (GET /files/<id>) for scale;
2. writes a chain of N events with PostgreSQL COPY (hashes computed by the same code),
   and times ``dangan audit verify``'s walk over it — target ≤ 60 s for 1,000,000.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    from archive import create_app
    from archive.accounts.operations import create_user
    from archive.audit import record
    from archive.audit.chain import GENESIS, HASHED_FIELDS, event_hash
    from archive.audit.verify import verify_log
    from archive.extensions import db
    from archive.roles import Role

    base = make_url(args.pg).set(drivername="postgresql+psycopg")
    name = f"dangan_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    tmp = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    try:
        app = create_app({"INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench", "TESTING": True,
                          "SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": base.set(database=name).render_as_string(hide_password=False),
                          "DANGAN_STORAGE_URL": f"file://{tmp / 'objects'}"})
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            create_user("bench", "Bench#2020pw", Role.ARCHIVIST)
            from archive.catalogue.models import ArchiveFile

            file = ArchiveFile(archive_no="BENCH-1")
            db.session.add(file)
            db.session.commit()
            file_id = file.id

        # 1. recording cost inside requests.  An event joins the chain at commit (lock, head, hash, insert), so
        # what a request pays is record() plus the extra its commit takes: each request is timed from record()
        # to the end of its commit, beside a baseline request that commits the same read without an event,
        # alternating one with the other so that the machine's noise falls on both.
        # A third kind writes one small row without an event: what any durable write costs here (the WAL flush).
        with_event: list[float] = []
        baseline: list[float] = []
        plain_write: list[float] = []
        kinds = ("event", "read", "write")
        with app.app_context():
            for n in range(args.requests):
                for kind in kinds[n % 3:] + kinds[:n % 3]:
                    with app.test_request_context(f"/files/{file_id}"):
                        t0 = time.perf_counter()
                        db.session.execute(text("SELECT 1"))
                        if kind == "event":
                            record("file.view", target_type="file", target_id=n, file_id=file_id,
                                   archive_no="BENCH-1")
                        elif kind == "write":
                            db.session.execute(text("UPDATE files SET notes = :n WHERE id = :id"),
                                               {"n": str(n), "id": file_id})
                        db.session.commit()
                        {"event": with_event, "read": baseline, "write": plain_write}[kind].append(
                            (time.perf_counter() - t0) * 1000)
            db.session.remove()
        client = app.test_client()
        client.post("/login", data={"username": "bench", "password": "Bench#2020pw"})
        request_ms = []
        for _ in range(min(300, args.requests)):
            t0 = time.perf_counter()
            assert client.get(f"/files/{file_id}").status_code == 200
            request_ms.append((time.perf_counter() - t0) * 1000)
        cost = statistics.median(with_event) - statistics.median(baseline)
        print(f"request transaction with an event: median {statistics.median(with_event):.3f} ms, "
              f"p95 {pct(with_event, 0.95):.3f} ms; without: median {statistics.median(baseline):.3f} ms, "
              f"p95 {pct(baseline, 0.95):.3f} ms ({len(with_event)} each, alternating, PostgreSQL)")
        print(f"a transaction writing one row without an event: median {statistics.median(plain_write):.3f} ms, "
              f"p95 {pct(plain_write, 0.95):.3f} ms (the durable commit any write pays)")
        print(f"recording an event costs {cost:.3f} ms at the median (record() + chaining at commit; "
              f"target <= 2 ms); ratio with/without {statistics.median(with_event) / statistics.median(baseline):.2f}")
        print(f"whole audited request GET /files/<id>: median {statistics.median(request_ms):.2f} ms; "
              f"recording is {cost / statistics.median(request_ms):.1%} of it")

        # 2. verify a long chain
        with app.app_context():
            conn = db.session.connection().connection.driver_connection
            head = db.session.execute(text("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")).first()
            seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
            db.session.commit()
            t0 = time.perf_counter()
            import datetime as dt

            when = dt.datetime(2026, 1, 1)
            columns = ["seq", "occurred_at", "request_id", "user_id", "username", "role", "scope", "ip", "user_agent",
                       "action", "outcome", "target_type", "target_id", "file_id", "person_id", "archive_no",
                       "reason", "details", "prev_hash", "hash"]
            batch = 50_000
            remaining = args.events - seq
            while remaining > 0:
                buf = io.StringIO()
                for _ in range(min(batch, remaining)):
                    seq += 1
                    row = {"seq": seq, "occurred_at": when + dt.timedelta(seconds=seq), "request_id": uuid.uuid4().hex,
                           "user_id": 1, "username": "bench", "role": "archivist", "scope": "", "ip": "10.1.2.3",
                           "user_agent": "Mozilla/5.0", "action": "file.view", "outcome": "ok",
                           "target_type": "file", "target_id": str(seq % 5000), "file_id": seq % 5000,
                           "person_id": seq % 5000, "archive_no": f"XC-2020-{seq % 5000:06d}", "reason": "",
                           "details": '{"full_id_shown":true}', "prev_hash": prev}
                    row["hash"] = prev = event_hash(row)
                    values = [row[c] for c in columns]
                    values[1] = row["occurred_at"].strftime("%Y-%m-%d %H:%M:%S.%f")
                    buf.write("\t".join("\\N" if v is None else str(v) for v in values) + "\n")
                    remaining -= 1
                buf.seek(0)
                with conn.cursor() as cur, cur.copy(f"COPY audit_events ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(buf.read())
                conn.commit()
            fill = time.perf_counter() - t0
            assert HASHED_FIELDS
            t0 = time.perf_counter()
            report = verify_log(None)
            took = time.perf_counter() - t0
        print(f"wrote {args.events:,} chained events in {fill:.1f} s (COPY)")
        print(f"verify: {report.events:,} events in {took:.1f} s = {report.events / took:,.0f} events/s, "
              f"ok={report.ok} (target <= 60 s for 1,000,000)")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
