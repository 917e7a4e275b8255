"""Street scope applied inside queries, so counts and pages are right for each user."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.roles import Role

__all__ = ["get_file_or_404", "may_see_full_id", "scoped_files"]


def may_see_full_id() -> bool:
    """Need-to-know: only archivists see full ID numbers; everybody else sees them masked.

    Archivists (district or their own street) handle identity checks: they see full numbers on the file
    page, in the viewer's OCR text and in search snippets.  Street scope is applied separately.
    """
    return bool(current_user and current_user.is_authenticated and current_user.role_enum is Role.ARCHIVIST)


def scoped_files(stmt: Select[Any]) -> Select[Any]:
    """Restrict a statement over :class:`ArchiveFile` to the current user's street."""
    if current_user.role_enum is Role.RETIREE:
        if current_user.person_id is None:  # a self-registered account not yet bound sees nothing
            return stmt.where(false())
        return stmt.where(ArchiveFile.person_id == current_user.person_id)
    if current_user.street is not None:
        return stmt.where(ArchiveFile.street == current_user.street)
    return stmt


def get_file_or_404(file_id: int) -> ArchiveFile:
    """Load a file the current user may see: 404 when unknown, 403 when out of scope."""
    file = db.session.get(ArchiveFile, file_id)
    if file is None:
        abort(404)
    if current_user.role_enum is Role.RETIREE:
        if file.person_id is None or file.person_id != current_user.person_id:
            abort(403)
    elif not current_user.may_see_street(file.street):
        abort(403)
    return file
