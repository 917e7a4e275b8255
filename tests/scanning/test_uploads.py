"""Uploads keep their names and leave the object store when their job is over (issue 8, item 16).

Before, every upload stayed under ``incoming/`` for ever, and loose 目录.csv/人员.csv uploads were renamed
``000-目录.csv`` and so not recognised as a catalogue.  Now: a job that ends done deletes its uploads; a failed
one keeps them for ``--resume`` until it is abandoned; ``dangan storage verify`` reports leftovers.
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile

import pytest
from sqlalchemy import select

from archive.extensions import db
from archive.objects import get_store
from archive.roles import Role
from archive.scanning.models import IngestJob
from archive.scanning.uploads import upload_name
from tests.conftest import login
from tests.helpers import csrf_token
from tests.scanning.builder import FileSpec, build

pytestmark = pytest.mark.slow


def _close_spool(response) -> None:  # type: ignore[no-untyped-def]
    # The test client spools a large multipart body into a temporary file it never closes.
    response.request.environ["wsgi.input"].close()


def _upload(client, files):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/ingest")
    response = client.post("/ingest", data={"csrf_token": token, "files": [(io.BytesIO(d), n) for n, d in files]},
                           content_type="multipart/form-data")
    _close_spool(response)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _job(app) -> IngestJob:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(IngestJob).order_by(IngestJob.id.desc()))


def _uploads(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [info.key for info in get_store().list("incoming/")]


def _verify(app) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    result = app.test_cli_runner().invoke(args=["storage", "verify", "--json"])
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize(("given", "kept"), [
    ("目录.csv", "目录.csv"),
    ("C:\\Users\\李静\\Desktop\\人员.csv", "人员.csv"),
    ("批次/XC-1.pdf", "XC-1.pdf"),
    (".hidden.jpg", "hidden.jpg"),
    ("a\x00b\x1fc.zip", "abc.zip"),
    ("..", "upload-3"),
    ("", "upload-3"),
    ("x.dangan.sha256", "x.dangan.sha256_"),
])
def test_upload_names_are_kept_and_made_safe(given, kept):
    assert upload_name(given, 3) == kept


def test_a_long_upload_name_is_cut_keeping_its_extension():
    name = upload_name("档" * 300 + ".zip", 0)
    assert name.endswith(".zip") and len(name.encode()) <= 200


def test_loose_catalogue_uploads_are_recognised_and_uploads_deleted_when_done(app, client, factory, tmp_path):
    app.config["DANGAN_OCR_ENGINE"], old = "", app.config.get("DANGAN_OCR_ENGINE")
    try:
        root = build(tmp_path / "pkg", [FileSpec("XC-U-000001")])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for path in sorted((root / "XC-U-000001").iterdir()):
                zf.write(path, f"XC-U-000001/{path.name}")
        login(client, factory.user(Role.ARCHIVIST).username)
        job_url = _upload(client, [("目录.csv", (root / "目录.csv").read_bytes()),
                                   ("人员.csv", (root / "人员.csv").read_bytes()),
                                   ("扫描件.zip", buffer.getvalue())])
    finally:
        app.config["DANGAN_OCR_ENGINE"] = old
    job = _job(app)
    outcomes = {o["archive_no"]: o for o in job.summary}
    # before: 000-目录.csv was no catalogue, so the file was rejected as "不在目录中"
    assert outcomes["XC-U-000001"]["status"] == "ingested", outcomes
    assert job.status == "done"
    assert _uploads(app) == []  # before: all three stayed under incoming/
    assert job.paths == []
    code, report = _verify(app)
    assert code == 0 and report["leftover_uploads"] == [] and report["held_uploads"] == 0
    # Running a finished web batch again says why it cannot, instead of failing on a missing object.
    result = app.test_cli_runner().invoke(args=["ingest", "--resume", str(job.id)])
    assert result.exit_code == 1 and "请重新上传" in result.output
    assert _job(app).status == "done"  # the batch did finish: it stays so
    assert "data-testid" in client.get(job_url).get_data(as_text=True)


def test_a_failed_batch_keeps_its_uploads_until_abandoned(app, client, factory):
    login(client, factory.user(Role.ARCHIVIST).username)
    job_url = _upload(client, [("扫描.pdf", os.urandom(2000).replace(b"%PDF-", b"%PDX-"))])
    job = _job(app)
    assert job.status == "failed"
    (key,) = _uploads(app)
    assert key.endswith("/扫描.pdf")
    code, report = _verify(app)
    assert code == 0 and report["held_uploads"] == 1 and report["leftover_uploads"] == []
    page = client.get(job_url).get_data(as_text=True)
    assert 'data-testid="abandon-job"' in page
    token = csrf_token(client, job_url)
    response = client.post(job_url + "/abandon", data={"csrf_token": token})
    assert response.status_code == 302
    assert _uploads(app) == []
    job = _job(app)
    assert job.status == "failed" and "已放弃" in job.error
    assert 'data-testid="abandon-job"' not in client.get(job_url).get_data(as_text=True)
    # Abandoning again, or a batch that is not failed, is refused.
    result = app.test_cli_runner().invoke(args=["ingest", "--abandon", str(job.id)])
    assert result.exit_code == 0 and "0 uploaded files deleted" in result.output


def test_abandon_from_the_command_line_refuses_jobs_that_are_not_failed(app, tmp_path):
    with app.app_context():
        from archive.scanning.service import create_job

        job = create_job([str(tmp_path)], created_by="cli", street=None, source="x")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["ingest", "--abandon", str(job.id)])
    assert result.exit_code == 1 and "only those can be abandoned" in result.output


def test_storage_verify_reports_leftover_uploads(app, tmp_path):
    with app.app_context():
        store = get_store()
        store.put("incoming/0123abcd/000/目录.csv", b"x")  # no job holds it
        store.put("incoming/fresh/000/a.zip", b"y")  # just uploaded: its job may not exist yet
    old = time.time() - 3 * 3600
    os.utime(tmp_path / "objects" / "incoming" / "0123abcd" / "000" / "目录.csv", (old, old))
    code, report = _verify(app)
    assert code == 1 and report["leftover_uploads"] == ["incoming/0123abcd/000/目录.csv"]
    result = app.test_cli_runner().invoke(args=["storage", "verify"])
    assert "1 left over" in result.output and "incoming/0123abcd/000/目录.csv" in result.output
