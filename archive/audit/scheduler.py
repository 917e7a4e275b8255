"""Periodic audit work inside ``dangan serve``: anchor the chain head and run the anomaly rules.

District deployments may instead run ``dangan audit anchor`` and ``dangan audit scan``
from cron; both paths use the same functions.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from archive.audit.anchors import write_anchor
from archive.audit.recorder import record
from archive.audit.rules import scan
from archive.extensions import db

__all__ = ["run_once", "start"]

log = logging.getLogger(__name__)


def run_once(app: Flask) -> None:
    """One round: anchor (if the head moved) and scan.  Failures are logged, never fatal."""
    from archive.objects import get_store

    with app.app_context():
        try:
            anchor = write_anchor(get_store())
            if anchor is not None:
                record("audit.anchor", details={"seq": anchor.seq, "hash": anchor.hash, "key": anchor.key})
            scan()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduled audit round failed; it will be retried")
        finally:
            db.session.remove()


def start(app: Flask) -> threading.Event:
    """Start the daemon thread; set the returned event to stop it."""
    minutes = float(app.config.get("DANGAN_AUDIT_ANCHOR_MINUTES", 15))
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(minutes * 60):
            run_once(app)

    threading.Thread(target=loop, name="dangan-audit", daemon=True).start()
    log.info("audit anchors every %s minutes", minutes)
    return stop
