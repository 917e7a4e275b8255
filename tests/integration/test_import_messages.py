"""Issue 9: import errors are kept as code + parameters and said in the reader's language.

The same refused sheet, read by an archivist in English and in Chinese: every message and column
name is in the reader's language (the only Chinese left in English is what the sheet itself holds,
here its file name); a scan package's import keeps the errors as code and parameters in its event.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.messages import Message, msg, render
from archive.roles import Role
from tests.conftest import login
from tests.helpers import post_form
from tests.integration.test_import_scope import CAT_HEADER, _csv, _post_import

CJK = re.compile(r"[\u3400-\u9fff]")

# Five rows, each wrong in one way, with ASCII values so that only the message could bring Chinese.
BAD_ROWS = [["A-1", "11", "1", "x", "", "", ""],          # class out of range
            ["A-1", "1", "x", "y", "", "", ""],           # No. not a number
            ["A-1", "1", "2", "", "", "", ""],            # no title
            ["A-1", "1", "3", "z", "1985-02-30", "", ""],  # no such day
            ["A-1", "1", "4", "w", "", "-3", ""]]          # negative pages


def _errors(html: str) -> list[list[str]]:
    table = html.split('data-testid="import-errors"')[1].split("</table>")[0]
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "<td" in r]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_import_errors_read_in_the_readers_language(app, client, factory, locale):
    login(client, factory.user(Role.ARCHIVIST).username)
    if locale == "en":
        post_form(client, "/", "/language", locale="en")
    response = _post_import(client, {"目录.csv": _csv(CAT_HEADER, BAD_ROWS)})
    html = response.get_data(as_text=True)
    rows = _errors(html)
    assert len(rows) == 5, rows
    fields, messages = [r[2] for r in rows], [r[3] for r in rows]
    if locale == "en":
        assert fields == ["Class", "No.", "Title", "Date formed", "Pages"]
        assert not [m for m in messages if CJK.search(m)], messages
        assert "Class “11” is invalid: the class must be 1–10" in messages
        assert "Date formed “1985-02-30” is invalid: 1985-2 has no day 30 (that month has 28 days)" in messages
    else:
        assert fields == ["类号", "序号", "材料名称", "材料形成时间", "页数"]
        assert "序号“x”无效：应为正整数" in messages and "材料名称为空" in messages
        assert "页数“-3”无效：不能是负数" in messages


def test_a_message_is_data_and_says_itself_in_either_language(app):
    stored = msg("File %(no)s is twice in the people sheet (already in %(where)s)", no="A-1",
                 where=msg("row %(row)s", row=3)).as_json()
    again = Message.from_json(json.loads(json.dumps(stored)))
    with app.test_request_context():
        assert render(again, "en") == "File A-1 is twice in the people sheet (already in row 3)"
        assert render(again, "zh_CN") == "档号A-1在人员表中重复（第3行已有）"


def test_a_packages_import_keeps_its_errors_as_code_and_parameters(app, factory, tmp_path):
    from archive.scanning.service import create_job, run_job
    from tests.scanning.builder import FileSpec, build

    root = build(tmp_path / "pkg", [FileSpec("XC-M-000001", materials=[("一", 1, "干部履历表", 1)])])
    (root / "目录.csv").write_bytes(_csv(CAT_HEADER, [["XC-M-000001", "11", "1", "x", "", "", ""]]))
    clerk = factory.user(Role.ARCHIVIST)
    app.config["DANGAN_OCR_ENGINE"], old = "", app.config.get("DANGAN_OCR_ENGINE")
    try:
        with app.app_context():
            job = create_job([str(root)], created_by=clerk.username, street=None, source="t")
            db.session.commit()
            run_job(job.id, workers=0)
            event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "catalogue.import")
                                      .order_by(AuditEvent.seq.desc()))
            error = json.loads(event.details)["errors"][0]
    finally:
        app.config["DANGAN_OCR_ENGINE"] = old
    assert error["code"] == "bad_class" and error["field"] == "类号"
    assert error["message"]["text"] == "Class “%(value)s” is invalid: %(detail)s"
    assert error["message"]["params"]["detail"]["text"] == "the class must be 1–10"
