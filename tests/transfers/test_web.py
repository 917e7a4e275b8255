"""The transfers pages through HTTP: roles and street scope before acting, CSRF, the file page's section."""

from __future__ import annotations

import io

from sqlalchemy import select

from archive.extensions import db
from archive.roles import Role
from archive.transfers.models import RosterEntry, Transfer, TransferBatch
from tests.conftest import login
from tests.helpers import csrf_token
from tests.transfers.helpers import person, write_csv


def _post(client, form_path, action, **data):  # type: ignore[no-untyped-def]
    return client.post(action, data={"csrf_token": csrf_token(client, form_path), **data})


def test_batch_import_receive_close_and_transfer(app, factory, tmp_path):
    archivist = factory.user(Role.ARCHIVIST)
    client = app.test_client()
    login(client, archivist.username)
    response = _post(client, "/transfers/", "/transfers/batches", enterprise="北京第一机床厂", level="municipal",
                     contact="王红")
    assert response.status_code == 302
    with app.app_context():
        batch_id = db.session.scalar(select(TransferBatch.id).order_by(TransferBatch.id.desc()))
    rows = [person("张三", party="是"), person("李四"), person("赵六", region="110108", hukou=("海淀", ""))]
    bad = [*rows, person("钱七", hukou=("西城", "德胜门"))]
    page = f"/transfers/batches/{batch_id}"
    response = client.post(f"{page}/import", data={
        "csrf_token": csrf_token(client, page),
        "roster": (io.BytesIO(write_csv(tmp_path / "bad.csv", bad, encoding="gb18030").read_bytes()), "名册.csv")},
        content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "未导入" in text and "德胜" in text
    with app.app_context():
        assert db.session.scalar(select(RosterEntry.id).where(RosterEntry.batch_id == batch_id)) is None
    response = client.post(f"{page}/import", data={
        "csrf_token": csrf_token(client, page),
        "roster": (io.BytesIO(write_csv(tmp_path / "ok.csv", rows).read_bytes()), "名册.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        query = select(RosterEntry).where(RosterEntry.batch_id == batch_id)
        entries = {e.name: e.id for e in db.session.scalars(query)}
        transfer_id = db.session.scalar(select(Transfer.id).where(Transfer.entry_id == entries["赵六"]))
    assert set(entries) == {"张三", "李四", "赵六"}
    listing = client.get(page)
    assert listing.status_code == 200 and listing.get_data(as_text=True).count('data-testid="receive-form"') == 3
    # each office records its relation on the row's page: 赵六's social insurance goes to 海淀
    entry_page = f"/transfers/entries/{entries['赵六']}"
    shown = client.get(entry_page).get_data(as_text=True)
    assert "社保关系" in shown and "登记为已转出" in shown and "档案关系和社保关系移交海淀" in shown
    with app.app_context():
        from archive.transfers.models import RelationKind

        social = next(r.id for r in db.session.get(RosterEntry, entries["赵六"]).relations
                      if r.kind is RelationKind.SOCIAL_INSURANCE)
    done = _post(client, entry_page, f"/transfers/relations/{social}", state="passed_on", next=entry_page)
    assert done.headers["Location"].endswith(entry_page)
    again = client.post(f"/transfers/relations/{social}", data={"csrf_token": csrf_token(client, entry_page),
                                                                "state": "passed_on"}, follow_redirects=True)
    assert "已登记过" in again.get_data(as_text=True)
    refused = client.post(f"{page}/close", data={"csrf_token": csrf_token(client, page)}, follow_redirects=True)
    assert "3 份档案未核对" in refused.get_data(as_text=True)
    _post(client, page, f"/transfers/entries/{entries['张三']}/receive", outcome="received")
    _post(client, page, f"/transfers/entries/{entries['李四']}/receive", outcome="missing", note="遗失")
    _post(client, page, f"/transfers/entries/{entries['赵六']}/receive", outcome="received", materials="38")
    _post(client, page, f"{page}/extra", name="孙八", id_number=person("孙八")[1], materials="5")
    _post(client, page, f"{page}/statement", text="李四档案遗失。")
    assert _post(client, page, f"{page}/close").status_code == 302
    with app.app_context():
        batch = db.session.get(TransferBatch, batch_id)
        assert batch.status == "closed" and batch.statement_text == "李四档案遗失。"
        file_id = db.session.get(RosterEntry, entries["张三"]).file_id
    pdf = client.get(f"{page}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the file page shows the retiree's relations
    file_page = client.get(f"/files/{file_id}").get_data(as_text=True)
    assert 'data-testid="relations"' in file_page and "党员组织关系" in file_page and "区医保局" in file_page
    # the routed-elsewhere row is sent, its receipt recorded once
    tpage = f"/transfers/{transfer_id}"
    _post(client, tpage, f"{tpage}/send", carrier1="刘一", carrier2="陈二")
    assert _post(client, tpage, f"{tpage}/receipt").status_code == 302
    twice = client.post(f"{tpage}/receipt", data={"csrf_token": csrf_token(client, tpage)}, follow_redirects=True)
    assert "不能重复登记" in twice.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Transfer, transfer_id).status == "returned"
    assert client.get(f"{tpage}/notice.pdf").data.startswith(b"%PDF")


def test_street_staff_and_missing_csrf_are_refused(app, factory):
    street = factory.user(Role.ARCHIVIST, street="德胜")
    approver = factory.user(Role.APPROVER)
    client = app.test_client()
    login(client, street.username)
    assert client.get("/transfers/").status_code == 403
    assert client.get("/transfers/outgoing").status_code == 403
    other = app.test_client()
    login(other, approver.username)
    assert other.get("/transfers/").status_code == 200
    assert other.post("/transfers/batches", data={"enterprise": "x", "level": "municipal"}).status_code in (400, 403)
    with app.app_context():
        assert db.session.scalar(select(TransferBatch.id)) is None


def test_a_file_on_loan_is_not_transferred_from_its_page(app, factory):
    archivist = factory.user(Role.ARCHIVIST)
    file = factory.file("德胜", status="on_loan")
    client = app.test_client()
    login(client, archivist.username)
    page = f"/files/{file.id}"
    response = _post(client, page, f"/transfers/files/{file.id}/transfer", to="海淀", reason="户籍迁出")
    assert response.status_code == 302
    assert "借出" in client.get(page).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Transfer.id).where(Transfer.file_id == file.id)) is None


def test_an_incoming_transfer_is_registered_and_received(app, factory):
    archivist = factory.user(Role.ARCHIVIST)
    client = app.test_client()
    login(client, archivist.username)
    response = _post(client, "/transfers/outgoing", "/transfers/incoming", sender="北京市海淀区人力资源和社会保障局",
                     their_notice_no="海人档转字第9号", name="周九", id_number=person("周九")[1], materials="20")
    assert response.status_code == 302
    tpage = response.headers["Location"]
    assert "海人档转字第9号" in client.get(tpage).get_data(as_text=True)
    assert _post(client, tpage, tpage.rstrip("/") + "/receive", street="德胜").status_code == 302
    with app.app_context():
        transfer = db.session.scalar(select(Transfer).where(Transfer.notice_no == "海人档转字第9号"))
        assert transfer.status == "returned" and transfer.file.street == "德胜"
        assert transfer.file.archive_no.startswith("XC-")
