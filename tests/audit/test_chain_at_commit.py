"""Events join the chain when their transaction commits: numbered in record order, forgotten on rollback,
and the chain lock is not held while the rest of the request runs."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from archive.audit import record
from archive.audit.models import AuditEvent
from archive.audit.recorder import pending_events
from archive.audit.verify import verify_log
from archive.extensions import db


def _actions() -> list[tuple[int, str]]:
    return list(db.session.execute(select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.seq)).all())


def test_events_are_numbered_in_record_order_at_commit(app):
    with app.app_context():
        first, second = record("file.view", target_id=1), record("file.search", target_id=2)
        assert first.seq is None and len(pending_events(db.session())) == 2  # not on the chain yet
        db.session.commit()
        assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
        assert verify_log(None).ok


def test_a_rollback_forgets_the_transactions_events(app):
    with app.app_context():
        record("file.view", target_id="kept")
        db.session.commit()
        record("file.update", target_id="lost")  # before any query: the transaction is begun for it
        db.session.rollback()
        record("file.search", target_id="next")
        db.session.commit()
        assert [a for _, a in _actions()] == ["file.view", "file.search"]
        assert verify_log(None).ok


def test_a_savepoints_rollback_keeps_the_events_around_it(app):
    with app.app_context():
        record("catalogue.import", target_id="outer")
        try:
            with db.session.begin_nested():
                record("material.create", target_id="inner attempt")
                raise ValueError("row refused")
        except ValueError:
            pass
        db.session.commit()
        assert [a for _, a in _actions()] == ["catalogue.import", "material.create"]


def test_the_chain_lock_is_taken_at_commit_not_at_record(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises whole transactions (BEGIN IMMEDIATE); the advisory lock is PostgreSQL's")
        record("file.view", target_id=1)
        db.session.execute(select(AuditEvent.id).limit(1))  # the request goes on reading and rendering
        held = db.session.scalar(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"))
        assert held == 0
        db.session.commit()
        assert _actions()[-1][1] == "file.view"
