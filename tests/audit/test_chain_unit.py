"""The chain walk on plain rows: each kind of tampering is found at the right event."""

from __future__ import annotations

import datetime as dt

from archive.audit.chain import GENESIS, Anchor, event_hash, walk


def make_chain(n: int) -> list[dict]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        row = {
            "id": seq, "seq": seq, "occurred_at": dt.datetime(2026, 1, 1, 8, 0, seq), "request_id": f"r{seq}",
            "user_id": 1, "username": "li", "role": "archivist", "scope": "", "ip": "10.0.0.1", "user_agent": "x",
            "action": "file.view", "outcome": "ok", "target_type": "file", "target_id": str(seq), "file_id": seq,
            "person_id": seq, "archive_no": f"XC-{seq}", "reason": "", "details": "{}", "prev_hash": prev,
        }
        row["hash"] = event_hash(row)
        prev = row["hash"]
        rows.append(row)
    return rows


def test_intact_chain():
    report = walk(make_chain(10))
    assert report.ok and report.events == 10 and report.head_seq == 10


def test_edited_field_is_found():
    rows = make_chain(10)
    rows[4]["username"] = "someone-else"
    report = walk(rows)
    assert not report.ok and report.first_break.seq == 5 and "altered" in report.first_break.problem


def test_deleted_row_is_found():
    rows = make_chain(10)
    del rows[6]
    report = walk(rows)
    assert report.first_break.seq == 8 and "deleted" in report.first_break.problem


def test_inserted_row_is_found_even_with_recomputed_hash():
    rows = make_chain(10)
    forged = dict(rows[3], id=99, action="file.update")
    forged["hash"] = event_hash(forged)
    rows.insert(4, forged)
    report = walk(rows)
    assert not report.ok and report.first_break.seq == 4


def test_rewritten_tail_is_caught_by_anchor():
    rows = make_chain(10)
    anchors = [Anchor(8, rows[7]["hash"], "2026-01-01T00:00:00Z")]
    # a forger edits event 3 and recomputes every later hash: the chain alone looks fine
    rows[2]["username"] = "ghost"
    prev = rows[1]["hash"]
    for row in rows[2:]:
        row["prev_hash"] = prev
        row["hash"] = event_hash(row)
        prev = row["hash"]
    assert walk(rows).ok
    report = walk(rows, anchors)
    assert not report.ok and report.anchor_breaks[0].seq == 8 and "rewritten" in report.anchor_breaks[0].problem


def test_truncation_is_caught_by_anchor():
    rows = make_chain(10)
    anchors = [Anchor(10, rows[9]["hash"], "2026-01-01T00:00:00Z")]
    report = walk(rows[:7], anchors)
    assert not report.ok and "truncated" in report.as_dict()["first_broken"]["problem"]
