"""Time helpers: everything is stored in UTC and shown in Asia/Shanghai by Flask-Babel."""

from __future__ import annotations

import datetime as dt

__all__ = ["utcnow"]


def utcnow() -> dt.datetime:
    """Naive UTC now; naive because SQLite keeps no zone and both databases must agree."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
