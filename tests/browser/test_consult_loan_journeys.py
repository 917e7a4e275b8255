"""In Chromium: an organisation's consultation inside its window (the consulting person sees the approved page
under a watermark of their name) and outside it (refused); a loan and its return with a discrepancy.  In
Chinese and in English; the English pages show no Chinese outside personal data.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from archive.idnumbers import make_id_number
from tests.browser.conftest import log_in
from tests.lending.consult_helpers import PERSONS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

CJK = re.compile(r"[\u3400-\u9fff]")
STAFF_NAMES = ("档案管理员 李静", "审批人 陈志强")
UNIT = "区纪委监委第三审查调查室"
NEW_PASSWORD = "Reader#pass2026"


def _no_cjk(page, *personal: str) -> None:  # type: ignore[no-untyped-def]
    text = page.locator("main").inner_text()
    for value in sorted(personal, key=len, reverse=True):
        text = text.replace(value, "")
    lines = [line for line in text.splitlines() if CJK.search(line)]
    assert not lines, (page.url, lines)


def _switch(page, locale: str) -> None:  # type: ignore[no-untyped-def]
    page.click(f"[data-testid=lang-{locale}]")
    page.wait_for_selector(f"html[lang={'zh-CN' if locale == 'zh_CN' else 'en'}]")


def _file(live_app, offset: int):  # type: ignore[no-untyped-def]
    """A demo file no request names yet, with its person and materials loaded."""
    from sqlalchemy import select

    from archive.catalogue.models import ArchiveFile, FileStatus, Person
    from archive.extensions import db
    from archive.lending.models import LendingRequest

    with live_app.app_context():
        taken = select(LendingRequest.file_id)
        file = db.session.scalars(select(ArchiveFile).join(Person, ArchiveFile.person_id == Person.id)
                                  .where(Person.id_number.is_not(None), ArchiveFile.id.not_in(taken),
                                         ArchiveFile.street.is_not(None),
                                         ArchiveFile.status != FileStatus.TRANSFERRED)
                                  .order_by(ArchiveFile.id).offset(offset).limit(1)).one()
        _ = list(file.materials), file.person
        db.session.expunge_all()
        db.session.remove()
    return file


def _wait_loaded(image) -> None:  # type: ignore[no-untyped-def]
    """Until the (watermarked) image has arrived; polled from here, as the CSP forbids the page's eval."""
    import time

    deadline = time.monotonic() + 15
    while not image.evaluate("img => img.complete && img.naturalWidth > 0"):
        assert time.monotonic() < deadline, "the page image did not load"
        time.sleep(0.1)


def _catalogue_words(file) -> list[str]:  # type: ignore[no-untyped-def]
    """The file's own words: its materials' titles and 类号 as the catalogue writes them (一, 九-2)."""
    from archive.catalogue.classes import format_class

    return [*(m.title for m in file.materials), *(format_class(m.class_no, m.subclass) for m in file.materials)]


def _local(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), (250, 250, 245)).save(buffer, "PNG")
    return buffer.getvalue()


