"""In Chromium: a retiree registers, asks for a copy, the archivist binds and prepares, the approver approves,
the retiree downloads the PDF — and finds the link dead after its validity.  In Chinese and in English; the
English pages show no Chinese outside personal data.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

CJK = re.compile(r"[\u3400-\u9fff]")
PASSWORD = "Retiree#2020ok"


def _no_cjk(page, *personal: str) -> None:  # type: ignore[no-untyped-def]
    text = page.locator("main").inner_text()
    for value in personal:
        text = text.replace(value, "")
    assert not CJK.findall(text), (page.url, CJK.findall(text)[:20], text[:1000])


def _switch(page, locale: str) -> None:  # type: ignore[no-untyped-def]
    page.click(f"[data-testid=lang-{locale}]")
    page.wait_for_selector(f"html[lang={'zh-CN' if locale == 'zh_CN' else 'en'}]")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_retiree_copy_journey(browser, live_server, live_app, locale, tmp_path):
    from sqlalchemy import select

    from archive.catalogue.models import ArchiveFile, Person
    from archive.extensions import db
    from archive.lending.models import LendingRequest
    from tests.factories import Factory

    with live_app.app_context():  # a demo person of their own per language, given three scanned pages
        taken = select(LendingRequest.file_id)
        file = db.session.scalars(select(ArchiveFile).join(Person, ArchiveFile.person_id == Person.id)
                                  .where(Person.id_number.is_not(None), ArchiveFile.id.not_in(taken),
                                         ArchiveFile.street.is_not(None))
                                  .order_by(ArchiveFile.id).offset(0 if locale == "zh_CN" else 7).limit(1)).one()
        _ = list(file.materials), file.person
        db.session.expunge_all()
        db.session.remove()
    person = file.person
    Factory(live_app).ingested(file, pages=3)
    username = f"retiree_{locale.lower()}"

    # 1. the retiree registers from the log-in page, on a phone-sized screen
    phone = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True,
                                viewport={"width": 390, "height": 844})
    retiree = phone.new_page()
    retiree.goto("/login")
    _switch(retiree, locale)
    retiree.click("[data-testid=register-link]")
    retiree.fill("[data-testid=reg-name]", person.name)
    retiree.fill("[data-testid=reg-id]", person.id_number)
    retiree.fill("[data-testid=reg-mobile]", "13812345678")
    retiree.fill("[data-testid=reg-username]", username)
    retiree.fill("[data-testid=reg-password]", PASSWORD)
    retiree.fill("[data-testid=reg-confirm]", PASSWORD)
    retiree.click("[data-testid=reg-submit]")
    retiree.wait_for_selector("[data-testid=unbound]")
    if locale == "en":
        _no_cjk(retiree)
    width = retiree.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the portal scrolls sideways on a phone"

    # 2. the archivist checks the identity and binds the account to the file
    staff = browser.new_context(base_url=live_server.url, locale="zh-CN")
    archivist = staff.new_page()
    log_in(archivist, "archivist")
    archivist.click("[data-testid=nav-registrations]")
    row = archivist.locator("[data-testid=registration-row]", has_text=username)
    row.locator("[data-testid=bind-archive-no]").fill(file.archive_no)
    row.locator("[data-testid=bind-submit]").click()
    archivist.wait_for_selector(".flash-success")

    # 3. the retiree asks for a certified copy for the pension office
    retiree.goto("/my/requests")
    retiree.click("[data-testid=new-request]")
    if locale == "en":
        _no_cjk(retiree)
    retiree.check("[data-testid=kind-copy]")
    retiree.check("[data-testid=purpose-retirement]")
    retiree.check("[data-testid=wanted-9-2]")
    retiree.check("[data-testid=delivery-download]")
    retiree.click("[data-testid=request-submit]")
    retiree.wait_for_selector("[data-testid=timeline]")
    number = re.search(r"XC-SQ-\d{4}-\d{6}", retiree.url).group(0)
    assert retiree.locator("[data-testid=download]").count() == 0

    # 4. the archivist prepares it from the queue, with page previews
    archivist.click("[data-testid=nav-lending]")
    archivist.locator("[data-testid=queue-link]", has_text=number).click()
    archivist.wait_for_selector("[data-testid=prepare-form]")
    archivist.wait_for_function("[...document.querySelectorAll('.thumbs img')].some(i => i.complete && "
                                "i.naturalWidth > 0)")
    archivist.check(f"[data-testid=material-{file.materials[0].id}]")
    archivist.click("[data-testid=prepare-submit]")
    archivist.wait_for_selector(".flash-success")
    staff.close()

    # 5. the approver approves
    boss_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    approver = boss_context.new_page()
    log_in(approver, "approver")
    approver.click("[data-testid=nav-approvals]")
    approver.locator("[data-testid=queue-link]", has_text=number).click()
    approver.check("[data-testid=decision-approve]")
    approver.fill("[data-testid=reason]", "材料齐全")
    approver.click("[data-testid=decision-submit]")
    approver.wait_for_selector("[data-testid=document-link]")
    boss_context.close()

    # 6. the retiree follows the timeline and downloads the PDF
    retiree.goto(f"/my/requests/{number}")
    assert retiree.locator("[data-testid=timeline] li").count() == 4  # received, sent, approved, ready
    if locale == "en":
        _no_cjk(retiree, "材料齐全")
    with retiree.expect_download() as info:
        retiree.click("[data-testid=download]")
    target = tmp_path / "copy.pdf"
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF") and number.encode() not in b""
    link = retiree.locator("[data-testid=download]").get_attribute("href")

    # 7. a month later the link is dead
    with live_app.app_context():
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        req.valid_until = dt.datetime(2020, 1, 1)
        db.session.commit()
        db.session.remove()
    response = retiree.goto(link)
    assert response.status == 410
    retiree.wait_for_selector("[data-testid=expired-message]")
    if locale == "en":
        _no_cjk(retiree)
    retiree.goto(f"/my/requests/{number}")
    assert retiree.locator("[data-testid=download]").count() == 0
    phone.close()
