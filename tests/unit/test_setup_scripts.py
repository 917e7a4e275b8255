"""The set-up scripts wait for another apt/dpkg process instead of failing (issue 8, item 18).

A real dpkg frontend lock is held (apt locks with fcntl, as ``lockf`` does) while the scripts' ``apt_get``
runs a harmless install of a package that is already there; without the wait apt exits 100 at once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCK = Path("/var/lib/dpkg/lock-frontend")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("apt-get") is None or not LOCK.exists(),
    reason="needs root and apt (the CI machines have both)",
)


def _hold_lock(seconds: float, held: threading.Event) -> None:
    with LOCK.open("w") as fh:
        fcntl.lockf(fh, fcntl.LOCK_EX)
        held.set()
        time.sleep(seconds)
        fcntl.lockf(fh, fcntl.LOCK_UN)


def _installed_package() -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package}\n", "bash"], capture_output=True, text=True)
    return out.stdout.strip() or "bash"


def test_apt_get_waits_for_a_held_dpkg_lock() -> None:
    held = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(4.0, held))
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        command = f"source scripts/_apt.sh && apt_get install -y -qq --no-download --no-upgrade {_installed_package()}"
        proc = subprocess.run(
            ["bash", "-c", command],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        waited = time.monotonic() - started
    finally:
        holder.join()
    assert proc.returncode == 0, proc.stderr
    assert waited >= 2.0  # it really waited for the lock rather than racing past it


def test_plain_apt_get_fails_fast_on_a_held_lock() -> None:
    """The control: the defect the wrapper fixes is real on this machine."""
    held = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(3.0, held))
    holder.start()
    try:
        assert held.wait(10)
        proc = subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=0", "install", "-y", "-qq", "--no-download",
                               "--no-upgrade", _installed_package()], capture_output=True, text=True, timeout=60)
    finally:
        holder.join()
    assert proc.returncode == 100
