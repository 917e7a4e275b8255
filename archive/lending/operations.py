"""Lending operations: create, prepare, decide, download, expire, close, revoke — each a step with its event.

Every operation checks its rules first and raises :class:`~archive.lending.rules.LendingError` before
anything is written, then changes rows, flushes and records its own audit event with the request number
as the event's reason (the audit log's 依据 column).  A status change is a :class:`RequestTransition`
row and a ``lending.<to>`` event; the signals of :mod:`archive.signals` go out after the commit.  These
are the functions the web views, the JSON API and the commands call:

- :func:`create_request` — a retiree (own file only) or staff registering one;
- :func:`prepare` — the handling archivist chooses the materials (and for a certificate fills the text)
  and sends it for approval;
- :func:`decide` — the approver approves (the copy is built, the download link made) or rejects;
- :func:`open_copy` — the requester's download, within its validity (410 after);
- :func:`expire_due`, :func:`close`, :func:`revoke`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from archive import boundary
from archive.accounts.models import User
from archive.audit import record
from archive.catalogue.classes import format_class
from archive.catalogue.models import ArchiveFile, Material
from archive.extensions import db
from archive.idnumbers import InvalidIdNumber, parse_id_number
from archive.lending import outputs
from archive.lending.certificates import check_template, facts_for, fill
from archive.lending.models import (
    FINAL_STATUSES,
    RETIREE_PURPOSES,
    CertificateTemplate,
    Delivery,
    LendingRequest,
    Purpose,
    RequestKind,
    RequestMaterial,
    RequestStatus,
    RequestTransition,
)
from archive.lending.rules import LendingError, conflict_of_interest, person_conflict, staff_may_see
from archive.lending.uploads import store_authorisation
from archive.objects import get_store
from archive.roles import Role
from archive.signals import request_approved, request_transition
from archive.timeutil import utcnow

__all__ = ["OnBehalf", "close", "create_request", "decide", "expire_due", "find_request", "open_copy", "prepare",
           "revoke", "save_template", "transition"]

NUMBER_PREFIX = "XC-SQ"


@dataclass(frozen=True)
class OnBehalf:
    """A relative asking for the retiree (代办), with their signed authorisation's bytes."""

    name: str
    id_number: str
    relation: str
    authorisation: bytes


def _event(action: str, req: LendingRequest, outcome: str = "ok", **details: Any) -> None:
    record(action, outcome=outcome, file=req.file, target_type="lending_request", target_id=req.number,
           reason=req.number, details={"kind": req.kind, "status": req.status, **details})


def transition(req: LendingRequest, to: RequestStatus, user: User | None, reason_code: str = "", *,
               first: bool = False, **params: Any) -> None:
    """Move ``req`` to ``to``: the timeline row, the ``lending.<to>`` event, the signal after commit."""
    before = None if first else req.status
    req.status = to
    req.transitions.append(RequestTransition(user_id=user.id if user else None,
                                             username=user.username if user else "system",
                                             from_status=str(before) if before else None, to_status=str(to),
                                             reason_code=reason_code, reason_params=params))
    db.session.flush()
    _event(f"lending.{to}", req, **{"from": str(before) if before else None, "reason_code": reason_code, **params})
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    info: dict[str, Any] = {"request_id": req.id, "number": req.number, "kind": str(req.kind),
                            "from_status": str(before) if before else None, "to_status": str(to)}
    boundary.after_commit(lambda: request_transition.send(app, **info))


def find_request(number: str) -> LendingRequest | None:
    return db.session.scalar(select(LendingRequest).where(LendingRequest.number == number.strip()[:32]))


def _valid_id(value: str, field: str) -> str:
    try:
        return parse_id_number(value).number
    except InvalidIdNumber as exc:
        raise LendingError("bad_id_number", 400, field) from exc


