"""The transfers section of the catalogue's file page: the retiree's relations and the file's 转递.

Registered with the catalogue's file-page hook (``app.extensions["dangan.file_sections"]``), so the
catalogue, which sits below this domain, shows it without importing it.  The page's read is recorded by
the catalogue's view.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.roles import Role
from archive.transfers.forms import FileTransferForm, RelationForm
from archive.transfers.models import RosterEntry, Transfer

__all__ = ["file_section"]


def file_section(file: ArchiveFile) -> Markup:
    """Relations (社保, 档案, 医保, 党员) of the file's 名册 row, its transfers and the form to transfer it."""
    entries = list(db.session.scalars(select(RosterEntry).where(RosterEntry.file_id == file.id)))
    transfers = list(db.session.scalars(select(Transfer).where(Transfer.file_id == file.id).order_by(Transfer.id)))
    return Markup(render_template("transfers/_file_section.html", file=file, entries=entries, transfers=transfers,
                                  form=FileTransferForm(), relation_form=RelationForm(),
                                  can_edit=current_user.role_enum is Role.ARCHIVIST))
