"""Backup from an S3 store (a real SeaweedFS) and restore into another bucket: the district's set-up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.safekeeping.conftest import cli
from tests.safekeeping.helpers import populate, search_hits, snapshot
from tests.storage.weed import WeedServer, find_weed

pytestmark = [pytest.mark.slow, pytest.mark.skipif(find_weed() is None, reason="weed not installed")]


@pytest.fixture
def weed(tmp_path: Path) -> Iterator[WeedServer]:
    server = WeedServer(tmp_path / "weed")
    server.start()
    yield server
    server.stop()


def test_backup_from_s3_restores_into_a_new_bucket(instances, weed: WeedServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src", storage_url=weed.url("sk-src"))
    populate(src, tmp_path)
    assert cli(src, "index", "rebuild").exit_code == 0
    before, hits = snapshot(src), search_hits(src)
    backup = tmp_path / "backup"
    made = cli(src, "backup", "create", str(backup), "--with-objects")
    assert made.exit_code == 0, made.output
    assert cli(src, "backup", "verify", str(backup)).exit_code == 0

    dst = instances("dst", storage_url=weed.url("sk-dst"))
    restored = cli(dst, "backup", "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert snapshot(dst) == before and search_hits(dst) == hits
    for command in (("audit", "verify"), ("storage", "verify")):
        result = cli(dst, *command)
        assert result.exit_code == 0, result.output
