"""In Chromium: the approver's search snippets and OCR panel show ID numbers masked; the archivist's in full."""

from __future__ import annotations

import datetime as dt

import pytest

from archive.idnumbers import make_id_number
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

ID18 = make_id_number("110102", dt.date(1957, 6, 21), 456)
MASKED = ID18[:6] + "********" + ID18[-4:]


def test_approver_sees_masked_numbers_archivist_full(page, live_app):
    from sqlalchemy import select

    from archive.catalogue.models import ArchiveFile
    from archive.extensions import db
    from tests.factories import Factory

    with live_app.app_context():  # a demo file, loaded and detached, given two OCR'd pages
        file = db.session.scalars(select(ArchiveFile).where(ArchiveFile.street.is_(None)).limit(1)).first() \
            or db.session.scalars(select(ArchiveFile).limit(1)).first()
        _ = list(file.materials), file.person
        db.session.expunge_all()
        db.session.remove()
    no = file.archive_no
    made = Factory(live_app).ingested(file, texts=[f"职工登记表 公民身份号码 {ID18} 档号 {no}", "退休审批表"])

    log_in(page, "approver")
    page.fill("[data-testid=top-search]", "公民身份号码")
    page.press("[data-testid=top-search]", "Enter")
    page.wait_for_selector("[data-testid=hit]")
    hits = page.locator("[data-testid=hit]").filter(has_text=MASKED).first
    text = page.locator("main").inner_text()
    assert ID18 not in text and MASKED in text
    hits.locator("[data-testid=hit-link]").click()
    page.wait_for_selector("[data-testid=ocr-text]")
    ocr = page.locator("[data-testid=ocr-text]").inner_text()
    assert MASKED in ocr and ID18 not in ocr and no in ocr
    assert ID18 not in page.content()

    context = page.context.browser.new_context(base_url=page.url.split("/pages")[0], locale="zh-CN")
    other = context.new_page()
    log_in(other, "archivist")
    other.goto(f"/pages/{made['pages'][0]}")
    assert ID18 in other.locator("[data-testid=ocr-text]").inner_text()
    context.close()
