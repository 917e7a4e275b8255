"""The sheets' column names in the reader's language, for messages and reports.

The sheets themselves are Chinese (``档号``, ``类号`` …: the headers sending units write);
an English reader sees the column's English name in messages and error tables.
"""

from __future__ import annotations

from archive.messages import Message, pmsg

__all__ = ["COLUMN_LABELS", "SHEET_LABELS", "column_label", "sheet_label"]

COLUMN_LABELS = {
    "档号": pmsg("sheet column", "File no."),
    "类号": pmsg("sheet column", "Class"),
    "原类号": pmsg("sheet column", "Original class label"),
    "序号": pmsg("sheet column", "No."),
    "材料名称": pmsg("sheet column", "Title"),
    "材料形成时间": pmsg("sheet column", "Date formed"),
    "页数": pmsg("sheet column", "Pages"),
    "备注": pmsg("sheet column", "Remarks"),
    "姓名": pmsg("sheet column", "Name"),
    "性别": pmsg("sheet column", "Sex"),
    "身份证号": pmsg("sheet column", "ID number"),
    "出生日期": pmsg("sheet column", "Date of birth"),
    "原单位": pmsg("sheet column", "Employer"),
    "单位层级": pmsg("sheet column", "Employer level"),
    "退休时间": pmsg("sheet column", "Retired"),
    "户籍区": pmsg("sheet column", "Household district"),
    "户籍街道": pmsg("sheet column", "Household street"),
    "常住区": pmsg("sheet column", "Residence district"),
    "常住街道": pmsg("sheet column", "Residence street"),
    "党员": pmsg("sheet column", "Party member"),
}

SHEET_LABELS = {
    "catalogue": pmsg("sheet", "catalogue"),
    "people": pmsg("sheet", "people"),
}


def column_label(key: str | None) -> Message | str:
    """The column's name in the reader's language (said when shown); an unknown column as written."""
    if not key:
        return ""
    return COLUMN_LABELS.get(key, key)


def sheet_label(kind: str) -> Message | str:
    return SHEET_LABELS.get(kind, kind)
