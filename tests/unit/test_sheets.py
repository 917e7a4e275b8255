from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from archive.catalogue.dates import PartialDate
from archive.catalogue.sheets import (
    CATALOGUE_COLUMNS,
    PEOPLE_COLUMNS,
    CatalogueRow,
    PersonRow,
    SheetData,
    SheetError,
    normalise_archive_no,
    read_sources,
)
from archive.idnumbers import check_character, make_id_number

TODAY = dt.date(2024, 6, 15)
ROW = ["A1", "1", 1, "履历表", "", "", ""]  # a valid 目录 row
VALID = dict(zip(CATALOGUE_COLUMNS, ["A001", "1", 1, "履历表", "", 1, ""], strict=True))
CAT_HEADER = list(CATALOGUE_COLUMNS)
PEOPLE_HEADER = list(PEOPLE_COLUMNS)
ID_M = make_id_number("110102", dt.date(1955, 3, 12), 123)  # odd sequence: male
ID_F = make_id_number("110104", dt.date(1962, 11, 5), 44)  # even sequence: female
ID_OTHER = make_id_number("110102", dt.date(1955, 6, 1), 7)


# -- helpers -------------------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    for i, (title, rows) in enumerate(sheets.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", sep: str = ",") -> Path:
    text = "\r\n".join(sep.join("" if c is None else str(c) for c in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def read(*paths: Path) -> SheetData:
    return read_sources(list(paths), today=TODAY)


def only_error(data: SheetData) -> SheetError:
    assert len(data.errors) == 1, data.errors
    return data.errors[0]


def codes(data: SheetData) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.field, e.code) for e in data.errors]


def person(archive_no="A001", name="张三", sex="男", id_number=ID_M, birth="1955-03-12", **extra) -> list:
    values = {
        "原单位": "北京第一机床厂",
        "单位层级": "市属",
        "退休时间": "2015-03",
        "户籍区": "西城区",
        "户籍街道": "月坛",
        "常住区": "海淀区",
        "常住街道": "",
        "党员": "是",
    } | extra
    return [archive_no, name, sex, id_number, birth] + [values[c] for c in PEOPLE_HEADER[5:]]


# -- catalogue: the happy path -------------------------------------------------------------------------


def test_catalogue_xlsx_rows_are_read_with_their_row_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "目录.xlsx",
        {
            "Sheet1": [
                CAT_HEADER,
                ["A001", "一", 1, "干部履历表", "1985-03-12", 4, ""],
                ["A001", "4-1", 1, "大学毕业登记表", "1985.3", 2, "复印件"],
                [],  # a blank row in the middle is skipped, numbering continues
                ["A001", "九-2", 2.0, "退休审批表", "2015年", 1.0, None],
                ["A002", 10, "3", "  其他  材料\n（续）", dt.datetime(2001, 5, 6), "0", None],
                [None, "  ", None, None, None, None, None],  # trailing blank rows are normal
                [None],
            ]
        },
    )
    data = read(path)
    assert data.errors == []
    assert [r.row for r in data.catalogue] == [2, 3, 5, 6]
    first, second, third, fourth = data.catalogue
    assert first == CatalogueRow(
        sheet="目录.xlsx:Sheet1",
        row=2,
        archive_no="A001",
        class_no=1,
        subclass=0,
        original_label="一",
        seq=1,
        title="干部履历表",
        formed=PartialDate(1985, 3, 12),
        pages=4,
        remarks="",
    )
    assert (second.class_no, second.subclass, second.original_label) == (4, 1, "4-1")
    assert second.formed == PartialDate(1985, 3)
    assert second.formed.precision == "month"
    assert second.remarks == "复印件"
    assert (third.class_no, third.subclass, third.seq, third.pages) == (9, 2, 2, 1)
    assert third.formed == PartialDate(2015)
    assert (fourth.class_no, fourth.original_label, fourth.seq, fourth.pages) == (10, "10", 3, 0)
    assert fourth.title == "其他 材料 （续）"
    assert fourth.formed == PartialDate(2001, 5, 6)
    assert data.people == []
    assert data.error_archive_nos() == set()


def test_optional_columns_may_be_absent(tmp_path):
    rows = [["档号", "类号", "序号", "材料名称"], ["A1", "1", 1, "履历表"]]
    path = write_xlsx(tmp_path / "目录.xlsx", {"目录": rows})
    data = read(path)
    assert data.errors == []
    (row,) = data.catalogue
    assert (row.formed, row.pages, row.remarks) == (None, None, "")
    assert row.sheet == "目录.xlsx:目录"


