"""The audit trail's part of every request: its id, and the fallback event when a view recorded none.

Above :mod:`archive.audit` (the recorder) and beside :mod:`archive.security` (which calls
:func:`record_denied` and :func:`recover_after_error`), so the recorder itself imports no
domain and no request policy.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, g, request
from flask_login import current_user

from archive import boundary
from archive.access import is_public_endpoint
from archive.audit import record, request_id
from archive.extensions import db

__all__ = ["init_app", "record_denied", "recover_after_error"]

log = logging.getLogger(__name__)


def _begin() -> None:
    g.request_id = uuid.uuid4().hex
    sent = request.headers.get("X-Request-ID")
    if sent:
        # Kept for correlation only; our id is never taken from the client (forged or replayed ids).
        g.client_request_id = sent[:64]


def _finish(response: Any) -> Any:
    """The request's boundary: its fallback event when the view recorded none, then its one commit."""
    response.headers["X-Request-ID"] = request_id()
    if request.endpoint == "static":
        return response
    try:
        authenticated = current_user and current_user.is_authenticated
        if g.get("audit_events"):
            pass  # the view recorded what it did
        elif not authenticated and (request.endpoint is None or is_public_endpoint(request.endpoint)):
            pass  # the log-in page itself, health checks, unknown URLs of anonymous visitors
        elif not authenticated:
            # An API call says why its token was refused (unknown, revoked, disabled account), never the token.
            record("access.denied", outcome="denied",
                   details=_request_details(reason=g.get("auth_refusal") or "not logged in"))
        else:
            outcome = "ok" if response.status_code < 400 else ("not_found" if response.status_code == 404
                                                                 else "failed")
            record(f"http.{request.method.lower()}", outcome=outcome, target_type="endpoint",
                   target_id=request.endpoint or "", details=_request_details(status=response.status_code))
        boundary.commit()
    except Exception:  # the response is already built; failing to audit must be loud, not silent
        log.exception("could not commit the request %s %s", request.method, request.path)
        raise
    return response


def _request_details(**extra: Any) -> dict[str, Any]:
    details: dict[str, Any] = {"method": request.method, "path": request.path[:500], **extra}
    if request.query_string:
        details["query"] = request.query_string.decode("utf-8", "replace")[:500]
    if g.get("client_request_id"):
        details["client_request_id"] = g.client_request_id
    if g.get("api_token_id"):
        details["token"] = g.api_token_id  # which of the user's access tokens made the call
    return details


def record_denied(reason: str) -> None:
    """Record a refused access (403, CSRF failure) in its own transaction."""
    db.session.rollback()
    record("access.denied", outcome="denied", target_type="endpoint", target_id=request.endpoint or "",
           details=_request_details(reason=reason))
    db.session.commit()


def recover_after_error() -> None:
    """After a failed request rolled back, write again the reads it had recorded (outcome ``error``).

    A page that showed part of a file and then failed was still a read.
    """
    pending = g.pop("audit_events", [])
    db.session.rollback()
    for row in pending:
        record(row["action"], outcome="error", target_type=row["target_type"], target_id=row["target_id"],
               person_id=row["person_id"], file_id=row["file_id"], archive_no=row["archive_no"],
               reason=row["reason"], details={"original": row["details"]})
    if not pending:
        record("http.error", outcome="error", target_type="endpoint", target_id=request.endpoint or "",
               details=_request_details())
    db.session.commit()


def init_app(app: Flask) -> None:
    """Give every request an id and, unless its view recorded an event, the fallback event."""
    app.before_request(_begin)
    app.after_request(_finish)
