"""A live Dangan server with demo data, and headless Debian Chromium driven by Playwright.

The server runs the real app on a temporary SQLite file in a thread, under waitress as ``dangan serve`` does
(werkzeug's development server leaks a response's open file when the browser drops a connection, e.g. a
thumbnail cancelled by navigating away), so the browser goes through sessions, CSRF and the translations
like a user.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from waitress.server import create_server

from archive.extensions import db
from tests.conftest import make_app, migrate_fresh

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = create_server(app, host="127.0.0.1", port=0, threads=8)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        logging.getLogger("waitress").setLevel(logging.WARNING)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()
        self.server.task_dispatcher.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp: Path = tmp_path_factory.mktemp("live")
    app = make_app(tmp, f"sqlite:///{tmp / 'live.sqlite3'}", TESTING=False, DANGAN_QUEUE_URL="embedded://",
                   DANGAN_INGEST_WORKERS=1)
    migrate_fresh(app)
    from archive.demo.cli import load_demo

    with app.app_context():
        load_demo(people_count=60, images_for=0, seed=7, package_dir=tmp / "demo-package")
        db.session.commit()
        db.session.remove()
    yield app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/setup.sh --test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _default_language(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each browser test starts from the product's language: a test that switches a shared account to English
    (the choice is kept with the account) must not change what the next test sees."""
    yield
    if "live_app" not in request.fixturenames:
        return
    from sqlalchemy import update

    from archive.accounts.models import User

    app = request.getfixturevalue("live_app")
    with app.app_context():
        db.session.execute(update(User).values(locale="zh_CN"))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def log_in(page, username: str, password: str = "Dangan#2020") -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=who]")
