"""The unit of work: a request, a command or a job commits once, at its end; operations only flush.

Indico's ``RH.process`` shape: the view (or command, or job step) calls operations, which
change rows and record their events; the boundary then commits the lot, or rolls it back
when anything raised.  Work that must only happen once the change is durable — handing a
job to the queue, which reads it from another connection — is registered with
:func:`after_commit` and runs after the boundary's commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import g, has_request_context

from archive.extensions import db

__all__ = ["after_commit", "commit"]

log = logging.getLogger(__name__)


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once this request's transaction has committed (at once outside a request)."""
    if has_request_context():
        g.setdefault("dangan_after_commit", []).append(callback)
    else:
        callback()


def commit() -> None:
    """Commit the unit of work, then run what waited for it; on a failed commit roll back and re-raise."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for callback in g.pop("dangan_after_commit", []) if has_request_context() else []:
        callback()
