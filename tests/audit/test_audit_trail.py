"""Events for reads, writes, denials and failures; append-only; tamper detection through ``dangan audit verify``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from archive.audit import AuditWriteRefused, record
from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.roles import Role
from tests.conftest import login
from tests.helpers import csrf_token, post_form


def events(app, **where) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).order_by(AuditEvent.seq)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, key) == value)
        return list(db.session.scalars(stmt))


def verify(app) -> tuple[int, dict]:
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--json"])
    return result.exit_code, json.loads(result.output)


def test_login_logout_and_failed_login_are_recorded(app, client, factory):
    user = factory.user(Role.ARCHIVIST)
    login(client, user.username, "bad-password-1")
    login(client, user.username)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    logins = events(app, action="auth.login")
    assert [(e.outcome, e.username) for e in logins] == [("failed", user.username), ("ok", user.username)]
    assert json.loads(logins[0].details)["reason"] == "bad_password"
    assert events(app, action="auth.logout")[0].user_id == user.id
    login(client, "nobody-here", "whatever-1")
    unknown = events(app, action="auth.login", outcome="failed")[-1]
    assert unknown.user_id is None and json.loads(unknown.details)["username"] == "nobody-here"


def test_search_and_file_view_record_who_what_where(app, client, factory):
    file = factory.file("德胜")
    user = factory.user(Role.ARCHIVIST, "德胜")
    login(client, user.username)
    response = client.get("/files?name=张", headers={"User-Agent": "TestBrowser/1.0"})
    search = events(app, action="file.search")[-1]
    assert search.request_id == response.headers["X-Request-ID"]
    details = json.loads(search.details)
    assert details["filters"] == {"name": "张"} and details["results"] == 1
    assert (search.username, search.role, search.scope, search.ip, search.user_agent) == (
        user.username, "archivist", "德胜", "127.0.0.1", "TestBrowser/1.0")
    client.get(f"/files/{file.id}")
    view = events(app, action="file.view")[-1]
    assert (view.file_id, view.person_id, view.archive_no) == (file.id, file.person_id, file.archive_no)


def test_material_update_records_before_and_after(app, client, factory):
    file = factory.file("德胜")
    material = file.materials[0]
    login(client, factory.user(Role.ARCHIVIST).username)
    post_form(client, f"/materials/{material.id}/edit", class_code="1", seq="1", title="新名称",
              formed="1980", pages="5", remarks="", original_label="一")
    event = events(app, action="material.update")[-1]
    details = json.loads(event.details)
    assert details["before"] == {"title": material.title, "pages": 2, "formed": material.formed,
                                 "original_label": ""}
    assert details["after"] == {"title": "新名称", "pages": 5, "formed": "1980", "original_label": "一"}
    assert event.archive_no == file.archive_no and event.target_id == str(material.id)


def test_denied_access_is_recorded(app, client, factory):
    other = factory.file("月坛")
    user = factory.user(Role.ARCHIVIST, "德胜")
    login(client, user.username)
    assert client.get(f"/files/{other.id}").status_code == 403
    assert client.get("/admin/users").status_code == 403
    denied = events(app, action="access.denied")
    assert [json.loads(e.details)["path"] for e in denied] == [f"/files/{other.id}", "/admin/users"]
    assert all(e.outcome == "denied" and e.username == user.username for e in denied)


def test_csrf_failure_and_anonymous_access_are_recorded(app, client, factory):
    client.get("/files")
    assert events(app, action="access.denied")[-1].details.count("not logged in") == 1
    user = factory.user(Role.ARCHIVIST)
    login(client, user.username)
    client.post("/logout", data={})
    assert "csrf" in events(app, action="access.denied")[-1].details


def test_forged_request_id_is_not_trusted(app, client, factory):
    login(client, factory.user(Role.APPROVER).username)
    response = client.get("/files", headers={"X-Request-ID": "forged-0001"})
    event = events(app, action="file.search")[-1]
    assert event.request_id != "forged-0001" and event.request_id == response.headers["X-Request-ID"]
    assert json.loads(event.details)["filters"] == {}
    # a replayed id twice gives two different server ids
    client.get("/files", headers={"X-Request-ID": "forged-0001"})
    ids = [e.request_id for e in events(app, action="file.search")[-2:]]
    assert len(set(ids)) == 2


def test_events_cannot_be_changed_or_deleted(app):
    with app.app_context():
        record("test.event")
        db.session.commit()
        event = db.session.scalar(select(AuditEvent))
        event.username = "changed"
        with pytest.raises(AuditWriteRefused):
            db.session.flush()
        db.session.rollback()
        event = db.session.scalar(select(AuditEvent))
        db.session.delete(event)
        with pytest.raises(AuditWriteRefused):
            db.session.flush()
        db.session.rollback()
        # below the ORM, the database itself refuses (trigger)
        for statement in ("UPDATE audit_events SET username = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
                db.session.execute(text(statement))
        assert db.session.scalar(select(AuditEvent.username)) not in ("x", None)


def _disable_guard(app):
    """What an attacker with database access does first."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))


