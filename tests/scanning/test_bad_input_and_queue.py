"""Hostile and broken inputs in one package: each named, the rest ingested; the Redis queue and worker."""

from __future__ import annotations

import io
import json
import os
import struct
import zlib

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import func, select

from archive.extensions import db
from archive.pages.models import Page
from archive.scanning.models import IngestJob
from tests.scanning.builder import FileSpec, PageSpec, build, render

pytestmark = pytest.mark.slow


def _bomb_png() -> bytes:
    """A tiny PNG that declares 100000 × 100000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(
        b"IEND", b"")


def _pdf(path, *, encrypt: bool = False, text: bool = False) -> None:  # type: ignore[no-untyped-def]
    pdf = pikepdf.new()
    jpeg = render(PageSpec(["干部履历表", "姓名：张建国"]), seed=1)
    width, height = Image.open(io.BytesIO(jpeg)).size
    image = pikepdf.Stream(pdf, jpeg, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=width,
                           Height=height, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8,
                           Filter=pikepdf.Name.DCTDecode)
    w, h = width * 72 / 300, height * 72 / 300
    content = f"q {w} 0 0 {h} 0 0 cm /Im0 Do Q".encode()
    resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    if text:
        content += b" BT /F1 12 Tf 20 20 Td (hello) Tj ET"
        resources.Font = pikepdf.Dictionary(F1=pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                                   BaseFont=pikepdf.Name.Helvetica))
    page = pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, w, h], Resources=resources,
                                           Contents=pikepdf.Stream(pdf, content)))
    pdf.pages.append(page)
    if encrypt:
        pdf.save(path, encryption=pikepdf.Encryption(owner="o", user="secret"))
    else:
        pdf.save(path)


def test_bad_files_are_named_and_the_rest_is_ingested(app, tmp_path, no_ocr):
    good = FileSpec("XC-X-000001")
    root = build(tmp_path / "pkg", [good, FileSpec("XC-X-000002"), FileSpec("XC-X-000003"),
                                    FileSpec("XC-X-000004")])
    # XC-X-000002: its first page is a decompression bomb, its second a Word document
    folder = root / "XC-X-000002"
    (folder / "0001.jpg").unlink()
    (folder / "0001.png").write_bytes(_bomb_png())
    (folder / "0002.jpg").write_bytes(b"PK\x03\x04 word document pretending to be a JPEG")
    # XC-X-000003 arrives as an encrypted PDF, XC-X-000004 as a PDF page with text on it
    for name, kwargs in (("XC-X-000003", {"encrypt": True}), ("XC-X-000004", {"text": True})):
        for path in (root / name).iterdir():
            path.unlink()
        (root / name).rmdir()
        _pdf(root / f"{name}.pdf", **kwargs)
    result = app.test_cli_runner().invoke(args=["ingest", "--json", "--workers", "0", str(root)])
    outcomes = {o["archive_no"]: o for o in json.loads(result.output)}
    assert outcomes["XC-X-000001"]["status"] == "ingested" and outcomes["XC-X-000001"]["pages"] == 7
    bad = outcomes["XC-X-000002"]
    messages = " ".join(f["message"] for f in bad["findings"] if f["rule"] == "UNREADABLE_PAGE")
    assert "0001.png" in messages and "0002.jpg" in messages
    assert bad["status"] == "ingested" and bad["pages"] == 5
    for name in ("XC-X-000003", "XC-X-000004"):
        outcome = outcomes[name]
        assert outcome["status"] == "rejected", outcome
        assert any(f"{name}.pdf" in f["message"] for f in outcome["findings"]), outcome
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Page)) == 12


def test_redis_queue_and_worker(app, tmp_path, no_ocr):
    redis = pytest.importorskip("redis")
    url = os.environ.get("DANGAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not reachable at {url}: scripts/test.sh starts it")
    from archive.scanning.queue import REDIS_KEY, get_queue, run_worker
    from archive.scanning.service import create_job

    redis.Redis.from_url(url).delete(REDIS_KEY)
    old = app.config["DANGAN_QUEUE_URL"]
    app.config["DANGAN_QUEUE_URL"] = url
    app.extensions.pop("dangan.queue", None)
    try:
        package = build(tmp_path / "pkg", [FileSpec("XC-R-000001")])
        with app.app_context():
            job = create_job([str(package)], created_by="t", street=None, source="t")
            db.session.commit()
            get_queue().enqueue(job.id)
            assert db.session.get(IngestJob, job.id).status == "queued"  # nothing ran in the web process
        assert run_worker(app, once=True, timeout=5) == 1
        with app.app_context():
            assert db.session.get(IngestJob, job.id).status == "done"
            assert db.session.scalar(select(func.count()).select_from(Page)) == 7
    finally:
        app.config["DANGAN_QUEUE_URL"] = old
        app.extensions.pop("dangan.queue", None)
