"""Issue 8 item 2: a street-scoped archivist cannot capture another street's files through an import.

The scope is judged on the files as they are *before* the import, for every row, on every path that
imports a catalogue: the import form and a scan package carrying 人员/目录 (web upload and queue).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.catalogue.models import ArchiveFile, Person
from archive.extensions import db
from archive.idnumbers import make_id_number
from archive.roles import Role
from tests.conftest import login
from tests.helpers import csrf_token

PEOPLE_HEADER = ["档号", "姓名", "性别", "身份证号", "出生日期", "原单位", "单位层级", "退休时间",
                 "户籍区", "户籍街道", "常住区", "常住街道", "党员"]
CAT_HEADER = ["档号", "类号", "序号", "材料名称", "材料形成时间", "页数", "备注"]


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _person_row(archive_no: str, name: str, id_number: str, street: str) -> list[object]:
    return [archive_no, name, "男", id_number, "1955-03-12", "北京第一机床厂", "市属", "2015-03",
            "西城", street, "西城", street, "否"]


def _post_import(client, files: dict[str, bytes]):
    token = csrf_token(client, "/catalogue/import")
    data = {"csrf_token": token, "files": [(io.BytesIO(body), name) for name, body in files.items()]}
    return client.post("/catalogue/import", data=data, content_type="multipart/form-data")


def _last_import_event(app) -> AuditEvent:
    with app.app_context():
        return db.session.scalar(select(AuditEvent).where(AuditEvent.action == "catalogue.import")
                                 .order_by(AuditEvent.seq.desc()).limit(1))


def test_a_person_row_cannot_move_another_streets_file_into_mine(app, client, factory):
    other = factory.file("西长安街")
    with app.app_context():
        person = db.session.get(Person, other.person_id)
        id_number, old_name = person.id_number, person.name
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    login(client, clerk.username)
    body = _csv(PEOPLE_HEADER, [_person_row(other.archive_no, "改名者", id_number, "德胜")])
    page = _post_import(client, {"人员.csv": body}).get_data(as_text=True)
    assert "已导入 0 份档案" in page and other.archive_no in page
    with app.app_context():
        file = db.session.get(ArchiveFile, other.id)
        assert file.street == "西长安街" and file.person.name == old_name
    assert client.get(f"/files/{other.id}").status_code == 403
    event = _last_import_event(app)
    assert event.outcome == "denied" and event.username == clerk.username
    assert other.archive_no in json.loads(event.details)["out_of_scope"]


def test_a_new_file_in_another_street_is_refused_and_nothing_of_the_sheet_is_written(app, client, factory):
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    login(client, clerk.username)
    mine = make_id_number("110102", dt.date(1955, 3, 12), 731)
    theirs = make_id_number("110102", dt.date(1955, 3, 12), 741)
    body = _csv(PEOPLE_HEADER, [_person_row("XC-SCOPE-1", "本街道", mine, "德胜"),
                                _person_row("XC-SCOPE-2", "金融街的人", theirs, "金融街")])
    cat = _csv(CAT_HEADER, [["XC-SCOPE-1", "一", 1, "干部履历表", "1990", 2, ""],
                            ["XC-SCOPE-2", "一", 1, "干部履历表", "1990", 2, ""]])
    page = _post_import(client, {"人员.csv": body, "目录.csv": cat}).get_data(as_text=True)
    assert "XC-SCOPE-2" in page
    with app.app_context():
        nos = set(db.session.scalars(select(ArchiveFile.archive_no).where(
            ArchiveFile.archive_no.in_(["XC-SCOPE-1", "XC-SCOPE-2"]))))
    assert nos == set()  # not even the file of the archivist's own street: the import is refused whole
    event = _last_import_event(app)
    assert event.outcome == "denied" and json.loads(event.details)["out_of_scope"] == ["XC-SCOPE-2"]


def test_within_scope_the_import_goes_through(app, client, factory):
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    login(client, clerk.username)
    mine = make_id_number("110102", dt.date(1955, 3, 12), 751)
    body = _csv(PEOPLE_HEADER, [_person_row("XC-SCOPE-3", "本街道", mine, "德胜")])
    cat = _csv(CAT_HEADER, [["XC-SCOPE-3", "一", 1, "干部履历表", "1990", 2, ""]])
    page = _post_import(client, {"人员.csv": body, "目录.csv": cat}).get_data(as_text=True)
    assert "已导入 1 份档案" in page
    with app.app_context():
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == "XC-SCOPE-3"))
        assert file is not None and file.street == "德胜"
    event = _last_import_event(app)
    assert event.outcome == "ok" and json.loads(event.details)["archive_nos"] == ["XC-SCOPE-3"]


def test_catalogue_rows_for_another_streets_file_are_refused(app, client, factory):
    other = factory.file("月坛", materials=0)
    login(client, factory.user(Role.ARCHIVIST, "德胜").username)
    cat = _csv(CAT_HEADER, [[other.archive_no, "一", 1, "伪造材料", "1990", 2, ""]])
    _post_import(client, {"目录.csv": cat})
    with app.app_context():
        assert db.session.get(ArchiveFile, other.id).materials == []


def test_a_district_archivist_may_import_for_any_street(app, client, factory):
    other = factory.file("西长安街")
    with app.app_context():
        id_number = db.session.get(Person, other.person_id).id_number
    login(client, factory.user(Role.ARCHIVIST).username)
    _post_import(client, {"人员.csv": _csv(PEOPLE_HEADER, [_person_row(other.archive_no, "新名", id_number, "德胜")])})
    with app.app_context():
        assert db.session.get(ArchiveFile, other.id).street == "德胜"
