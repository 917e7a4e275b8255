"""Anomaly rules: each flags what it should, nothing on ordinary work; acknowledging is itself audited."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from archive.accounts.models import User, UserRelative
from archive.audit import record
from archive.audit.models import AuditEvent, AuditFlag
from archive.extensions import db
from archive.oversight.rules import scan
from archive.roles import Role
from tests.conftest import login
from tests.helpers import post_form


def _at(app, hour_local: int) -> dt.datetime:
    # Asia/Shanghai is UTC+8 all year
    return dt.datetime(2026, 3, 2, (hour_local - 8) % 24, 15)


def _record_at(when: dt.datetime, action: str, **kw):  # type: ignore[no-untyped-def]
    """Record through the real API, with the clock set (events are immutable once flushed)."""
    import archive.audit.recorder as rec

    original = rec.utcnow
    rec.utcnow = lambda: when
    try:
        return record(action, **kw)
    finally:
        rec.utcnow = original


def flags(app) -> list[tuple[str, str]]:
    with app.app_context():
        scan()
        db.session.commit()
        return [(f.rule, f.username) for f in db.session.scalars(select(AuditFlag).order_by(AuditFlag.id))]


def test_ordinary_daytime_work_raises_nothing(app, factory):
    user = factory.user(Role.ARCHIVIST)
    file = factory.file("德胜")
    with app.app_context():
        for minute in range(30):
            _record_at(_at(app, 10) + dt.timedelta(minutes=minute * 3), "file.view", file=file,
                       user=db.session.get(User, user.id))
        db.session.commit()
    assert flags(app) == []


def test_off_hours_access_is_flagged_once_a_day(app, factory):
    user = factory.user(Role.ARCHIVIST)
    file = factory.file("德胜")
    with app.app_context():
        u = db.session.get(User, user.id)
        _record_at(_at(app, 23), "file.view", file=file, user=u)
        _record_at(_at(app, 23) + dt.timedelta(minutes=5), "file.view", file=file, user=u)
        _record_at(_at(app, 23), "auth.login", user=u)  # logging in is not reading personal data
        db.session.commit()
    assert flags(app) == [("OFF_HOURS", user.username)]


def test_bulk_viewing(app, factory):
    old = app.config.get("DANGAN_AUDIT_BULK_VIEWS", 100)
    app.config["DANGAN_AUDIT_BULK_VIEWS"] = 20
    try:
        user = factory.user(Role.APPROVER)
        file = factory.file("德胜")
        with app.app_context():
            u = db.session.get(User, user.id)
            for n in range(25):
                _record_at(_at(app, 10) + dt.timedelta(seconds=n * 10), "file.view", file=file, user=u)
            db.session.commit()
        assert flags(app) == [("BULK_VIEWING", user.username)]
    finally:
        app.config["DANGAN_AUDIT_BULK_VIEWS"] = old


def test_failed_login_burst_and_repeated_denials(app, client, factory):
    user = factory.user(Role.ARCHIVIST)
    for _ in range(6):
        login(client, user.username, "wrong-password-1")
    found = flags(app)
    assert ("FAILED_LOGIN_BURST", user.username) in found
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    login(client, clerk.username)
    for _ in range(6):
        client.get("/admin/users")
    assert ("REPEATED_DENIED", clerk.username) in flags(app)


def test_own_and_relative_files(app, client, factory):
    mine = factory.file("德胜")
    relative = factory.file("德胜")
    stranger = factory.file("德胜")
    user = factory.user(Role.ARCHIVIST)
    with app.app_context():
        u = db.session.get(User, user.id)
        u.id_number = mine.person.id_number
        u.relatives.append(UserRelative(id_number=relative.person.id_number, relation="配偶"))
        db.session.commit()
    login(client, user.username)
    for file in (mine, relative, stranger):
        client.get(f"/files/{file.id}")
    with app.app_context():
        scan()
        db.session.commit()
        stmt = select(AuditFlag).where(AuditFlag.rule == "OWN_OR_RELATIVE_FILE")
        found = {f.summary for f in db.session.scalars(stmt)}
    assert found == {f"{user.username} file.view {mine.archive_no}: own file",
                     f"{user.username} file.view {relative.archive_no}: relative (配偶)"}


def test_access_outside_lending_window(app, factory):
    user = factory.user(Role.APPROVER)
    file = factory.file("德胜")
    window = {"window_start": "2026-03-02T01:00:00", "window_end": "2026-03-02T03:00:00"}
    with app.app_context():
        u = db.session.get(User, user.id)
        _record_at(dt.datetime(2026, 3, 2, 2, 0), "file.view", file=file, user=u, reason="lending:7", details=window)
        _record_at(dt.datetime(2026, 3, 2, 5, 0), "file.view", file=file, user=u, reason="lending:7", details=window)
        db.session.commit()
    assert flags(app) == [("OUTSIDE_LENDING_WINDOW", user.username)]


def test_auditor_acknowledges_a_flag_and_that_is_an_event(app, client, factory):
    user = factory.user(Role.ARCHIVIST)
    file = factory.file("德胜")
    with app.app_context():
        _record_at(_at(app, 2), "file.view", file=file, user=db.session.get(User, user.id))
        db.session.commit()
    auditor = factory.user(Role.AUDITOR)
    login(client, auditor.username)
    page = client.get("/audit/flags").get_data(as_text=True)
    assert "OFF_HOURS" in page
    with app.app_context():
        flag = db.session.scalar(select(AuditFlag))
    response = post_form(client, "/audit/flags", f"/audit/flags/{flag.id}/acknowledge", note="值班查档，已核实")
    assert response.status_code == 302
    with app.app_context():
        flag = db.session.get(AuditFlag, flag.id)
        assert flag.status == "acknowledged" and flag.ack_by == auditor.username
        ack = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.flag_ack"))
        assert json.loads(ack.details)["note"] == "值班查档，已核实"