def test_header_spelling_order_and_extra_columns_are_tolerated(tmp_path):
    header = [" 页数 ", "备注（如复印件）", "材料名称", "无关列", "（序号）", "类号", "材料形成时间", "档号 "]
    row = [3, "复印件", "履历表", "x", 1, "四-2", "1990.5", "a001"]
    path = write_xlsx(tmp_path / "目录.xlsx", {"S": [header, row]})
    data = read(path)
    assert data.errors == []
    (row,) = data.catalogue
    assert (row.archive_no, row.class_no, row.subclass, row.seq, row.title, row.pages, row.remarks) == (
        "A001", 4, 2, 1, "履历表", 3, "复印件",
    )
    assert row.formed == PartialDate(1990, 5)


def test_header_aliases(tmp_path):
    header = ["档案号", "类号", "序号", "材料题名", "形成时间", "页数", "备注"]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": [header, ["A1", "1", 1, "履历表", "1990", 1, ""]]}))
    assert data.errors == []
    assert data.catalogue[0].formed == PartialDate(1990)


def test_title_row_above_the_header_keeps_row_numbers(tmp_path):
    rows = [["某某公司职工档案目录"], CAT_HEADER, ROW, ["A1", "1", "x", "自传", "", "", ""]]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    assert [r.row for r in data.catalogue] == [3]
    assert codes(data) == [(4, "序号", "bad_seq")]


def test_header_only_sheet_gives_nothing_and_no_error(tmp_path):
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": [CAT_HEADER]}))
    assert (data.catalogue, data.people, data.errors) == ([], [], [])


def test_empty_catalogue_sheet_is_reported(tmp_path):
    err = only_error(read(write_xlsx(tmp_path / "目录.xlsx", {"S": []})))
    assert (err.sheet, err.row, err.code) == ("目录.xlsx:S", None, "empty_sheet")


def test_original_label_column_from_export_round_trips(tmp_path):
    header = [*CAT_HEADER, "原类号"]
    rows = [
        header,
        ["A1", "九-2", 1, "招工表", "1970", 1, "", "一"],
        ["A1", "一", 1, "履历表", "1980", 1, "", None],
    ]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"目录": rows}))
    assert data.errors == []
    labels = [(r.class_no, r.subclass, r.original_label) for r in data.catalogue]
    assert labels == [(9, 2, "一"), (1, 0, "一")]


# -- catalogue: row validation -------------------------------------------------------------------------


def test_every_bad_field_is_reported_and_the_row_dropped(tmp_path):
    rows = [
        CAT_HEADER,
        ["A001", "4-7", 0, "", "1985-02-30", -1, ""],
        ["A001", "1", 1, "履历表", "", "", ""],
    ]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    assert codes(data) == [
        (2, "类号", "bad_class"),
        (2, "序号", "bad_seq"),
        (2, "材料名称", "missing_title"),
        (2, "材料形成时间", "bad_date"),
        (2, "页数", "bad_pages"),
    ]
    assert all(e.archive_no == "A001" and e.sheet == "目录.xlsx:S" for e in data.errors)
    messages = [str(e.message) for e in data.errors]
    assert messages[0] == "类号“4-7”无效：第4类的子类只能是1–4"
    assert messages[1] == "序号“0”无效：应为正整数"
    assert messages[2] == "材料名称为空"
    assert messages[3] == "材料形成时间“1985-02-30”无效：1985年2月没有30日（该月只有28天）"
    assert messages[4] == "页数“-1”无效：不能是负数"
    assert [r.row for r in data.catalogue] == [3]
    assert data.error_archive_nos() == {"A001"}


