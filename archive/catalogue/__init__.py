"""Catalogue (目录建库): persons, files, materials; browse, edit, import and export."""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the catalogue blueprint and the ``dangan catalogue`` commands."""
    from archive.catalogue.cli import catalogue_cli
    from archive.catalogue.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(catalogue_cli)

    @app.context_processor
    def _column_labels() -> dict[str, object]:
        from archive.catalogue.columns import column_label

        return {"column_label": column_label}
