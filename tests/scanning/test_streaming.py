"""Page images stream from the store to the response: a 200 MB original is served in a small memory ceiling.

Runs on the local folder store and on a real S3 server (SeaweedFS); ranged requests get 206 from the
same stream, and an original missing from the store is a 404, not a 500.
"""

from __future__ import annotations

import hashlib
import tracemalloc

import pytest

from archive.extensions import db
from archive.objects import get_store
from archive.pages.models import Page
from archive.roles import Role
from storage import open_store
from tests.conftest import login
from tests.storage.weed import WeedServer, find_weed

SIZE = 200 * 1024 * 1024
CEILING = 24 * 1024 * 1024  # what Python may allocate at its peak while serving it


class _Pattern:
    """A readable stream of ``size`` bytes of a repeating pattern, never all in memory."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = bytes(range(256)) * 256  # 64 KiB

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        out = (self.block * (n // len(self.block) + 1))[:n]
        self.left -= n
        return out


def _expected_sha256(size: int) -> str:
    digest, stream = hashlib.sha256(), _Pattern(size)
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _big_original(app, factory) -> tuple[int, str]:
    file = factory.file("德胜")
    ingested = factory.ingested(file, pages=1)
    page_id = ingested["pages"][0]
    key = "pages/bi/g0/big-original.tif"
    with app.app_context():
        get_store().put(key, _Pattern(SIZE))
        page = db.session.get(Page, page_id)
        page.original_key, page.size, page.format = key, SIZE, "tiff"
        db.session.commit()
    return page_id, key


def _serve_and_measure(app, factory) -> None:
    page_id, _key = _big_original(app, factory)
    client = app.test_client()
    login(client, factory.user(Role.ARCHIVIST).username)
    digest, received = hashlib.sha256(), 0
    tracemalloc.start()
    try:
        response = client.get(f"/pages/{page_id}/original", buffered=False)
        assert response.status_code == 200
        assert response.headers["Content-Length"] == str(SIZE)
        assert "no-store" in response.headers["Cache-Control"]
        for chunk in response.response:
            digest.update(chunk)
            received += len(chunk)
        response.close()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == SIZE and digest.hexdigest() == _expected_sha256(SIZE)
    assert peak < CEILING, f"serving a {SIZE >> 20} MB original peaked at {peak >> 20} MB of Python memory"

    # A ranged request: 206 with exactly the asked bytes.
    response = client.get(f"/pages/{page_id}/original", headers={"Range": "bytes=65530-65545"})
    assert response.status_code == 206
    block = bytes(range(256)) * 256
    assert response.data == (block * 2)[65530:65546]
    assert response.headers["Content-Range"] == f"bytes 65530-65545/{SIZE}"
    response.close()


@pytest.mark.slow
def test_a_200_mb_original_streams_from_the_local_store(app, factory):
    _serve_and_measure(app, factory)


@pytest.fixture
def s3_app(app, tmp_path):
    if find_weed() is None:
        pytest.skip("weed not installed")
    server = WeedServer(tmp_path / "weed", authenticated=True)  # signatures are checked, as in production
    server.start()
    url = server.url("dangan-stream")
    old_url, old_store = app.config["DANGAN_STORAGE_URL"], app.extensions.get("dangan.store")
    app.config["DANGAN_STORAGE_URL"] = url
    app.extensions["dangan.store"] = open_store(url)
    yield app
    app.config["DANGAN_STORAGE_URL"] = old_url
    app.extensions["dangan.store"] = old_store
    server.stop()


@pytest.mark.slow
def test_a_200_mb_original_streams_from_s3(s3_app, factory):
    _serve_and_measure(s3_app, factory)


def test_an_original_missing_from_the_store_is_a_404(app, factory, client):
    file = factory.file("德胜")
    page_id = factory.ingested(file, pages=1)["pages"][0]
    with app.app_context():
        page = db.session.get(Page, page_id)
        page.original_key = "pages/no/ne/missing.tif"
        db.session.commit()
    login(client, factory.user(Role.ARCHIVIST).username)
    response = client.get(f"/pages/{page_id}/original")
    response.close()
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def _small_page(app, factory, payload: bytes) -> int:
    file = factory.file("德胜")
    page_id = factory.ingested(file, pages=1)["pages"][0]
    with app.app_context():
        page = db.session.get(Page, page_id)
        get_store().put(page.original_key, payload, overwrite=True)
        db.session.commit()
    return page_id


def test_with_presigning_s3_answers_the_browser_directly_after_the_read_is_audited(s3_app, factory):
    import urllib.request

    from sqlalchemy import select

    from archive.audit.models import AuditEvent

    payload = bytes(range(256)) * 400
    page_id = _small_page(s3_app, factory, payload)
    s3_app.config["DANGAN_OBJECT_PRESIGN_SECONDS"] = 60
    try:
        client = s3_app.test_client()
        login(client, factory.user(Role.ARCHIVIST).username)
        response = client.get(f"/pages/{page_id}/original")
        assert response.status_code == 302 and "no-store" in response.headers["Cache-Control"]
        url = response.headers["Location"]
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
        with urllib.request.urlopen(url, timeout=10) as got:  # the browser's request, straight to S3
            assert got.read() == payload
            assert got.headers["Cache-Control"] == "private, no-store"
            assert "attachment" in got.headers["Content-Disposition"]
        ranged = urllib.request.Request(url, headers={"Range": "bytes=10-19"})
        with urllib.request.urlopen(ranged, timeout=10) as got:
            assert got.status == 206 and got.read() == payload[10:20]
        for forged in (url.replace("X-Amz-Expires=60", "X-Amz-Expires=6000"),  # the signature covers the lifetime
                       url.split("?")[0]):                                        # and no signature is no read
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(forged, timeout=10)
            refused.value.close()  # the error holds the response's socket
            assert refused.value.code == 403
        with s3_app.app_context():
            event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "page.download")
                                       .order_by(AuditEvent.seq.desc())).first()
            assert event is not None and event.target_id == str(page_id)
    finally:
        s3_app.config["DANGAN_OBJECT_PRESIGN_SECONDS"] = 0


def test_presigning_on_a_local_store_still_streams(app, factory, client):
    page_id = _small_page(app, factory, b"local bytes")
    app.config["DANGAN_OBJECT_PRESIGN_SECONDS"] = 60
    try:
        login(client, factory.user(Role.ARCHIVIST).username)
        response = client.get(f"/pages/{page_id}/original")
        assert response.status_code == 200 and response.data == b"local bytes"
        response.close()
    finally:
        app.config["DANGAN_OBJECT_PRESIGN_SECONDS"] = 0
