"""Log-in, lock-out, sessions, admin user management."""

from __future__ import annotations

from sqlalchemy import select

from archive.accounts.models import User
from archive.extensions import db
from archive.roles import Role
from tests.conftest import login
from tests.helpers import csrf_token, post_form


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    assert 'lang="zh-CN"' in page


def test_anonymous_is_sent_to_login(client):
    response = client.get("/files")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_and_logout(client, factory):
    user = factory.user(Role.ARCHIVIST)
    response = login(client, user.username)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_message(client, factory):
    user = factory.user(Role.ARCHIVIST)
    response = login(client, user.username, "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, factory):
    user = factory.user(Role.ARCHIVIST)
    response = client.post("/login", data={"username": user.username, "password": "x"})
    assert response.status_code == 400


def test_open_redirect_is_ignored(client, factory):
    user = factory.user(Role.ARCHIVIST)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": user.username, "password": "Test#pass2020", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_passwords_are_argon2(app, factory):
    user = factory.user(Role.APPROVER)
    assert user.password_hash.startswith("$argon2id$")


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app, factory):
    from tests.conftest import make_app

    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    # Secure is the default outside tests (tests run over plain HTTP).
    from archive.config import load_config

    assert load_config(app.instance_path, {"DANGAN_SECRET_KEY": "x"})["SESSION_COOKIE_SECURE"] is True
    assert make_app  # imported for symmetry with other tests


def test_admin_creates_user_who_must_change_password(app, client, factory):
    admin = factory.user(Role.ADMIN)
    login(client, admin.username)
    response = post_form(
        client, "/admin/users/new", username="newclerk", display_name="新 档案员", role="archivist",
        street="德胜", person_archive_no="", locale="zh_CN", password="Brand#new2020",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        created = db.session.scalar(select(User).where(User.username == "newclerk"))
        assert created.street == "德胜" and created.role == "archivist" and created.must_change_password
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "newclerk", "Brand#new2020")
    response = client.get("/files")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"


def test_admin_form_rejects_weak_password_and_bad_scope(client, factory):
    admin = factory.user(Role.ADMIN)
    login(client, admin.username)
    response = post_form(
        client, "/admin/users/new", username="x1", display_name="X", role="auditor",
        street="德胜", person_archive_no="", locale="zh_CN", password="short",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="error-password"' in page
    response = post_form(
        client, "/admin/users/new", username="x1", display_name="X", role="auditor",
        street="德胜", person_archive_no="", locale="zh_CN", password="Long#enough2020",
    )
    page = response.get_data(as_text=True)
    assert "整个区" in page and 'data-testid="error-street"' in page


def test_disable_ends_sessions(app, client, factory):
    admin = factory.user(Role.ADMIN)
    clerk = factory.user(Role.ARCHIVIST)
    other = app.test_client()
    login(other, clerk.username)
    assert other.get("/files").status_code == 200
    login(client, admin.username)
    post_form(client, "/admin/users", f"/admin/users/{clerk.id}/active", active="0")
    assert other.get("/files").status_code == 302  # logged out
    assert "停用" in login(app.test_client(), clerk.username).get_data(as_text=True)


def test_admin_declares_staff_id_and_relatives_and_audit_masks_them(app, client, factory):
    import datetime as dt
    import json

    from archive.audit.models import AuditEvent
    from archive.idnumbers import make_id_number

    admin = factory.user(Role.ADMIN)
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    own = make_id_number("110102", dt.date(1980, 5, 1), 13)
    spouse = make_id_number("110102", dt.date(1981, 6, 2), 24)
    login(client, admin.username)
    form = dict(username=clerk.username, display_name="王磊", role="archivist", street="德胜",
                person_archive_no="", locale="zh_CN", id_number=own, relatives="110102 配偶")
    response = post_form(client, f"/admin/users/{clerk.id}", **form)
    assert 'data-testid="error-relatives"' in response.get_data(as_text=True)
    form["relatives"] = f"{spouse} 配偶\n"
    assert post_form(client, f"/admin/users/{clerk.id}", **form).status_code == 302
    with app.app_context():
        user = db.session.get(User, clerk.id)
        assert user.id_number == own and [(r.id_number, r.relation) for r in user.relatives] == [(spouse, "配偶")]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
        assert own not in event.details and spouse not in event.details
        assert json.loads(event.details)["declarations"]["relatives"][1] == [spouse[:6] + "********" + spouse[-4:]
                                                                              + " 配偶"]
