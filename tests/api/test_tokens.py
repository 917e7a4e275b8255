"""Personal access tokens: made once and hashed, authenticating /api/v1 only, revoked → 401, audited."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from archive.accounts.models import ApiToken, User
from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.roles import Role
from tests.api.conftest import events, make_token
from tests.conftest import login
from tests.helpers import csrf_token


def test_a_token_is_stored_only_as_its_hash(app, factory):
    user = factory.user(Role.ARCHIVIST)
    token = make_token(app, user, "平台")
    assert token.startswith("dgn_") and len(token) >= 40
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.token_hash, row.prefix) and token.startswith(row.prefix)
        created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.create"))
        assert created.target_id == str(user.id) and token not in created.details


def test_token_lifecycle_create_use_revoke(app, factory, api):
    file = factory.file("德胜")
    user = factory.user(Role.ARCHIVIST, "德胜")
    token = make_token(app, user)
    ok = api.get(f"/files/{file.archive_no}", token)
    assert ok.status_code == 200, ok.get_json()
    assert all(e.username == user.username for e in events(app, ok.headers["X-Request-ID"]))
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        assert row.last_used_at is not None
        from archive.accounts.tokens import revoke_token

        revoke_token(row, by="test")
        db.session.commit()
    refused = api.get(f"/files/{file.archive_no}", token)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    (event,) = events(app, refused.headers["X-Request-ID"])
    assert event.action == "access.denied" and "revoked" in event.details and event.user_id is None


def test_missing_malformed_and_unknown_tokens_get_401_json(app, factory, api):
    file = factory.file("德胜")
    good = make_token(app, factory.user(Role.ARCHIVIST))
    for header in (None, "Basic abc", "Bearer", "Bearer dgn_", "Bearer " + good[:-2] + "xx", "Bearer x" * 50):
        response = api.get(f"/files/{file.archive_no}", headers={"Authorization": header} if header else {})
        assert response.status_code == 401, header
        assert response.is_json and response.get_json()["error"]["status"] == 401


def test_a_disabled_users_token_gets_401(app, factory, api):
    file = factory.file("德胜")
    user = factory.user(Role.ARCHIVIST)
    token = make_token(app, user)
    with app.app_context():
        from archive.accounts.operations import set_active

        set_active(db.session.get(User, user.id), False)
        db.session.commit()
    assert api.get(f"/files/{file.archive_no}", token).status_code == 401


def test_an_account_awaiting_activation_is_refused_with_403(app, factory, api):
    file = factory.file("德胜")
    user = factory.user(Role.ARCHIVIST)
    token = make_token(app, user)
    with app.app_context():
        db.session.get(User, user.id).activation_pending = True
        db.session.commit()
    response = api.get(f"/files/{file.archive_no}", token)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "account_not_ready"


def test_the_session_cookie_does_not_authenticate_the_api(app, factory, api):
    """A logged-in browser's cookie is ignored under /api/v1: no CSRF needed, because cookies act for nobody."""
    file = factory.file("德胜")
    user = factory.user(Role.ARCHIVIST)
    login(api.client, user.username)
    assert api.client.get(f"/files/{file.id}").status_code == 200  # the page works with the cookie
    response = api.get(f"/files/{file.archive_no}")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers  # the session is neither read nor written there
    # …and the token works beside the cookie, as its own user
    other = factory.user(Role.APPROVER)
    response = api.get(f"/files/{file.archive_no}", make_token(app, other))
    assert response.status_code == 200
    assert {e.username for e in events(app, response.headers["X-Request-ID"])} == {other.username}


def test_a_token_does_not_open_the_pages(app, factory, api):
    """Bearer tokens are for /api/v1 only: a page called with one is a visit without a log-in."""
    file = factory.file("德胜")
    token = make_token(app, factory.user(Role.ARCHIVIST))
    response = api.client.get(f"/files/{file.id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_cli_prints_a_new_token_once(app, factory, api):
    user = factory.user(Role.APPROVER)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "token", user.username, "--name", "政务服务平台"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("dgn_")
    file = factory.file("德胜")
    assert api.get(f"/files/{file.archive_no}", token).status_code == 200
    listed = runner.invoke(args=["users", "tokens", user.username])
    assert "政务服务平台" in listed.stdout and token not in listed.stdout
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    revoked = runner.invoke(args=["users", "revoke-token", user.username, str(row.id)])
    assert revoked.exit_code == 0, revoked.output
    assert api.get(f"/files/{file.archive_no}", token).status_code == 401
    assert runner.invoke(args=["users", "token", "nobody"]).exit_code != 0


def test_admin_lists_and_revokes_tokens_on_the_user_page(app, factory, api):
    admin = factory.user(Role.ADMIN)
    user = factory.user(Role.ARCHIVIST)
    token = make_token(app, user, "平台接口")
    file = factory.file("德胜")
    client = app.test_client()
    login(client, admin.username)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "平台接口" in page and token[:12] in page and token not in page
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    url = f"/admin/users/{user.id}/tokens/{row.id}/revoke"
    assert client.post(url, data={}).status_code == 400  # no CSRF token: refused
    assert api.get(f"/files/{file.archive_no}", token).status_code == 200
    response = client.post(url, data={"csrf_token": csrf_token(client, f"/admin/users/{user.id}")})
    assert response.status_code == 302
    assert api.get(f"/files/{file.archive_no}", token).status_code == 401
    with app.app_context():
        revoked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.revoke"))
        assert revoked.username == admin.username and revoked.target_id == str(user.id)
    # another user's token id under this user: 404, nothing revoked
    other = factory.user(Role.ARCHIVIST)
    other_token = make_token(app, other)
    with app.app_context():
        other_row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == other.id))
    response = client.post(f"/admin/users/{user.id}/tokens/{other_row.id}/revoke",
                           data={"csrf_token": csrf_token(client, f"/admin/users/{user.id}")})
    assert response.status_code == 404
    assert api.get(f"/files/{file.archive_no}", other_token).status_code == 200
    # only an admin reaches the revoke route
    archivist = app.test_client()
    login(archivist, other.username)
    assert archivist.post(url, data={"csrf_token": csrf_token(archivist, "/account/password")}).status_code == 403


def test_the_token_list_speaks_english_to_an_english_admin(app, factory):
    import re

    admin = factory.user(Role.ADMIN)
    user = factory.user(Role.ARCHIVIST)
    make_token(app, user, "平台接口")
    with app.app_context():
        db.session.get(User, admin.id).locale = "en"
        db.session.commit()
    client = app.test_client()
    login(client, admin.username)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    section = page[page.index('data-testid="api-tokens"'):]
    section = section[:section.index("</section>")].replace("平台接口", "")  # the token's name is the admin's data
    assert "API access tokens" in section and "Revoke" in section
    assert re.findall(r"[\u4e00-\u9fff]", section) == []
