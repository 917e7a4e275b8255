"""Receiving, closing with the 签收单, 转递 with the 回执, the chase list, files on loan, the PDFs."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile, FileStatus
from archive.extensions import db
from archive.signals import file_transferred
from archive.transfers import operations as ops
from archive.transfers.models import (
    BatchStatus,
    EntryStatus,
    RelationKind,
    RelationState,
    RosterEntry,
    Transfer,
    TransferStatus,
)
from archive.transfers.pdf import notice_pdf, receipt_pdf
from tests.transfers.helpers import person, write_csv


def _imported(tmp_path, rows):  # type: ignore[no-untyped-def]
    batch = ops.open_batch("北京第一机床厂", "municipal", contact="王红")
    assert ops.import_roster(batch, write_csv(tmp_path / "名册.csv", rows)).ok
    return batch, {e.name: e for e in batch.entries}


def _pdf_text(data: bytes, tmp_path, name: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return fonts, text


def test_receive_missing_extra_damaged_and_close(app, tmp_path):
    rows = [person("张三", party="是"), person("李四", materials=30), person("王五"),
            person("赵六", region="110108", hukou=("海淀", ""))]
    with app.app_context():
        ops.create_storeroom("一库", rows=1, racks=1, shelves=1, cells=2, cell_capacity=1)
        batch, e = _imported(tmp_path, rows)
        ops.receive_entry(e["张三"], "received")
        ops.receive_entry(e["李四"], "damaged", materials=28, note="封皮破损")
        with pytest.raises(ops.TransferError) as refused:
            ops.close_batch(batch)
        assert refused.value.code == "unaccounted"
        ops.receive_entry(e["王五"], "missing", note="企业称已遗失")
        ops.receive_entry(e["赵六"], "received")
        extra = ops.add_extra(batch, name="孙八", id_number=person("孙八")[1], materials=12)
        with pytest.raises(ops.TransferError) as twice:
            ops.receive_entry(e["张三"], "received")
        assert twice.value.code == "checked_already"
        ops.record_statement(batch, "王五档案于2019年搬迁时遗失，特此说明。", data=b"%PDF-1.4 statement",
                             filename="说明.pdf")
        ops.close_batch(batch)
        assert batch.status is BatchStatus.CLOSED
        zhang, li = e["张三"].file, e["李四"].file
        assert zhang is not None and zhang.archive_no.startswith("XC-") and zhang.status is FileStatus.RECEIVED
        assert (zhang.room, zhang.row_no, zhang.rack, zhang.shelf, zhang.cell) == ("一库", "1", "1", "1", "1")
        assert li is not None and li.cell == "2" and "破损" in li.notes
        assert e["李四"].differences == {"materials": (30, 28)}
        assert zhang.person.id_number == e["张三"].id_number and zhang.street == "展览路"
        archive = next(r for r in e["张三"].relations if r.kind is RelationKind.ARCHIVE)
        assert archive.state is RelationState.RECEIVED
        assert e["赵六"].file is None and e["赵六"].status is EntryStatus.ELSEWHERE
        assert extra.file is None and extra.extra
        fonts, text = _pdf_text(receipt_pdf(batch), tmp_path, "receipt.pdf")
        with pytest.raises(ops.TransferError):
            ops.receive_entry(extra, "received")
    assert "yes yes" in fonts and "CJK" in fonts
    flat = "".join(text.split())
    for expected in ("人事档案移交签收单", "北京第一机床厂", "张三", "李四", "材料名册30实收28", "破损", "王五",
                     "未接收", "孙八", "名册外多出", "转海淀区", "遗失", "经办人签字", zhang.archive_no):
        assert expected in flat, expected


def test_a_second_list_cannot_land_in_a_closed_batch(app, tmp_path):
    with app.app_context():
        batch, e = _imported(tmp_path, [person("张三")])
        ops.receive_entry(e["张三"], "received")
        ops.close_batch(batch)
        with pytest.raises(ops.TransferError):
            ops.import_roster(batch, write_csv(tmp_path / "b.csv", [person("李四")]))


def test_routed_elsewhere_is_sent_and_its_receipt_recorded_once(app, tmp_path):
    with app.app_context():
        _batch, e = _imported(tmp_path, [person("赵六", region="110108", hukou=("海淀", ""))])
        transfer = db.session.scalar(select(Transfer).where(Transfer.entry_id == e["赵六"].id))
        assert transfer is not None
        with pytest.raises(ops.TransferError) as early:
            ops.record_receipt(transfer)
        assert early.value.code == "not_sent"
        for bad in ({"courier": "", "carriers": ["刘一"]}, {"courier": "机要局", "carriers": ["刘一", "陈二"]},
                    {"courier": "", "carriers": ["赵六", "陈二"]}):
            with pytest.raises(ops.TransferError):
                ops.send_transfer(transfer, **bad)
        ops.send_transfer(transfer, sent_on=dt.date(2020, 10, 9), carriers=["刘一", "陈二"])
        assert [t.id for t in ops.chase_list(dt.date(2020, 11, 9))] == [transfer.id]
        assert ops.chase_list(dt.date(2020, 11, 7)) == []
        archive = next(r for r in e["赵六"].relations if r.kind is RelationKind.ARCHIVE)
        assert archive.state is RelationState.PASSED_ON
        fonts, text = _pdf_text(notice_pdf(transfer), tmp_path, "notice.pdf")
        ops.record_receipt(transfer, on=dt.date(2020, 10, 20))
        assert transfer.status is TransferStatus.RETURNED and ops.chase_list(dt.date(2021, 1, 1)) == []
        with pytest.raises(ops.TransferError) as twice:
            ops.record_receipt(transfer)
        assert twice.value.code == "receipt_recorded"
    assert "yes yes" in fonts
    flat = "".join(text.split())
    for part in ("存根", "通知单", "回执"):
        assert f"档案转递通知单（{part}）" in flat
    assert flat.count(transfer.notice_no) == 3 + 1  # each part's number, and once in the 回执's sentence
    for expected in ("赵六", "北京第一机床厂", "海淀区人力资源和社会保障局", "刘一", "陈二"):
        assert expected in flat


def test_a_catalogued_file_is_transferred_not_deleted(app, factory):
    file = factory.file("德胜")
    loaned = factory.file("德胜", status=FileStatus.ON_LOAN)
    seen: list[dict[str, object]] = []

    def listener(sender, **kw):  # type: ignore[no-untyped-def]
        seen.append(kw)

    file_transferred.connect(listener)
    try:
        with app.app_context():
            loaned_row = db.session.get(ArchiveFile, loaned.id)
            with pytest.raises(ops.TransferError) as refused:
                ops.create_transfer(loaned_row, "海淀", reason="户籍迁至海淀")
            assert refused.value.code == "on_loan"
            row = db.session.get(ArchiveFile, file.id)
            transfer = ops.create_transfer(row, "海淀", reason="户籍迁至海淀", post="车间主任")
            with pytest.raises(ops.TransferError):
                ops.create_transfer(row, "朝阳", reason="again")
            row.status = FileStatus.ON_LOAN  # lent out after the notice was prepared
            with pytest.raises(ops.TransferError):
                ops.send_transfer(transfer, courier="机要局")
            row.status = FileStatus.CATALOGUED
            ops.send_transfer(transfer, courier="机要局")
            db.session.commit()
            assert db.session.get(ArchiveFile, file.id).status is FileStatus.TRANSFERRED
            assert transfer.materials == 3 and transfer.name == file.person.name
    finally:
        file_transferred.disconnect(listener)
    assert seen == [{"file_ids": [file.id], "direction": "out"}]


def test_incoming_transfer_is_received_with_a_place(app):
    with app.app_context():
        ops.create_storeroom("二库", rows=2, racks=1, shelves=1, cells=1, cell_capacity=1)
        incoming = ops.register_incoming(sender="北京市海淀区人力资源和社会保障局", their_notice_no="海人档转字第7号",
                                         name="周九", id_number=person("周九")[1], materials=20)
        ops.receive_incoming(incoming, street="德胜")
        assert incoming.file is not None and incoming.file.room == "二库" and incoming.file.street == "德胜"
        with pytest.raises(ops.TransferError):
            ops.receive_incoming(incoming, street="德胜")


def test_relations_are_recorded_by_direction(app, tmp_path):
    with app.app_context():
        _batch, e = _imported(tmp_path, [person("李四", region="110108", hukou=("海淀", ""), residence=("西城", "德胜"),
                                                party="是")])
        relations = {r.kind: r for r in e["李四"].relations}
        with pytest.raises(ops.TransferError):
            ops.record_relation(relations[RelationKind.SOCIAL_INSURANCE], "received")
        ops.record_relation(relations[RelationKind.SOCIAL_INSURANCE], "passed_on")
        ops.record_relation(relations[RelationKind.PARTY], "received")
        with pytest.raises(ops.TransferError):
            ops.record_relation(relations[RelationKind.PARTY], "received")
        assert db.session.scalar(select(RosterEntry.id).where(RosterEntry.name == "李四")) is not None
