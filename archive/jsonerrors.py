"""The JSON API's errors: one body shape for every refusal under ``/api/v1``, whoever raises it.

Below every domain, beside :mod:`archive.access`: :mod:`archive.security` answers the errors it
catches (a 401 before any view, a 404 for an unknown URL, a 500) with :func:`json_error_response`
when the request is an API request, and the API's views raise :class:`JsonError`, an
``HTTPException`` — so a 403 from either side passes through the same handler and is audited the
same way.  :data:`ERROR_SCHEMA` is the body's schema as the OpenAPI document publishes it.

A message never names the person, file or request that was refused beyond what the caller sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

__all__ = ["ERROR_CODES", "ERROR_SCHEMA", "JsonError", "default_message", "json_error_response"]

# Stable, machine-readable codes per status; views may give a more specific one (e.g. ``already_decided``).
ERROR_CODES: dict[int, str] = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 410: "gone", 413: "too_large", 415: "unsupported_media_type", 500: "server_error",
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {"type": "string", "description": "A stable code, e.g. not_found, invalid_body."},
                "message": {"type": "string", "description": "Said in the caller's language."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "For a bad body or query: the field (a path such as materials[1].seq) and "
                                   "what is wrong with it.",
                },
            },
        },
    },
}


def default_message(status: int) -> str:
    """What to say for a status when the raiser said nothing more specific (translated)."""
    messages = {
        400: _("The request could not be understood."),
        401: _("Authentication required: send a valid access token as “Authorization: Bearer …”."),
        403: _("You may not do this, or not for this file."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        410: _("This is no longer available."),
        413: _("The upload is too large."),
        415: _("Send the body as JSON (Content-Type: application/json)."),
    }
    return str(messages.get(status, _("Something went wrong. The error has been logged.")))


class JsonError(HTTPException):
    """A refusal with a JSON body: ``status``, a stable ``error_code``, a message and field messages."""

    def __init__(self, status: int, error_code: str | None = None, message: str | None = None,
                 fields: Mapping[str, str] | None = None) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = error_code or ERROR_CODES.get(status, "error")
        self.fields = dict(fields or {})

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        """Used only when no handler answered (the app's handlers normally do)."""
        return json_error_response(self.code or 500, self.description, code=self.error_code, fields=self.fields)


def json_error_response(status: int, message: str | None = None, *, code: str | None = None,
                        fields: Mapping[str, str] | None = None) -> Response:
    """The error body of :data:`ERROR_SCHEMA` with ``status``."""
    error: dict[str, Any] = {"status": status, "code": code or ERROR_CODES.get(status, "error"),
                             "message": message or default_message(status)}
    if fields:
        error["fields"] = dict(fields)
    response = jsonify({"error": error})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dangan"'
    return response
