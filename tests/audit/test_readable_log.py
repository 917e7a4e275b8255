"""Issue 8, item 22: the audit log reads in words of the reader's language; bursts of thumbnails fold into one row.

Every event is still stored and exported one by one; only the auditor's tables change.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from archive.accounts.models import User
from archive.audit.models import AuditEvent, AuditFlag
from archive.extensions import db
from archive.oversight.display import event_rows
from archive.oversight.rules import scan
from archive.roles import Role
from tests.audit.test_rules import _record_at
from tests.conftest import login
from tests.helpers import post_form

CJK = re.compile(r"[\u3400-\u9fff]")


def _cells(html: str, testid: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", m) for m in re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</td>', html, re.S)]


def _burst(app, factory, n: int = 12):  # type: ignore[no-untyped-def]
    """An archivist pages through ``n`` thumbnails of one file, then opens the home page."""
    clerk = factory.user(Role.ARCHIVIST)
    file = factory.file("德胜")
    start = dt.datetime(2026, 3, 2, 2, 0)
    with app.app_context():
        user = db.session.get(User, clerk.id)
        user.display_name = "档案员 钱程"
        for i in range(n):
            _record_at(start + dt.timedelta(seconds=i), "page.thumb", file=file, user=user,
                       target_type="page", target_id=100 + i)
        _record_at(start + dt.timedelta(minutes=1), "http.get", user=user, target_type="endpoint",
                   target_id="web.home")
        db.session.commit()
    return clerk, file


def _auditor(client, factory, locale: str):  # type: ignore[no-untyped-def]
    auditor = factory.user(Role.AUDITOR)
    login(client, auditor.username)
    if locale != "zh_CN":
        post_form(client, "/", "/language", locale=locale)
    return auditor


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_actions_targets_and_people_read_in_the_readers_language(app, client, factory, locale):
    clerk, file = _burst(app, factory)
    _auditor(client, factory, locale)
    html = client.get(f"/audit/?user={clerk.username}").get_data(as_text=True)
    actions = _cells(html, "event-action")
    assert len(actions) == 2  # twelve thumbnails in one row, the home page in another
    joined = " ".join(actions)
    if locale == "zh_CN":
        assert "查看缩略图 × 12" in joined and "打开页面" in joined and "首页" in joined
    else:
        assert "Viewed a thumbnail × 12" in joined and "Opened a page" in joined and "Home page" in joined
        assert not CJK.search(joined), joined
        assert "Archivist" in html
    # the raw codes are not what the reader reads (they stay as a tooltip and in the export)
    assert "page.thumb ×" not in joined and not re.search(r">\s*http\.get\s*<", html)
    assert "档案员 钱程" in html  # the person's name beside the account


def test_a_burst_expands_to_every_event_and_the_export_keeps_each(app, client, factory):
    clerk, file = _burst(app, factory, n=9)
    _auditor(client, factory, "zh_CN")
    html = client.get(f"/audit/?user={clerk.username}").get_data(as_text=True)
    group = html.split('data-testid="event-group"')[1].split("</details>")[0]
    with app.app_context():
        seqs = db.session.scalars(select(AuditEvent.seq).where(AuditEvent.username == clerk.username,
                                                               AuditEvent.action == "page.thumb")).all()
    assert len(seqs) == 9 and all(f"#{s}<" in group for s in seqs)
    assert 'data-count="9"' in html
    response = client.get(f"/audit/export.csv?user={clerk.username}", buffered=True)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sum(1 for r in rows[1:] if r[6] == "page.thumb") == 9


def test_bursts_break_on_another_file_person_outcome_or_a_pause(app, factory):
    clerk = factory.user(Role.ARCHIVIST)
    a, b = factory.file("德胜"), factory.file("德胜")
    t = dt.datetime(2026, 3, 2, 2, 0)
    with app.app_context():
        user = db.session.get(User, clerk.id)
        plan = [(a, 0, "ok"), (a, 1, "ok"), (b, 2, "ok"), (b, 3, "denied"), (b, 4, "denied"), (b, 900, "denied")]
        for file, seconds, outcome in plan:
            _record_at(t + dt.timedelta(seconds=seconds), "page.thumb", file=file, user=user, outcome=outcome)
        db.session.commit()
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.username == clerk.username)
                                         .order_by(AuditEvent.seq.desc())))
        assert [row.count for row in event_rows(events)] == [1, 2, 1, 2]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_anomaly_flags_are_stored_as_rule_and_figures_and_said_in_the_readers_language(app, client, factory,
                                                                                      locale):
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    login(client, clerk.username)
    for _ in range(6):
        client.get("/admin/users")  # refused each time
    with app.app_context():
        scan()
        db.session.add(AuditFlag(rule="BULK_VIEWING", event_seq=1, username=clerk.username,
                                 occurred_at=dt.datetime(2026, 1, 1), summary="legacy plain summary"))
        db.session.commit()
        flag = db.session.scalar(select(AuditFlag).where(AuditFlag.rule == "REPEATED_DENIED"))
        assert flag.params == {"kind": "user", "who": clerk.username, "count": 6, "minutes": 10}
    client = app.test_client()
    _auditor(client, factory, locale)
    html = client.get("/audit/flags").get_data(as_text=True)
    summaries = _cells(html, "flag-summary")
    denied = next(s for s in summaries if clerk.username in s)
    if locale == "zh_CN":
        assert "10 分钟内被拒绝访问 6 次" in denied
    else:
        assert "6 refused accesses within 10 minutes" in denied and not CJK.search(denied)
    assert any("legacy plain summary" in s for s in summaries)  # a flag from before parameters reads as stored


def test_every_recorded_action_has_a_label():
    """A new ``record("x.y")`` without a label would show its raw code to the auditor."""
    import pathlib

    from archive.oversight.labels import ACTION_LABELS

    root = pathlib.Path(__file__).resolve().parents[2] / "archive"
    found = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'\brecord\(\s*"([a-z_]+\.[a-z_]+)"', text))
        found |= set(re.findall(r'\b(?:_record|record_for_job)\(\s*\w+,\s*"([a-z_]+\.[a-z_]+)"', text))
    found |= {"user.request_confirm", "user.request_reject", "http.get", "http.post"}
    assert found and found - set(ACTION_LABELS) == set()


def test_every_endpoint_has_a_label(app):
    from archive.oversight.labels import ENDPOINT_LABELS

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - set(ENDPOINT_LABELS) == set()


def test_unknown_codes_show_as_stored(app):
    from archive.oversight.labels import action_label, endpoint_label, outcome_label

    with app.test_request_context():
        assert action_label("lending.future") == "lending.future"
        assert endpoint_label("x.y") == "x.y" and outcome_label("odd") == "odd"
