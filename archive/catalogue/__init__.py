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

        return {"column_label": column_label, "file_sections": _file_sections(app)}


def _file_sections(app: Flask) -> object:
    """Sections that higher domains add to the file page (transfers: relations, 转递).

    The catalogue does not import them: each registers ``callable(file) -> markup`` in
    ``app.extensions["dangan.file_sections"]``.
    """

    def sections(file: object) -> list[object]:
        return [render(file) for render in app.extensions.get("dangan.file_sections", [])]

    return sections
