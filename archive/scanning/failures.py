"""Why an ingest job failed, and who owns a running job.

A failed job stores a stable code and its parameters (``IngestJob.failure_code``/``failure_params``); the job
page translates them when it shows them, the command line prints the plain text kept in ``IngestJob.error``.
Neither ever holds a traceback: that goes to the log.

A running job also records its owner — host, pid and a token of that process's start time — so that start-up
recovery can tell a job whose process is gone (a killed worker, a server restart) from one still at work in
another process, even after the pid was reused.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import gettext, ngettext

from archive.scanning.models import IngestJob
from ingest.lifeline import pid_alive

__all__ = ["REASONS", "failure_message", "failure_text", "owner_alive", "owner_is_this_process", "this_process"]

# Codes and their plain (Chinese) text for IngestJob.error and the command line.  The job page shows the
# English msgid's translation instead (failure_message), so the same code reads right in either language.
WORKER_DIED = "worker_died"
DATABASE_UNAVAILABLE = "database_unavailable"
STORAGE_UNAVAILABLE = "storage_unavailable"
INTERRUPTED = "interrupted"
CONFIG_INVALID = "config_invalid"
INTERNAL_ERROR = "internal_error"
PACKAGE_REFUSED = "package_refused"
NOTHING_USABLE = "nothing_usable"
EMPTY_PACKAGE = "empty_package"
BROKER_UNAVAILABLE = "broker_unavailable"  # a queued job not yet sent to the Celery workers (it stays queued)

REASONS: dict[str, str] = {
    WORKER_DIED: "处理页面的工作进程意外终止：再次运行该批次即可完成（已完成的页面不会重做）",
    DATABASE_UNAVAILABLE: "数据库暂时不可用，批次已中止：再次运行该批次即可完成（已完成的页面不会重做）",
    STORAGE_UNAVAILABLE: "对象存储不可用（{detail}）：再次运行该批次即可完成",
    INTERRUPTED: "批次因服务重启而中断（进程 {owner} 已不在）：再次运行该批次即可完成",
    CONFIG_INVALID: "服务器配置有误（{detail}）：请管理员改正后再次运行该批次",
    INTERNAL_ERROR: "内部错误（{kind}）使批次中止，详情见服务器日志：再次运行该批次即可完成",
    PACKAGE_REFUSED: "{detail}",
    NOTHING_USABLE: "扫描包中没有可入库的内容：{n} 项均未采用，原因见各项结果",
    EMPTY_PACKAGE: "扫描包中没有找到任何档案文件或页面图像",
    BROKER_UNAVAILABLE: ("任务队列（{broker}）暂时无法连接：批次已保存为排队状态，"
                         "工作进程启动时或用 dangan ingest --resume 会重新发送"),
}


def failure_text(code: str, params: dict[str, Any]) -> str:
    """The plain (Chinese) text of a failure, for ``IngestJob.error`` and the command line."""
    return REASONS.get(code, code).format(**params)


def failure_message(job: IngestJob) -> str:
    """The job's failure in the user's language; a job failed before codes existed shows its stored text."""
    code = job.failure_code
    if not code:
        return job.error
    params: dict[str, Any] = dict(job.failure_params or {})
    if code == WORKER_DIED:
        text = gettext("A page worker process stopped unexpectedly. Run the batch again to finish it; "
                       "pages already done are not redone.")
    elif code == DATABASE_UNAVAILABLE:
        text = gettext("The database was unavailable, so the batch stopped. Run the batch again to finish it; "
                       "pages already done are not redone.")
    elif code == STORAGE_UNAVAILABLE:
        text = gettext("The object store was unavailable (%(detail)s). Run the batch again to finish it.",
                       detail=params.get("detail", ""))
    elif code == INTERRUPTED:
        text = gettext("The batch was interrupted by a restart of the server (process %(owner)s is gone). "
                       "Run the batch again to finish it.", owner=params.get("owner", ""))
    elif code == CONFIG_INVALID:
        text = gettext("The server's configuration is invalid (%(detail)s). Ask the administrator to correct it, "
                       "then run the batch again.", detail=params.get("detail", ""))
    elif code == INTERNAL_ERROR:
        text = gettext("An internal error (%(kind)s) stopped the batch; the server log has the details. "
                       "Run the batch again to finish it.", kind=params.get("kind", ""))
    elif code == PACKAGE_REFUSED:
        text = gettext("The package was refused: %(detail)s", detail=params.get("detail", ""))
    elif code == NOTHING_USABLE:
        n = int(params.get("n", 0))
        text = ngettext("Nothing in the package could be ingested: its %(num)d item was not used; see its result.",
                        "Nothing in the package could be ingested: none of its %(num)d items was used; "
                        "see each item's result.", n)
    elif code == EMPTY_PACKAGE:
        text = gettext("No file or page image was found in the package.")
    elif code == BROKER_UNAVAILABLE:
        text = gettext("The task queue (%(broker)s) could not be reached: the batch is kept as queued and is sent "
                       "again when a worker starts, or with dangan ingest --resume.", broker=params.get("broker", ""))
    else:
        text = job.error or code
    if params.get("abandoned"):
        text += " " + gettext("Abandoned: the uploaded files were deleted, the batch cannot be run again.")
    return text


# --- owners ----------------------------------------------------------------------------------------------


@cache
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _process_token(pid: int) -> str:
    """Boot id and start time of a process (Linux), so that a reused pid is not taken for the owner."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return ""
    start = stat.rsplit(b")", 1)[1].split()[19].decode()  # field 22, starttime in clock ticks since boot
    return f"{_boot_id()[:36]}:{start}"[:64]


def this_process() -> tuple[str, int, str]:
    """Host, pid and start token of the running process."""
    return socket.gethostname()[:100], os.getpid(), _process_token(os.getpid())


def owner_is_this_process(job: IngestJob) -> bool:
    host, pid, token = this_process()
    return job.owner_host == host and job.owner_pid == pid and job.owner_token == token


def owner_alive(job: IngestJob) -> bool | None:
    """Whether the process that claimed the job still runs: None when this host cannot tell (another host)."""
    host, _pid, _token = this_process()
    if not job.owner_pid or job.owner_host != host:
        return None
    if not pid_alive(job.owner_pid):
        return False
    # The pid exists: the same process only if it started when the owner did (pids are reused).
    return not job.owner_token or _process_token(job.owner_pid) == job.owner_token
