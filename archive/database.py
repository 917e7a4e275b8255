"""Database wiring: Flask-SQLAlchemy, Flask-Migrate and SQLite pragmas.

SQLite is the embedded default.  pysqlite's own transaction handling defers
``BEGIN`` and breaks SAVEPOINTs, so we take over as the SQLAlchemy docs
recommend: autocommit off at the driver, ``BEGIN`` emitted by us.  Foreign keys
are switched on (SQLite ships with them off) and WAL lets readers run beside the
one writer.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from archive.extensions import db, migrate

__all__ = ["init_app"]

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        # IMMEDIATE: take the write lock at BEGIN.  Every request writes an audit event, and a
        # deferred transaction that read first would fail to upgrade under WAL (SQLITE_BUSY_SNAPSHOT).
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic to ``app``; import every model so metadata is complete."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)

    import archive.models  # noqa: F401  (registers every table on the metadata)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_pragmas(db.engine)
