"""Every input of a package gets an outcome that names it; a package with nothing usable fails, saying so.

Issue 8, item 13: unsupported, empty, text-as-``.jpg`` and linked files got no outcome and no finding; a package
of only these printed ``[]`` and exited 0; random bytes uploaded as a package ended "done 0/0" without a word.
"""

from __future__ import annotations

import io
import json
import os

import pytest
from sqlalchemy import func, select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.pages.models import Page
from archive.roles import Role
from archive.scanning.models import IngestJob
from tests.conftest import login
from tests.helpers import csrf_token
from tests.scanning.builder import FileSpec, PageSpec, build, render

pytestmark = pytest.mark.slow


def run(app, *paths):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["ingest", "--json", "--workers", "0", *map(str, paths)])
    try:
        return result.exit_code, json.loads(result.output)
    except ValueError:
        raise AssertionError(result.output) from result.exception


def last_job(app) -> IngestJob:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(IngestJob).order_by(IngestJob.id.desc()))


def codes(outcome: dict) -> dict[str, str]:  # type: ignore[type-arg]
    """Finding code by the file the finding names (the part of the message before the colon)."""
    return {f["message"].split("：", 1)[0]: f["code"] for f in outcome["findings"] if "code" in f}


def _only_unusable_files(folder, outside) -> None:  # type: ignore[no-untyped-def]
    for path in folder.iterdir():
        path.unlink()
    (folder / "0001.gif").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    (folder / "0002.fli").write_bytes(b"\x12\xaf" + b"\x00" * 60)
    (folder / "0003.odt").write_bytes(b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.text")
    (folder / "0004.jpg").write_bytes(b"")
    (folder / "0005.jpg").write_text("scanner log: 0005 skipped")
    os.symlink(outside, folder / "0006.jpg")


def test_a_file_of_only_unusable_inputs_is_rejected_naming_each(app, tmp_path, no_ocr):
    outside = tmp_path / "elsewhere" / "0001.jpg"
    outside.parent.mkdir()
    outside.write_bytes(render(PageSpec(["不在扫描包里的页面"]), seed=9))
    root = build(tmp_path / "pkg", [FileSpec("XC-N-000001")])
    _only_unusable_files(root / "XC-N-000001", outside)
    code, outcomes = run(app, root)
    assert code == 1, outcomes  # before: [] and exit 0
    (outcome,) = outcomes
    assert outcome["archive_no"] == "XC-N-000001" and outcome["status"] == "rejected" and outcome["pages"] == 0
    assert codes(outcome) == {
        "XC-N-000001/0001.gif": "unsupported_format",
        "XC-N-000001/0002.fli": "unsupported_format",
        "XC-N-000001/0003.odt": "unsupported_format",
        "XC-N-000001/0004.jpg": "empty_file",
        "XC-N-000001/0005.jpg": "not_an_image",
        "XC-N-000001/0006.jpg": "symlink_refused",
    }
    assert str(tmp_path) not in json.dumps(outcomes, ensure_ascii=False)
    job = last_job(app)
    assert job.status == "failed" and "没有可入库的内容" in job.error
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Page)) == 0  # the link was not followed


def test_refused_inputs_beside_good_files_are_named_and_the_rest_ingested(app, tmp_path, no_ocr):
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(render(PageSpec(["不在扫描包里的页面"]), seed=9))
    root = build(tmp_path / "pkg", [FileSpec("XC-N-000002")])
    os.symlink(outside, root / "XC-N-000002" / "0008.jpg")
    (root / "XC-N-000002" / "0009.gif").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    (root / "扫描记录.txt").write_text("第一批")
    os.symlink(outside, root / "XC-N-000003.pdf")
    code, outcomes = run(app, root)
    assert code == 1
    by_name = {o["archive_no"] or o["source"]: o for o in outcomes}
    good = by_name["XC-N-000002"]
    assert good["status"] == "ingested" and good["pages"] == 7
    assert codes(good) == {"XC-N-000002/0008.jpg": "symlink_refused", "XC-N-000002/0009.gif": "unsupported_format"}
    for source, code_ in (("扫描记录.txt", "unsupported_format"), ("XC-N-000003.pdf", "symlink_refused")):
        loose = by_name[source]
        assert loose["archive_no"] == "" and loose["status"] == "rejected"
        assert [f["code"] for f in loose["findings"]] == [code_] and source in loose["findings"][0]["message"]
    job = last_job(app)
    assert job.status == "done" and job.files_done == job.files_total == 3


def test_an_empty_package_fails_with_a_message(app, tmp_path, no_ocr):
    (tmp_path / "empty").mkdir()
    result = app.test_cli_runner().invoke(args=["ingest", "--workers", "0", str(tmp_path / "empty")])
    assert result.exit_code == 1
    job = last_job(app)
    assert job.status == "failed" and job.error and job.error in result.output


def test_random_bytes_uploaded_as_a_package_end_with_a_named_rejection(app, client, factory):
    login(client, factory.user(Role.ARCHIVIST).username)
    token = csrf_token(client, "/ingest")
    response = client.post("/ingest", data={"csrf_token": token, "files": (io.BytesIO(os.urandom(3000)), "扫描.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # before: "done", 0/0 files, no outcome, no message
    assert 'data-value="failed"' in page and 'data-testid="job-error"' in page
    assert 'data-source="' in page and 'data-testid="outcome-reason"' in page
    job = last_job(app)
    (outcome,) = job.summary
    assert outcome["source"].endswith("扫描.jpg") and outcome["findings"][0]["code"] == "not_an_image"
    stored = json.dumps(job.summary, ensure_ascii=False)
    assert "/tmp" not in stored and "dangan-job" not in stored
    assert job.files_total == job.files_done == 1


def test_a_file_not_in_the_catalogue_names_its_refused_files_too(app, tmp_path, no_ocr):
    root = build(tmp_path / "pkg", [FileSpec("XC-N-000004")], catalogue=False)
    (root / "XC-N-000004" / "0008.jpg").write_bytes(b"")
    code, outcomes = run(app, root)
    assert code == 1
    (outcome,) = outcomes
    assert outcome["status"] == "rejected"
    assert [f["rule"] for f in outcome["findings"]] == ["REJECTED", "UNREADABLE_PAGE"]
    assert codes(outcome) == {"XC-N-000004/0008.jpg": "empty_file"}
    with app.app_context():
        assert db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == "XC-N-000004")) is None


def test_a_delivery_without_one_usable_page_leaves_the_stored_file_as_it_was(app, tmp_path, no_ocr):
    assert run(app, build(tmp_path / "v1", [FileSpec("XC-N-000005")]))[0] == 0
    root = build(tmp_path / "v2", [FileSpec("XC-N-000005")])
    _only_unusable_files(root / "XC-N-000005", root / "目录.csv")
    code, outcomes = run(app, root)
    (outcome,) = outcomes
    assert code == 1 and outcome["status"] == "rejected" and outcome["findings"][0]["rule"] == "REJECTED"
    assert "0001.gif" in json.dumps(outcome, ensure_ascii=False)
    with app.app_context():
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == "XC-N-000005"))
        current = db.session.scalar(select(func.count()).select_from(Page).where(
            Page.file_id == file.id, Page.current.is_(True)))
    assert current == 7 and file.status == "digitised"  # no page of the first delivery was retired
