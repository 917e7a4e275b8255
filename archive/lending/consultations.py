"""Organisational consultations (查阅): registered, approved, opened to named persons, closed by the window.

The steps, each an operation that checks its rules before it writes, flushes and records its event with
the request number as its reason (依据):

- :func:`register_consultation` — the archivist records the unit, its letter, the unit's handler, at
  least two consulting persons with ID numbers, the purpose, the scope (whole file or named materials),
  the window and the print/download rights, and sends it for approval (the lending request's
  submitted → in_review, via :func:`archive.lending.operations.create_request` and ``prepare``);
- approval is the lending queue's :func:`archive.lending.operations.decide` (approver ≠ handler);
- :func:`open_consultation` — after approval, an archivist opens it: every consulting person gets an
  account (a retiree-role account bound to nobody, usable only through its :class:`ConsultingPerson`
  link) with a one-time password that is returned once, for the archivist to hand over (→ fulfilled);
- :func:`revoke_consultation` — ended early by an archivist (→ revoked), the accounts disabled.

What a consulting person may see is decided by :func:`reading_grant` on every request — the request is
open, now is inside its window, the page is in its scope — never by a timer or a menu.  The window's
bounds go into every event made under the consultation (:func:`window_details`), so the auditor's
OUTSIDE_LENDING_WINDOW rule can check each access against them.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from archive.accounts.models import User
from archive.accounts.operations import create_user
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.idnumbers import InvalidIdNumber, mask_id_number, parse_id_number
from archive.lending.consult_rules import max_window_days
from archive.lending.models import (
    Consultation,
    ConsultingPerson,
    LendingRequest,
    Purpose,
    RequestKind,
    RequestStatus,
)
from archive.lending.operations import create_request, expire_due, prepare, revoke, transition
from archive.lending.rules import LendingError, conflict_of_interest, person_conflict
from archive.lending.uploads import MIME_TYPES, sniff
from archive.objects import get_store
from archive.pages.models import Page
from archive.roles import Role
from archive.timeutil import utcnow
from storage import sha256_bytes

__all__ = ["ConsultationInput", "Grant", "NamedPerson", "is_reader", "letter_mime", "open_consultation",
           "reader_consultations", "reading_grant", "register_consultation", "revoke_consultation",
           "scope_pages", "window_details"]


@dataclass(frozen=True)
class NamedPerson:
    name: str
    id_number: str


@dataclass(frozen=True)
class ConsultationInput:
    """What the archivist registers from the unit's letter; times are naive UTC."""

    unit: str
    letter: bytes
    handler_name: str
    handler_id_number: str
    persons: Sequence[NamedPerson]
    purpose: Purpose
    purpose_text: str
    whole_file: bool
    material_ids: Sequence[int]
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    print_allowed: bool = False
    download_allowed: bool = False


def _id(value: str, field: str) -> str:
    try:
        return parse_id_number(value).number
    except InvalidIdNumber as exc:
        raise LendingError("bad_id_number", 400, field) from exc


def _persons(file: ArchiveFile, given: Sequence[NamedPerson]) -> list[NamedPerson]:
    """At least two named persons with valid, distinct ID numbers, none of them the file's person or kin."""
    filled = [p for p in given if p.name.strip() or p.id_number.strip()]
    if len(filled) < 2:
        raise LendingError("two_persons", 400, "persons")
    checked: list[NamedPerson] = []
    for p in filled:
        if not p.name.strip():
            raise LendingError("person_name_required", 400, "persons")
        number = _id(p.id_number, "persons")
        if any(c.id_number == number for c in checked):
            raise LendingError("duplicate_person", 400, "persons")
        if person_conflict(number, file):
            raise LendingError("consultant_own_file", 403, "persons")
        checked.append(NamedPerson(p.name.strip()[:50], number))
    return checked


