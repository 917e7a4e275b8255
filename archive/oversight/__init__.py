"""The security auditor's section (安全审计): events, timelines, exports, chain status, anomaly rules and flags.

Above every domain: it reads accounts, files and pages to explain the log; nothing below imports it.
"""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """The auditor's blueprint and the ``dangan audit`` commands."""
    from archive.oversight.cli import audit_cli
    from archive.oversight.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(audit_cli)
