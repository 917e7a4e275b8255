"""三员分立 (issue 8 item 6): what an administrator sets up needs a second person before it reads personal data.

The approver is the second person (security officer): accounts an administrator creates or resets
wait for an approver's activation; changes to the auditor's account wait for an approver's
confirmation; the auditor's role and the administrator's own role cannot be changed at all.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.accounts.models import AccountRequest, User
from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.roles import Role
from tests.conftest import TEST_PASSWORD, login
from tests.helpers import csrf_token, post_form

KNOWN = "Admin#knows2020"  # the password the administrator chose
OWN = "Mine#secret2021"  # the password the user chose


def _logged_in(app: Flask, username: str, password: str = TEST_PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = login(client, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _create(admin: FlaskClient, username: str, role: str = "archivist", street: str = "德胜"):  # type: ignore[no-untyped-def]
    response = post_form(admin, "/admin/users/new", username=username, display_name="新 用户", role=role,
                         street=street, person_archive_no="", locale="zh_CN", password=KNOWN)
    assert response.status_code == 302, response.get_data(as_text=True)


def _user(app: Flask, username: str) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def _requests(app: Flask, user_id: int, status: str = "pending") -> list[AccountRequest]:
    with app.app_context():
        return list(db.session.scalars(select(AccountRequest).where(
            AccountRequest.user_id == user_id, AccountRequest.status == status)))


def _decide(approver: FlaskClient, request_id: int, decision: str = "confirm"):  # type: ignore[no-untyped-def]
    return post_form(approver, "/accounts/pending", request=request_id, decision=decision)


def _personal_urls(file_id: int, page_id: int) -> list[str]:
    return [f"/files/{file_id}", "/files", f"/files/{file_id}/pages", f"/pages/{page_id}", f"/pages/{page_id}/image",
            f"/pages/{page_id}/original", "/search?q=干部", f"/files/{file_id}/catalogue.xlsx", "/"]


def test_admin_created_account_reads_nothing_until_an_approver_activates_it(app, factory):
    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    approver_user = factory.user(Role.APPROVER)
    file = factory.file("德胜")
    page_id = factory.ingested(file)["pages"][0]
    _create(admin, "newclerk")
    clerk = _user(app, "newclerk")
    assert clerk.activation_pending and clerk.must_change_password

    # The administrator, knowing the password, logs in as the new account: first the forced change…
    session = _logged_in(app, "newclerk", KNOWN)
    assert session.get(f"/files/{file.id}").headers["Location"] == "/account/password"
    assert post_form(session, "/account/password", current=KNOWN, new=OWN, confirm=OWN).status_code == 302
    # …then still nothing personal: every route that reads persons, files, pages, search or exports.
    for url in _personal_urls(file.id, page_id):
        response = session.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/account/awaiting", url
    page = session.get("/account/awaiting").get_data(as_text=True)
    assert "待激活" in page and "审批人" in page
    with app.app_context():
        assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "file.view"))

    # The administrator cannot activate it; an approver does, on the pending page.
    [req] = _requests(app, clerk.id)
    assert admin.get("/accounts/pending").status_code == 403
    assert admin.post("/accounts/pending", data={"csrf_token": csrf_token(admin, "/admin/users"),
                                                 "request": req.id, "decision": "confirm"}).status_code == 403
    approver = _logged_in(app, approver_user.username)
    listing = approver.get("/accounts/pending").get_data(as_text=True)
    assert "newclerk" in listing and "激活账号" in listing
    assert _decide(approver, req.id).status_code == 302
    assert not _user(app, "newclerk").activation_pending
    assert session.get(f"/files/{file.id}").status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.request_confirm"))
        assert event.username == approver_user.username and event.target_id == str(clerk.id)
        assert json.loads(event.details)["requested_by"] == _user(app, admin_name(app)).username


def admin_name(app: Flask) -> str:
    with app.app_context():
        return db.session.scalar(select(User.username).where(User.role == "admin"))


def test_admin_reset_makes_the_account_pending_again(app, factory):
    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    file = factory.file("德胜")
    victim = _logged_in(app, clerk.username)
    assert victim.get(f"/files/{file.id}").status_code == 200
    post_form(admin, f"/admin/users/{clerk.id}", f"/admin/users/{clerk.id}/reset-password", password=KNOWN)
    assert victim.get(f"/files/{file.id}").status_code == 302  # its sessions ended
    after = _user(app, clerk.username)
    assert after.activation_pending and after.must_change_password
    session = _logged_in(app, clerk.username, KNOWN)
    post_form(session, "/account/password", current=KNOWN, new=OWN, confirm=OWN)
    assert session.get(f"/files/{file.id}").headers["Location"] == "/account/awaiting"


def test_approver_cannot_activate_own_or_own_requested_accounts(app, factory):
    from archive.accounts import duties
    from archive.accounts.operations import AccountError

    admin, admin2 = factory.user(Role.ADMIN), factory.user(Role.ADMIN)
    approver = factory.user(Role.APPROVER)
    other = factory.user(Role.APPROVER)
    with app.app_context():
        target = db.session.get(User, approver.id)
        req = duties.require_activation(target, db.session.get(User, admin.id))
        with pytest.raises(AccountError) as refused:
            duties.confirm(req, target)
        assert refused.value.code == "same_person"
        with pytest.raises(AccountError) as refused:
            duties.confirm(req, db.session.get(User, admin.id))  # nor the one who asked
        assert refused.value.code == "same_person"
        with pytest.raises(AccountError) as refused:
            duties.confirm(req, db.session.get(User, admin2.id))  # another administrator is no second person
        assert refused.value.code == "not_approver"
        duties.confirm(req, db.session.get(User, other.id))
        assert not target.activation_pending
        with pytest.raises(AccountError):
            duties.confirm(req, db.session.get(User, other.id))  # decided once only
        db.session.rollback()


def test_rejected_activation_disables_the_account(app, factory):
    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    approver = _logged_in(app, factory.user(Role.APPROVER).username)
    _create(admin, "fakeclerk")
    fake = _user(app, "fakeclerk")
    [req] = _requests(app, fake.id)
    _decide(approver, req.id, "reject")
    fake = _user(app, "fakeclerk")
    assert not fake.active and fake.activation_pending
    assert _requests(app, fake.id, "rejected")


def test_admin_cannot_change_the_auditors_role_or_own_role(app, factory):
    admin_user = factory.user(Role.ADMIN)
    auditor = factory.user(Role.AUDITOR)
    admin = _logged_in(app, admin_user.username)
    form = dict(username=auditor.username, display_name="审计员", role="archivist", street="",
                person_archive_no="", locale="zh_CN", id_number="", relatives="")
    page = post_form(admin, f"/admin/users/{auditor.id}", **form).get_data(as_text=True)
    assert "不能修改安全审计员的角色" in page
    assert _user(app, auditor.username).role == "auditor"
    form = dict(form, username=admin_user.username, role="archivist")
    page = post_form(admin, f"/admin/users/{admin_user.id}", **form).get_data(as_text=True)
    assert "不能修改自己的角色" in page
    assert _user(app, admin_user.username).role == "admin"


def test_promoting_an_account_to_auditor_needs_activation(app, factory):
    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    clerk = factory.user(Role.ARCHIVIST)
    form = dict(username=clerk.username, display_name="新审计员", role="auditor", street="",
                person_archive_no="", locale="zh_CN", id_number="", relatives="")
    assert post_form(admin, f"/admin/users/{clerk.id}", **form).status_code == 302
    promoted = _user(app, clerk.username)
    assert promoted.role == "auditor" and promoted.activation_pending
    assert _logged_in(app, clerk.username).get("/audit/").headers["Location"] == "/account/awaiting"


def test_disabling_the_auditor_needs_an_approvers_confirmation(app, factory):
    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    auditor = factory.user(Role.AUDITOR)
    approver = _logged_in(app, factory.user(Role.APPROVER).username)
    auditor_session = _logged_in(app, auditor.username)
    response = post_form(admin, "/admin/users", f"/admin/users/{auditor.id}/active", active="0")
    assert "审批人确认" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert _user(app, auditor.username).active
    assert auditor_session.get("/audit/").status_code == 200  # the auditor keeps working meanwhile
    users_page = admin.get("/admin/users").get_data(as_text=True)
    assert 'data-testid="change-pending"' in users_page and "修改待确认" in users_page
    [req] = _requests(app, auditor.id)
    assert req.action == "disable"
    _decide(approver, req.id)
    assert not _user(app, auditor.username).active
    assert auditor_session.get("/audit/").status_code == 302


def test_resetting_the_auditors_password_needs_an_approvers_confirmation(app, factory):
    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    auditor = factory.user(Role.AUDITOR)
    approver = _logged_in(app, factory.user(Role.APPROVER).username)
    post_form(admin, f"/admin/users/{auditor.id}", f"/admin/users/{auditor.id}/reset-password", password=KNOWN)
    assert login(app.test_client(), auditor.username, KNOWN).status_code == 200  # not yet
    _logged_in(app, auditor.username)  # the old password still works
    [req] = _requests(app, auditor.id)
    assert KNOWN not in json.dumps(req.payload) and req.payload["password_hash"].startswith("$argon2id$")
    _decide(approver, req.id, "reject")
    _logged_in(app, auditor.username)
    post_form(admin, f"/admin/users/{auditor.id}", f"/admin/users/{auditor.id}/reset-password", password=KNOWN)
    [req] = _requests(app, auditor.id)
    _decide(approver, req.id)
    session = _logged_in(app, auditor.username, KNOWN)
    assert session.get("/audit/").headers["Location"] == "/account/password"


def test_editing_the_auditor_waits_for_confirmation(app, factory):
    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    auditor = factory.user(Role.AUDITOR)
    approver = _logged_in(app, factory.user(Role.APPROVER).username)
    form = dict(username=auditor.username, display_name="改过的名字", role="auditor", street="",
                person_archive_no="", locale="en", id_number="", relatives="")
    assert post_form(admin, f"/admin/users/{auditor.id}", **form).status_code == 302
    assert _user(app, auditor.username).display_name != "改过的名字"
    [req] = _requests(app, auditor.id)
    _decide(approver, req.id)
    changed = _user(app, auditor.username)
    assert changed.display_name == "改过的名字" and changed.locale == "en"


def test_pending_state_in_the_users_list_in_english(app, factory):
    admin_user = factory.user(Role.ADMIN)
    with app.app_context():
        db.session.get(User, admin_user.id).locale = "en"
        db.session.commit()
    admin = _logged_in(app, admin_user.username)
    _create(admin, "newclerk")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "An approver must activate the account before it can be used." in page  # the flash
    page = admin.get("/admin/users?q=newclerk").get_data(as_text=True)
    assert 'data-testid="activation-pending"' in page and "Awaiting activation" in page


def test_pending_page_in_english_for_the_approver(app, factory):
    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    approver_user = factory.user(Role.APPROVER)
    with app.app_context():
        db.session.get(User, approver_user.id).locale = "en"
        db.session.commit()
    approver = _logged_in(app, approver_user.username)
    assert "Nothing is waiting for confirmation." in approver.get("/accounts/pending").get_data(as_text=True)
    _create(admin, "newclerk")
    page = approver.get("/accounts/pending").get_data(as_text=True)
    assert "Activate account" in page and "Account approvals" in page and "newclerk" in page


def test_cli_and_factories_create_usable_accounts(app, factory):
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    assert not clerk.activation_pending
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "shellclerk", "--role", "archivist", "--street", "德胜",
                                 "--password", "Shell#made2020"])
    assert result.exit_code == 0, result.output
    assert not _user(app, "shellclerk").activation_pending
    file = factory.file("德胜")
    assert _logged_in(app, "shellclerk", "Shell#made2020").get(f"/files/{file.id}").status_code == 200


def test_auditor_is_alerted_when_an_admin_made_account_reads_files(app, factory):
    from archive.audit.models import AuditFlag
    from archive.oversight.rules import scan

    admin = _logged_in(app, factory.user(Role.ADMIN).username)
    approver = _logged_in(app, factory.user(Role.APPROVER).username)
    old_hand = _logged_in(app, factory.user(Role.ARCHIVIST, "德胜").username)
    file = factory.file("德胜")
    _create(admin, "newclerk")
    [req] = _requests(app, _user(app, "newclerk").id)
    _decide(approver, req.id)
    session = _logged_in(app, "newclerk", KNOWN)
    post_form(session, "/account/password", current=KNOWN, new=OWN, confirm=OWN)
    for _ in range(3):
        assert session.get(f"/files/{file.id}").status_code == 200
        assert old_hand.get(f"/files/{file.id}").status_code == 200  # an account nobody else set up
    with app.app_context():
        scan()
        db.session.commit()
        flags = list(db.session.scalars(select(AuditFlag).where(AuditFlag.rule == "ADMIN_SET_ACCOUNT_READ")))
        assert [(f.username, f.rule) for f in flags] == [("newclerk", "ADMIN_SET_ACCOUNT_READ")]
        assert file.archive_no in flags[0].summary
    for _ in range(2):
        session.get(f"/files/{file.id}")
    with app.app_context():
        scan()  # later reads by the same account do not flag again…
        db.session.commit()
        assert db.session.scalar(select(AuditFlag.id).where(AuditFlag.rule == "ADMIN_SET_ACCOUNT_READ",
                                                            AuditFlag.id != flags[0].id)) is None
