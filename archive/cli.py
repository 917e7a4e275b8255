"""The ``dangan`` command: Flask's click CLI bound to :func:`archive.create_app`.

``dangan serve``, ``dangan db upgrade`` (Flask-Migrate), ``dangan users …``,
``dangan catalogue …`` and ``dangan demo`` all build the app from the
``DANGAN_*`` environment, so one binary serves the embedded default and a
district deployment alike.
"""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from archive.config import ConfigError
from archive.scanning.queue import get_queue

__all__ = ["main"]


def _create_app() -> Flask:
    from archive import create_app

    try:
        return create_app()
    except ConfigError as exc:  # say which setting is wrong, without a traceback
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Dangan (档案): digital personnel archive."""


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the app with waitress (a production WSGI server, unlike ``dangan run``)."""
    from flask_migrate import upgrade
    from waitress import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade()  # the schema is always current before the first request
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    from archive import scheduler

    scheduler.run_once(app)  # anchor at start-up, then on the schedule
    scheduler.start(app)

    get_queue()  # the embedded queue recovers the jobs a previous server left running or queued
    click.echo(f"Dangan serving on http://{host}:{port}")
    serve(app, host=host, port=port, threads=threads, ident="dangan")


def init_app(app: Flask) -> None:
    """Commands that belong to no single domain module."""
    app.cli.add_command(serve_command)
