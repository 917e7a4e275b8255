"""User journeys of the foundation in headless Chromium."""

from __future__ import annotations

import csv
import re

import pytest
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile, Material
from archive.extensions import db
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_login_shows_chinese_and_wrong_password_message(page):
    page.goto("/login")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("input[name=username]", "archivist")
    page.fill("input[name=password]", "not-the-password")
    page.click("[data-testid=login-submit]")
    assert "用户名或密码错误" in page.locator(".error").inner_text()
    log_in(page, "archivist")
    assert "档案管理员" in page.locator("[data-testid=who]").inner_text()


def test_browse_filter_and_open_a_file(page, live_app):
    with live_app.app_context():
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.street == "德胜").order_by(ArchiveFile.id))
        name, archive_no, id_number = file.person.name, file.archive_no, file.person.id_number
    log_in(page, "desheng")  # a street-scoped archivist
    page.click("nav.mainnav >> text=档案")
    page.fill("[data-testid=f-archive-no]", archive_no)
    page.click("[data-testid=f-submit]")
    page.wait_for_url("**archive_no=*")
    page.wait_for_load_state()
    rows = page.locator("[data-testid=files] tbody tr")
    assert rows.count() == 1
    row_text = rows.first.inner_text()
    assert name in row_text and id_number not in row_text and id_number[-4:] in row_text
    page.click(f"text={archive_no}")
    assert page.locator("[data-testid=person-name]").inner_text() == name
    assert page.locator("[data-testid=material]").count() > 5
    assert "一 履历" in page.locator("[data-testid=catalogue]").inner_text()


def test_street_archivist_sees_only_own_street(page, live_app):
    log_in(page, "desheng")
    page.goto("/files")
    streets = {cells.split("\t")[5] for cells in page.locator("[data-testid=files] tbody tr").all_inner_texts()}
    assert streets == {"德胜"}
    with live_app.app_context():
        other = db.session.scalar(select(ArchiveFile.id).where(ArchiveFile.street != "德胜"))
    response = page.goto(f"/files/{other}")
    assert response.status == 403
    assert "无权" in page.locator("[data-testid=error-message]").inner_text()


def test_edit_a_material(page, live_app):
    with live_app.app_context():
        material = db.session.scalar(select(Material).order_by(Material.id))
        file_id, material_id = material.file_id, material.id
    log_in(page, "archivist")
    page.goto(f"/files/{file_id}")
    page.locator(f"#m{material_id} [data-testid=edit-material]").click()
    page.fill("input[name=title]", "干部履历表（修订）")
    page.fill("input[name=formed]", "1985年13月")
    page.click("[data-testid=material-save]")
    assert page.locator("[data-testid=error-formed]").is_visible()  # impossible month, refused by the field
    page.fill("input[name=formed]", "1985.3")
    page.click("[data-testid=material-save]")
    assert "干部履历表（修订）" in page.locator(f"#m{material_id}").inner_text()
    assert "1985年3月" in page.locator(f"#m{material_id}").inner_text()


def test_import_a_catalogue_with_an_error_row(page, live_app, tmp_path):
    good = tmp_path / "目录.csv"
    with good.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["档号", "类号", "序号", "材料名称", "材料形成时间", "页数", "备注"])
        w.writerow(["XC-WEB-000001", "一", "1", "职工登记表", "1978.3", "2", ""])
        w.writerow(["XC-WEB-000001", "四-1", "1", "毕业证书", "1976年7月", "1", "复印件"])
        w.writerow(["XC-WEB-000002", "十一", "1", "错误类号", "1980", "1", ""])
    log_in(page, "archivist")
    page.click("nav.mainnav >> text=导入目录")
    page.set_input_files("[data-testid=import-files]", str(good))
    page.click("[data-testid=import-submit]")
    result = page.locator("[data-testid=import-result]").inner_text()
    assert re.search(r"1\s*卷", result) or "1" in result
    errors = page.locator("[data-testid=import-errors] tbody tr")
    assert errors.count() == 1 and "4" in errors.first.inner_text()  # row 4 of the sheet
    with live_app.app_context():
        nos = set(db.session.scalars(select(ArchiveFile.archive_no).where(ArchiveFile.archive_no.like("XC-WEB-%"))))
    assert nos == {"XC-WEB-000001"}


def test_switch_language(page):
    log_in(page, "approver")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("html[lang=en]")
    assert "Files" in page.locator("nav.mainnav").inner_text()
    page.click("[data-testid=lang-zh_CN]")
    page.wait_for_selector("html[lang=zh-CN]")
    assert "档案" in page.locator("nav.mainnav").inner_text()
