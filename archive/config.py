"""Configuration, read once at the edge from ``DANGAN_*`` environment variables.

The embedded default needs no services: a SQLite file and an object folder under
the instance folder.  A district deployment points the same variables at
PostgreSQL and an S3 cluster.  Nothing below the app factory reads the
environment; everything else gets its settings from ``app.config``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["instance_path", "load_config"]

_TRUE = {"1", "true", "yes", "on"}


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    return default if raw is None or raw == "" else raw.strip().lower() in _TRUE


def _secret_key(instance: Path, env: Mapping[str, str]) -> str:
    """Use ``DANGAN_SECRET_KEY``; else a random key kept in the instance folder.

    Generating the key once and keeping it (mode 0600) means sessions survive a
    restart of the embedded default without anybody choosing a weak key by hand.
    """
    if env.get("DANGAN_SECRET_KEY"):
        return env["DANGAN_SECRET_KEY"]
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def instance_path(default: str, env: Mapping[str, str] | None = None) -> str:
    """The instance folder: ``DANGAN_INSTANCE_PATH`` (made absolute), else ``default`` (``<checkout>/instance``).

    Everything the embedded default keeps on disk lives under it — the SQLite database, the object folder,
    the search index, the secret key, ``dangan demo``'s scan package — so one variable moves them all.
    """
    env = os.environ if env is None else env
    given = (env.get("DANGAN_INSTANCE_PATH") or "").strip()
    return os.path.abspath(os.path.expanduser(given)) if given else default


class ConfigError(ValueError):
    """A setting has a value the app cannot use; the message names the setting."""


def validate(config: Mapping[str, Any]) -> None:
    """Refuse a configuration that would only fail later, mid-job (a DANGAN_QC_* value that does not parse)."""
    from ingest.qc import QcSettings

    try:
        QcSettings.from_mapping(config)
    except ValueError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from exc
    presign = str(config.get("DANGAN_OBJECT_PRESIGN_SECONDS", 0) or 0)
    if not presign.isdigit() or int(presign) > 3600:
        raise ConfigError(f"invalid configuration: DANGAN_OBJECT_PRESIGN_SECONDS {presign!r} is not a number of "
                          "seconds from 0 (off) to 3600")
    pattern = config.get("DANGAN_ARCHIVE_NO_PATTERN") or ""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"invalid configuration: DANGAN_ARCHIVE_NO_PATTERN {pattern!r} is no regular expression "
                          f"({exc})") from exc


def load_config(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the app configuration derived from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    instance = Path(instance_path)
    db_url = env.get("DANGAN_DATABASE_URL") or f"sqlite:///{instance / 'dangan.sqlite3'}"
    if db_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://") :]
    # QC thresholds (DANGAN_QC_DPI_WARNING, DANGAN_QC_SKEW_ERROR, …) pass through to ingest.qc.QcSettings.
    qc = {key: value for key, value in env.items() if key.startswith("DANGAN_QC_")}
    # The reports' deadlines, targets and planning defaults (DANGAN_REPORTS_*) are parsed by archive.reports.settings.
    qc.update({key: value for key, value in env.items() if key.startswith("DANGAN_REPORTS_")})
    return {
        **qc,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "DANGAN_STORAGE_URL": env.get("DANGAN_STORAGE_URL") or f"file://{instance / 'objects'}",
        # > 0: page images are answered with a redirect to an S3 URL presigned for this many seconds.
        "DANGAN_OBJECT_PRESIGN_SECONDS": env.get("DANGAN_OBJECT_PRESIGN_SECONDS", "0"),
        "DANGAN_SEARCH_URL": env.get("DANGAN_SEARCH_URL") or f"whoosh://{instance / 'index'}",
        "DANGAN_QUEUE_URL": env.get("DANGAN_QUEUE_URL") or "embedded://",
        "SECRET_KEY": _secret_key(instance, env),
        # Cookies are Secure by default; only a plain-HTTP demo on loopback turns it off.
        "SESSION_COOKIE_SECURE": _flag(env, "DANGAN_SECURE_COOKIES", True),
        "REMEMBER_COOKIE_SECURE": _flag(env, "DANGAN_SECURE_COOKIES", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "dangan_session",
        "PERMANENT_SESSION_LIFETIME": int(env.get("DANGAN_SESSION_MINUTES", "480")) * 60,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": env.get("DANGAN_TIMEZONE", "Asia/Shanghai"),
        "DANGAN_LOGIN_MAX_FAILURES": int(env.get("DANGAN_LOGIN_MAX_FAILURES", "5")),
        "DANGAN_LOGIN_LOCK_MINUTES": int(env.get("DANGAN_LOGIN_LOCK_MINUTES", "15")),
        # The regular expression a whole 档号 must match on import (empty: letters, digits, Chinese joined by - _ .).
        "DANGAN_ARCHIVE_NO_PATTERN": env.get("DANGAN_ARCHIVE_NO_PATTERN", ""),
        "DANGAN_PAGE_SIZE": int(env.get("DANGAN_PAGE_SIZE", "25")),
        "MAX_CONTENT_LENGTH": int(env.get("DANGAN_MAX_UPLOAD_MB", "2048")) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "DANGAN_OCR_ENGINE": env.get("DANGAN_OCR_ENGINE", "tesseract"),
        "DANGAN_INGEST_WORKERS": int(env.get("DANGAN_INGEST_WORKERS", "0")),  # 0: one per core
        "DANGAN_STORAGE_VERIFY_HOURS": float(env.get("DANGAN_STORAGE_VERIFY_HOURS", "24")),
        "DANGAN_JOB_STALE_MINUTES": float(env.get("DANGAN_JOB_STALE_MINUTES", "10")),
        # The Celery queue (archive/scanning/celery_app.py): Redis's visibility timeout (longer than the slowest
        # page), and the retries of a page task through a storage or database outage (back-off from RETRY_SECONDS).
        "DANGAN_CELERY_VISIBILITY_SECONDS": int(env.get("DANGAN_CELERY_VISIBILITY_SECONDS", "3600")),
        "DANGAN_CELERY_RETRIES": int(env.get("DANGAN_CELERY_RETRIES", "6")),
        "DANGAN_CELERY_RETRY_SECONDS": float(env.get("DANGAN_CELERY_RETRY_SECONDS", "2")),
        # How long a job that lost its database keeps trying to record that it failed (backoff from 0.5 s);
        # after that, start-up recovery marks it.
        "DANGAN_JOB_FAIL_RETRY_SECONDS": float(env.get("DANGAN_JOB_FAIL_RETRY_SECONDS", "60")),
        "DANGAN_AUDIT_ANCHOR_MINUTES": float(env.get("DANGAN_AUDIT_ANCHOR_MINUTES", "1")),
        "DANGAN_AUDIT_ANCHOR_EVERY": int(env.get("DANGAN_AUDIT_ANCHOR_EVERY", "100")),  # events; 0: time only
        # A sink the app can write to but not delete from (README "Where audit anchors are kept");
        # empty: the page store.  READ_URL: credentials that can read it back, if the writer cannot.
        "DANGAN_AUDIT_ANCHOR_URL": env.get("DANGAN_AUDIT_ANCHOR_URL", ""),
        "DANGAN_AUDIT_ANCHOR_READ_URL": env.get("DANGAN_AUDIT_ANCHOR_READ_URL", ""),
        "DANGAN_AUDIT_WORK_HOURS": env.get("DANGAN_AUDIT_WORK_HOURS", "07-20"),
        "DANGAN_AUDIT_BULK_VIEWS": int(env.get("DANGAN_AUDIT_BULK_VIEWS", "100")),
        "DANGAN_AUDIT_BULK_MINUTES": int(env.get("DANGAN_AUDIT_BULK_MINUTES", "10")),
        "DANGAN_AUDIT_FAILED_LOGINS": int(env.get("DANGAN_AUDIT_FAILED_LOGINS", "5")),
        "DANGAN_AUDIT_DENIED": int(env.get("DANGAN_AUDIT_DENIED", "5")),
        # Lending: how long an approved copy can be downloaded; the largest 委托书 upload accepted.
        "DANGAN_COPY_VALID_DAYS": int(env.get("DANGAN_COPY_VALID_DAYS", "30")),
        "DANGAN_AUTHORISATION_MAX_MB": int(env.get("DANGAN_AUTHORISATION_MAX_MB", "10")),
        # The office named above the seal box of copies and certificates.
        "DANGAN_LENDING_ISSUER": env.get("DANGAN_LENDING_ISSUER", "西城区人力资源和社会保障局"),
        # Transfers (移交与转递): the 转递通知单's number prefix, the days before an outstanding 回执 is chased,
        # the form of a received file's 档号 ({year}, {seq}), and the CJK font embedded in PDFs (path, index).
        "DANGAN_TRANSFER_NOTICE_PREFIX": env.get("DANGAN_TRANSFER_NOTICE_PREFIX", "西人档转字"),
        "DANGAN_TRANSFER_CHASE_DAYS": int(env.get("DANGAN_TRANSFER_CHASE_DAYS", "30")),
        "DANGAN_ARCHIVE_NO_FORMAT": env.get("DANGAN_ARCHIVE_NO_FORMAT", "XC-{year}-{seq:06d}"),
        "DANGAN_PDF_FONT": env.get("DANGAN_PDF_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        "DANGAN_PDF_FONT_INDEX": int(env.get("DANGAN_PDF_FONT_INDEX", "2")),  # Noto Sans CJK SC in the .ttc
        # Loans (借出): default and longest loan in days; the longest consultation window (查阅).
        "DANGAN_LOAN_DEFAULT_DAYS": int(env.get("DANGAN_LOAN_DEFAULT_DAYS", "14")),
        "DANGAN_LOAN_MAX_DAYS": int(env.get("DANGAN_LOAN_MAX_DAYS", "14")),
        "DANGAN_CONSULT_MAX_DAYS": int(env.get("DANGAN_CONSULT_MAX_DAYS", "30")),
    }
