"""The refusals of consultations (查阅) and loans (借出), added to the lending rules' one table of messages.

Codes and HTTP statuses follow :mod:`archive.lending.rules`: 400 bad input, 403 outside role, scope,
window or for one's own file, 404 what the caller may not know exists, 409 a rule conflict.  Like every
refusal there, none names another person or number.  The local-practice limits (loan days, the longest
consultation window) are settings read here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from archive.lending import rules
from archive.timeutil import utcnow

__all__ = ["MESSAGES", "local_today", "loan_days", "max_window_days", "to_local", "to_utc"]

MESSAGES = {
    "unit_required": _l("Name the consulting unit."),
    "two_persons": _l("Name at least two consulting persons, each with an ID number."),
    "duplicate_person": _l("The same ID number is given for two consulting persons."),
    "person_name_required": _l("Every consulting person needs a name."),
    "consultant_own_file": _l("A consulting person may not consult their own or a relative's file."),
    "handler_required": _l("Name the unit's handler, with an ID number."),
    "window_order": _l("The window must end after it begins."),
    "window_past": _l("The window is already over."),
    "window_too_long": _l("A consultation window may last at most %(days)s days."),
    "window_required": _l("Give the start and the end of the window."),
    "letter_required": _l("Upload the unit's letter."),
    "bad_letter": _l("The letter must be a PDF, JPEG or PNG file."),
    "corrupt_letter": _l("The letter file is damaged or cannot be read."),
    "letter_too_large": _l("The letter file is larger than %(mb)s MB."),
    "not_consultation": _l("This request is not a consultation."),
    "not_loan": _l("This request is not a loan."),
    "not_approved": _l("This request has not been approved yet."),
    "not_open": _l("This consultation is not open yet."),
    "window_not_started": _l("Your consultation window has not begun yet."),
    "window_closed": _l("Your consultation window has closed."),
    "consultation_revoked": _l("This consultation was ended by the archive."),
    "page_out_of_scope": _l("This page is not part of the approved consultation."),
    "download_not_allowed": _l("Downloading was not granted for this consultation."),
    "reader_only": _l("This account can only be used for its consultation."),
    "borrower_required": _l("Name the borrowing unit."),
    "already_on_loan": _l("This file is already on loan or has a loan under way; it cannot be lent again."),
    "not_lendable": _l("This file has been transferred out and cannot be lent."),
    "due_in_past": _l("The due date must be after today."),
    "due_too_late": _l("A loan may last at most %(days)s days."),
    "returned_by_required": _l("Say who brought the file back."),
    "check_every_material": _l("Check every material against the catalogue before confirming the return."),
    "bad_page_count": _l("Enter the number of pages found, 0 or more."),
    "on_loan": _l("The file is out on loan: record its return instead."),
}

# One table of refusals for the whole lending domain: the views' refusal page and the JSON API
# translate every code through archive.lending.rules.message.
rules._MESSAGES.update(MESSAGES)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def to_utc(local: dt.datetime) -> dt.datetime:
    """A wall-clock time typed in the archive's time zone, as the naive UTC the database keeps."""
    return local.replace(tzinfo=_zone()).astimezone(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)


def to_local(moment: dt.datetime) -> dt.datetime:
    """Naive UTC → naive wall-clock time in the archive's time zone (for form defaults)."""
    return moment.replace(tzinfo=dt.UTC).astimezone(_zone()).replace(tzinfo=None)


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today in the archive's time zone: due dates are calendar days at the counter."""
    return to_local(now or utcnow()).date()


def loan_days() -> tuple[int, int]:
    """``(default, maximum)`` loan length in days (DANGAN_LOAN_DEFAULT_DAYS, DANGAN_LOAN_MAX_DAYS)."""
    maximum = int(current_app.config.get("DANGAN_LOAN_MAX_DAYS", 14))
    return min(int(current_app.config.get("DANGAN_LOAN_DEFAULT_DAYS", 14)), maximum), maximum


def max_window_days() -> int:
    return int(current_app.config.get("DANGAN_CONSULT_MAX_DAYS", 30))
