"""Regression tests for the account and edge defects of issue 8 (items 1, 5, 6, 8, 9)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.accounts.models import User
from archive.extensions import db
from archive.roles import Role
from tests.conftest import TEST_PASSWORD, login
from tests.helpers import csrf_token, post_form

NEW_PASSWORD = "Fresh#pass2021"


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("dangan_session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def _replay(app: Flask, cookie: str) -> FlaskClient:
    """A fresh client (another machine) carrying a captured session cookie."""
    thief = app.test_client()
    thief.set_cookie("dangan_session", cookie)
    return thief


def _change_password(client: FlaskClient, current: str = TEST_PASSWORD, new: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return post_form(client, "/account/password", current=current, new=new, confirm=new)


# --- item 1: the password change must not crash the server -----------------------------------------


def test_password_change_keeps_the_session_and_the_server(app, client, factory):
    clerk = factory.user(Role.ARCHIVIST)
    login(client, clerk.username)
    response = _change_password(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/")  # the next request renders gettext: it recursed in flask_login before
    assert page.status_code == 200
    assert "密码已修改" in page.get_data(as_text=True)
    assert client.get("/files").status_code == 200  # still logged in, with the new session version
    fresh = app.test_client()
    assert login(fresh, clerk.username, NEW_PASSWORD).status_code == 302
    assert "用户名或密码错误" in login(app.test_client(), clerk.username).get_data(as_text=True)


def test_forced_password_change_of_a_new_account_in_english(app, client, factory):
    clerk = factory.user(Role.ARCHIVIST)
    with app.app_context():
        user = db.session.get(User, clerk.id)
        user.must_change_password, user.locale = True, "en"
        db.session.commit()
    login(client, clerk.username)
    page = client.get("/files", follow_redirects=True).get_data(as_text=True)
    assert "Please choose a new password" in page
    response = _change_password(client)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Your password has been changed." in page
    assert client.get("/files").status_code == 200


# --- item 5: sessions are revocable on the server -----------------------------------------------------


def test_logout_revokes_a_replayed_session_cookie(app, client, factory):
    clerk = factory.user(Role.ARCHIVIST)
    file = factory.file("德胜")
    login(client, clerk.username)
    assert client.get(f"/files/{file.id}").status_code == 200
    cookie = _session_cookie(client)
    assert _replay(app, cookie).get(f"/files/{file.id}").status_code == 200  # the replay works while logged in
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = _replay(app, cookie).get(f"/files/{file.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_password_change_revokes_other_sessions(app, client, factory):
    clerk = factory.user(Role.ARCHIVIST)
    other = app.test_client()
    login(other, clerk.username)
    stolen = _session_cookie(other)
    login(client, clerk.username)
    _change_password(client)
    assert _replay(app, stolen).get("/files").status_code == 302
    assert other.get("/files").status_code == 302
    assert client.get("/files").status_code == 200  # the session that changed it lives on


def test_disable_revokes_a_replayed_session_cookie(app, client, factory):
    admin = factory.user(Role.ADMIN)
    clerk = factory.user(Role.ARCHIVIST)
    victim = app.test_client()
    login(victim, clerk.username)
    stolen = _session_cookie(victim)
    login(client, admin.username)
    post_form(client, "/admin/users", f"/admin/users/{clerk.id}/active", active="0")
    assert _replay(app, stolen).get("/files").status_code == 302


# --- item 8: throttle per (IP, user name), the same answer for every name ----------------------------


def _login_from(app: Flask, ip: str, username: str, password: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return login(client, username, password)


def _error_text(response) -> str:  # type: ignore[no-untyped-def]
    import re

    return " ".join(re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True)))


def test_throttle_answers_alike_for_real_and_unknown_names(app, factory):
    real = factory.user(Role.ADMIN)
    limit = app.config["DANGAN_LOGIN_MAX_FAILURES"]
    answers = {}
    for name in (real.username, "nosuchuser"):
        for _ in range(limit):
            response = _login_from(app, "10.0.0.66", name, "wrong-password-1")
            assert response.status_code == 200 and "用户名或密码错误" in _error_text(response)
        answers[name] = _login_from(app, "10.0.0.66", name, "wrong-password-1")
    real_answer, unknown_answer = answers[real.username], answers["nosuchuser"]
    assert real_answer.status_code == unknown_answer.status_code == 429
    assert _error_text(real_answer) == _error_text(unknown_answer) != ""
    assert "失败次数过多" in _error_text(real_answer) and "锁定" not in real_answer.get_data(as_text=True)
    # The throttled address is refused even with the right password…
    assert _login_from(app, "10.0.0.66", real.username, TEST_PASSWORD).status_code == 429
    # …but the account is not locked: its owner logs in from another address.
    assert _login_from(app, "10.0.0.7", real.username, TEST_PASSWORD).status_code == 302


def test_throttle_ends_after_the_window_and_failures_stay_audited(app, factory):
    import datetime as dt
    import json

    from archive.accounts.models import LoginFailure
    from archive.audit.models import AuditEvent

    clerk = factory.user(Role.ARCHIVIST)
    limit = app.config["DANGAN_LOGIN_MAX_FAILURES"]
    for _ in range(limit + 1):
        _login_from(app, "10.0.0.66", clerk.username, "wrong-password-1")
    assert _login_from(app, "10.0.0.66", clerk.username, TEST_PASSWORD).status_code == 429
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login",
                                                                   AuditEvent.outcome == "failed")))
        reasons = [json.loads(e.details)["reason"] for e in events]
        assert reasons == ["bad_password"] * limit + ["throttled"] * 2
        assert {e.ip for e in events} == {"10.0.0.66"}
        window = dt.timedelta(minutes=app.config["DANGAN_LOGIN_LOCK_MINUTES"], seconds=1)
        for failure in db.session.scalars(select(LoginFailure)):
            failure.at -= window  # the clock moves on
        db.session.commit()
    assert _login_from(app, "10.0.0.66", clerk.username, TEST_PASSWORD).status_code == 302


def test_unknown_names_cost_a_password_verification_too(app, factory, monkeypatch):
    import archive.accounts.operations as operations

    calls = []
    real_verify = operations.verify_password

    def counting(stored_hash, password):  # type: ignore[no-untyped-def]
        calls.append(stored_hash)
        return real_verify(stored_hash, password)

    monkeypatch.setattr(operations, "verify_password", counting)  # a spy: the real check still runs
    _login_from(app, "10.0.0.9", "nosuchuser", "wrong-password-1")
    assert calls == [None]  # verified against the dummy hash, as long as for a real name


# --- item 9: NUL bytes are refused at the edge --------------------------------------------------------


NUL_URLS = {
    Role.ARCHIVIST: ["/files?name=%00", "/files?archive_no=A%00B", "/search?q=%E5%BC%A0%00", "/files/%00",
                     "/ingest/jobs?status=%00"],
    Role.ADMIN: ["/admin/users?q=%00"],
    Role.AUDITOR: ["/audit/?user=%00", "/audit/files/X%00Y", "/audit/users/a%00b", "/audit/export.csv?ip=%00"],
}


@pytest.mark.parametrize("role", list(NUL_URLS))
def test_nul_bytes_in_filters_and_paths_are_a_translated_400(app, factory, role):
    user = factory.user(role)
    client = app.test_client()
    login(client, user.username)
    for url in NUL_URLS[role]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert "不允许" in response.get_data(as_text=True), url


def test_nul_byte_in_the_login_name_is_a_400_and_is_audited(app, client):
    from archive.audit.models import AuditEvent

    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": "admin\x00", "password": "x", "csrf_token": token})
    assert response.status_code == 400
    assert "不允许" in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.denied"))
        assert '"reason":"nul byte"' in event.details and "\x00" not in event.details
    assert client.get("/login").status_code == 200  # the next request is fine


def test_nul_byte_error_page_in_english(app, factory):
    user = factory.user(Role.ARCHIVIST)
    with app.app_context():
        db.session.get(User, user.id).locale = "en"
        db.session.commit()
    client = app.test_client()
    login(client, user.username)
    response = client.get("/files?name=%00")
    assert response.status_code == 400
    assert "not allowed (a NUL byte)" in response.get_data(as_text=True)
