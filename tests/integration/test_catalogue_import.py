"""目录建库 through the CLI and the importer: good packages, bad rows, per-file atomicity, export round trip."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from archive.catalogue.models import ArchiveFile, Material, Person
from archive.extensions import db
from archive.idnumbers import make_id_number

CAT_HEADER = ["档号", "类号", "序号", "材料名称", "材料形成时间", "页数", "备注"]
PEOPLE_HEADER = ["档号", "姓名", "性别", "身份证号", "出生日期", "原单位", "单位层级", "退休时间",
                 "户籍区", "户籍街道", "常住区", "常住街道", "党员"]


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(app, *paths: Path, extra: tuple[str, ...] = ()):
    runner = app.test_cli_runner()
    return runner.invoke(args=["catalogue", "import", "--json", *extra, *map(str, paths)])


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_package_folder_from_demo_generator(app, tmp_path):
    from archive.demo import generate_people, write_package

    people = generate_people(5, seed=11)
    package = write_package(tmp_path / "pkg", people, images_for=0)
    result = run_import(app, package)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload == {
        "imported_files": 5,
        "imported_materials": sum(len(p.materials) for p in people),
        "errors": [],
    }
    with app.app_context():
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == people[0].archive_no))
        assert file.person.id_number == people[0].id_number
        assert len(file.materials) == len(people[0].materials)
        assert file.status == "catalogued"
        labels = {m.original_label for m in file.materials}
        assert labels <= {m.label for m in people[0].materials}


def test_bad_rows_are_reported_and_their_file_is_skipped(app, tmp_path):
    catalogue = write_csv(tmp_path / "目录.csv", CAT_HEADER, [
        ["XC-1", "一", 1, "职工登记表", "1978.3", 2, ""],
        ["XC-1", "四-1", 1, "毕业证书", "1976年7月", 1, "复印件"],
        ["XC-2", "九-2", 1, "退休审批表", "2010-05-12", 2, ""],
        ["XC-2", "4-7", 1, "坏子类", "1980", 1, ""],          # row 5: bad sub-class
        ["XC-2", "一", 2, "某表", "1985-02-30", "两页", ""],   # row 6: impossible date, non-numeric pages
        [],                                                   # empty row: skipped
        ["XC-3", "一", 1, "干部履历表", "1990", 3, ""],
        ["XC-3", "一", 1, "重复序号", "1991", 1, ""],          # row 9: duplicate 序号
    ], encoding="gb18030")
    people = write_csv(tmp_path / "人员.csv", PEOPLE_HEADER, [
        ["XC-1", "张建国", "男", "11010219550312001X", "1955-03-12", "北京第一机床厂", "市属", "2015-03",
         "西城", "德胜", "西城", "德胜", "是"],
        ["XC-4", "李四", "男", "110102195503120011", "1955-03-12", "某厂", "区属", "2015", "西城", "月坛",
         "西城", "月坛", "否"],                                 # row 3: wrong check character
    ])
    result = run_import(app, catalogue, people)
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["imported_files"] == 1 and payload["imported_materials"] == 2
    where = {(e["sheet"], e["row"], e["field"]) for e in payload["errors"]}
    assert ("目录.csv", 5, "类号") in where
    assert ("目录.csv", 6, "材料形成时间") in where
    assert ("目录.csv", 6, "页数") in where
    assert ("目录.csv", 9, "序号") in where
    assert ("人员.csv", 3, "身份证号") in where
    assert all(e["message"] for e in payload["errors"])
    with app.app_context():
        nos = set(db.session.scalars(select(ArchiveFile.archive_no)))
        assert nos == {"XC-1"}  # XC-2, XC-3, XC-4 import nothing
        person = db.session.scalar(select(Person).where(Person.name == "张建国"))
        assert person.files[0].street == "德胜" and person.party_member is True


def test_wrong_headers_and_wrong_encoding(app, tmp_path):
    wrong = write_csv(tmp_path / "目录.csv", ["档号", "名称", "页数"], [["XC-9", "x", 1]])
    result = run_import(app, wrong)
    assert result.exit_code == 1
    errors = json.loads(result.output)["errors"]
    assert {e["field"] for e in errors} >= {"类号", "序号", "材料名称"} and all(e["row"] == 1 for e in errors)
    garbage = tmp_path / "bad" / "目录.csv"
    garbage.parent.mkdir()
    garbage.write_bytes(b"\xff\xfe\x00\x81\x00garbage\xff")
    result = run_import(app, garbage)
    assert result.exit_code == 1
    assert json.loads(result.output)["imported_files"] == 0
    not_xlsx = tmp_path / "目录.xlsx"
    not_xlsx.write_bytes(b"PK\x03\x04 this is not a workbook")
    result = run_import(app, not_xlsx)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert count(app, ArchiveFile) == 0


def test_duplicate_archive_no_in_people_sheet(app, tmp_path):
    people = write_csv(tmp_path / "人员.csv", PEOPLE_HEADER, [
        ["XC-5", "王五", "男", "", "1950", "某厂", "市属", "", "西城", "月坛", "", "", "否"],
        ["XC-5", "王五", "男", "", "1950", "某厂", "市属", "", "西城", "月坛", "", "", "否"],
    ])
    result = run_import(app, people)
    assert result.exit_code == 1
    assert any(e["row"] == 3 and e["field"] == "档号" for e in json.loads(result.output)["errors"])
    assert count(app, ArchiveFile) == 0


def test_existing_catalogue_is_kept_unless_replace(app, tmp_path):
    first = write_csv(tmp_path / "目录.csv", CAT_HEADER, [["XC-6", "一", 1, "职工登记表", "1978", 2, ""]])
    assert run_import(app, first).exit_code == 0
    (tmp_path / "b").mkdir()
    second = write_csv(tmp_path / "b" / "目录.csv", CAT_HEADER, [
        ["XC-6", "一", 1, "干部履历表", "1980", 3, ""],
        ["XC-6", "二", 1, "自传", "1981", 4, ""],
    ])
    result = run_import(app, second)
    assert result.exit_code == 1
    assert json.loads(result.output)["errors"][0]["message"].startswith("档号 XC-6 已有目录")
    with app.app_context():
        assert [m.title for m in db.session.scalars(select(Material))] == ["职工登记表"]
    result = run_import(app, second, extra=("--replace",))
    assert result.exit_code == 0
    with app.app_context():
        assert sorted(m.title for m in db.session.scalars(select(Material))) == ["干部履历表", "自传"]


def test_workbook_with_named_sheets_and_export_round_trip(app, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "目录"
    ws.append(CAT_HEADER)
    ws.append(["XC-7", "四-1", 1, "毕业证书", "1976.7", 1, "复印件"])
    ws.append(["XC-7", "九", 1, "招工审批表", "19780301", 2, None])
    ws.append(["XC-7", "1", 1, "职工登记表", "1978年", 2, None])
    wp = wb.create_sheet("人员")
    wp.append(PEOPLE_HEADER)
    id_number = make_id_number("110102", dt.date(1960, 1, 1), 2)
    wp.append(["XC-7", "赵六", "女", id_number, "1960-01-01", "西城区副食品公司", "区属", "2010",
               "西城", "牛街", "西城", "牛街", "否"])
    source = tmp_path / "package.xlsx"
    wb.save(source)
    result = run_import(app, source)
    assert result.exit_code == 0, result.output

    out = tmp_path / "export.xlsx"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalogue", "export", "XC-7", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:7] == tuple(CAT_HEADER)
    assert [r[1] for r in rows[1:]] == ["一", "四-1", "九"]
    with app.app_context():
        before = sorted((m.class_no, m.subclass, m.seq, m.title, m.formed, m.pages, m.remarks, m.original_label)
                        for m in db.session.scalars(select(Material)))
    assert run_import(app, out, extra=("--replace",)).exit_code == 0
    with app.app_context():
        after = sorted((m.class_no, m.subclass, m.seq, m.title, m.formed, m.pages, m.remarks, m.original_label)
                       for m in db.session.scalars(select(Material)))
    assert before == after
    assert ("1976-07" in {b[4] for b in before}) and ("1978-03-01" in {b[4] for b in before})


def test_unknown_archive_no_on_export(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["catalogue", "export", "NOPE", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0 and "NOPE" in result.output
