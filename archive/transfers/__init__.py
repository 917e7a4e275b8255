"""Transfers (移交与转递): enterprise batches and their 名册, routing, receiving, relations, 转递 and 回执, shelves."""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the transfers blueprint, the ``dangan transfers`` commands and the file page's section."""
    from archive.transfers import views_outgoing  # noqa: F401 - its routes join the blueprint
    from archive.transfers.cli import transfers_cli
    from archive.transfers.sections import file_section
    from archive.transfers.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(transfers_cli)
    app.extensions.setdefault("dangan.file_sections", []).append(file_section)
