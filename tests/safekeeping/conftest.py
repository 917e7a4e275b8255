"""Whole instances for the safekeeping tests: each with its own database and object store, committed for real.

Backups and exports read committed state (pg_dump, the SQLite backup API, a second instance ingesting), so these
tests cannot run in the rolled-back transaction of the ``app`` fixture.  SQLite always; PostgreSQL too when
``DANGAN_TEST_DATABASE_URL`` is set, in databases ``dangan_sk_<name>`` created and dropped here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from archive.extensions import db
from tests.conftest import BACKENDS, make_app, migrate_fresh


def _pg_admin_url() -> Any:
    return make_url(os.environ["DANGAN_TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg", database="postgres")


def _pg_database(name: str, *, drop_only: bool = False) -> str:
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _pg_admin_url().set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def instances(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``instances(name, migrated=True, storage_url="")``: a new blank instance (database, store, index).

    The store is a folder of the instance unless ``storage_url`` names another (an S3 bucket).
    """
    made: list[tuple[Flask, str]] = []
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")

    def new(name: str, *, migrated: bool = True, storage_url: str = "") -> Flask:
        folder = tmp_path / name
        folder.mkdir()
        if request.param == "sqlite":
            url, pg_name = f"sqlite:///{folder / 'dangan.sqlite3'}", ""
        else:
            pg_name = f"dangan_sk_{name}{worker}"
            url = _pg_database(pg_name)
        extra = {"DANGAN_STORAGE_URL": storage_url} if storage_url else {}
        app = make_app(folder, url, DANGAN_SEARCH_URL=f"whoosh://{folder / 'index'}", DANGAN_OCR_ENGINE="", **extra)
        if migrated:
            migrate_fresh(app)
        made.append((app, pg_name))
        return app

    new.backend = request.param  # type: ignore[attr-defined]
    # The factories read their objects after commit (as the rolled-back test session lets them).
    original = db.session
    db.session = db._make_scoped_session({"expire_on_commit": False})
    try:
        yield new
    finally:
        db.session = original
    for app, pg_name in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        index = app.extensions.pop("dangan.index", None)
        if index is not None:
            index.close()
        if pg_name:
            _pg_database(pg_name, drop_only=True)


def cli(app: Flask, *args: str) -> Any:
    """Run ``dangan ARGS…`` against ``app``; the result has exit_code and output (stdout + stderr)."""
    result = app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
    with app.app_context():
        db.session.remove()
    return result
