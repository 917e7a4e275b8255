"""Uploading in the web UI, the job page, QC decisions, thumbnails, the viewer and spot checks."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.pages.models import Page
from archive.roles import Role
from archive.scanning.models import IngestJob, QcFinding, SpotCheck
from tests.conftest import login
from tests.helpers import csrf_token
from tests.scanning.builder import FileSpec, PageSpec, build, default_pages

pytestmark = pytest.mark.slow


def _close_test_client_spool(response) -> None:  # type: ignore[no-untyped-def]
    """Werkzeug's test client encodes a large multipart body into a temporary file that it never
    closes (a real WSGI server owns its input stream): close it, or it warns at a random later test."""
    response.request.environ["wsgi.input"].close()


def _zip(folder) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_upload_a_zip_and_review_the_batch(app, client, factory, tmp_path):
    app.config["DANGAN_OCR_ENGINE"], old = "", app.config.get("DANGAN_OCR_ENGINE")
    try:
        spec = FileSpec("XC-W-000001")
        spec.pages = default_pages(spec)
        spec.pages[1] = PageSpec(spec.pages[1].lines, skew=2.0)  # a warning to decide on
        data = _zip(build(tmp_path / "pkg", [spec]))
        login(client, factory.user(Role.ARCHIVIST, "德胜").username)
        token = csrf_token(client, "/ingest")
        response = client.post("/ingest", data={"csrf_token": token, "files": (io.BytesIO(data), "批次1.zip")},
                               content_type="multipart/form-data")
        _close_test_client_spool(response)
        assert response.status_code == 302
        job_url = response.headers["Location"]
        page = client.get(job_url).get_data(as_text=True)
        assert 'data-value="done"' in page and "XC-W-000001" in page
        status = client.get(job_url + "/status.json").get_json()
        assert status["pages_done"] == status["pages_total"] == 7 and status["finished"]
    finally:
        app.config["DANGAN_OCR_ENGINE"] = old
    with app.app_context():
        job = db.session.scalar(select(IngestJob))
        assert job.street == "德胜" and job.status == "done"
        finding = db.session.scalar(select(QcFinding).where(QcFinding.rule == "SKEW"))
        page_ids = list(db.session.scalars(select(Page.id).order_by(Page.position)))
    # QC report: accept the skew with a reason (a reason is required)
    qc_url = f"/files/{finding.file_id}/qc"
    assert "页面倾斜" in client.get(qc_url).get_data(as_text=True)
    token = csrf_token(client, qc_url)
    client.post(f"/findings/{finding.id}", data={"csrf_token": token, "status": "accepted", "resolution": ""})
    with app.app_context():
        assert db.session.get(QcFinding, finding.id).status == "open"
    client.post(f"/findings/{finding.id}", data={"csrf_token": token, "status": "accepted",
                                                 "resolution": "原件即如此装订"})
    with app.app_context():
        assert db.session.get(QcFinding, finding.id).status == "accepted"
    assert client.get(f"/files/{finding.file_id}/qc.xlsx").status_code == 200
    # thumbnails, viewer, image
    sheet = client.get(f"/files/{finding.file_id}/pages").get_data(as_text=True)
    assert sheet.count('data-testid="thumb"') == 7
    viewer = client.get(f"/pages/{page_ids[1]}").get_data(as_text=True)
    assert 'data-testid="next"' in viewer and 'data-testid="prev"' in viewer and "页面倾斜" in viewer
    image = client.get(f"/pages/{page_ids[1]}/image")
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data[:2] == b"\xff\xd8"
    # spot check: 5 % of 7 pages rounds up to 1
    token = csrf_token(client, job_url)
    client.post(job_url + "/spot-check", data={"csrf_token": token})
    with app.app_context():
        checks = list(db.session.scalars(select(SpotCheck)))
    assert len(checks) == 1
    client.post(f"/spot-checks/{checks[0].id}", data={"csrf_token": token, "result": "pass", "note": "清晰"})
    with app.app_context():
        assert db.session.get(SpotCheck, checks[0].id).result == "pass"
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"ingest.upload", "ingest.file", "qc.decision", "page.view", "page.image", "page.thumbnails",
            "qc.spot_check_draw", "qc.spot_check"} <= actions


def test_upload_refuses_wrong_files(app, client, factory):
    login(client, factory.user(Role.ARCHIVIST).username)
    token = csrf_token(client, "/ingest")
    response = client.post("/ingest", data={"csrf_token": token, "files": (io.BytesIO(b"MZ"), "virus.exe")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and 'data-testid="error-files"' in response.get_data(as_text=True)


def test_hostile_zip_fails_the_job_with_a_clear_message(app, client, factory):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../../etc/evil.jpg", b"x")
    login(client, factory.user(Role.ARCHIVIST).username)
    token = csrf_token(client, "/ingest")
    response = client.post("/ingest", data={"csrf_token": token, "files": (io.BytesIO(buffer.getvalue()), "x.zip")},
                           content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-value="failed"' in page and 'data-testid="job-error"' in page