@pytest.mark.parametrize(
    ("cells", "field", "code", "fragment"),
    [
        ({"类号": ""}, "类号", "bad_class", "类号为空"),
        ({"类号": "十一"}, "类号", "bad_class", "大类只能是1–10"),
        ({"类号": "3-1"}, "类号", "bad_class", "第3类没有子类"),
        ({"类号": "abc"}, "类号", "bad_class", "无法识别"),
        ({"序号": None}, "序号", "bad_seq", "序号为空"),
        ({"序号": "一"}, "序号", "bad_seq", "应为正整数"),
        ({"序号": 1.5}, "序号", "bad_seq", "应为正整数"),
        ({"序号": "-2"}, "序号", "bad_seq", "应为正整数"),
        ({"材料名称": "   "}, "材料名称", "missing_title", "材料名称为空"),
        ({"材料名称": "长" * 301}, "材料名称", "too_long", "最多300"),
        ({"材料形成时间": "1985-13"}, "材料形成时间", "bad_date", "月份只能是1–12"),
        ({"材料形成时间": "不详"}, "材料形成时间", "bad_date", "无法识别"),
        ({"材料形成时间": "1850"}, "材料形成时间", "bad_date", "早于1880年"),
        ({"材料形成时间": "2024-07-01"}, "材料形成时间", "bad_date", "晚于今天（2024-06-15）"),
        ({"页数": "三"}, "页数", "bad_pages", "应为0或正整数"),
        ({"页数": 2.5}, "页数", "bad_pages", "应为0或正整数"),
        ({"备注": "注" * 301}, "备注", "too_long", "最多300"),
        ({"档号": "A/001"}, "档号", "bad_archive_no", "不能用作文件夹名"),
        ({"档号": "A 001"}, "档号", "bad_archive_no", "空格"),
        ({"档号": "..", "材料名称": "x"}, "档号", "bad_archive_no", "不能用作文件夹名"),
        ({"档号": "A" * 65}, "档号", "bad_archive_no", "过长"),
    ],
)
def test_single_field_rejections(tmp_path, cells, field, code, fragment):
    values = VALID | cells
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": [CAT_HEADER, [values[c] for c in CAT_HEADER]]}))
    err = only_error(data)
    assert (err.row, err.field, err.code) == (2, field, code)
    assert fragment in str(err.message)
    assert data.catalogue == []


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"序号": 3.0, "页数": 5.0}, (3, 5)),
        ({"序号": "3", "页数": "5"}, (3, 5)),
        ({"序号": "3.0", "页数": "5页"}, (3, 5)),
        ({"序号": "３", "页数": "０"}, (3, 0)),
        ({"序号": " 12 ", "页数": None}, (12, None)),
    ],
)
def test_integers_from_cells(tmp_path, cells, expected):
    values = VALID | cells
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": [CAT_HEADER, [values[c] for c in CAT_HEADER]]}))
    assert data.errors == []
    assert (data.catalogue[0].seq, data.catalogue[0].pages) == expected


def test_numeric_cells_for_class_and_date(tmp_path):
    rows = [CAT_HEADER, ["A1", 4.1, 1, "毕业证", 1985.3, 1, ""], ["A1", 9.0, 1, "工资表", 19900101, 1, ""]]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    assert data.errors == []
    assert [(r.class_no, r.subclass, r.original_label, r.formed.iso) for r in data.catalogue] == [
        (4, 1, "4.1", "1985-03"),
        (9, 0, "9", "1990-01-01"),
    ]


def test_row_without_archive_no_is_an_error_but_empty_rows_are_not(tmp_path):
    rows = [CAT_HEADER, ROW, [None, "1", 2, "自传", "", "", ""], [None] * 7]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    err = only_error(data)
    assert (err.row, err.field, err.code, err.archive_no) == (3, "档号", "missing_archive_no", None)
    assert str(err.message).startswith("档号为空")
    assert data.error_archive_nos() == set()


def test_row_with_cells_only_in_ignored_columns_is_skipped(tmp_path):
    rows = [[*CAT_HEADER, "说明"], ["A1", "1", 1, "履历表", "", "", "", ""], [None] * 7 + ["制表人：李四"]]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    assert data.errors == []
    assert len(data.catalogue) == 1


def test_archive_numbers_are_normalised(tmp_path):
    rows = [CAT_HEADER, ["  ａ－００１ ", *ROW[1:]], ["xc-2020-7", *ROW[1:]]]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    assert [r.archive_no for r in data.catalogue] == ["A-001", "XC-2020-7"]
    assert normalise_archive_no(12345.0) == "12345"
    assert normalise_archive_no(None) == ""


def test_missing_required_columns_are_reported_once_on_the_header(tmp_path):
    rows = [["档号", "序号", "页数"], ["A1", 1, 3], ["A1", 2, 3]]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    assert codes(data) == [(1, "类号", "missing_column"), (1, "材料名称", "missing_column")]
    assert str(data.errors[0].message) == "目录表缺少“类号”列"
    assert data.catalogue == []


def test_duplicate_header_column(tmp_path):
    rows = [[*CAT_HEADER, "序号"], ["A1", "1", 1, "履历表", "", "", "", 9]]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    assert codes(data) == [(1, "序号", "duplicate_column")]
    assert data.catalogue[0].seq == 1


def test_duplicate_materials_flag_the_later_rows(tmp_path):
    rows = [
        CAT_HEADER,
        ["A1", "4-1", 1, "毕业证", "", "", ""],
        ["A1", "四-1", 1, "学位证", "", "", ""],  # same class written differently: still a duplicate
        ["A1", "4-2", 1, "职称证", "", "", ""],  # another sub-class: fine
        ["A2", "4-1", 1, "毕业证", "", "", ""],  # another file: fine
        ["a1", "４－１", 1, "又一份", "", "", ""],
    ]
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": rows}))
    assert codes(data) == [(3, "序号", "duplicate"), (6, "序号", "duplicate")]
    assert "第2行已有" in str(data.errors[0].message)
    assert [r.row for r in data.catalogue] == [2, 4, 5]
    assert data.error_archive_nos() == {"A1"}


