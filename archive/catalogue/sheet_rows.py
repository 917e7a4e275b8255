"""Checking one row of a 目录 or 人员 sheet: every bad cell becomes an error naming its column.

Part of :mod:`archive.catalogue.sheets`: :class:`RowChecks` is the half of its reader that judges rows
(the other half finds the sources and tables); duplicate checks span every source read.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from archive.catalogue.classes import InvalidClassLabel, parse_class_label
from archive.catalogue.columns import column_label
from archive.catalogue.dates import InvalidDate, PartialDate, parse_partial_date
from archive.catalogue.sheet_cells import (
    _BAD_ARCHIVE_CHARS,
    _BAD_ARCHIVE_NO,
    _LEVELS,
    _MAX_LENGTH,
    _MISSING_ARCHIVE_NO,
    _PARTY,
    _PLAIN_PEOPLE_COLUMNS,
    _SEX,
    MAX_PAGES,
    ORIGINAL_LABEL_COLUMN,
    CatalogueRow,
    PersonRow,
    SheetError,
    _Add,
    _collapse,
    _int,
    _is_blank,
    _person_name,
    _text,
    _token,
    normalise_archive_no,
)
from archive.idnumbers import InvalidIdNumber, parse_id_number
from archive.messages import Message, msg, pmsg


class RowChecks:
    """The row half of the sheet reader; the reader provides the state declared here."""

    today: dt.date
    archive_no_re: re.Pattern[str]
    catalogue: list[CatalogueRow]
    people: list[PersonRow]
    errors: list[SheetError]
    _material_at: dict[tuple[str, int, int, int], tuple[str, int]]
    _person_at: dict[str, tuple[str, int]]
    _id_at: dict[str, tuple[str, str, int]]

    def _row_start(
        self, sheet: str, number: int, cells: dict[str, Any]
    ) -> tuple[str | None, list[SheetError], _Add]:
        """Read 档号 and give back an error recorder bound to this row."""
        problems: list[SheetError] = []
        archive_no = normalise_archive_no(cells.get("档号")) or None

        def add(column: str, code: str, message: Message) -> None:
            problems.append(SheetError(sheet, number, column, message, archive_no, code))

        if archive_no is None:
            add("档号", "missing_archive_no", _MISSING_ARCHIVE_NO)
        elif _BAD_ARCHIVE_CHARS.search(archive_no) or archive_no in (".", ".."):
            add("档号", "bad_archive_no",
                msg("File no. “%(no)s” holds a space or a character that no folder name may hold (%(chars)s)",
                    no=archive_no, chars=_BAD_ARCHIVE_NO))
        elif len(archive_no) > _MAX_LENGTH["档号"]:
            add("档号", "bad_archive_no",
                msg("File no. “%(no)s” is too long (at most %(max)s characters)", no=archive_no,
                    max=_MAX_LENGTH["档号"]))
        elif not self.archive_no_re.fullmatch(archive_no):
            add("档号", "bad_archive_no", msg("File no. “%(no)s” is not in the form of a file no. (letters, digits or "
                                             "Chinese characters joined by - _ .)", no=archive_no))
        return archive_no, problems, add

    def _date(self, cells: dict[str, Any], column: str, add: _Add) -> PartialDate | None:
        value = cells.get(column)
        try:
            return parse_partial_date(value, today=self.today)
        except InvalidDate as exc:
            add(column, "bad_date", msg("%(column)s “%(value)s” is invalid: %(detail)s", column=column_label(column),
                                       value=_text(value), detail=exc.detail))
            return None

    @staticmethod
    def _check_length(column: str, text: str, add: _Add) -> None:
        limit = _MAX_LENGTH.get(column)
        if limit is not None and len(text) > limit:
            add(column, "too_long", msg("%(column)s is too long (%(n)s characters, at most %(max)s)",
                                       column=column_label(column), n=len(text), max=limit))

    def _catalogue_row(self, sheet: str, number: int, cells: dict[str, Any]) -> None:
        archive_no, problems, add = self._row_start(sheet, number, cells)

        raw_class = cells.get("类号")
        original_label = _text(cells.get(ORIGINAL_LABEL_COLUMN)) or _text(raw_class)
        class_no = subclass = None
        try:
            class_no, subclass = parse_class_label(raw_class)
        except InvalidClassLabel as exc:
            add("类号", "bad_class", exc.message)
        if len(original_label) > _MAX_LENGTH["类号"]:
            column = ORIGINAL_LABEL_COLUMN if _text(cells.get(ORIGINAL_LABEL_COLUMN)) else "类号"
            add(column, "too_long", msg("%(column)s is too long (at most %(max)s characters)",
                                       column=column_label(column), max=_MAX_LENGTH["类号"]))

        raw_seq = cells.get("序号")
        seq = None
        if _is_blank(raw_seq):
            add("序号", "bad_seq", msg("The No. is empty"))
        else:
            try:
                seq = _int(raw_seq)
            except ValueError:
                add("序号", "bad_seq", msg("No. “%(value)s” is invalid: it must be a positive whole number",
                                        value=_text(raw_seq)))
            else:
                if seq < 1:
                    add("序号", "bad_seq", msg("No. “%(value)s” is invalid: it must be a positive whole number",
                                        value=_text(raw_seq)))
                    seq = None

        title = _collapse(_text(cells.get("材料名称")))
        if not title:
            add("材料名称", "missing_title", msg("The title is empty"))
        self._check_length("材料名称", title, add)

        formed = self._date(cells, "材料形成时间", add)

        raw_pages = cells.get("页数")
        pages = None
        if not _is_blank(raw_pages):
            try:
                pages = _int(raw_pages, suffix="页")
            except ValueError:
                add("页数", "bad_pages", msg("Pages “%(value)s” is invalid: it must be 0 or a positive whole number",
                                           value=_text(raw_pages)))
            else:
                if pages < 0:
                    add("页数", "bad_pages",
                        msg("Pages “%(value)s” is invalid: it cannot be negative", value=_text(raw_pages)))
                    pages = None
                elif pages > MAX_PAGES:
                    add("页数", "bad_pages", msg("Pages “%(value)s” is out of range: it must be 0 to %(max)s",
                                               value=_text(raw_pages), max=MAX_PAGES))
                    pages = None

        remarks = _collapse(_text(cells.get("备注")))
        self._check_length("备注", remarks, add)

        if archive_no and class_no is not None and subclass is not None and seq is not None:
            key = (archive_no, class_no, subclass, seq)
            earlier = self._material_at.get(key)
            if earlier is None:
                self._material_at[key] = (sheet, number)
            else:
                where = _where(earlier, sheet)
                message = msg("File %(no)s has class “%(label)s” No. %(seq)s twice (already in %(where)s)",
                              no=archive_no, label=original_label, seq=seq, where=where)
                add("序号", "duplicate", message)

        self.errors.extend(problems)
        if problems:
            return
        assert archive_no is not None and class_no is not None and subclass is not None and seq is not None
        self.catalogue.append(
            CatalogueRow(
                sheet=sheet,
                row=number,
                archive_no=archive_no,
                class_no=class_no,
                subclass=subclass,
                original_label=original_label,
                seq=seq,
                title=title,
                formed=formed,
                pages=pages,
                remarks=remarks,
            )
        )

    def _person_row(self, sheet: str, number: int, cells: dict[str, Any]) -> None:
        archive_no, problems, add = self._row_start(sheet, number, cells)

        name = _person_name(cells.get("姓名"))
        if not name:
            add("姓名", "missing_name", msg("The name is empty"))
        self._check_length("姓名", name, add)

        raw_sex = cells.get("性别")
        sex = None
        if not _is_blank(raw_sex):
            sex = _SEX.get(_token(raw_sex))
            if sex is None:
                add("性别", "bad_sex", msg("Sex “%(value)s” is invalid: write 男 or 女 (M or F)", value=_text(raw_sex)))

        birth_date = self._date(cells, "出生日期", add)
        retired_on = self._date(cells, "退休时间", add)
        if birth_date and retired_on and retired_on.as_date_ceiling() < birth_date.as_date_floor():
            add("退休时间", "bad_date", msg("Retired “%(retired)s” is before the date of birth “%(born)s”",
                                             retired=retired_on.iso, born=birth_date.iso))

        id_number = self._id_number(cells.get("身份证号"), sex, birth_date, add)

        raw_level = cells.get("单位层级")
        level = None
        if not _is_blank(raw_level):
            level = _LEVELS.get(_token(raw_level))
            if level is None:
                message = msg("Employer level “%(value)s” is invalid: write 央属, 市属 or 区属 (central, municipal "
                              "or district)", value=_text(raw_level))
                add("单位层级", "bad_employer_level", message)

        raw_party = cells.get("党员")
        party = None
        if not _is_blank(raw_party):
            party = _PARTY.get(_token(raw_party))
            if party is None:
                add("党员", "bad_party_member", msg("Party member “%(value)s” is invalid: write 是 or 否 (yes or no)",
                                                   value=_text(raw_party)))

        texts = {c: _collapse(_text(cells.get(c))) for c in _PLAIN_PEOPLE_COLUMNS}
        for column, text in texts.items():
            self._check_length(column, text, add)

        if archive_no:
            earlier = self._person_at.get(archive_no)
            if earlier is None:
                self._person_at[archive_no] = (sheet, number)
            else:
                add("档号", "duplicate", msg("File %(no)s is twice in the people sheet (already in %(where)s)",
                                            no=archive_no, where=_where(earlier, sheet)))
            if id_number:
                owner = self._id_at.get(id_number)
                if owner is None:
                    self._id_at[id_number] = (archive_no, sheet, number)
                elif owner[0] != archive_no:
                    add("身份证号", "duplicate",
                        msg("The ID number is that of file %(no)s (%(where)s): one person cannot have two files",
                            no=owner[0], where=_where(owner[1:], sheet)))

        self.errors.extend(problems)
        if problems:
            return
        assert archive_no is not None
        self.people.append(
            PersonRow(
                sheet=sheet,
                row=number,
                archive_no=archive_no,
                name=name,
                sex=sex,
                id_number=id_number,
                birth_date=birth_date,
                employer=texts["原单位"],
                employer_level=level,
                retired_on=retired_on,
                hukou_district=texts["户籍区"],
                hukou_street=texts["户籍街道"],
                residence_district=texts["常住区"],
                residence_street=texts["常住街道"],
                party_member=party,
            )
        )

    @staticmethod
    def _id_number(
        raw: Any, sex: str | None, birth_date: PartialDate | None, add: _Add
    ) -> str | None:
        """Validate 身份证号 and check it against 性别 and 出生日期; the 18-character form or None."""
        if _is_blank(raw):
            return None
        text = _text(raw)
        if isinstance(raw, float):
            # A double holds integers exactly only below 2**53 (16 digits): a legacy 15-digit number
            # survives a numeric cell, an 18-digit one has lost its last digits, and the check
            # character could pass by chance (1 in 11), so it is never trusted.
            if not raw.is_integer() or abs(raw) >= 2**53:
                add("身份证号", "bad_id_number", _ID_AS_NUMBER)
                return None
            text = str(int(raw))
        try:
            parsed = parse_id_number(text)
        except InvalidIdNumber as exc:
            add("身份证号", "bad_id_number", _ID_REASONS.get(exc.reason, msg("The ID number is invalid")))
            return None
        if sex is not None and parsed.sex != sex:
            add("身份证号", "id_mismatch",
                msg("The ID number says the sex is %(by_id)s, which disagrees with sex “%(given)s”",
                    by_id=_SEX_LABELS[parsed.sex], given=_SEX_LABELS[sex]))
        if birth_date is not None and not birth_date.covers(parsed.birth_date):
            add("身份证号", "id_mismatch",
                msg("The date of birth in the ID number, %(by_id)s, disagrees with the date of birth “%(given)s”",
                    by_id=parsed.birth_date.isoformat(), given=birth_date.iso))
        return parsed.number


_ID_AS_NUMBER = msg("Excel stored the ID number as a number and its last digits are lost: format the column as text "
                    "and enter it again")
_ID_REASONS = {
    "format": msg("The ID number is malformed: it must have 18 characters (the last may be X) or 15 digits"),
    "birth_date": msg("The date of birth in the ID number does not exist"),
    "check": msg("The check character of the ID number is wrong"),
}
_SEX_LABELS = {"M": pmsg("sex", "male"), "F": pmsg("sex", "female")}


def _where(place: tuple[str, int], current_sheet: str) -> Message:
    sheet, row = place
    return msg("row %(row)s", row=row) if sheet == current_sheet else msg("%(sheet)s, row %(row)s", sheet=sheet,
                                                                            row=row)