def _window(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> None:
    if start is None or end is None:
        raise LendingError("window_required", 400, "window_start")
    if end <= start:
        raise LendingError("window_order", 400, "window_end")
    if end <= now:
        raise LendingError("window_past", 400, "window_end")
    days = max_window_days()
    if end - start > dt.timedelta(days=days):
        raise LendingError("window_too_long", 400, "window_end", days=days)


def store_letter(data: bytes) -> tuple[str, str]:
    """Check the unit's letter like an authorisation (sniffed, opened, size-limited) and store it: ``(key, sha)``."""
    max_bytes = int(current_app.config["DANGAN_AUTHORISATION_MAX_MB"]) * 1024 * 1024
    if not data:
        raise LendingError("letter_required", 400, "letter")
    if len(data) > max_bytes:
        raise LendingError("letter_too_large", 400, "letter", mb=max_bytes // (1024 * 1024))
    try:
        kind = sniff(data)
    except LendingError as exc:
        raise LendingError("bad_letter" if exc.code == "bad_upload" else "corrupt_letter", 400, "letter") from exc
    sha = sha256_bytes(data)
    key = f"lending/letters/{sha[:2]}/{sha}.{'jpg' if kind == 'jpeg' else kind}"
    store = get_store()
    if not store.exists(key):
        store.put(key, data, content_type=MIME_TYPES[kind])
    return key, sha


def letter_mime(key: str) -> str:
    ext = key.rsplit(".", 1)[-1]
    return MIME_TYPES.get("jpeg" if ext == "jpg" else ext, "application/octet-stream")


def register_consultation(file: ArchiveFile, archivist: User, data: ConsultationInput,
                          now: dt.datetime | None = None) -> LendingRequest:
    """Register the unit's consultation and send it for approval; every rule is checked before a row is written."""
    now = now or utcnow()
    if archivist.role_enum is not Role.ARCHIVIST:
        raise LendingError("not_staff", 403)
    if not archivist.may_see_street(file.street):
        raise LendingError("out_of_scope", 403)
    if conflict_of_interest(archivist, file):
        raise LendingError("own_file", 403)
    if not data.unit.strip():
        raise LendingError("unit_required", 400, "unit")
    if not data.handler_name.strip():
        raise LendingError("handler_required", 400, "handler_name")
    handler_number = _id(data.handler_id_number, "handler_id_number")
    persons = _persons(file, data.persons)
    _window(data.window_start, data.window_end, now)
    ids = [] if data.whole_file else list(dict.fromkeys(int(i) for i in data.material_ids))
    if not data.whole_file and not ids:
        raise LendingError("no_materials", 400, "materials")
    if any(m not in {x.id for x in file.materials} for m in ids):
        raise LendingError("foreign_material", 400, "materials")
    if data.purpose is Purpose.OTHER and not data.purpose_text.strip():
        raise LendingError("purpose_text_required", 400, "purpose_text")
    letter_key, letter_sha = store_letter(data.letter)  # content-addressed: stored before any row names it
    req = create_request(kind=RequestKind.CONSULTATION, file=file, by=archivist, purpose=data.purpose,
                         purpose_text=data.purpose_text, wanted=data.unit.strip())
    req.consultation = Consultation(
        unit=data.unit.strip()[:200], letter_key=letter_key, letter_sha256=letter_sha,
        unit_handler_name=data.handler_name.strip()[:50], unit_handler_id_number=handler_number,
        whole_file=data.whole_file, window_start=data.window_start, window_end=data.window_end,
        print_allowed=data.print_allowed, download_allowed=data.download_allowed,
        persons=[ConsultingPerson(name=p.name, id_number=p.id_number) for p in persons])
    db.session.flush()
    record("lending.consultation", file=file, target_type="lending_request", target_id=req.number,
           reason=req.number, details={**window_details(req.consultation), "unit": req.consultation.unit,
                                       "persons": [mask_id_number(p.id_number) for p in persons],
                                       "whole_file": data.whole_file, "materials": len(ids),
                                       "print": data.print_allowed, "download": data.download_allowed})
    prepare(req, archivist, ids)
    return req


def window_details(consultation: Consultation) -> dict[str, Any]:
    """The window as the audit events carry it (naive UTC, ISO): what OUTSIDE_LENDING_WINDOW compares with."""
    return {"window_start": consultation.window_start.isoformat() if consultation.window_start else None,
            "window_end": consultation.window_end.isoformat() if consultation.window_end else None}


def _consultation(req: LendingRequest) -> Consultation:
    if req.kind != RequestKind.CONSULTATION or req.consultation is None:
        raise LendingError("not_consultation", 409)
    return req.consultation


def _staff(user: User, req: LendingRequest) -> None:
    if user.role_enum is not Role.ARCHIVIST:
        raise LendingError("not_staff", 403)
    if not user.may_see_street(req.file.street):
        raise LendingError("out_of_scope", 403)
    if conflict_of_interest(user, req.file):
        raise LendingError("own_file", 403)


def _password() -> str:
    """A one-time password that passes the password rules: 12 characters of four kinds, no look-alikes."""
    alphabet = [c for c in string.ascii_letters + string.digits if c not in "Il1O0o"]
    body = [secrets.choice(alphabet) for _ in range(8)]
    extra = [secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"), secrets.choice("abcdefghijkmnpqrstuvwxyz"),
             secrets.choice("23456789"), secrets.choice("#%+=")]
    chars = body + extra
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _username(req: LendingRequest, n: int) -> str:
    base = f"cy{req.id}-{n}"
    taken = db.session.scalar(select(func.count()).select_from(User).where(User.username == base))
    return base if not taken else f"{base}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class IssuedAccount:
    person: ConsultingPerson
    username: str
    password: str  # shown once to the archivist, never stored in clear


def open_consultation(req: LendingRequest, archivist: User, now: dt.datetime | None = None) -> list[IssuedAccount]:
    """Open an approved consultation: one account per consulting person, their one-time passwords returned."""
    now = now or utcnow()
    consultation = _consultation(req)
    _staff(archivist, req)
    if req.status_enum is not RequestStatus.APPROVED:
        raise LendingError("closed" if req.is_final else "not_approved", 409)
    if consultation.window_end is None or consultation.window_end <= now:
        raise LendingError("window_past", 409)
    issued = []
    for n, person in enumerate(consultation.persons, start=1):
        password = _password()
        user = create_user(_username(req, n), password, Role.RETIREE, display_name=person.name, unbound=True,
                           must_change_password=True)
        person.user_id = user.id
        issued.append(IssuedAccount(person, user.username, password))
    req.valid_until = consultation.window_end  # the lending queue's expiry closes it with its window
    db.session.flush()
    record("lending.accounts", file=req.file, target_type="lending_request", target_id=req.number,
           reason=req.number, details={**window_details(consultation),
                                       "usernames": [a.username for a in issued]})
    transition(req, RequestStatus.FULFILLED, archivist, "consultation_opened", accounts=len(issued))
    return issued


def _disable_accounts(consultation: Consultation) -> list[str]:
    names = []
    for person in consultation.persons:
        user = db.session.get(User, person.user_id) if person.user_id else None
        if user is not None and user.active:
            user.active = False
            user.session_version += 1  # their open sessions end now, not at their next log-in
            names.append(user.username)
    return names


def revoke_consultation(req: LendingRequest, archivist: User, reason: str) -> LendingRequest:
    """End a consultation early, with a reason: the request is revoked and its accounts disabled."""
    consultation = _consultation(req)
    revoke(req, archivist, reason)  # the archivist's rules, the reason, the transition and its event
    disabled = _disable_accounts(consultation)
    db.session.flush()
    record("lending.accounts_disabled", file=req.file, target_type="lending_request", target_id=req.number,
           reason=req.number, details={**window_details(consultation), "usernames": disabled})
    return req


# -- the consulting person's side -------------------------------------------------------------------


def is_reader(user: Any) -> bool:
    """True for an account made for a consulting person: it may reach its consultations and nothing else."""
    if not getattr(user, "is_authenticated", False) or user.role_enum is not Role.RETIREE:
        return False
    return db.session.scalar(select(ConsultingPerson.id).where(ConsultingPerson.user_id == user.id)
                             .limit(1)) is not None


def reader_consultations(user: User) -> list[tuple[LendingRequest, ConsultingPerson]]:
    rows = db.session.execute(select(LendingRequest, ConsultingPerson)
                              .join(ConsultingPerson, ConsultingPerson.request_id == LendingRequest.id)
                              .where(ConsultingPerson.user_id == user.id).order_by(LendingRequest.id.desc()))
    return [(r, p) for r, p in rows]


@dataclass(frozen=True)
class Grant:
    """A consulting person's live access: the request, its consultation and who they are in it."""

    request: LendingRequest
    consultation: Consultation
    person: ConsultingPerson

    @property
    def material_ids(self) -> set[int]:
        return {rm.material_id for rm in self.request.materials if rm.material_id is not None}


class ReadingRefused(LendingError):
    """A refused access under a consultation; ``request`` is set when it is the caller's own consultation."""

    def __init__(self, code: str, status: int, request: LendingRequest | None = None) -> None:
        super().__init__(code, status)
        self.request = request


def reading_grant(user: User, number: str, now: dt.datetime | None = None) -> Grant:
    """The consultation ``number`` as ``user`` may use it now, or :class:`ReadingRefused`.

    404 unless the user is one of its consulting persons (whether it exists or not); 403 when it is not
    open, revoked, or ``now`` is outside its window.  A window found over closes the consultation here.
    """
    now = now or utcnow()
    row = db.session.execute(select(LendingRequest, ConsultingPerson)
                             .join(ConsultingPerson, ConsultingPerson.request_id == LendingRequest.id)
                             .where(LendingRequest.number == number.strip()[:32],
                                    ConsultingPerson.user_id == user.id)).first()
    if row is None:
        raise ReadingRefused("not_found", 404)
    req, person = row
    consultation = req.consultation
    if req.kind != RequestKind.CONSULTATION or consultation is None:
        raise ReadingRefused("not_found", 404)
    if consultation.window_end is not None and now > consultation.window_end:
        expire_due(now, req=req)  # the window closes by itself, on the first request after it
        raise ReadingRefused("window_closed", 403, req)
    if req.status_enum is RequestStatus.REVOKED:
        raise ReadingRefused("consultation_revoked", 403, req)
    if req.status_enum in (RequestStatus.EXPIRED, RequestStatus.CLOSED):
        raise ReadingRefused("window_closed", 403, req)
    if req.status_enum is not RequestStatus.FULFILLED:
        raise ReadingRefused("not_open", 403, req)
    if consultation.window_start is not None and now < consultation.window_start:
        raise ReadingRefused("window_not_started", 403, req)
    return Grant(req, consultation, person)


def scope_pages(grant: Grant) -> list[Page]:
    """The current pages the consultation covers: the whole file, or the named materials', in file order."""
    stmt = select(Page).where(Page.file_id == grant.request.file_id, Page.current.is_(True))
    if not grant.consultation.whole_file:
        stmt = stmt.where(Page.material_id.in_(grant.material_ids or {-1}))
    return list(db.session.scalars(stmt.order_by(Page.position)))


def page_in_scope(grant: Grant, page_id: int) -> Page:
    """The page if the consultation covers it; another page of the file or of any other file is refused (403)."""
    page = db.session.get(Page, page_id)
    if page is None or page.file_id != grant.request.file_id or not page.current or (
            not grant.consultation.whole_file and page.material_id not in grant.material_ids):
        raise ReadingRefused("page_out_of_scope", 403, grant.request)
    return page