def test_duplicates_are_found_across_sources(tmp_path):
    a = write_xlsx(tmp_path / "a.xlsx", {"目录": [CAT_HEADER, ROW]})
    b = write_csv(tmp_path / "b.csv", [CAT_HEADER, ROW])
    data = read(a, b)
    err = only_error(data)
    assert (err.sheet, err.row, err.code) == ("b.csv", 2, "duplicate")
    assert "a.xlsx:目录第2行已有" in str(err.message)


# -- people --------------------------------------------------------------------------------------------


def test_people_rows_are_read(tmp_path):
    rows = [
        PEOPLE_HEADER,
        person(),
        person("A002", "李  红", "女", ID_F, "1962年11月", 单位层级="央属", 党员="否", 退休时间=""),
        person("A003", "王五", "", "", "", 单位层级="", 党员="", 户籍区=""),
    ]
    data = read(write_xlsx(tmp_path / "人员.xlsx", {"Sheet": rows}))
    assert data.errors == []
    first, second, third = data.people
    assert first == PersonRow(
        sheet="人员.xlsx:Sheet",
        row=2,
        archive_no="A001",
        name="张三",
        sex="M",
        id_number=ID_M,
        birth_date=PartialDate(1955, 3, 12),
        employer="北京第一机床厂",
        employer_level="municipal",
        retired_on=PartialDate(2015, 3),
        hukou_district="西城区",
        hukou_street="月坛",
        residence_district="海淀区",
        residence_street="",
        party_member=True,
    )
    assert (second.name, second.sex) == ("李红", "F")  # padding inside a two-character name dropped
    assert (second.employer_level, second.party_member) == ("central", False)
    assert second.birth_date == PartialDate(1962, 11)
    assert second.retired_on is None
    assert (third.sex, third.id_number, third.birth_date, third.employer_level, third.party_member) == (
        None, None, None, None, None,
    )
    assert data.catalogue == []


def test_only_archive_no_and_name_are_required(tmp_path):
    data = read(write_csv(tmp_path / "人员.csv", [["姓名", "档号"], ["张三", "A1"]]))
    assert data.errors == []
    assert (data.people[0].archive_no, data.people[0].name) == ("A1", "张三")
    data = read(write_csv(tmp_path / "人员.csv", [["档号", "性别"], ["A1", "男"]]))
    assert codes(data) == [(1, "姓名", "missing_column")]
    assert str(data.errors[0].message) == "人员表缺少“姓名”列"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("男", "M"), ("女", "F"), ("M", "M"), ("f", "F"), ("男性", "M"), ("Ｆ", "F"), (" 女 ", "F")],
)
def test_sex_spellings(tmp_path, value, expected):
    data = read(write_csv(tmp_path / "人员.csv", [["档号", "姓名", "性别"], ["A1", "某", value]]))
    assert data.errors == []
    assert data.people[0].sex == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), ("0", False), (1, True), (0, False),
     (True, True), (False, False), ("中共党员", True), ("群众", False), ("YES", True)],
)
def test_party_member_spellings(tmp_path, value, expected):
    data = read(write_xlsx(tmp_path / "人员.xlsx", {"S": [["档号", "姓名", "党员"], ["A1", "某", value]]}))
    assert data.errors == []
    assert data.people[0].party_member is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("央属", "central"),
        ("市属", "municipal"),
        ("区属", "district"),
        ("中央企业", "central"),
        ("区管", "district"),
    ],
)
def test_employer_levels(tmp_path, value, expected):
    rows = [["档号", "姓名", "单位层级（央属/市属/区属）"], ["A1", "某", value]]
    data = read(write_csv(tmp_path / "人员.csv", rows))
    assert data.errors == []
    assert data.people[0].employer_level == expected


def test_id_number_forms(tmp_path):
    x_number = next(
        n for s in range(1000) if (n := make_id_number("110102", dt.date(1950, 1, 2), s)).endswith("X")
    )
    rows = [
        ["档号", "姓名", "身份证号", "出生日期", "性别"],
        ["A1", "甲", "110102550312123", "1955-03-12", "男"],  # 15 digits: converted
        ["A2", "乙", x_number.lower(), "1950-01-02", ""],
        ["A3", "丙", ID_F, 19621105, "女"],
        ["A4", "丁", f" {ID_OTHER} ", "1955", "男"],
    ]
    data = read(write_xlsx(tmp_path / "人员.xlsx", {"S": rows}))
    assert data.errors == []
    first, second, third, fourth = data.people
    assert first.id_number == "11010219550312123" + check_character("11010219550312123")
    assert second.id_number == x_number
    assert third.id_number == ID_F
    assert fourth.id_number == ID_OTHER  # year-only 出生日期 agrees with the ID's birth date


