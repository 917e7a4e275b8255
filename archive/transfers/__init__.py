"""Transfers (移交与转递): enterprise batches and their 名册, routing, receiving, relations, 转递 and 回执, shelves."""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the transfers blueprint, the ``dangan transfers`` commands and the file page's section."""
    from archive.transfers.cli import transfers_cli

    app.cli.add_command(transfers_cli)
