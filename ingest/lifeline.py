"""Worker processes die with the process that started them.

A pool worker forked from ``dangan ingest`` inherits its database and S3 sockets.  When the main process
is killed with SIGKILL, nothing runs in it to stop the pool, and the workers would live on — holding those
sockets — until they next ask for work.  Two safeguards, both set up in the pool initializer:

* on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the worker the moment its parent
  (the main process, or the forkserver, which itself exits when the main process goes) dies;
* everywhere, a daemon thread that notices within a second that the parent changed (``getppid()``; the
  orphan was re-parented to init or a subreaper) or that the main process is gone, and exits.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent", "pid_alive"]

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 0.5


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (a zombie counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat", "rb") as fh:
        # "pid (comm) S …": the state follows the last ")" (comm may contain parentheses)
        return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    return True


def _set_pdeathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
            return False
    except (OSError, AttributeError) as exc:  # no libc to load, or no prctl in it
        log.warning("prctl(PR_SET_PDEATHSIG) unavailable: %s", exc)
        return False
    return True


def _watch(parent: int, main: int | None) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent or (main is not None and not pid_alive(main)):
            # The process that owns this worker is gone: nobody will collect our results.  Exit at once,
            # without running cleanup that might touch the inherited database or S3 connections.
            os._exit(1)


def die_with_parent(main_pid: int | None = None) -> None:
    """Make this (worker) process end when its parent, or the main process ``main_pid``, ends.

    Call it first thing in the worker, from the pool initializer.
    """
    parent = os.getppid()
    _set_pdeathsig()
    # The parent may have died before prctl took effect: then we are already an orphan.
    if main_pid is not None and not pid_alive(main_pid):
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, main_pid), name="dangan-lifeline", daemon=True).start()
