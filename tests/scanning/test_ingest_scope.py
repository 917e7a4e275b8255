"""Issue 8 item 2b: a scan package carrying 人员/目录 cannot capture another street's files.

The catalogue inside a package is imported within the street scope of the job's creator, judged on the
files as they were before; its audit event names that person and every 档号 concerned.  Through the web
upload and through the queue's job runner.
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
from tests.scanning.builder import FileSpec, build
from tests.scanning.test_intake_web import _zip


def _hostile_package(tmp_path, other: ArchiveFile, other_id_number: str):  # type: ignore[no-untyped-def]
    """A 德胜 package whose 人员.csv also renames a 展览路 person and creates a file in 金融街."""
    root = build(tmp_path / "pkg", [FileSpec("XC-S-000001", materials=[("一", 1, "干部履历表", 1)])])
    with (root / "人员.csv").open("a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([other.archive_no, "被改名", "男", other_id_number, "1955-03-12", "北京第一机床厂", "市属", "2010",
                    "西城", "展览路", "西城", "展览路", "否"])
        w.writerow(["XC-S-JRJ", "金融街新档", "男", make_id_number("110102", dt.date(1950, 5, 6), 77), "1950-05-06",
                    "某厂", "市属", "2010", "西城", "金融街", "西城", "金融街", "否"])
    return root


def _assert_nothing_captured(app, other: ArchiveFile, old_name: str, clerk) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        file = db.session.get(ArchiveFile, other.id)
        assert file.street == "展览路" and file.person.name == old_name
        created = set(db.session.scalars(select(ArchiveFile.archive_no).where(
            ArchiveFile.archive_no.in_(["XC-S-JRJ", "XC-S-000001"]))))
        assert created == set()  # refused whole: the package's own street's file waits for a clean catalogue
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "catalogue.import")
                                  .order_by(AuditEvent.seq.desc()).limit(1))
        assert event.outcome == "denied" and event.username == clerk.username
        assert set(json.loads(event.details)["out_of_scope"]) == {other.archive_no, "XC-S-JRJ"}
        start = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ingest.start")
                                  .order_by(AuditEvent.seq.desc()).limit(1))
        assert start.username == clerk.username


def test_web_upload_of_a_package_cannot_capture_other_streets(app, client, factory, tmp_path):
    other = factory.file("展览路")
    with app.app_context():
        person = db.session.get(Person, other.person_id)
        id_number, old_name = person.id_number, person.name
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    app.config["DANGAN_OCR_ENGINE"], old = "", app.config.get("DANGAN_OCR_ENGINE")
    try:
        login(client, clerk.username)
        token = csrf_token(client, "/ingest")
        data = _zip(_hostile_package(tmp_path, other, id_number))
        response = client.post("/ingest", data={"csrf_token": token, "files": (io.BytesIO(data), "批次.zip")},
                               content_type="multipart/form-data")
        response.request.environ["wsgi.input"].close()
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "XC-S-000001" in page  # its pages are refused with a reason, not silently dropped
    finally:
        app.config["DANGAN_OCR_ENGINE"] = old
    _assert_nothing_captured(app, other, old_name, clerk)


def test_queued_job_of_a_street_archivist_imports_within_its_street_only(app, factory, tmp_path):
    from archive.scanning.service import create_job, run_job

    other = factory.file("展览路")
    with app.app_context():
        person = db.session.get(Person, other.person_id)
        id_number, old_name = person.id_number, person.name
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    package = _hostile_package(tmp_path, other, id_number)
    app.config["DANGAN_OCR_ENGINE"], old = "", app.config.get("DANGAN_OCR_ENGINE")
    try:
        with app.app_context():
            job = create_job([str(package)], created_by=clerk.username, street="德胜", source="t")
            db.session.commit()
            outcomes = run_job(job.id, workers=0)
            assert {o.archive_no: o.status for o in outcomes}.get("XC-S-000001") == "rejected"
    finally:
        app.config["DANGAN_OCR_ENGINE"] = old
    _assert_nothing_captured(app, other, old_name, clerk)
