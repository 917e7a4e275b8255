"""The 名册 import: all rows or none, errors per row and field, re-import, people held, encodings, formulas."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from archive.extensions import db
from archive.transfers import operations as ops
from archive.transfers.models import EntryStatus, RelationKind, RosterEntry, Transfer, TransferBatch
from tests.transfers.helpers import person, write_csv, write_xlsx


def _batch(level: str = "municipal", name: str = "北京第一机床厂") -> TransferBatch:
    return ops.open_batch(name, level, contact="王红", phone="010-66001234", approval_ref="西人社核〔2020〕3号",
                          approval_date=dt.date(2020, 6, 1), expected_on=dt.date(2020, 9, 1))


def _entries(batch: TransferBatch) -> list[RosterEntry]:
    return list(db.session.scalars(select(RosterEntry).where(RosterEntry.batch_id == batch.id)))


def test_rows_are_routed_into_expected_files_relations_and_transfers(app, tmp_path):
    li = person("李四", region="110108", hukou=("海淀区", ""), residence=("西城", "德胜街道"), party="是")
    rows = [person("张三", party="是"), li, person("王五", hukou=("北京市宣武区", "牛街"))]
    with app.app_context():
        batch = _batch()
        outcome = ops.import_roster(batch, write_csv(tmp_path / "名册.csv", rows))
        assert outcome.ok, [e.as_dict() for e in outcome.errors]
        assert (outcome.rows, outcome.expected_files, outcome.routed_elsewhere) == (3, 2, 1)
        entries = {e.name: e for e in _entries(batch)}
        assert entries["张三"].street == "展览路" and entries["张三"].status is EntryStatus.EXPECTED
        assert {r.kind for r in entries["张三"].relations} == set(RelationKind)
        assert entries["王五"].hukou_district == "西城" and entries["王五"].street == "牛街"
        li = entries["李四"]
        assert li.status is EntryStatus.ELSEWHERE and li.archive_to == "海淀" and li.party_to == "西城"
        assert li.street == "德胜"
        assert {(r.kind, r.to_district) for r in li.relations} >= {(RelationKind.ARCHIVE, "海淀"),
                                                                   (RelationKind.PARTY, "西城")}
        transfer = db.session.scalar(select(Transfer).where(Transfer.entry_id == li.id))
        assert transfer is not None and transfer.counterpart == "海淀"
        assert transfer.notice_no.startswith("西人档转字第") and transfer.notice_no.endswith("号")


def _codes(outcome: ops.ImportOutcome) -> set[tuple[int | None, str | None, str]]:
    return {(e.row, e.field, e.as_json()["code"]) for e in outcome.errors}


def test_a_wrong_list_imports_nothing_and_says_where(app, tmp_path):
    good = person("张三")
    bad_id = person("赵六")
    bad_id[1] = bad_id[1][:-1] + ("0" if bad_id[1][-1] != "0" else "1")
    bad_date = person("钱七")
    bad_date[3] = "1955-02-30"
    unknown_street = person("孙八", hukou=("西城", "德胜门"))
    unknown_district = person("周九", hukou=("海定区", ""))
    residence_only = person("吴十", hukou=("", ""), residence=("西城", "月坛"))
    duplicate = list(good)
    duplicate[0] = "张三丰"
    rows = [good, bad_id, bad_date, unknown_street, unknown_district, residence_only, duplicate]
    with app.app_context():
        batch = _batch()
        outcome = ops.import_roster(batch, write_csv(tmp_path / "名册.csv", rows))
        assert not outcome.ok
        codes = _codes(outcome)
        assert (3, "身份证号", "bad_id_number") in codes
        assert (4, "出生日期", "bad_date") in codes
        assert (5, "户籍街道", "unknown_street") in codes
        assert (6, "户籍区", "unknown_district") in codes
        assert (7, "户籍区", "residence_without_hukou") in codes
        assert (8, "身份证号", "duplicate") in codes
        messages = {e.row: e.as_dict()["message"] for e in outcome.errors}
        assert "德胜" in messages[5] and "海淀" in messages[6]
        assert _entries(batch) == []
        assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0
        # the corrected list imports cleanly
        for row, fix in ((bad_id, person("赵六")), (bad_date, person("钱七")),
                         (unknown_street, person("孙八", hukou=("西城", "德胜"))),
                         (unknown_district, person("周九", hukou=("海淀区", ""))),
                         (residence_only, person("吴十", hukou=("西城", "月坛")))):
            row[:] = fix
        rows.remove(duplicate)
        outcome = ops.import_roster(batch, write_csv(tmp_path / "名册2.csv", rows))
        assert outcome.ok and outcome.rows == 6 and len(_entries(batch)) == 6


def test_errors_are_said_in_english_too(app, tmp_path):
    row = person("张三", hukou=("西城", "德胜门"))
    with app.app_context():
        outcome = ops.import_roster(_batch(), write_csv(tmp_path / "名册.csv", [row]))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from archive.messages import render

        assert "did you mean 德胜" in render(outcome.errors[0].message, "en")
        assert "德胜" in render(outcome.errors[0].message, "zh_Hans_CN")


def test_reimport_updates_and_never_duplicates(app, tmp_path):
    first, second = person("张三"), person("李四")
    with app.app_context():
        batch = _batch()
        assert ops.import_roster(batch, write_csv(tmp_path / "a.csv", [first, second])).ok
        changed = list(first)
        changed[6], changed[12] = "月坛", 55
        outcome = ops.import_roster(batch, write_csv(tmp_path / "b.csv", [changed]))
        assert outcome.ok and outcome.updated == 1 and outcome.removed == 1
        entries = _entries(batch)
        assert [(e.name, e.street, e.materials) for e in entries] == [("张三", "月坛", 55)]


def test_people_held_or_on_another_batch(app, tmp_path, factory):
    held = factory.file("德胜")
    row = person("张建国")
    row[1] = held.person.id_number
    other = person("李四")
    with app.app_context():
        first = _batch(name="甲厂")
        assert ops.import_roster(first, write_csv(tmp_path / "a.csv", [other])).ok
        batch = _batch(name="乙厂")
        outcome = ops.import_roster(batch, write_csv(tmp_path / "b.csv", [row, person("王五")]))
        assert outcome.ok and outcome.expected_files == 1
        assert [(e.row, e.field) for e in outcome.skipped] == [(2, "身份证号")]
        assert held.archive_no in outcome.skipped[0].as_dict()["message"]
        outcome = ops.import_roster(batch, write_csv(tmp_path / "c.csv", [other]))
        assert _codes(outcome) == {(2, "身份证号", "duplicate_batch")}
        assert "甲厂" in outcome.errors[0].as_dict()["message"]


def test_gb18030_behind_a_utf8_bom_and_plain_encodings(app, tmp_path):
    with app.app_context():
        for n, (encoding, bom) in enumerate((("gb18030", True), ("gb18030", False), ("utf-8", True),
                                             ("utf-8", False))):
            batch = _batch(name=f"厂{n}")
            outcome = ops.import_roster(batch, write_csv(tmp_path / f"{n}.csv", [person("欧阳明")],
                                                         encoding=encoding, bom=bom))
            assert outcome.ok, [e.as_dict() for e in outcome.errors]
            assert _entries(batch)[0].name == "欧阳明"


def test_formula_cells_are_refused(app, tmp_path):
    row = person("张三")
    row[12] = "=SUM(1,2)"
    with app.app_context():
        outcome = ops.import_roster(_batch(), write_xlsx(tmp_path / "名册.xlsx", [row]))
        assert _codes(outcome) == {(2, "材料份数", "formula")}
        outcome = ops.import_roster(_batch(name="乙"), write_csv(tmp_path / "名册.csv", [row]))
        assert _codes(outcome) == {(2, "材料份数", "formula")}


def test_xlsx_reads_like_csv(app, tmp_path):
    rows = [person("张三"), person("李四", region="110105", hukou=("朝阳", ""))]
    with app.app_context():
        outcome = ops.import_roster(_batch(), write_xlsx(tmp_path / "名册.xlsx", rows))
        assert outcome.ok and (outcome.expected_files, outcome.routed_elsewhere) == (1, 1)


def test_unreadable_and_headerless_files(app, tmp_path):
    (tmp_path / "x.csv").write_bytes(b"\xff\xfe\x00\x00garbage")
    (tmp_path / "y.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "z.xlsx").write_bytes(b"PK\x03\x04broken")
    with app.app_context():
        batch = _batch()
        assert _codes(ops.import_roster(batch, tmp_path / "x.csv")) == {(None, None, "encoding")}
        assert {c for _r, _f, c in _codes(ops.import_roster(batch, tmp_path / "y.csv"))} == {"missing_column"}
        assert _codes(ops.import_roster(batch, tmp_path / "z.xlsx")) == {(None, None, "unreadable_file")}


def test_import_command(app, tmp_path):
    runner = app.test_cli_runner()
    path = write_csv(tmp_path / "名册.csv", [person("张三"), person("李四", region="110108", hukou=("海淀", ""))])
    result = runner.invoke(args=["transfers", "import", str(path), "--enterprise", "北京第二机床厂", "--level", "市属",
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {k: data[k] for k in ("rows", "expected_files", "routed_elsewhere", "errors")} == {
        "rows": 2, "expected_files": 1, "routed_elsewhere": 1, "errors": []}
    bad = person("王五")
    bad[3] = "2099-01-01"
    result = runner.invoke(args=["transfers", "import", str(write_csv(tmp_path / "bad.csv", [bad])),
                                 "--enterprise", "北京第二机床厂", "--level", "市属", "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.output)["errors"]
    assert errors and errors[0]["row"] == 2 and errors[0]["field"] == "出生日期"
