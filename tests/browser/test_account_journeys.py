"""Separation of duties and the password change, in headless Chromium (issue 8 items 1, 5, 6)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

KNOWN = "Admin#knows2020"
OWN = "Mine#secret2021"


def _new_page(browser, live_server, locale: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale=locale)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_new_account_changes_password_waits_for_the_approver_then_reads(browser, live_server, live_app):
    with live_app.app_context():
        file_id = db.session.scalar(select(ArchiveFile.id).where(ArchiveFile.street == "德胜"))
    admin_ctx, admin = _new_page(browser, live_server, "zh-CN")
    clerk_ctx, clerk = _new_page(browser, live_server, "en-US")
    approver_ctx, approver = _new_page(browser, live_server, "zh-CN")
    try:
        # The admin creates the account (Chinese UI) and sees it waiting for activation.
        log_in(admin, "admin")
        admin.goto("/admin/users/new")
        admin.fill("input[name=username]", "browserclerk")
        admin.fill("input[name=display_name]", "浏览器 档案员")
        admin.select_option("select[name=role]", "archivist")
        admin.select_option("select[name=street]", "德胜")
        admin.select_option("select[name=locale]", "en")
        admin.fill("input[name=password]", KNOWN)
        admin.click("[data-testid=user-save]")
        assert "须经审批人激活" in admin.locator(".flash").inner_text()
        admin.goto("/admin/users?q=browserclerk")
        assert admin.locator("[data-testid=activation-pending]").inner_text() == "待激活"

        # The new user (English UI): forced password change — this crashed the server before — then waits.
        log_in(clerk, "browserclerk", KNOWN)
        clerk.goto(f"/files/{file_id}")
        assert clerk.url.endswith("/account/password")
        clerk.fill("input[name=current]", KNOWN)
        clerk.fill("input[name=new]", OWN)
        clerk.fill("input[name=confirm]", OWN)
        clerk.click("button.primary")
        assert "Your password has been changed." in clerk.locator(".flash").inner_text()
        clerk.goto(f"/files/{file_id}")
        assert clerk.url.endswith("/account/awaiting")
        assert "Awaiting activation" in clerk.locator("[data-testid=awaiting]").inner_text()

        # The approver (account in Chinese) activates it on the approvals page.
        log_in(approver, "approver")
        approver.click("nav.mainnav >> text=账号审核")
        row = approver.locator("[data-testid=account-requests] tr", has_text="browserclerk")
        assert "激活账号" in row.inner_text()
        row.locator("button[value=confirm]").click()
        assert "已确认" in approver.locator(".flash").inner_text()

        response = clerk.goto(f"/files/{file_id}")
        assert response.status == 200 and clerk.locator("[data-testid=person-name]").is_visible()

        # Log-out ends the session for good: the saved cookie no longer opens the file.
        cookies = clerk_ctx.cookies()
        clerk.click("header >> text=Log out")
        clerk.wait_for_url("**/login")
        thief_ctx, thief = _new_page(browser, live_server, "en-US")
        try:
            thief_ctx.add_cookies(cookies)
            thief.goto(f"/files/{file_id}")
            assert "/login" in thief.url
        finally:
            thief_ctx.close()
    finally:
        for ctx in (admin_ctx, clerk_ctx, approver_ctx):
            ctx.close()
