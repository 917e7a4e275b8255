"""Reports (进度与规划): the progress dashboard and the work plan's §六 planning report.

``planning`` is pure arithmetic, ``counts`` and ``progress`` read the database (GROUP BY queries),
``charts`` draws SVG, ``exports`` and ``pdf`` write files, ``views`` and ``cli`` are the edges.
"""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Check the ``DANGAN_REPORTS_*`` settings; register the blueprint and ``dangan report``."""
    from archive.reports.cli import report_cli
    from archive.reports.settings import validate
    from archive.reports.views import bp

    validate(app.config)
    app.register_blueprint(bp)
    app.cli.add_command(report_cli)
