"""Building 移交名册 files for the tests (csv in any encoding, xlsx with or without formulas)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import openpyxl

from archive.idnumbers import make_id_number
from archive.transfers.roster import COLUMNS

_seq = itertools.count(101)


def person(name: str = "张建国", *, region: str = "110102", born: dt.date = dt.date(1955, 3, 12), sex: str = "男",
           hukou: tuple[str, str] = ("西城", "展览路"), residence: tuple[str, str] = ("", ""), party: str = "否",
           volumes: tuple[int, int] = (1, 0), materials: int = 40, retired: str = "2015-03") -> list[object]:
    """One row in :data:`COLUMNS` order, with a valid ID number of the right sex."""
    n = next(_seq) * 2 + (1 if sex == "男" else 0)
    return [name, make_id_number(region, born, n % 1000), sex, born.isoformat(), retired, hukou[0], hukou[1],
            residence[0], residence[1], party, volumes[0], volumes[1], materials]


def write_csv(path: Path, rows: list[list[object]], *, encoding: str = "utf-8", bom: bool = False) -> Path:
    text = "\n".join(",".join(str(c) for c in row) for row in [list(COLUMNS), *rows]) + "\n"
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