def create_request(*, kind: RequestKind, file: ArchiveFile, by: User, purpose: Purpose, purpose_text: str = "",
                   wanted: str = "", wanted_classes: Sequence[str] = (), delivery: Delivery = Delivery.DOWNLOAD,
                   on_behalf: OnBehalf | None = None, requester: User | None = None) -> LendingRequest:
    """A new request, status submitted.  A retiree asks for their own file only; staff register for any in scope."""
    role = by.role_enum
    if role is Role.RETIREE:
        if by.person_id is None:
            raise LendingError("unbound", 403)
        if file.person_id != by.person_id:
            raise LendingError("not_own_file", 403)
        if kind not in (RequestKind.COPY, RequestKind.CERTIFICATE):
            raise LendingError("kind_not_allowed", 403, "kind")
        requester = by
    elif role is Role.ARCHIVIST:
        if not staff_may_see(by, file):
            raise LendingError("out_of_scope", 403)
        if conflict_of_interest(by, file):
            raise LendingError("own_file", 403)
    else:
        raise LendingError("not_staff", 403)
    if kind in (RequestKind.COPY, RequestKind.CERTIFICATE) and purpose not in RETIREE_PURPOSES:
        raise LendingError("purpose_not_allowed", 400, "purpose")
    if purpose is Purpose.OTHER and not purpose_text.strip():
        raise LendingError("purpose_text_required", 400, "purpose_text")
    req = LendingRequest(number=secrets.token_hex(8), kind=kind, file=file, requester=requester, created_by=by,
                         purpose=purpose, purpose_text=purpose_text.strip()[:200], wanted=wanted.strip()[:4000],
                         wanted_classes=list(wanted_classes), delivery=delivery)
    if on_behalf is not None:
        number = _valid_id(on_behalf.id_number, "relative_id_number")
        conflict = person_conflict(number, file)
        if conflict:
            raise LendingError(conflict, 400 if conflict == "relative_is_person" else 403, "relative_id_number")
        key, mime, sha = store_authorisation(get_store(), on_behalf.authorisation,
                                             int(current_app.config["DANGAN_AUTHORISATION_MAX_MB"]) * 1024 * 1024)
        req.relative_name, req.relative_id_number = on_behalf.name.strip()[:50], number
        req.relative_relation = on_behalf.relation.strip()[:32]
        req.authorisation_key, req.authorisation_mime, req.authorisation_sha256 = key, mime, sha
    db.session.add(req)
    db.session.flush()
    # The number is for people to read out; it follows the row id, the download link has its own secret.
    req.number = f"{NUMBER_PREFIX}-{req.created_at.year}-{req.id:06d}"
    transition(req, RequestStatus.SUBMITTED, by, "created", first=True, on_behalf=on_behalf is not None)
    return req


def _ensure_open(req: LendingRequest) -> None:
    if req.status_enum in FINAL_STATUSES:
        raise LendingError("closed", 409)


def _ensure_staff(user: User, req: LendingRequest, role: Role) -> None:
    if user.role_enum is not role:
        raise LendingError("not_staff", 403)
    if not user.may_see_street(req.file.street):
        raise LendingError("out_of_scope", 403)
    if conflict_of_interest(user, req.file):
        raise LendingError("own_file", 403)


def prepare(req: LendingRequest, handler: User, material_ids: Sequence[int], *,
            template: CertificateTemplate | None = None, facts: dict[str, str] | None = None,
            today: dt.date | None = None) -> LendingRequest:
    """The archivist's work item: materials chosen (a certificate: its text filled), sent for approval."""
    _ensure_staff(handler, req, Role.ARCHIVIST)
    _ensure_open(req)
    if req.status_enum is not RequestStatus.SUBMITTED:
        raise LendingError("not_submitted", 409)
    ids = list(dict.fromkeys(int(i) for i in material_ids))
    if req.kind == RequestKind.COPY and not ids:
        raise LendingError("no_materials", 400, "materials")
    materials = {m.id: m for m in db.session.scalars(select(Material).where(Material.id.in_(ids)))} if ids else {}
    if len(materials) != len(ids) or any(m.file_id != req.file_id for m in materials.values()):
        raise LendingError("foreign_material", 400, "materials")
    text = ""
    if req.kind == RequestKind.CERTIFICATE:
        if template is None:
            raise LendingError("no_text", 400, "template")
        text = fill(template.body, facts_for(req.file, number=req.number, today=today or utcnow().date(),
                                             given=facts))
    req.materials.clear()
    db.session.flush()
    for position, mid in enumerate(ids, start=1):
        m = materials[mid]
        req.materials.append(RequestMaterial(material_id=mid, position=position, title=m.title, formed=m.formed,
                                             pages=m.pages, label=f"{format_class(m.class_no, m.subclass)}-{m.seq}"))
    req.handler, req.template, req.certificate_text = handler, template, text
    transition(req, RequestStatus.IN_REVIEW, handler, "prepared", materials=len(ids))
    return req


