"""Issue 11's journey in headless Chromium: batch → 名册 import → receive (one missing, one extra) → 签收单 →
transfer out → 回执, then the same pages in English with no Chinese outside personal data."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess

import pytest

from archive.geo import STREETS
from tests.browser.conftest import LiveServer, log_in
from tests.transfers.helpers import person, write_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("DANGAN_TEST_DATABASE_URL") else [])


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A live server on a PostgreSQL database of its own (the shared live app is SQLite), with demo data."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from archive.demo.cli import load_demo
    from archive.extensions import db
    from tests.conftest import make_app, migrate_fresh

    url = make_url(os.environ["DANGAN_TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"{url.database}_live_transfers"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    tmp = tmp_path_factory.mktemp("live-pg")
    app = make_app(tmp, url.set(database=name).render_as_string(hide_password=False), TESTING=False,
                   DANGAN_QUEUE_URL="embedded://", DANGAN_INGEST_WORKERS=1)
    migrate_fresh(app)
    with app.app_context():
        load_demo(people_count=10, images_for=0, seed=7, package_dir=tmp / "demo-package")
        db.session.commit()
        db.session.remove()
    with LiveServer(app) as server:
        yield server
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def page(request, browser):  # type: ignore[no-untyped-def]
    """A Chromium page on the shared SQLite live server, or on the PostgreSQL one."""
    server = request.getfixturevalue("live_server" if request.param == "sqlite" else "pg_server")
    context = browser.new_context(base_url=server.url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()

CJK = re.compile(r"[\u3400-\u9fff]")


def _pdf_text(page, url: str, tmp_path, name: str) -> str:  # type: ignore[no-untyped-def]
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    path = tmp_path / name
    path.write_bytes(response.body())
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"CJK\S*\s+CID Type 0C\s+\S+\s+yes", fonts), fonts
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def _row(page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-testid=entry][data-name='{name}']")


def _receive(page, name: str, outcome: str, status: str, materials: str = "") -> None:  # type: ignore[no-untyped-def]
    row = _row(page, name)
    row.locator("[data-testid=receive-outcome]").select_option(outcome)
    if materials:
        row.locator("[data-testid=receive-materials]").fill(materials)
    row.locator("[data-testid=receive-submit]").click()
    page.wait_for_selector(f"[data-testid=entry][data-name='{name}'][data-status={status}]"
                           ":not(:has([data-testid=receive-form]))")


def test_batch_to_receipt_and_transfer_out(page, tmp_path):
    names = {"ours": "钱卫东", "missing": "孙秀英", "short": "周建华", "elsewhere": "赵海", "extra": "吴晓梅"}
    rows = [person(names["ours"], region="110104", born=dt.date(1951, 1, 3), party="是"),
            person(names["missing"], region="110104", sex="女", born=dt.date(1951, 2, 4)),
            person(names["short"], region="110104", born=dt.date(1951, 3, 5), materials=42),
            person(names["elsewhere"], region="110108", born=dt.date(1951, 4, 6), hukou=("海淀区", ""))]
    bad = [*rows, person("郑错误", region="110104", born=dt.date(1951, 5, 7), hukou=("西城", "德胜门"))]
    extra_id = person(names["extra"], region="110104", sex="女", born=dt.date(1951, 6, 8))[1]
    log_in(page, "archivist")
    page.click("[data-testid=nav-transfers]")
    page.click("text=库房")
    page.fill("[data-testid=room-name]", "旅程库")
    for field, value in (("rows", "2"), ("racks", "2"), ("shelves", "2"), ("cells", "2"), ("capacity", "5")):
        page.fill(f"[data-testid=room-{field}]", value)
    page.click("[data-testid=room-submit]")
    assert "下一个空位" in page.locator("[data-testid=next-slot]").inner_text()
    page.click("[data-testid=nav-transfers]")
    page.fill("[data-testid=batch-enterprise]", "北京旅程机械厂")
    page.select_option("[data-testid=batch-level]", "municipal")
    page.fill("[data-testid=batch-contact]", "王红")
    page.fill("[data-testid=batch-approval]", "西人社核〔2020〕8号")
    page.click("[data-testid=batch-submit]")
    assert page.locator("[data-testid=batch-enterprise-name]").inner_text() == "北京旅程机械厂"
    batch_url = page.url
    # a wrong list imports nothing and says where; the corrected one imports
    page.set_input_files("[data-testid=roster-file]", str(write_csv(tmp_path / "名册.csv", bad, encoding="gb18030",
                                                                    bom=True)))
    page.click("[data-testid=roster-submit]")
    assert page.locator("[data-testid=roster-nothing]").is_visible()
    error = page.locator("[data-testid=roster-error]").inner_text()
    assert "6" in error and "户籍街道" in error and "德胜" in error
    page.click("[data-testid=back-to-batch]")
    page.set_input_files("[data-testid=roster-file]", str(write_csv(tmp_path / "名册2.csv", rows, encoding="gb18030")))
    page.click("[data-testid=roster-submit]")
    assert "本区接收 3 份，转外区 1 份" in page.locator("[data-testid=roster-result]").inner_text()
    page.click("[data-testid=back-to-batch]")
    # receive: one received, one missing, one with fewer materials, the routed one checked in
    _receive(page, names["ours"], "received", "received")
    assert "已接收，档号 XC-" in page.locator(".flash").first.inner_text()
    _receive(page, names["missing"], "missing", "missing")
    _receive(page, names["short"], "received", "received", materials="40")
    assert "名册 42，实收 40" in _row(page, names["short"]).inner_text()
    _receive(page, names["elsewhere"], "received", "elsewhere")
    page.fill("[data-testid=extra-name]", names["extra"])
    page.fill("[data-testid=extra-id]", extra_id)
    page.click("[data-testid=extra-submit]")
    assert _row(page, names["extra"]).count() == 1
    page.fill("[data-testid=statement-text]", f"{names['missing']}的档案已遗失，特此说明。")
    page.click("[data-testid=statement-submit]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=batch-close]")
    page.wait_for_selector("[data-testid=batch-status]:has-text('已签收')")
    receipt = _pdf_text(page, page.locator("[data-testid=receipt-link]").get_attribute("href"), tmp_path, "r.pdf")
    received_part = receipt.split("二、未接收")[0]
    missing_part = receipt.split("二、未接收")[1].split("三、名册外多出")[0]
    assert names["ours"] in received_part and names["short"] in received_part and "转海淀区" in received_part
    assert names["missing"] in missing_part and names["missing"] not in received_part
    assert names["extra"] in receipt.split("三、名册外多出")[1]
    assert "材料名册42实收40" in receipt and "经办人签字" in receipt and "遗失" in receipt
    # the received file's page shows its relations and its place
    _row(page, names["ours"]).locator("[data-testid=entry-file]").click()
    relations = page.locator("[data-testid=relations]").inner_text()
    assert "档案关系" in relations and "党员组织关系" in relations and "已接收" in relations
    assert "旅程库" in page.locator("[data-testid=location]").inner_text()
    # the file routed to 海淀 leaves with its notice and comes back with the 回执
    page.click("[data-testid=nav-transfers]")
    page.click("[data-testid=outgoing-link]")
    page.locator(f"[data-testid=transfer-row][data-name='{names['elsewhere']}'] [data-testid=transfer-link]").click()
    notice_no = page.locator("[data-testid=notice-no]").inner_text()
    assert re.fullmatch(r"西人档转字第\d+号", notice_no)
    page.fill("[data-testid=send-carrier1]", "刘一")
    page.fill("[data-testid=send-carrier2]", "陈二")
    page.click("[data-testid=send-submit]")
    assert page.locator("[data-testid=transfer-status]").get_attribute("data-status") == "sent"
    notice = _pdf_text(page, page.locator("[data-testid=notice-link]").get_attribute("href"), tmp_path, "n.pdf")
    assert all(f"（{part}）" in notice for part in ("存根", "通知单", "回执")) and notice.count(notice_no) >= 3
    assert names["elsewhere"] in notice and "北京旅程机械厂" in notice and "刘一" in notice
    page.click("[data-testid=receipt-submit]")
    assert page.locator("[data-testid=transfer-status]").get_attribute("data-status") == "returned"
    page.click("[data-testid=receipt-submit]")
    assert "不能重复登记" in page.locator(".flash").first.inner_text()
    transfer_url = page.url

    # the same pages in English: no Chinese outside personal data (names, places, enterprise, numbers)
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("html[lang=en]")
    data = [*names.values(), *STREETS, "北京旅程机械厂", "王红", "西人社核〔2020〕8号", "旅程库", "海淀", "西城",
            notice_no, "刘一", "陈二", "名册2.csv", f"{names['missing']}的档案已遗失，特此说明。"]
    for url in (batch_url, transfer_url, "/transfers/outgoing", "/transfers/", "/transfers/storerooms"):
        page.goto(url)
        text = page.locator("main").inner_text()
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, "")
        assert not CJK.findall(text), (url, sorted(set(CJK.findall(text))))
    page.goto(batch_url)
    assert "Closed" in page.locator("[data-testid=batch-status]").inner_text()
    page.goto(transfer_url)
    assert "Receipt returned" in page.locator("[data-testid=transfer-status]").inner_text()