def test_id_number_in_a_numeric_cell(tmp_path):
    digits_only = next(
        n for s in range(1000) if (n := make_id_number("110102", dt.date(1950, 1, 2), s))[-1].isdigit()
    )
    # A double keeps 15 digits exactly, so a legacy number survives; 18 digits do not.
    rows = [["档号", "姓名", "身份证号"], ["A1", "甲", 110102500102123.0], ["A2", "乙", int(digits_only)]]
    data = read(write_xlsx(tmp_path / "人员.xlsx", {"S": rows}))
    assert data.people[0].id_number == "11010219500102123" + check_character("11010219500102123")
    err = only_error(data)
    assert (err.row, err.field, err.code) == (3, "身份证号", "bad_id_number")
    assert "存成了数字" in str(err.message)


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        (ID_M[:-1] + ("0" if ID_M[-1] != "0" else "1"), "身份证号校验位错误"),
        ("11010219850230123" + check_character("11010219850230123"), "身份证号中的出生日期不存在"),
        ("11010219850312", "身份证号格式错误：应为18位（末位可为X）或15位数字"),
        ("1101021985031212X5", "身份证号格式错误：应为18位（末位可为X）或15位数字"),
    ],
)
def test_bad_id_numbers(tmp_path, id_number, message):
    data = read(write_csv(tmp_path / "人员.csv", [["档号", "姓名", "身份证号"], ["A1", "甲", id_number]]))
    err = only_error(data)
    assert (err.row, err.field, err.code, err.archive_no) == (2, "身份证号", "bad_id_number", "A1")
    assert str(err.message) == message
    assert data.people == []


def test_id_number_disagreeing_with_birth_date_and_sex(tmp_path):
    rows = [
        ["档号", "姓名", "身份证号", "出生日期", "性别"],
        ["A1", "甲", ID_M, "1955-04-12", "男"],
        ["A2", "乙", ID_F, "1962-11-05", "男"],
        ["A3", "丙", ID_F, "1963", "男"],
    ]
    data = read(write_csv(tmp_path / "人员.csv", rows))
    assert codes(data) == [
        (2, "身份证号", "id_mismatch"),
        (3, "身份证号", "id_mismatch"),
        (4, "身份证号", "id_mismatch"),
        (4, "身份证号", "id_mismatch"),
        (4, "身份证号", "duplicate"),
    ]
    assert str(data.errors[0].message) == "身份证号中的出生日期1955-03-12与出生日期“1955-04-12”不一致"
    assert str(data.errors[1].message) == "身份证号表明性别为女，与性别“男”不一致"
    assert data.people == []


@pytest.mark.parametrize(
    ("cells", "field", "code", "fragment"),
    [
        ({"姓名": ""}, "姓名", "missing_name", "姓名为空"),
        ({"姓名": "名" * 51}, "姓名", "too_long", "最多50"),
        ({"性别": "未知"}, "性别", "bad_sex", "性别“未知”无效：应为男或女"),
        ({"单位层级": "省属"}, "单位层级", "bad_employer_level", "应为央属、市属或区属"),
        ({"党员": "可能"}, "党员", "bad_party_member", "党员“可能”无效：应为是或否"),
        ({"出生日期": "1955-02-30"}, "出生日期", "bad_date", "1955年2月没有30日"),
        ({"退休时间": "2030-01"}, "退休时间", "bad_date", "晚于今天"),
        ({"退休时间": "1950"}, "退休时间", "bad_date", "早于出生日期"),
        ({"户籍街道": "街" * 33}, "户籍街道", "too_long", "最多32"),
    ],
)
def test_person_field_rejections(tmp_path, cells, field, code, fragment):
    values = dict(zip(PEOPLE_HEADER, person(), strict=True)) | cells
    rows = [PEOPLE_HEADER, [values[c] for c in PEOPLE_HEADER]]
    data = read(write_xlsx(tmp_path / "人员.xlsx", {"S": rows}))
    err = only_error(data)
    assert (err.row, err.field, err.code, err.archive_no) == (2, field, code, "A001")
    assert fragment in str(err.message)
    assert data.people == []


def test_duplicate_people(tmp_path):
    rows = [
        PEOPLE_HEADER,
        person("A1", id_number=ID_M),
        person("a1", id_number=""),  # same 档号 again
        person("A2", id_number=ID_M),  # same ID on another file
        person("A3", "李红", "女", ID_F, "1962-11-05"),
    ]
    data = read(write_xlsx(tmp_path / "人员.xlsx", {"S": rows}))
    assert codes(data) == [(3, "档号", "duplicate"), (4, "身份证号", "duplicate")]
    assert "第2行已有" in str(data.errors[0].message)
    assert "档号A1" in str(data.errors[1].message)
    assert [p.archive_no for p in data.people] == ["A1", "A3"]
    assert data.error_archive_nos() == {"A1", "A2"}


