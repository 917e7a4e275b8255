"""The security auditor's journeys in headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_who_has_seen_this_file(page, browser, live_server):
    # an archivist opens a file...
    other = browser.new_context(base_url=live_server.url)
    clerk = other.new_page()
    log_in(clerk, "desheng")
    clerk.goto("/files")
    archive_no = clerk.locator("[data-testid=files] tbody tr >> nth=0 >> a").inner_text()
    clerk.locator("[data-testid=files] tbody tr >> nth=0 >> a").click()
    clerk.wait_for_selector("[data-testid=person-name]")
    other.close()
    # ...and the auditor finds that visit
    log_in(page, "auditor")
    page.click("nav.mainnav >> text=审计日志")
    page.fill("[data-testid=a-user]", "desheng")
    page.select_option("[data-testid=a-action]", "file.view")
    page.click("[data-testid=a-submit]")
    page.wait_for_url("**user=desheng*")
    page.wait_for_load_state()
    rows = page.locator("[data-testid=events] tbody tr")
    assert rows.count() >= 1 and archive_no in rows.first.inner_text()
    rows.first.locator(f"text={archive_no}").click()
    assert "desheng" in page.locator("[data-testid=readers]").inner_text()
    with page.expect_download() as download:
        page.goto(f"/audit/?archive_no={archive_no}")
        page.click("[data-testid=export-csv]")
    with open(download.value.path(), encoding="utf-8-sig") as fh:
        content = fh.read()
    assert "file.view" in content and archive_no in content


def test_chain_status_and_bad_filter(page):
    log_in(page, "auditor")
    page.goto("/audit/")
    page.click("[data-testid=nav-chain]")
    assert "完整" in page.locator("[data-testid=chain-verdict]").inner_text()
    page.goto("/audit/?since=2026-02-01&until=2026-01-01")
    assert page.locator("[data-testid=filter-error]").is_visible()


def test_anomaly_acknowledged(page, browser, live_server):
    other = browser.new_context(base_url=live_server.url)
    p2 = other.new_page()
    log_in(p2, "desheng")
    for _ in range(7):
        p2.goto("/admin/users")  # refused, again and again
    other.close()
    log_in(page, "auditor")
    page.goto("/audit/")
    page.click("[data-testid=nav-flags]")
    flag = page.locator("[data-testid=flag][data-rule=REPEATED_DENIED]").first
    assert "desheng" in flag.inner_text()
    flag.locator("[data-testid=ack-note]").fill("误操作，已提醒")
    flag.locator("[data-testid=ack-submit]").click()
    page.goto("/audit/flags?status=acknowledged")
    assert "误操作，已提醒" in page.locator("[data-testid=flags]").inner_text()


def test_admin_has_no_audit_section(page):
    log_in(page, "admin")
    assert "审计" not in page.locator("nav.mainnav").inner_text()
    response = page.goto("/audit/")
    assert response.status == 403
