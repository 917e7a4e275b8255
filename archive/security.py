"""Authorisation enforced on every request, security headers and the error pages.

Views declare who may call them (:mod:`archive.access`); one ``before_request`` hook here
enforces the declaration, so a view that forgot to declare anything is refused to
everybody (fail closed) and a test lists it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from archive.access import is_api_path, is_api_request, view_policy
from archive.audit import record
from archive.extensions import csrf, db
from archive.jsonerrors import JsonError, json_error_response
from archive.request_audit import record_denied, recover_after_error

__all__ = ["init_app"]

log = logging.getLogger(__name__)

class _SessionsOutsideTheApi(SecureCookieSessionInterface):
    """The session cookie is neither read nor written under the API's prefix.

    An API call authenticates by its bearer token alone, so a browser's cookie sent along (by a page
    of another site, say) cannot act for its user: that is why the API needs no CSRF token.
    """

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if is_api_path(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        from flask import request

        if is_api_path(request.path):
            return None
        return super().save_session(app, session, response)


def _enforce() -> Any:
    if request.endpoint is None:
        return None  # 404 follows
    if request.endpoint == "static":
        return None
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint)
    policy = view_policy(view) if view else None
    if policy == "public":
        return None
    api = is_api_request()
    if not current_user.is_authenticated:
        if api:  # no log-in page to send a program to: 401, and the bearer token is the only way in
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if policy is None:
        log.error("view %s declares no access policy; refused", request.endpoint)
        abort(403)
    if current_user.role_enum not in policy:
        abort(403)
    if api and (current_user.must_change_password or current_user.activation_pending):
        # The pages below would send the user to change the password or wait for activation; a program
        # cannot, and until then the account reads nothing (三员分立), through the API neither.
        raise JsonError(403, "account_not_ready", _("This account must change its password or be activated "
                                                    "by an approver before it can use the API."))
    if current_user.must_change_password and request.endpoint not in _ACCOUNT_ONLY:
        flash(_("Please choose a new password before you continue."), "warning")
        return redirect(url_for("accounts.password"))
    if current_user.activation_pending and request.endpoint not in _ACCOUNT_ONLY | {"accounts.awaiting"}:
        # 三员分立: an account whose password an administrator set reads nothing until an approver
        # activates it.  Fail closed: everything but the account's own pages is refused.
        return redirect(url_for("accounts.awaiting"))
    return None


# What an account may reach before it is fully usable (new password due, activation pending).
_ACCOUNT_ONLY = frozenset({"accounts.password", "accounts.logout", "web.set_language"})


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def _reject_nul() -> Any:
    """Refuse NUL bytes at the edge: PostgreSQL cannot store them and answered with a 500.

    Checks the decoded path (``%00`` arrives here as a NUL), query and form fields and upload
    names, before the CSRF check, the log-in and the audit trail see them.
    """
    files = request.files if request.method != "GET" else None
    if not ("\x00" in request.path or _has_nul(request.args) or _has_nul(request.form)
            or (files and any("\x00" in (f.filename or "") for f in files.values()))):
        return None

    def audit() -> None:

        record("access.denied", outcome="denied", target_type="endpoint", target_id=request.endpoint or "",
               details={"reason": "nul byte", "method": request.method,
                        "path": request.path.replace("\x00", "\\x00")[:500],
                        "query": request.query_string.decode("utf-8", "replace").replace("\x00", "\\x00")[:500]})
        db.session.commit()

    log.warning("refused a request with a NUL byte: %s %r", request.method, request.path[:200])
    _audit_safely(audit)
    message = _("The request contains a character that is not allowed (a NUL byte).")
    if is_api_request():
        return json_error_response(400, message, code="nul_byte")
    return render_template("error.html", code=400, message=message), 400


_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _headers(response: Any) -> Any:
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static":
        # Pages carry personal data: never keep them in a shared or browser cache.
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _audit_safely(action: Any, *args: Any) -> None:
    """Write the audit event of a failure; if even that fails, log it and still answer the user."""
    try:
        action(*args)
    except Exception:
        log.exception("could not record the audit event for %s %s", request.method, request.path)

        db.session.rollback()


def _error_page(exc: HTTPException) -> Any:
    code = exc.code or 500
    if code == 403:

        _audit_safely(record_denied, "forbidden" if not isinstance(exc, JsonError) else exc.error_code)
    if is_api_request():
        if isinstance(exc, JsonError):
            return json_error_response(code, exc.description, code=exc.error_code, fields=exc.fields)
        return json_error_response(code)
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
    }
    message = messages.get(code, _("Something went wrong. The error has been logged."))
    return render_template("error.html", code=code, message=message), code


def _csrf_error(exc: CSRFError) -> Any:

    _audit_safely(record_denied, f"csrf: {exc.description}")
    if is_api_request():  # not reached while the API is exempt from CSRF (it reads no cookie); kept as JSON
        return json_error_response(400, exc.description, code="csrf")
    return (
        render_template(
            "error.html", code=400, message=_("The form has expired. Please go back, reload and try again.")
        ),
        400,
    )


def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _error_page(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)

    _audit_safely(recover_after_error)
    if is_api_request():  # never a traceback, never an HTML page to a program
        return json_error_response(500)
    return render_template("error.html", code=500, message=_("Something went wrong. The error has been logged.")), 500


def init_app(app: Flask) -> None:
    """Register the policy hook, the headers and the error pages."""
    app.session_interface = _SessionsOutsideTheApi()
    app.before_request(_reject_nul)  # first: nothing below may see a NUL byte
    csrf.init_app(app)
    app.before_request(_enforce)
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(Exception, _unexpected)
