"""``kill -9`` of ``dangan ingest`` takes its pool workers with it (issue 8, item 12).

Before, the workers forked by the command outlived it — fifteen minutes later they still held the database and
S3 sockets they had inherited.  They now die with their parent: PR_SET_PDEATHSIG on Linux, a getppid()
watchdog thread everywhere.  The test runs the real command in a subprocess with a pool of two, waits for the
workers to exist (read from /proc: psutil is not a dependency), kills the command with SIGKILL and expects every
worker gone within a few seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.lifeline import pid_alive
from tests.scanning.builder import FileSpec, build

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")]

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (children, grandchildren…), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(b")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


# The command forks its workers when it is single-threaded; a process running other threads (the web server's
# embedded queue) starts them through a forkserver instead: a second thread forces that path.
START = {
    "fork": "from archive.cli import main; main()",
    "forkserver": "import threading, time; threading.Thread(target=time.sleep, args=(600,), daemon=True).start(); "
                  "from archive.cli import main; main()",
}


@pytest.mark.parametrize("method", sorted(START))
def test_kill_9_of_the_ingest_command_ends_its_pool_workers(tmp_path, method):
    package = build(tmp_path / "pkg", [FileSpec(f"XC-K-{n:06d}") for n in range(1, 5)])  # 28 pages, real OCR
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env.update({"DANGAN_INSTANCE_PATH": str(tmp_path / "instance"), "PYTHONPATH": str(ROOT),
                "DANGAN_SECURE_COOKIES": "0"})
    command = [sys.executable, "-c", START[method]]
    upgrade = subprocess.run([*command, "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=300)
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    log = (tmp_path / "ingest.log").open("wb")
    proc = subprocess.Popen([*command, "ingest", str(package), "--workers", "2", "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the ingest ended before its workers could be seen"
        assert len(workers) >= 2, f"no pool workers appeared: {workers}"
        if method == "forkserver":
            assert any("forkserver" in _cmdline(pid) for pid in workers)
        time.sleep(1.0)  # let the workers settle into their pages (and the catalogue import finish)
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        alive = {pid for pid in workers if pid_alive(pid)}
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = {pid for pid in workers if pid_alive(pid)}
        assert not alive, f"pool workers outlived the ingest: {[(p, _cmdline(p)) for p in alive]}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()