def test_fifteen_and_eighteen_digit_forms_of_one_id_are_duplicates(tmp_path):
    eighteen = "11010219550312123" + check_character("11010219550312123")
    rows = [["档号", "姓名", "身份证号"], ["A1", "甲", "110102550312123"], ["A2", "甲", eighteen]]
    data = read(write_csv(tmp_path / "人员.csv", rows))
    assert codes(data) == [(3, "身份证号", "duplicate")]


# -- sources: workbooks, CSV, folders ------------------------------------------------------------------


def test_workbook_with_both_sheets_ignores_others(tmp_path):
    path = write_xlsx(
        tmp_path / "scan.xlsx",
        {
            "说明": [["本表由某某公司填写"]],
            "目录": [CAT_HEADER, ["A001", "1", 1, "履历表", "1980", 2, ""]],
            " 人员 ": [PEOPLE_HEADER, person()],
            "Sheet3": [CAT_HEADER, ["ZZZ", "1", 1, "不应读取", "", "", ""]],
        },
    )
    data = read(path)
    assert data.errors == []
    assert [(r.sheet, r.archive_no) for r in data.catalogue] == [("scan.xlsx:目录", "A001")]
    assert [(p.sheet, p.archive_no) for p in data.people] == [("scan.xlsx: 人员 ", "A001")]


def test_workbook_sheets_identified_by_header_when_not_named(tmp_path):
    path = write_xlsx(
        tmp_path / "whatever.xlsx",
        {"封面": [["说明"]], "a": [CAT_HEADER, ROW], "b": [PEOPLE_HEADER, person("A1")]},
    )
    data = read(path)
    assert data.errors == []
    assert [r.sheet for r in data.catalogue] == ["whatever.xlsx:a"]
    assert [p.sheet for p in data.people] == ["whatever.xlsx:b"]


def test_file_named_catalogue_reads_every_recognised_sheet(tmp_path):
    sheets = {"a": [CAT_HEADER, ROW], "b": [PEOPLE_HEADER, person("A1")], "c": [[1]]}
    data = read(write_xlsx(tmp_path / "目录.xlsx", sheets))
    assert data.errors == []
    assert [r.sheet for r in data.catalogue] == ["目录.xlsx:a"]
    assert [p.sheet for p in data.people] == ["目录.xlsx:b"]


def test_empty_people_sheet_is_ignored(tmp_path):
    data = read(write_xlsx(tmp_path / "scan.xlsx", {"目录": [CAT_HEADER, ROW], "人员": []}))
    assert data.errors == []
    assert (len(data.catalogue), data.people) == (1, [])


def test_header_naming_both_kinds_is_not_guessed(tmp_path):
    rows = [["档号", "姓名", "材料名称"], ["A1", "甲", "履历表"]]
    err = only_error(read(write_csv(tmp_path / "mixed.csv", rows)))
    assert err.code == "unknown_sheet"


def test_file_named_catalogue_with_wrong_header_reports_missing_columns(tmp_path):
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": [["甲", "乙"], [1, 2]]}))
    assert [e.code for e in data.errors] == ["missing_column"] * 4
    assert [e.field for e in data.errors] == ["档号", "类号", "序号", "材料名称"]


def test_unidentifiable_file_is_reported(tmp_path):
    err = only_error(read(write_csv(tmp_path / "data.csv", [["甲", "乙"], [1, 2]])))
    assert (err.sheet, err.code) == ("data.csv", "unknown_sheet")


