"""The ``dangan`` command: Flask's click CLI bound to :func:`archive.create_app`.

``dangan run``, ``dangan db upgrade`` (Flask-Migrate), ``dangan users …``,
``dangan catalogue …`` and ``dangan demo`` all build the app from the
``DANGAN_*`` environment, so one binary serves the embedded default and a
district deployment alike.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

__all__ = ["main"]


def _create_app() -> Flask:
    from archive import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Dangan (档案): digital personnel archive."""


def init_app(app: Flask) -> None:
    """Commands that belong to no single domain module."""
