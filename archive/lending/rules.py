"""The rules every lending route and operation applies: who may act on which request, and the refusals' codes.

A refusal is a :class:`LendingError` with a stable code and the HTTP status it stands for (403 outside
role, scope or for one's own file; 404 for what the caller may not know exists; 409 for a rule conflict;
410 for an expired copy; 400 for bad input).  Its message names no person and no number other than the
caller's own (:func:`message`), so a refusal never leaks who else has a file here.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from archive.accounts.models import User, UserRelative
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.roles import Role

__all__ = ["LendingError", "conflict_of_interest", "message", "person_conflict", "staff_may_see"]


class LendingError(ValueError):
    """A refused lending step; ``code`` is stable (API bodies, audit details), ``status`` its HTTP code."""

    def __init__(self, code: str, status: int = 409, field: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code, self.status, self.field, self.params = code, status, field, params


_MESSAGES = {
    "not_found": _l("There is no such request."),
    "not_own_file": _l("You can only ask about your own file."),
    "unbound": _l("Your account has not been linked to your file yet. The archive checks your identity first."),
    "own_file": _l("This is your own file, or a relative's: somebody else must handle it."),
    "relative_is_person": _l("The relative's ID number is the retiree's own."),
    "two_person": _l("You prepared this request, so another approver must decide it."),
    "already_decided": _l("This request has already been decided."),
    "not_in_review": _l("This request is not waiting for a decision."),
    "closed": _l("This request is closed and can no longer be changed."),
    "not_submitted": _l("This request has already been sent for approval."),
    "no_materials": _l("Choose at least one material."),
    "foreign_material": _l("A chosen material does not belong to this file."),
    "no_text": _l("A certificate needs its text."),
    "unknown_placeholders": _l("Unknown placeholders: %(names)s"),
    "empty_placeholders": _l("These facts are still empty: %(names)s"),
    "reason_required": _l("Give a reason."),
    "purpose_text_required": _l("Say what the copy is for."),
    "purpose_not_allowed": _l("This purpose cannot be chosen for this kind of request."),
    "kind_not_allowed": _l("This kind of request cannot be made here."),
    "expired": _l("The copy was valid until %(until)s and can no longer be downloaded. Please ask again."),
    "not_ready": _l("The copy is not ready yet."),
    "bad_upload": _l("The authorisation must be a PDF, JPEG or PNG file."),
    "corrupt_upload": _l("The authorisation file is damaged or cannot be read."),
    "upload_too_large": _l("The authorisation file is larger than %(mb)s MB."),
    "upload_required": _l("Upload the signed authorisation."),
    "bad_id_number": _l("This ID number is not valid."),
    "identity_mismatch": _l("The name and ID number do not match the file's person."),
    "already_bound": _l("This account is already linked to a file."),
    "registered": _l("An account with this ID number is already waiting for its identity check."),
    "username_taken": _l("This user name is taken."),
    "bad_username": _l("Choose a user name of at most 64 letters or digits."),
    "bad_mobile": _l("Enter an 11-digit mobile number."),
    "not_staff": _l("Only archive staff can do this."),
    "out_of_scope": _l("This file is outside your scope."),
    "no_pages": _l("The chosen materials have no scanned pages."),
}


def message(exc: LendingError) -> str:
    """The refusal in the reader's language."""
    text = _MESSAGES.get(exc.code)
    return str(text % exc.params) if text is not None and exc.params else str(text or exc.code)


def conflict_of_interest(user: User, file: ArchiveFile) -> str | None:
    """``own_file`` when the file is the staff member's own or a declared relative's (亲属回避), else ``None``."""
    number = file.person.id_number if file.person is not None else None
    if not number:
        return None
    if user.id_number and user.id_number == number:
        return "own_file"
    if any(r.id_number == number for r in user.relatives):
        return "own_file"
    return None


def person_conflict(id_number: str, file: ArchiveFile) -> str | None:
    """For somebody outside the staff (a relative asking, a consulting person): is this file theirs?

    ``relative_is_person`` when the ID number is the file's person's own; ``own_file`` when a staff account
    with that ID number declared the file's person as a relative (the only relatives Dangan records).
    """
    number = file.person.id_number if file.person is not None else None
    if not number:
        return None
    if id_number == number:
        return "relative_is_person"
    declared = db.session.scalar(
        select(UserRelative.id).join(User, UserRelative.user_id == User.id)
        .where(User.id_number == id_number, UserRelative.id_number == number).limit(1))
    return "own_file" if declared is not None else None


def staff_may_see(user: User, file: ArchiveFile) -> bool:
    """Archivists and approvers whose street scope covers the file."""
    return user.role_enum in (Role.ARCHIVIST, Role.APPROVER) and user.may_see_street(file.street)
