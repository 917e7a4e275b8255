"""Who may call a view: the declarations every view makes, and the street-scope check of objects.

Every view declares who may call it, with :func:`requires` or :func:`public`; the
``before_request`` hook in :mod:`archive.security` enforces the declaration (fail closed).
Object-level checks (street scope) go through :func:`ensure_street`.  This module sits
below every domain and imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from archive.roles import Role

__all__ = ["API_PREFIX", "ensure_street", "is_api_path", "is_api_request", "is_public_endpoint", "public", "requires",
           "view_policy"]

F = TypeVar("F", bound=Callable[..., Any])

# The JSON API's URLs.  Under this prefix a request authenticates by its bearer token only (never by the
# session cookie, so the API needs no CSRF token) and every answer, errors included, is JSON.
API_PREFIX = "/api/v1"

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


def is_api_path(path: str) -> bool:
    """True for a URL path of the JSON API."""
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def is_api_request() -> bool:
    """True inside a request to the JSON API (by path, so unknown URLs under it get JSON 404s too)."""
    from flask import has_request_context, request

    return has_request_context() and is_api_path(request.path)
