"""Fixtures built on the app factory.

Every test that takes ``app`` runs on SQLite, and again on PostgreSQL when
``DANGAN_TEST_DATABASE_URL`` is set.  The schema is built once per backend by the
real Alembic migrations; each test then runs inside an outer transaction that is
rolled back, with the session joining it through SAVEPOINTs, so the code under
test may commit as it does in production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from archive import create_app
from archive.extensions import db

TEST_PASSWORD = "Test#pass2020"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("DANGAN_TEST_DATABASE_URL") else [])


class BufferedClient(FlaskClient):
    """A test client that reads a streamed body to its end and closes it, as a WSGI server does.

    Page images stream from the store (an open file or S3 response); a test that only looks at
    ``response.data`` would otherwise leave the stream open.  Pass ``buffered=False`` to stream.
    """

    def open(self, *args: object, buffered: bool = True, **kwargs: object):  # type: ignore[no-untyped-def, override]
        return super().open(*args, buffered=buffered, **kwargs)


def make_app(tmp: Path, database_url: str, **extra: object) -> Flask:
    """An app configured for tests: no env reading beyond what overrides replace."""
    overrides = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp),
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "DANGAN_STORAGE_URL": f"file://{tmp / 'objects'}",
        "DANGAN_QUEUE_URL": "inline://",
        "DANGAN_INGEST_WORKERS": 0,
    }
    overrides.update(extra)
    app = create_app(overrides)
    app.test_client_class = BufferedClient
    return app


def _pg_url() -> str:
    """The PostgreSQL test database; each xdist worker gets its own, created on demand."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["DANGAN_TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url.render_as_string(hide_password=False)
    name = f"{url.database}_{worker}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def migrate_fresh(app: Flask) -> None:
    """Drop whatever is there and run every migration from a blank database."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()


@pytest.fixture(scope="session", params=BACKENDS)
def backend_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp(f"app-{request.param}")
    url = f"sqlite:///{tmp / 'test.sqlite3'}" if request.param == "sqlite" else _pg_url()
    app = make_app(tmp, url)
    migrate_fresh(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(backend_app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The app with this test's database work wrapped in a transaction that is rolled back.

    Each test also gets an empty object store of its own (anchors, page images), since
    objects, unlike rows, are not rolled back.
    """
    from storage import LocalStore

    backend_app.extensions["dangan.store"] = LocalStore(tmp_path / "objects")
    session_store_url = backend_app.config["DANGAN_STORAGE_URL"]
    backend_app.config["DANGAN_STORAGE_URL"] = f"file://{tmp_path / 'objects'}"  # worker processes open it by URL
    # …and an empty search index of its own (opened on first use from this URL)
    session_search_url = backend_app.config["DANGAN_SEARCH_URL"]
    backend_app.config["DANGAN_SEARCH_URL"] = f"whoosh://{tmp_path / 'index'}"
    backend_app.extensions.pop("dangan.index", None)
    with backend_app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    # One session per test whatever app context is active (scopefunc), joined to the
    # outer transaction; expire_on_commit=False keeps test objects readable across requests.
    db.session = scoped_session(
        sessionmaker(
            bind=connection, class_=Session, join_transaction_mode="create_savepoint", expire_on_commit=False
        ),
        scopefunc=lambda: "test",
    )
    try:
        yield backend_app
    finally:
        backend_app.extensions.pop("dangan.store", None)
        backend_app.config["DANGAN_STORAGE_URL"] = session_store_url
        index = backend_app.extensions.pop("dangan.index", None)
        if index is not None:
            index.close()
        backend_app.config["DANGAN_SEARCH_URL"] = session_search_url
        db.session.remove()
        db.session = original
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def factory(app: Flask):  # type: ignore[no-untyped-def]
    """Build users, persons, files and materials for a test (see tests/factories.py)."""
    from tests.factories import Factory

    return Factory(app)


def login(client: FlaskClient, username: str, password: str = TEST_PASSWORD):  # type: ignore[no-untyped-def]
    """Log in through the real form (CSRF token included)."""
    from tests.helpers import csrf_token

    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})
