"""Authorisation, security headers and the error pages.

Every view declares who may call it, with :func:`requires` or :func:`public`.
One ``before_request`` hook enforces the declaration, so a view that forgot to
declare anything is refused to everybody (fail closed) and a test lists it.
Object-level checks (street scope) go through :func:`ensure_street`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from archive.accounts.models import Role

__all__ = ["ensure_street", "init_app", "public", "requires", "view_policy"]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_ROLES_ATTR = "_dangan_roles"
_PUBLIC_ATTR = "_dangan_public"


def requires(*roles: Role) -> Callable[[F], F]:
    """Declare the roles that may call a view (login is implied)."""

    def mark(view: F) -> F:
        setattr(view, _ROLES_ATTR, frozenset(roles))
        return view

    return mark


def public(view: F) -> F:
    """Declare a view that needs no login (log-in page, static files, health)."""
    setattr(view, _PUBLIC_ATTR, True)
    return view


def view_policy(view: Callable[..., Any]) -> frozenset[Role] | str | None:
    """``"public"``, the frozenset of roles, or ``None`` when the view declares nothing."""
    if getattr(view, _PUBLIC_ATTR, False):
        return "public"
    return getattr(view, _ROLES_ATTR, None)


def is_public_endpoint(endpoint: str) -> bool:
    """True for views declared :func:`public`."""
    from flask import current_app

    view = current_app.view_functions.get(endpoint)
    return view is not None and view_policy(view) == "public"


def ensure_street(street: str | None) -> None:
    """Abort with 403 unless the current user's scope covers ``street``."""
    if not current_user.may_see_street(street):
        abort(403)


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
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if policy is None:
        log.error("view %s declares no access policy; refused", request.endpoint)
        abort(403)
    if current_user.role_enum not in policy:
        abort(403)
    if current_user.must_change_password and request.endpoint not in {
        "accounts.password",
        "accounts.logout",
        "web.set_language",
    }:
        flash(_("Please choose a new password before you continue."), "warning")
        return redirect(url_for("accounts.password"))
    return None


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
        from archive.extensions import db

        db.session.rollback()


def _error_page(exc: HTTPException) -> Any:
    code = exc.code or 500
    if code == 403:
        from archive.audit import record_denied

        _audit_safely(record_denied, "forbidden")
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
    from archive.audit import record_denied

    _audit_safely(record_denied, f"csrf: {exc.description}")
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
    from archive.audit import recover_after_error

    _audit_safely(recover_after_error)
    return render_template("error.html", code=500, message=_("Something went wrong. The error has been logged.")), 500


def init_app(app: Flask) -> None:
    """Register the policy hook, the headers and the error pages."""
    from archive.extensions import csrf

    csrf.init_app(app)
    app.before_request(_enforce)
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(Exception, _unexpected)