def decide(req: LendingRequest, approver: User, approve: bool, reason: str = "") -> LendingRequest:
    """Approve (the document is built and the download link made) or reject, with the reason.

    The approver is never the handler (two-person rule, 409); a request is decided once (409).
    """
    _ensure_staff(approver, req, Role.APPROVER)
    if req.status_enum is not RequestStatus.IN_REVIEW:
        decided = req.status_enum in FINAL_STATUSES or req.decided_at is not None
        raise LendingError("already_decided" if decided else "not_in_review", 409)
    if req.handler_id == approver.id:
        raise LendingError("two_person", 409)
    if not approve and not reason.strip():
        raise LendingError("reason_required", 400, "reason")
    if approve and req.kind == RequestKind.COPY and not outputs.copy_pages(req):
        raise LendingError("no_pages", 409)  # checked before anything is written: nothing half-approved
    req.approver, req.decided_at, req.decision_reason = approver, utcnow().replace(microsecond=0), reason.strip()
    if not approve:
        transition(req, RequestStatus.REJECTED, approver, "rejected", reason=reason.strip()[:500])
        return req
    if req.kind in (RequestKind.CONSULTATION, RequestKind.LOAN):
        # Fulfilled later, face to face, by an archivist: the consulting persons' accounts are opened
        # (archive.lending.consultations) or the volume is handed over (archive.lending.loans).
        transition(req, RequestStatus.APPROVED, approver, "approved", reason=reason.strip()[:500])
        return req
    days = int(current_app.config["DANGAN_COPY_VALID_DAYS"])
    req.valid_until = req.decided_at + dt.timedelta(days=days)
    req.download_token = secrets.token_urlsafe(32)
    transition(req, RequestStatus.APPROVED, approver, "approved", reason=reason.strip()[:500])
    pages = outputs.build_output(req)
    _event("lending.build", req, pages=pages, sha256=req.output_sha256, size=req.output_size)
    transition(req, RequestStatus.FULFILLED, approver, "built", pages=pages)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    info: dict[str, Any] = {"request_id": req.id, "number": req.number, "kind": str(req.kind)}
    boundary.after_commit(lambda: request_approved.send(app, **info))
    return req


def expire_due(now: dt.datetime | None = None, req: LendingRequest | None = None) -> int:
    """Mark expired every fulfilled request whose validity ran out (or just ``req``); returns how many."""
    now = now or utcnow()
    stmt = select(LendingRequest).where(LendingRequest.status == RequestStatus.FULFILLED,
                                        LendingRequest.valid_until.is_not(None), LendingRequest.valid_until < now)
    if req is not None:
        stmt = stmt.where(LendingRequest.id == req.id)
    due = list(db.session.scalars(stmt))
    for item in due:
        transition(item, RequestStatus.EXPIRED, None, "validity_ended", until=item.valid_until.isoformat()
                   if item.valid_until else "")
    return len(due)


def open_copy(req: LendingRequest, user: User, token: str) -> str:
    """The object key of the requester's copy, its download on record; 404 for a wrong link, 410 once expired."""
    if req.requester_id != user.id or not req.download_token or not secrets.compare_digest(req.download_token,
                                                                                           token):
        raise LendingError("not_found", 404)
    expire_due(req=req)
    if req.status_enum is RequestStatus.EXPIRED or (req.valid_until and req.valid_until < utcnow()):
        _event("lending.download", req, outcome="denied", refused="expired")
        raise LendingError("expired", 410, until=req.valid_until.date().isoformat() if req.valid_until else "")
    if req.status_enum is not RequestStatus.FULFILLED or not req.output_key or req.delivery != Delivery.DOWNLOAD:
        raise LendingError("not_ready", 409)
    _event("lending.download", req, sha256=req.output_sha256, size=req.output_size)
    return req.output_key


def close(req: LendingRequest, user: User, reason_code: str = "handed_over") -> LendingRequest:
    """The copy was collected at the counter (or the request is otherwise done)."""
    _ensure_staff(user, req, Role.ARCHIVIST)
    if req.status_enum is not RequestStatus.FULFILLED:
        raise LendingError("not_ready" if not req.is_final else "closed", 409)
    transition(req, RequestStatus.CLOSED, user, reason_code)
    return req


def revoke(req: LendingRequest, user: User, reason: str) -> LendingRequest:
    """Withdraw a request before it ends: by its requester, or by an archivist with a reason."""
    if user.role_enum is Role.RETIREE:
        if req.requester_id != user.id:
            raise LendingError("not_found", 404)
    else:
        _ensure_staff(user, req, Role.ARCHIVIST)
        if not reason.strip():
            raise LendingError("reason_required", 400, "reason")
    _ensure_open(req)
    if req.kind == RequestKind.LOAN and req.status_enum is RequestStatus.FULFILLED:
        raise LendingError("on_loan", 409)  # the volume is out: only its return ends the loan
    req.download_token = None  # the link dies with the request
    transition(req, RequestStatus.REVOKED, user, "revoked", reason=reason.strip()[:500])
    return req


def save_template(admin: User, template: CertificateTemplate, *, title: str, body: str, active: bool) -> None:
    """An administrator edits a certificate template; unknown placeholders are refused (400)."""
    if admin.role_enum is not Role.ADMIN:
        raise LendingError("not_staff", 403)
    check_template(body)
    before = {"title": template.title, "body": template.body, "active": template.active}
    template.title, template.body, template.active = title.strip()[:100], body.strip(), active
    template.updated_by = admin.username
    db.session.flush()
    record("lending.template", target_type="certificate_template", target_id=template.id,
           details={"before": before, "after": {"title": template.title, "body": template.body,
                                                "active": template.active}})