def test_csv_utf8_with_bom(tmp_path):
    rows = [CAT_HEADER, ["A1", "四-1", "1", "毕业证书", "1985年7月", "1", "复印件"]]
    path = write_csv(tmp_path / "目录.csv", rows, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    data = read(path)
    assert data.errors == []
    (row,) = data.catalogue
    assert (row.sheet, row.row, row.archive_no) == ("目录.csv", 2, "A1")
    assert (row.title, row.remarks, row.formed) == ("毕业证书", "复印件", PartialDate(1985, 7))


def test_csv_utf8_without_bom_identified_by_header(tmp_path):
    data = read(write_csv(tmp_path / "catalogue.csv", [CAT_HEADER, ["A1", "1", "1", "履历表", "", "", ""]]))
    assert data.errors == []
    assert data.catalogue[0].sheet == "catalogue.csv"


def test_csv_gb18030(tmp_path):
    rows = [PEOPLE_HEADER, person("A1", "欧阳𠮷", 党员="否")]  # 𠮷 is outside GBK: GB18030 four-byte form
    path = write_csv(tmp_path / "人员.csv", rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    data = read(path)
    assert data.errors == []
    assert data.people[0].name == "欧阳𠮷"
    assert data.people[0].employer == "北京第一机床厂"


def test_csv_with_tabs_and_quoted_newlines(tmp_path):
    path = tmp_path / "目录.csv"
    text = (
        "\t".join(CAT_HEADER)
        + "\r\nA1\t1\t1\t履历表\t\t\t"
        + "\r\nA1\t2\t1\t\"自传\n（上）\"\t\t\t"
        + "\r\nA1\tX\t1\t坏\t\t\t\r\n"
    )
    path.write_text(text, encoding="utf-8")
    data = read(path)
    assert [r.title for r in data.catalogue] == ["履历表", "自传 （上）"]
    # Row numbers count records, as a spreadsheet shows them, not physical lines.
    assert codes(data) == [(4, "类号", "bad_class")]


def test_csv_in_no_known_encoding(tmp_path):
    path = tmp_path / "目录.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    err = only_error(read(path))
    assert (err.sheet, err.row, err.field, err.code) == ("目录.csv", None, None, "encoding")
    assert "UTF-8" in str(err.message) and "GB18030" in str(err.message)


def test_utf16_csv_is_an_encoding_error(tmp_path):
    path = tmp_path / "目录.csv"
    path.write_bytes(",".join(CAT_HEADER).encode("utf-16"))
    assert only_error(read(path)).code == "encoding"


def test_xlsx_bytes_named_csv(tmp_path):
    path = tmp_path / "目录.csv"
    write_xlsx(tmp_path / "real.xlsx", {"S": [CAT_HEADER]})
    path.write_bytes((tmp_path / "real.xlsx").read_bytes())
    err = only_error(read(path))
    assert (err.sheet, err.code) == ("目录.csv", "unreadable_file")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("目录.xlsx", b"PK\x03\x04 this is not really a zip file"),
        ("目录.xlsx", b"\x00\x01\x02 garbage"),
        ("目录.xlsx", "档号,类号\nA1,1\n".encode()),  # a CSV wearing the wrong extension
        ("人员.xlsm", b""),
        ("目录.xls", b"\xd0\xcf\x11\xe0 old excel"),
        ("目录.txt", b"hello"),
        ("目录.pdf", b"%PDF-1.4"),
    ],
)
def test_unreadable_files_give_one_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    err = only_error(read(path))
    assert (err.sheet, err.row, err.field, err.code) == (name, None, None, "unreadable_file")
    assert str(err.message)


def test_truncated_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"目录": [CAT_HEADER, ROW]})
    bad = tmp_path / "目录.xlsx"
    bad.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    assert only_error(read(bad)).code == "unreadable_file"


def test_corrupt_sheet_xml_inside_a_valid_zip(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"目录": [CAT_HEADER, ROW]})
    bad = tmp_path / "目录.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    data = read(bad)
    assert only_error(data).code == "unreadable_file"
    assert data.catalogue == []


def test_openpyxl_warnings_do_not_make_a_file_unreadable(tmp_path):
    # A workbook without named cell styles makes openpyxl warn; under filterwarnings=error that warning
    # must not turn a good file into an "unreadable" one.
    good = write_xlsx(tmp_path / "good.xlsx", {"目录": [CAT_HEADER, ROW]})
    odd = tmp_path / "目录.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(odd, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/styles.xml":
                data = re.sub(rb"<cellStyles.*?</cellStyles>", b"", data, flags=re.S)
            zout.writestr(item, data)
    data = read(odd)
    assert data.errors == []
    assert len(data.catalogue) == 1


def test_missing_path(tmp_path):
    err = only_error(read(tmp_path / "目录.xlsx"))
    assert (err.sheet, err.code, str(err.message)) == ("目录.xlsx", "unreadable_file", "文件不存在")


def test_folder_reads_the_named_files_and_ignores_the_rest(tmp_path):
    write_xlsx(tmp_path / "目录.xlsx", {"Sheet1": [CAT_HEADER, ROW]})
    write_csv(tmp_path / "人员.csv", [PEOPLE_HEADER, person("A1")], encoding="gb18030")
    (tmp_path / "~$目录.xlsx").write_bytes(b"\x00lock")  # Excel's lock file while the workbook is open
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "说明.txt").write_text("readme", encoding="utf-8")
    write_xlsx(tmp_path / "移交名册.xlsx", {"S": [["序号", "单位"], [1, "某厂"]]})  # not ours: ignored
    (tmp_path / "A1").mkdir()
    (tmp_path / "A1" / "目录.csv").write_bytes(b"\xff")  # not directly inside: never looked at
    data = read(tmp_path)
    assert data.errors == []
    assert [r.sheet for r in data.catalogue] == ["目录.xlsx:Sheet1"]
    assert [p.sheet for p in data.people] == ["人员.csv"]


