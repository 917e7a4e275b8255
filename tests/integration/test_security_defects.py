"""Regression tests for the account and edge defects of issue 8 (items 1, 5, 6, 8, 9)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.accounts.models import Role, User
from archive.extensions import db
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
