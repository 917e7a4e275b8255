"""``DANGAN_INSTANCE_PATH`` moves everything the app keeps on disk, ``dangan demo`` included (issue 8, item 17).

Before, the variable was read nowhere: ``dangan demo`` rewrote ``<checkout>/instance/demo-package`` (and the
SQLite database and objects went there too) whatever it said.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.config import instance_path

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]] | None:
    """Every path under ``folder`` with its size and modification time (None: no such folder)."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


def test_the_variable_names_the_instance_folder(tmp_path, monkeypatch):
    assert instance_path("/default", {}) == "/default"
    assert instance_path("/default", {"DANGAN_INSTANCE_PATH": str(tmp_path)}) == str(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert instance_path("/default", {"DANGAN_INSTANCE_PATH": "inst"}) == str(tmp_path / "inst")  # made absolute


@pytest.mark.slow
def test_dangan_demo_writes_under_the_instance_path_and_leaves_the_checkout_alone(tmp_path):
    checkout_instance = ROOT / "instance"
    before = _snapshot(checkout_instance)
    target = tmp_path / "my-instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env.update({"DANGAN_INSTANCE_PATH": str(target), "PYTHONPATH": str(ROOT), "DANGAN_SECURE_COOKIES": "0"})
    proc = subprocess.run(
        [sys.executable, "-c", "from archive.cli import main; main()", "demo", "--people", "3", "--images", "0",
         "--no-ingest"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"scan package at {target / 'demo-package'}" in proc.stdout
    assert (target / "demo-package" / "目录.xlsx").exists()
    assert (target / "dangan.sqlite3").exists() and (target / "secret_key").exists()
    assert _snapshot(checkout_instance) == before  # the checkout's instance/ is untouched