def test_folder_with_a_workbook_of_both_sheets(tmp_path):
    write_xlsx(tmp_path / "package.xlsx", {"目录": [CAT_HEADER, ROW],
                                           "人员": [PEOPLE_HEADER, person("A1")]})
    data = read(tmp_path)
    assert data.errors == []
    assert (len(data.catalogue), len(data.people)) == (1, 1)


def test_folder_without_sheets(tmp_path):
    (tmp_path / "A1").mkdir()
    (tmp_path / "readme.txt").write_text("x", encoding="utf-8")
    err = only_error(read(tmp_path))
    assert (err.sheet, err.code) == (tmp_path.name, "no_sheets")


def test_folder_reports_a_corrupt_spreadsheet(tmp_path):
    write_xlsx(tmp_path / "目录.xlsx", {"S": [CAT_HEADER, ROW]})
    (tmp_path / "人员.xlsx").write_bytes(b"not a workbook")
    data = read(tmp_path)
    assert codes(data) == [(None, None, "unreadable_file")]
    assert data.errors[0].sheet == "人员.xlsx"
    assert len(data.catalogue) == 1


def test_folder_with_the_same_sheet_twice(tmp_path):
    write_xlsx(tmp_path / "目录.xlsx", {"S": [CAT_HEADER, ROW]})
    write_csv(tmp_path / "目录.csv", [CAT_HEADER, ROW])
    data = read(tmp_path)
    err = only_error(data)
    assert (err.sheet, err.code) == ("目录.csv", "ambiguous_source")
    assert [r.sheet for r in data.catalogue] == ["目录.xlsx:S"]


def test_same_source_given_twice_is_read_once(tmp_path):
    path = write_xlsx(tmp_path / "目录.xlsx", {"S": [CAT_HEADER, ROW]})
    data = read(path, path, tmp_path)
    assert data.errors == []
    assert len(data.catalogue) == 1


def test_string_paths_are_accepted(tmp_path):
    path = write_xlsx(tmp_path / "目录.xlsx", {"S": [CAT_HEADER, ROW]})
    assert len(read_sources([str(path)], today=TODAY).catalogue) == 1


def test_errors_and_rows_across_both_sheets(tmp_path):
    path = write_xlsx(
        tmp_path / "scan.xlsx",
        {
            "目录": [CAT_HEADER, ROW, ["A2", "一", 1, "履历表", "1985-02-30", "", ""]],
            "人员": [PEOPLE_HEADER, person("A1"), person("A3", sex="外星", id_number="")],
        },
    )
    data = read(path)
    assert {(e.sheet, e.row, e.code) for e in data.errors} == {
        ("scan.xlsx:目录", 3, "bad_date"),
        ("scan.xlsx:人员", 3, "bad_sex"),
    }
    assert data.error_archive_nos() == {"A2", "A3"}
    assert [r.archive_no for r in data.catalogue] == ["A1"]
    assert [p.archive_no for p in data.people] == ["A1"]


# -- the public types ----------------------------------------------------------------------------------


def test_sheet_error_as_dict():
    err = SheetError("目录.xlsx:S", 3, "类号", "类号为空", "A1", "bad_class")
    assert err.as_dict() == {"sheet": "目录.xlsx:S", "row": 3, "field": "类号", "message": "类号为空"}
    assert SheetError("x.csv", None, None, "m").as_dict() == {"sheet": "x.csv", "row": None, "field": None,
                                                               "message": "m"}


def test_sheet_data_error_archive_nos():
    data = SheetData(errors=[SheetError("s", 2, "档号", "m", None), SheetError("s", 3, "序号", "m", "A9")])
    assert data.error_archive_nos() == {"A9"}
    assert SheetData().error_archive_nos() == set()


def test_rows_are_frozen(tmp_path):
    data = read(write_xlsx(tmp_path / "目录.xlsx", {"S": [CAT_HEADER, ROW]}))
    with pytest.raises(AttributeError):
        data.catalogue[0].seq = 2  # type: ignore[misc]


def test_large_catalogue_row_numbers_stay_exact(tmp_path):
    rows = [CAT_HEADER] + [["A1", "1", i, f"材料{i}", "", 1, ""] for i in range(1, 2001)]
    rows[1500][3] = ""  # spreadsheet row 1501
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(buf)
    path = tmp_path / "目录.xlsx"
    path.write_bytes(buf.getvalue())
    data = read(path)
    assert codes(data) == [(1501, "材料名称", "missing_title")]
    assert len(data.catalogue) == 1999