def _some_events(app, client, factory, n_views: int = 3):
    file = factory.file("德胜")
    login(client, factory.user(Role.ARCHIVIST).username)
    for _ in range(n_views):
        client.get(f"/files/{file.id}")
    return file


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert", "truncate"])
def test_tampering_is_detected_by_verify(app, client, factory, tamper):
    _some_events(app, client, factory)
    code, report = verify(app)
    assert code == 0 and report["ok"] is True and report["events"] >= 4
    assert app.test_cli_runner().invoke(args=["audit", "anchor"]).exit_code == 0
    with app.app_context():
        target = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "file.view").order_by(AuditEvent.seq))
        seq = target.seq
        last = db.session.scalar(select(func.max(AuditEvent.seq)))
        _disable_guard(app)
        if tamper == "edit":
            db.session.execute(text("UPDATE audit_events SET username = 'ghost' WHERE seq = :s"), {"s": seq})
        elif tamper == "delete":
            db.session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": seq})
        elif tamper == "insert":
            db.session.execute(text("UPDATE audit_events SET seq = seq + 1000000 WHERE seq > :s"), {"s": seq})
            db.session.execute(text("UPDATE audit_events SET seq = seq - 1000000 + 1 WHERE seq > 1000000"))
            forged = {c: getattr(target, c) for c in ("occurred_at", "request_id", "user_id", "username", "role",
                                                          "scope", "ip", "user_agent", "action", "outcome",
                                                          "target_type", "target_id", "file_id", "person_id",
                                                          "archive_no", "reason", "details")}
            from archive.audit.chain import event_hash

            forged.update(seq=seq + 1, prev_hash=target.hash, action="file.update")
            forged["hash"] = event_hash(forged)
            db.session.add(AuditEvent(**forged))
        elif tamper == "truncate":
            db.session.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": last - 2})
        db.session.commit()
    code, report = verify(app)
    assert code == 1 and report["ok"] is False
    broken = report["first_broken"]
    assert {"seq", "id", "time", "problem"} <= set(broken)
    # truncate: the anchor was written at the head before the "audit.anchor" event itself (= last)
    # insert: the forged event links correctly to its predecessor; the event after it no longer does
    expected = {"edit": seq, "delete": seq + 1, "insert": seq + 2, "truncate": last - 1}
    assert broken["seq"] == expected[tamper], broken


def test_restored_old_database_copy_is_detected(tmp_path):
    """An older copy of the whole database looks intact on its own; the anchor says otherwise."""
    import shutil

    from flask_migrate import upgrade

    from tests.conftest import make_app

    db_file = tmp_path / "live.sqlite3"
    app = make_app(tmp_path, f"sqlite:///{db_file}")
    with app.app_context():
        upgrade()
        for n in range(5):
            record("file.view", target_id=n)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    shutil.copy(db_file, tmp_path / "backup.sqlite3")
    with app.app_context():
        for n in range(5):
            record("file.view", target_id=n + 5)
        db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    assert runner.invoke(args=["audit", "verify", "--json"]).exit_code == 0
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.copy(tmp_path / "backup.sqlite3", db_file)
    result = runner.invoke(args=["audit", "verify", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 1 and "truncated or an old copy restored" in report["first_broken"]["problem"]
    with app.app_context():
        db.engine.dispose()


def test_read_is_recorded_even_when_the_page_then_fails(tmp_path):
    from flask_migrate import upgrade

    from archive.access import requires
    from tests.conftest import make_app

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'e.sqlite3'}")

    @app.route("/boom")
    @requires(*Role)
    def boom():  # type: ignore[no-untyped-def]
        record("file.view", target_type="file", target_id="42", archive_no="XC-42")
        raise RuntimeError("template exploded")

    with app.app_context():
        upgrade()
        from archive.accounts.operations import create_user

        create_user("reader", "Test#pass2020", Role.ARCHIVIST)
        db.session.commit()
    client = app.test_client()
    login(client, "reader")
    response = client.get("/boom")
    assert response.status_code == 500 and "Traceback" not in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "file.view"))
        assert event.outcome == "error" and event.archive_no == "XC-42"
        db.engine.dispose()
