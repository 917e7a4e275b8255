"""Web uploads of a scan job: kept in the object store exactly as long as the job may still need them.

* a job that ends done deletes its uploads at once (:func:`discard_uploads`);
* a failed job keeps them, so that ``dangan ingest --resume JOB`` can run it again — until it ends done,
  or is given up with ``dangan ingest --abandon JOB`` (or the job page's button), which deletes them;
* ``dangan storage verify`` lists upload objects that no queued, running or failed job holds any more
  (:mod:`archive.scanning.listeners` tells it which are held).
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any

from archive.extensions import db
from archive.objects import get_store
from archive.scanning.job_events import record_for_job
from archive.scanning.models import IngestJob, JobStatus
from ingest.errors import PackageError
from storage import ObjectNotFound, StorageError

__all__ = ["STORE_PREFIX", "UPLOAD_PREFIX", "CannotAbandon", "abandon_job", "discard_uploads", "materialise",
           "upload_name"]

log = logging.getLogger(__name__)


STORE_PREFIX = "store:"  # job paths that live in the object store (web uploads), not on this host


UPLOAD_PREFIX = "incoming/"  # where web uploads wait in the object store until their job has finished


ABANDONED = "已放弃：上传的文件已删除，该批次不能再运行"


UPLOADS_GONE = "该批次上传的文件已在批次完成或放弃后删除，不能再运行：请重新上传"


def upload_name(filename: str, index: int) -> str:
    r"""The name an uploaded file is kept and opened under: the name it was given, made safe.

    The name matters: a loose ``目录.csv`` is only recognised as a catalogue by its name.  Only the last
    path component is kept (browsers on Windows send ``C:\…\x.zip``), control characters go, a leading
    dot goes (it would hide the file from the package scan and could clash with the local store's
    ``.dangan-tmp-`` files), and the name is cut to 200 bytes, keeping its extension.
    """
    name = unicodedata.normalize("NFC", filename.replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".").strip()
    if name.endswith(".dangan.sha256"):  # the local store's checksum side-car files
        name += "_"
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = name, ""
    while len(name.encode()) > 200 and stem:
        stem = stem[:-1]
        name = f"{stem}.{ext}" if ext else stem
    return name if name.strip(". ") else f"upload-{index}"


def upload_keys(job: IngestJob) -> list[str]:
    return [p[len(STORE_PREFIX):] for p in job.paths or [] if p.startswith(STORE_PREFIX)]


def discard_uploads(job_id: int, *, reason: str, user: str | None = None) -> int:
    """Delete a job's uploaded files from the object store and forget them; returns how many went.

    Called when the job ended done, or when someone gives a failed job up.  Keys whose deletion fails stay
    in the job's paths (the job still "holds" them), so `dangan storage verify` reports them until a later
    call succeeds.  Commits.
    """
    job = db.session.get(IngestJob, job_id)
    keys = upload_keys(job) if job is not None else []
    if not keys:
        return 0
    store = get_store()
    kept: list[str] = []
    for key in keys:
        try:
            store.delete(key)
        except StorageError as exc:
            log.warning("job %s: upload %s not deleted (%s); storage verify will list it", job_id, key, exc)
            kept.append(key)
    others = [p for p in job.paths or [] if not p.startswith(STORE_PREFIX)]
    job.paths = others + [STORE_PREFIX + k for k in kept]
    details: dict[str, Any] = {"reason": reason, "deleted": len(keys) - len(kept), "kept": len(kept)}
    if user:
        details["user"] = user
    record_for_job(job, "ingest.uploads_deleted", outcome="ok" if not kept else "failed", target_type="ingest_job",
                   target_id=job_id, details=details)
    db.session.commit()
    return len(keys) - len(kept)


class CannotAbandon(ValueError):
    """Only a failed job can be given up: a queued or running one is still at work, a done one is finished."""


def abandon_job(job_id: int, *, user: str) -> int:
    """Give a failed job up: its uploads are deleted, so it can no longer be resumed.  Commits."""
    job = db.session.get(IngestJob, job_id)
    if job is None or job.status != JobStatus.FAILED:
        raise CannotAbandon(job_id)
    job.error = (job.error + "\n" if job.error else "") + ABANDONED
    job.failure_params = {**(job.failure_params or {}), "abandoned": True}
    return discard_uploads(job_id, reason="abandoned", user=user)


def materialise(job: IngestJob, work: Path) -> list[Path]:
    """Local paths of the package: web uploads are fetched from the object store first."""
    result = []
    store = None
    for index, item in enumerate(job.paths or []):
        if item.startswith(STORE_PREFIX):
            store = store or get_store()
            key = item[len(STORE_PREFIX):]
            # Side by side under their own names (目录.csv must stay 目录.csv); a name given twice gets a
            # folder of its own, so that neither overwrites the other.
            name = key.rsplit("/", 1)[-1]
            target = work / "incoming" / name
            if target.exists():
                target = work / f"incoming-{index}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with store.open(key) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except ObjectNotFound as exc:
                raise PackageError(UPLOADS_GONE, name) from exc
            result.append(target)
        else:
            result.append(Path(item))
    return result
