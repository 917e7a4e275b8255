"""Certificate templates: ``{placeholder}`` fields, the facts that fill them, and the check of a template's text.

The placeholder names are the Chinese words of the fact (``{参加工作时间}``), because the people who edit
templates write Chinese.  A template may use only the names in :data:`PLACEHOLDERS`; anything else in
braces is refused when the template is saved (a typo would otherwise print as it is on a certificate).
Facts come from the person's record where Dangan has them (出生日期, 退休时间…); 参加工作时间 is what the
handling archivist confirmed from the file's materials (招工审批表, 转正定级表: the 三龄 rule), typed in
when preparing; 连续工龄 is counted from it to the retirement date (or the cut-off date) in whole years.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from archive.catalogue.models import ArchiveFile
from archive.lending.rules import LendingError

__all__ = ["EDITABLE", "PLACEHOLDERS", "check_template", "facts_for", "fill", "placeholders_in", "service_years"]

PLACEHOLDERS = {
    "姓名": _l("the person's name"),
    "性别": _l("sex"),
    "身份证号": _l("ID number"),
    "出生日期": _l("date of birth"),
    "参加工作时间": _l("date work started (confirmed from the file)"),
    "连续工龄": _l("continuous years of service"),
    "退休时间": _l("date of retirement"),
    "截止日期": _l("cut-off date of the service count"),
    "原单位": _l("former employer"),
    "档号": _l("file number"),
    "申请编号": _l("request number"),
    "日期": _l("date of issue"),
}
# Facts the archivist confirms from the file and may type when preparing.
EDITABLE = ("参加工作时间", "连续工龄", "出生日期", "退休时间", "截止日期")

_FIELD = re.compile(r"\{([^{}]*)\}")
_PARTIAL = re.compile(r"^\s*(\d{4})(?:\s*[-./年]\s*(\d{1,2}))?")


def placeholders_in(body: str) -> list[str]:
    return _FIELD.findall(body)


def check_template(body: str) -> None:
    """Refuse text with unknown placeholders or unbalanced braces (:class:`LendingError`, 400)."""
    unknown = sorted({name for name in placeholders_in(body) if name not in PLACEHOLDERS})
    stray = _FIELD.sub("", body)
    if "{" in stray or "}" in stray:
        unknown.append("{ }")
    if unknown:
        raise LendingError("unknown_placeholders", 400, "body", names="、".join(unknown))
    if not body.strip():
        raise LendingError("no_text", 400, "body")


def chinese_date(value: str | None) -> str:
    """``1985-03-12`` → ``1985年3月12日`` at the precision given (year, month or day)."""
    if not value:
        return ""
    parts = value.split("-")
    labels = ("年", "月", "日")
    try:
        return "".join(f"{int(p)}{labels[i]}" for i, p in enumerate(parts[:3]))
    except ValueError:
        return value


def service_years(start: str, end: str) -> str:
    """Whole years from ``start`` to ``end`` (each ``1970``, ``1970-03``, ``1970年3月``…); ``""`` if unreadable."""
    a, b = _PARTIAL.match(start or ""), _PARTIAL.match(end or "")
    if not a or not b:
        return ""
    months = (int(b.group(1)) - int(a.group(1))) * 12 + int(b.group(2) or 1) - int(a.group(2) or 1)
    return str(months // 12) if months >= 0 else ""


def facts_for(file: ArchiveFile, *, number: str, today: dt.date,
              given: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every placeholder's value for ``file``: the record's facts, overridden by what the archivist confirmed."""
    person = file.person
    facts = {
        "姓名": person.name if person else "",
        "性别": {"M": "男", "F": "女"}.get(person.sex or "", "") if person else "",
        "身份证号": (person.id_number or "") if person else "",
        "出生日期": chinese_date(person.birth_date) if person else "",
        "退休时间": chinese_date(person.retired_on) if person else "",
        "原单位": person.employer if person else "",
        "档号": file.archive_no,
        "申请编号": number,
        "日期": f"{today.year}年{today.month}月{today.day}日",
        "参加工作时间": "",
        "截止日期": "",
        "连续工龄": "",
    }
    for key, value in (given or {}).items():
        if key in EDITABLE and value.strip():
            facts[key] = value.strip()
    if not facts["截止日期"]:
        facts["截止日期"] = facts["退休时间"] or facts["日期"]
    if not facts["连续工龄"]:
        facts["连续工龄"] = service_years(facts["参加工作时间"], facts["截止日期"])
    return facts


def fill(body: str, facts: Mapping[str, str]) -> str:
    """The template's text with its placeholders filled; refuses when a used fact is still empty."""
    check_template(body)
    empty = sorted({name for name in placeholders_in(body) if not facts.get(name)})
    if empty:
        raise LendingError("empty_placeholders", 400, "facts", names="、".join(empty))
    return _FIELD.sub(lambda m: facts[m.group(1)], body)
