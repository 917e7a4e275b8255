"""The transfers domain's refusal and the name of who acts (a user in a request, the shell user outside one)."""

from __future__ import annotations

import os

from flask import current_app, has_request_context

from archive.messages import Message

__all__ = ["TransferError", "actor", "setting"]


class TransferError(ValueError):
    """A refused transfer operation, raised before anything is written.

    ``code`` is stable, ``message`` is said to the user, ``field`` names the form field concerned (or None).
    """

    def __init__(self, code: str, message: Message, field: str | None = None) -> None:
        super().__init__(message.text)
        self.code = code
        self.message = message
        self.field = field


def actor() -> str:
    """The username recorded on rows (created_by, checked_by …)."""
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return str(current_user.username)
    return os.environ.get("USER", "system")


def setting(name: str) -> object:
    """A ``DANGAN_TRANSFER_*`` (or PDF) setting of the running app."""
    return current_app.config[name]
