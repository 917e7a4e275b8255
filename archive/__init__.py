"""Dangan (档案): the digital personnel-archive system of a district central repository.

``create_app`` is the one way to build the Flask application; tests pass
``overrides`` instead of patching globals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI and error pages."""
    from archive import cli, database, i18n, request_audit, security
    from archive.accounts import init_app as init_accounts
    from archive.api import init_app as init_api
    from archive.catalogue import init_app as init_catalogue
    from archive.config import instance_path as configured_instance_path
    from archive.config import load_config
    from archive.config import validate as validate_config
    from archive.fulltext import init_app as init_fulltext
    from archive.lending import init_app as init_lending
    from archive.oversight import init_app as init_oversight
    from archive.pages import init_app as init_pages
    from archive.reports import init_app as init_reports
    from archive.safekeeping import init_app as init_safekeeping
    from archive.scanning import init_app as init_scanning
    from archive.transfers import init_app as init_transfers
    from archive.web import init_app as init_web

    app = Flask(__name__, instance_relative_config=False)
    from archive.routing import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    instance_path = (overrides or {}).get("INSTANCE_PATH") or configured_instance_path(app.instance_path)
    app.instance_path = str(instance_path)
    app.config.update(load_config(app.instance_path))
    if overrides:
        app.config.update(overrides)
    validate_config(app.config)  # a bad DANGAN_QC_* value stops the start-up, not a job later

    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    init_accounts(app)
    init_catalogue(app)
    init_pages(app)
    init_scanning(app)
    init_fulltext(app)
    init_lending(app)
    init_transfers(app)
    init_web(app)
    init_oversight(app)
    init_api(app)
    init_reports(app)
    init_safekeeping(app)
    request_audit.init_app(app)  # registered last, so its after-request hook runs first
    cli.init_app(app)
    from archive.demo.cli import demo_command

    app.cli.add_command(demo_command)
    return app
