"""Periodic audit work inside ``dangan serve``: anchor the chain head and run the anomaly rules.

District deployments may instead run ``dangan audit anchor`` and ``dangan audit scan``
from cron; both paths use the same functions.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from archive.audit.anchors import anchor_now
from archive.audit.recorder import anchor_due, record
from archive.extensions import db
from archive.objects import get_store
from archive.oversight.rules import scan
from archive.pages.fixity import verify_storage

__all__ = ["run_once", "start"]

log = logging.getLogger(__name__)


def run_once(app: Flask, *, rules: bool = True) -> None:
    """One round: anchor (if the head moved) and, unless ``rules`` is false, scan.  Failures are logged."""
    with app.app_context():
        try:
            anchor_now()
            db.session.commit()
            if rules:
                scan()
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduled audit round failed; it will be retried")
        finally:
            db.session.remove()


def verify_storage_once(app: Flask) -> None:
    """Re-hash every stored page (``dangan storage verify``) and record the result as an audit event."""
    with app.app_context():
        try:
            report = verify_storage(get_store())
            db.session.rollback()
            record("storage.verify", outcome="ok" if report.ok else "failed",
                   details={"pages": report.pages, "missing": len(report.missing), "altered": len(report.altered),
                            "orphaned": len(report.orphaned), "leftover_uploads": len(report.leftover_uploads),
                            "scheduled": True})
            db.session.commit()
            if not report.ok:
                log.error("storage verify: %d missing, %d altered, %d orphaned objects, %d leftover uploads",
                          len(report.missing), len(report.altered), len(report.orphaned),
                          len(report.leftover_uploads))
        except Exception:
            db.session.rollback()
            log.exception("scheduled storage verify failed; it will be retried")
        finally:
            db.session.remove()


def start(app: Flask) -> threading.Event:
    """Start the daemon threads (anchors + anomaly scan; storage fixity); set the returned event to stop them."""
    minutes = float(app.config.get("DANGAN_AUDIT_ANCHOR_MINUTES", 1))
    verify_hours = float(app.config.get("DANGAN_STORAGE_VERIFY_HOURS", 24))
    stop = threading.Event()

    def loop() -> None:
        # Woken every `minutes`, or at once when DANGAN_AUDIT_ANCHOR_EVERY more events were recorded;
        # the anomaly rules run on the timer only.
        while not stop.is_set():
            kicked = anchor_due.wait(minutes * 60)
            anchor_due.clear()
            if stop.is_set():
                break
            run_once(app, rules=not kicked)

    def fixity() -> None:
        while not stop.wait(verify_hours * 3600):
            verify_storage_once(app)

    threading.Thread(target=loop, name="dangan-audit", daemon=True).start()
    if verify_hours > 0:
        threading.Thread(target=fixity, name="dangan-fixity", daemon=True).start()
    log.info("audit anchors every %s minutes and every %s events; storage verify every %s hours", minutes,
             app.config.get("DANGAN_AUDIT_ANCHOR_EVERY", 100), verify_hours or "never")
    return stop
