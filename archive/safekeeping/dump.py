"""The database half of a backup: a consistent dump, the rows the manifest needs from the same moment, a restore.

PostgreSQL: one REPEATABLE READ transaction exports its snapshot, the manifest's rows (page objects, the chain
head, the schema revision) are read inside it and ``pg_dump --snapshot`` dumps exactly that state, so the
manifest and the dump describe one moment even while ingest jobs run.  SQLite: the online backup API copies the
database page by page under its lock into ``database.sqlite3``, and the manifest's rows are read from that copy.
Restore: ``pg_restore`` into an emptied ``public`` schema, or the backup API from the copy onto the database file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection

from archive.extensions import db

__all__ = ["DumpError", "DumpState", "database_is_blank", "dump_database", "restore_database"]

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"

_STATE_SQL = {
    "pages": "SELECT original_key, view_key, thumb_key, size, sha256 FROM pages ORDER BY id",
    "head": "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
    "revision": "SELECT version_num FROM alembic_version",
}


class DumpError(RuntimeError):
    """pg_dump/pg_restore failed or is missing, or the database file cannot be read or written."""


@dataclass
class DumpState:
    """What the manifest needs from the dumped database, read at the dump's own moment."""

    dialect: str
    file: str
    format: str
    revision: str = ""
    head: dict[str, Any] = field(default_factory=dict)  # {"seq", "hash"} of the last audit event, or {}
    pages: list[tuple[str, str, str, int, str]] = field(default_factory=list)


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools; the password goes in the environment, never on argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["-h", url.host or "localhost", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    tool = argv[0]
    if shutil.which(tool) is None:
        raise DumpError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DumpError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[:2000]}")


def _read_state(execute: Any, state: DumpState) -> DumpState:
    state.pages = [(r[0], r[1], r[2], int(r[3]), r[4]) for r in execute(_STATE_SQL["pages"])]
    head = list(execute(_STATE_SQL["head"]))
    state.head = {"seq": int(head[0][0]), "hash": head[0][1]} if head else {}
    revision = list(execute(_STATE_SQL["revision"]))
    state.revision = revision[0][0] if revision else ""
    return state


def dump_database(target: Path) -> DumpState:
    """Dump the app's database into folder ``target``; returns what the manifest records of it."""
    engine = db.engine
    url = engine.url
    if engine.dialect.name == "sqlite":
        return _dump_sqlite(Path(url.database or ""), target / SQLITE_FILE)
    if engine.dialect.name != "postgresql":
        raise DumpError(f"cannot back up a {engine.dialect.name} database")
    state = DumpState("postgresql", PG_FILE, "pg_dump custom")
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        _read_state(lambda sql: conn.execute(text(sql)).all(), state)
        args, env = _libpq(url)
        # The snapshot lives as long as this transaction: pg_dump must run while it is open.
        _run(["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              "-f", str(target / PG_FILE), url.database or ""], env)
    return state


def _dump_sqlite(source: Path, copy: Path) -> DumpState:
    if not source.is_file():
        raise DumpError(f"the SQLite database {source} does not exist")
    with _sqlite(source) as src, _sqlite(copy) as dst:
        src.backup(dst)  # the online backup API: a consistent copy even while the app writes
    state = DumpState("sqlite", SQLITE_FILE, "sqlite3")
    with _sqlite(copy) as conn:
        _read_state(lambda sql: conn.execute(sql).fetchall(), state)
    return state


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    try:
        conn = sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise DumpError(f"cannot open {path}: {exc}") from exc
    try:
        yield conn
    finally:
        conn.close()


# Rows the migrations themselves write (a fresh instance has them): they do not make a database "used".
SEEDED_BY_MIGRATIONS = {"lending_certificate_templates": "updated_by <> 'migration'"}


def database_is_blank() -> tuple[bool, list[str]]:
    """Whether no table of the app's database holds a row (a migrated, unused instance is blank)."""
    filled = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table != "alembic_version" and _has_rows(conn, table, SEEDED_BY_MIGRATIONS.get(table)):
                filled.append(table)
    return not filled, filled


def _has_rows(conn: Connection, table: str, where: str | None = None) -> bool:
    quoted = conn.dialect.identifier_preparer.quote(table)
    condition = f" WHERE {where}" if where else ""
    return conn.execute(text(f"SELECT 1 FROM {quoted}{condition} LIMIT 1")).first() is not None  # noqa: S608


def restore_database(source: Path, dialect: str) -> None:
    """Replace the app's database with the dump in folder ``source`` (made on ``dialect``)."""
    db.session.remove()
    engine = db.engine
    if engine.dialect.name != dialect:
        raise DumpError(f"the backup is of a {dialect} database; this instance uses {engine.dialect.name}")
    engine.dispose()  # no pooled connection may hold the old database open
    if dialect == "sqlite":
        with _sqlite(source / SQLITE_FILE) as src, _sqlite(Path(engine.url.database or "")) as dst:
            src.backup(dst)  # page by page onto the live file, WAL included, instead of a file copy under it
    else:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        args, env = _libpq(engine.url)
        _run(["pg_restore", *args, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
              "-d", engine.url.database or "", str(source / PG_FILE)], env)
    engine.dispose()

