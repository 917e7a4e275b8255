"""Anchors cannot be outrun (issue 8 item 7): written every N events and every minute, each one recorded in the
chain as an ``audit.anchor`` event, kept in a sink of their own (a second S3 bucket here, on a real SeaweedFS
server), and missing anchors that the chain names make verify fail — even after the log was re-chained."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select, text

from archive.audit.anchors import PREFIX, anchor_now
from archive.audit.chain import event_hash
from archive.audit.models import AuditEvent
from archive.audit.recorder import anchor_due, record
from archive.extensions import db
from storage import open_store
from tests.storage.weed import WeedServer, find_weed

needs_weed = pytest.mark.skipif(find_weed() is None, reason="weed not installed")


@pytest.fixture(scope="module")
def weed(tmp_path_factory):
    server = WeedServer(tmp_path_factory.mktemp("weed-anchors"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sink_app(app, weed):
    """The app writing anchors to a bucket of their own, apart from the page store."""
    url = weed.url(f"anchors-{uuid.uuid4().hex[:12]}")
    old = {k: app.config.get(k) for k in ("DANGAN_AUDIT_ANCHOR_URL", "DANGAN_AUDIT_ANCHOR_EVERY")}
    app.config["DANGAN_AUDIT_ANCHOR_URL"] = url
    app.extensions["dangan.anchor_store"] = open_store(url)
    yield app
    app.config.update(old)
    app.extensions.pop("dangan.anchor_store", None)


def _verify(app) -> tuple[int, dict]:
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--json"])
    return result.exit_code, json.loads(result.output)


def _events(app, n: int, start: int = 0) -> None:
    with app.app_context():
        for i in range(n):
            record("file.view", target_id=start + i)
        db.session.commit()


def _rechain_from(app, seq: int) -> None:
    """The attacker with database access: alter event ``seq`` and recompute every hash after it."""
    from tests.audit.test_audit_trail import _disable_guard

    with app.app_context():
        _disable_guard(app)
        db.session.execute(text("UPDATE audit_events SET username = 'ghost' WHERE seq = :s"), {"s": seq})
        rows = db.session.execute(select(AuditEvent.__table__).where(AuditEvent.seq >= seq - 1)
                                  .order_by(AuditEvent.seq)).mappings().all()
        prev = rows[0]["hash"]
        for row in rows[1:]:
            fixed = dict(row, prev_hash=prev)
            fixed["hash"] = event_hash(fixed)
            db.session.execute(text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                               {"p": prev, "h": fixed["hash"], "s": row["seq"]})
            prev = fixed["hash"]
        db.session.commit()


@needs_weed
@pytest.mark.slow
def test_anchors_go_to_their_own_sink_and_are_recorded_in_the_chain(sink_app):
    _events(sink_app, 3)
    assert sink_app.test_cli_runner().invoke(args=["audit", "anchor"]).exit_code == 0
    _events(sink_app, 3, 3)
    with sink_app.app_context():
        assert anchor_now() is not None
        db.session.commit()
        assert anchor_now() is None  # nothing since the last anchor: nothing written
        keys = [i.key for i in sink_app.extensions["dangan.anchor_store"].list(PREFIX)]
        page_store_keys = [i.key for i in sink_app.extensions["dangan.store"].list(PREFIX)]
    assert len(keys) == 2 and page_store_keys == []
    code, report = _verify(sink_app)
    assert code == 0 and report["ok"] and report["anchors_checked"] == 2 and report["anchors_recorded"] == 2


@needs_weed
@pytest.mark.slow
def test_deleting_anchors_and_rechaining_is_detected(sink_app):
    _events(sink_app, 4)
    runner = sink_app.test_cli_runner()
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    _events(sink_app, 4, 4)
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    _events(sink_app, 2, 8)
    assert _verify(sink_app)[0] == 0
    sink = sink_app.extensions["dangan.anchor_store"]
    keys = sorted(i.key for i in sink.list(PREFIX))
    for key in keys:  # the attack: the app's own credentials delete the anchors …
        sink.delete(key)
    _rechain_from(sink_app, 2)  # … and the log is edited and re-chained
    code, report = _verify(sink_app)
    assert code == 1 and report["ok"] is False and report["anchors_checked"] == 0
    assert report["missing_anchors"] == keys
    assert "missing from the anchor store" in report["first_broken"]["problem"] or report["first_broken"]["seq"] == 2


@needs_weed
@pytest.mark.slow
def test_a_rewritten_anchor_event_does_not_match_the_sink(sink_app):
    _events(sink_app, 3)
    assert sink_app.test_cli_runner().invoke(args=["audit", "anchor"]).exit_code == 0
    _events(sink_app, 1, 3)
    _rechain_from(sink_app, 2)  # anchors left alone: the anchored event's hash no longer matches
    code, report = _verify(sink_app)
    assert code == 1 and "rewritten" in json.dumps(report)


def test_every_n_events_wakes_the_anchor_writer(app):
    app.config["DANGAN_AUDIT_ANCHOR_EVERY"], old = 5, app.config.get("DANGAN_AUDIT_ANCHOR_EVERY")
    try:
        anchor_due.clear()
        with app.app_context():
            for n in range(12):  # one transaction per event: each is numbered when it commits
                event = record("file.view", target_id=n)
                db.session.commit()
                assert anchor_due.is_set() == (event.seq % 5 == 0), event.seq
                anchor_due.clear()
    finally:
        app.config["DANGAN_AUDIT_ANCHOR_EVERY"] = old
        anchor_due.clear()


def test_defaults_anchor_every_minute_and_hundred_events(tmp_path):
    from archive.config import load_config

    config = load_config(str(tmp_path), {})
    assert config["DANGAN_AUDIT_ANCHOR_MINUTES"] == 1 and config["DANGAN_AUDIT_ANCHOR_EVERY"] == 100