def _staff(browser, live_server, username: str, locale: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log_in(page, username)
    _switch(page, locale)
    return context, page


def _approve(browser, live_server, number: str, locale: str) -> None:  # type: ignore[no-untyped-def]
    context, approver = _staff(browser, live_server, "approver", locale)
    approver.click("[data-testid=nav-approvals]")
    approver.locator("[data-testid=queue-link]", has_text=number).click()
    approver.check("[data-testid=decision-approve]")
    approver.fill("[data-testid=reason]", "ok")
    approver.click("[data-testid=decision-submit]")
    approver.wait_for_selector(".flash-success")
    context.close()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_consultation_inside_and_outside_its_window(browser, live_server, live_app, locale):
    from sqlalchemy import select

    from archive.extensions import db
    from archive.lending.models import LendingRequest
    from tests.factories import Factory

    file = _file(live_app, 3 if locale == "zh_CN" else 4)
    Factory(live_app).ingested(file, pages=2)
    first = file.materials[0]
    personal = (*STAFF_NAMES, UNIT, "钱经办", *(name for name, _ in PERSONS), file.person.name,
                *_catalogue_words(file))

    # 1. the archivist registers the unit's consultation from its letter
    staff, archivist = _staff(browser, live_server, "archivist", locale)
    archivist.click("[data-testid=nav-lending]")
    archivist.click("[data-testid=new-consultation]")
    archivist.fill("[data-testid=file-no]", file.archive_no)
    archivist.click("[data-testid=choose-file-submit]")
    archivist.wait_for_selector("[data-testid=consultation-form]")
    if locale == "en":
        _no_cjk(archivist, *personal)
    archivist.fill("[data-testid=unit]", UNIT)
    archivist.set_input_files("[data-testid=letter]", files=[{"name": "letter.png", "mimeType": "image/png",
                                                               "buffer": _png()}])
    archivist.fill("[data-testid=handler-name]", "钱经办")
    archivist.fill("[data-testid=handler-id]", make_id_number("110108", dt.date(1975, 1, 2), 45))
    for n, (name, number) in enumerate(PERSONS):
        archivist.fill(f"[data-testid=person-name-{n}]", name)
        archivist.fill(f"[data-testid=person-id-{n}]", number)
    archivist.select_option("[data-testid=purpose]", "discipline")
    archivist.check("[data-testid=scope-materials]")
    archivist.check(f"[data-testid=material-{first.id}]")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    archivist.fill("[data-testid=window-start]", _local(now - dt.timedelta(hours=1)))
    archivist.fill("[data-testid=window-end]", _local(now + dt.timedelta(hours=4)))
    archivist.click("[data-testid=consultation-submit]")
    archivist.wait_for_selector("[data-testid=consultation-panel]")
    number = re.search(r"XC-SQ-\d{4}-\d{6}", archivist.url).group(0)
    if locale == "en":
        _no_cjk(archivist, *personal)

    # 2. an approver (not the handler) approves it in the approvals queue
    _approve(browser, live_server, number, locale)

    # 3. the archivist opens it: the accounts and their one-time passwords, shown once
    archivist.reload()
    archivist.click("[data-testid=open-consultation]")
    archivist.wait_for_selector("[data-testid=issued-accounts]")
    if locale == "en":
        _no_cjk(archivist, *personal)
    username = archivist.locator("[data-testid=issued-username]").first.inner_text()
    password = archivist.locator("[data-testid=issued-password]").first.inner_text()
    staff.close()

    # 4. the consulting person logs in, chooses a password, and reads the approved page under the watermark
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    reader = context.new_page()
    log_in(reader, username, password)
    _switch(reader, locale)
    reader.fill("input[name=current]", password)
    reader.fill("input[name=new]", NEW_PASSWORD)
    reader.fill("input[name=confirm]", NEW_PASSWORD)
    reader.click("main button[type=submit]")
    reader.wait_for_selector("[data-testid=reading-list]")
    assert reader.locator("[data-testid=nav-reading]").count() == 1
    assert reader.locator("[data-testid=nav-my-requests]").count() == 0
    reader.locator("[data-testid=reading-link]", has_text=number).click()
    reader.locator("[data-testid=reading-page-link]").first.click()
    _wait_loaded(reader.locator("[data-testid=page-image]"))
    watermark = reader.locator("[data-testid=watermark] span").first
    assert watermark.is_visible() and PERSONS[0][0] in watermark.inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", watermark.inner_text())
    if locale == "en":
        _no_cjk(reader, *personal)
    page_url = reader.url
    # nothing else is reachable: the catalogue answers 403
    reader.goto(f"/files/{file.id}")
    assert reader.locator("[data-testid=error-message]").count() == 1

    # 5. outside the window the same page is refused
    with live_app.app_context():
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        assert req.consultation is not None
        req.consultation.window_start = now - dt.timedelta(hours=5)
        req.consultation.window_end = req.valid_until = now - dt.timedelta(minutes=1)
        db.session.commit()
        db.session.remove()
    response = reader.goto(page_url)
    assert response is not None and response.status == 403
    message = reader.locator("[data-testid=error-message]").inner_text()
    assert ("closed" in message) if locale == "en" else ("结束" in message or "关闭" in message), message
    if locale == "en":
        _no_cjk(reader, *personal)
    context.close()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_loan_and_its_return_with_a_discrepancy(browser, live_server, live_app, locale):
    file = _file(live_app, 5 if locale == "zh_CN" else 6)
    personal = (*STAFF_NAMES, "区委组织部干部一科", "孙干事", file.person.name, *_catalogue_words(file))
    staff, archivist = _staff(browser, live_server, "archivist", locale)
    archivist.click("[data-testid=nav-lending]")
    archivist.click("[data-testid=new-loan]")
    archivist.fill("[data-testid=file-no]", file.archive_no)
    archivist.click("[data-testid=choose-file-submit]")
    archivist.wait_for_selector("[data-testid=loan-form]")
    archivist.fill("[data-testid=borrower-unit]", "区委组织部干部一科")
    archivist.select_option("[data-testid=purpose]", "appointment")
    archivist.click("[data-testid=loan-submit]")
    archivist.wait_for_selector("[data-testid=loan-panel]")
    number = re.search(r"XC-SQ-\d{4}-\d{6}", archivist.url).group(0)

    _approve(browser, live_server, number, locale)

    archivist.reload()
    archivist.click("[data-testid=lend]")
    archivist.wait_for_selector("[data-testid=record-return]")
    on_loan = archivist.locator("[data-testid=file-status]").inner_text()
    assert on_loan == ("借出" if locale == "zh_CN" else "On loan")
    if locale == "en":
        _no_cjk(archivist, *personal)

    archivist.click("[data-testid=record-return]")
    archivist.wait_for_selector("[data-testid=return-form]")
    if locale == "en":
        _no_cjk(archivist, *personal)
    archivist.fill("[data-testid=returned-by]", "孙干事")
    for m in file.materials:
        archivist.check(f"[data-testid=checked-{m.id}]")
    short = file.materials[0]
    archivist.fill(f"[data-testid=found-{short.id}]", str(max(0, (short.pages or 1) - 1)))
    archivist.fill(f"[data-testid=note-{short.id}]", "missing one page")
    archivist.click("[data-testid=return-submit]")
    archivist.wait_for_selector("[data-testid=discrepancies]")
    assert archivist.locator("[data-testid=discrepancy]").count() == 1
    assert archivist.locator("[data-testid=file-status]").inner_text() != on_loan
    if locale == "en":
        _no_cjk(archivist, *personal)
    staff.close()
