"""Lending requests through the API: ask, follow, list — the lending domain's operations and rules, as JSON.

Nothing here decides who may do what to a request: :mod:`archive.lending.operations` does (a retiree asks
about their own file only, the handler is never the approver, a request is decided once…), and its
:class:`~archive.lending.rules.LendingError` becomes the JSON error of the same status, with the lending
domain's message (which names nobody but the caller).  This module finds the request in the caller's
scope first (the retiree's own; staff within their street and not their own or a relative's file),
and records each read as the request's page does, with the request number as the event's reason.

The steps on a request (prepare, decision, the copy's download) are in :mod:`archive.api.request_steps`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import NoReturn

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from archive.api.files import file_in_scope
from archive.api.framework import api_record, endpoint, refuse
from archive.api.schema import prop
from archive.catalogue.classes import InvalidClassLabel, parse_class_label
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.lending.models import Delivery, LendingRequest, Purpose, RequestKind, RequestStatus
from archive.lending.operations import OnBehalf, create_request, expire_due, find_request
from archive.lending.rules import LendingError, conflict_of_interest, message
from archive.roles import Role

__all__ = ["RequestOut", "load_request", "lending_refused", "request_out"]

STAFF = (Role.ARCHIVIST, Role.APPROVER)
PER_PAGE = 100

# The lending domain's field names → this API's body paths.
_FIELDS = {"relative_id_number": "on_behalf_of.id_number", "authorisation": "on_behalf_of.authorisation",
           "template": "template_id"}


def lending_refused(exc: LendingError) -> NoReturn:
    """The lending rule's refusal as a JSON error of its status, its code and its (translated) message."""
    text = message(exc)
    refuse(exc.status, exc.code, text, {_FIELDS.get(exc.field, exc.field): text} if exc.field else None)


@dataclass(frozen=True)
class OnBehalfIn:
    """A relative asking for the retiree (代办), with the signed authorisation (委托书)."""

    name: str = prop(min_length=1, max_length=50, description="The relative's name.")
    id_number: str = prop(min_length=15, max_length=18, description="The relative's own ID number.")
    relation: str = prop(min_length=1, max_length=32, description="e.g. 子女, 配偶.")
    authorisation: str = prop(min_length=1, description="The authorisation (PDF, JPEG or PNG) in base64.")


@dataclass(frozen=True)
class NewRequest:
    """A request for a certified copy, a certificate, a consultation or a loan."""

    kind: RequestKind = prop(description="A retiree may ask for copy or certificate.")
    archive_no: str = prop(min_length=1, max_length=64, description="档号 of the file: a retiree's own only.")
    purpose: Purpose = prop(description="For copies and certificates: retirement, service_years, social_insurance, "
                                        "notarisation, litigation, funeral or other (with purpose_text).")
    purpose_text: str = prop("", max_length=200, description="Required when purpose is other.")
    wanted: str = prop("", max_length=4000, description="What is wanted, in words.")
    wanted_classes: list[str] = prop(default_factory=list, max_items=20,
                                     description="Material classes wanted, in any spelling the catalogue import "
                                                 "accepts: 9-2, 九-2, 一.")
    delivery: Delivery = prop(Delivery.DOWNLOAD, description="download or counter (pick-up).")
    on_behalf_of: OnBehalfIn | None = prop(None, description="null, or the relative asking for the retiree.")

    def check(self) -> dict[str, str]:
        problems = {}
        for n, label in enumerate(self.wanted_classes):
            try:
                parse_class_label(label)
            except InvalidClassLabel as exc:
                problems[f"wanted_classes[{n}]"] = str(exc)
        return problems

    def class_codes(self) -> list[str]:
        """The wanted classes as the lending domain stores them: 9-2, 1."""
        out = []
        for label in self.wanted_classes:
            class_no, subclass = parse_class_label(label)
            out.append(f"{class_no}-{subclass}" if subclass else str(class_no))
        return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Created:
    """The new request's number and status."""

    number: str = prop(example="XC-SQ-2026-000123")
    status: RequestStatus = prop()


@dataclass(frozen=True)
class ChosenMaterial:
    """A material the archivist chose, as it was when chosen (the catalogue may change later)."""

    title: str
    position: int = prop(description="序号 on the cover sheet.")
    label: str = prop(description="类号 and 序号 as printed on the cover sheet: 九-2-3.")
    formed: str | None = prop(description="材料形成时间.")
    pages: int | None = prop(description="页数 as catalogued.")
    material_id: int | None = prop(description="The catalogue row; null once it was removed from the catalogue.")


@dataclass(frozen=True)
class RequestOut:
    """A request as its requester or the staff in scope see it."""

    number: str
    kind: RequestKind
    status: RequestStatus
    archive_no: str
    purpose: Purpose
    purpose_text: str
    wanted: str
    wanted_classes: list[str]
    delivery: Delivery
    materials: list[ChosenMaterial]
    handler: str | None = prop(description="The handling archivist's name, once prepared.")
    approver: str | None = prop(description="The deciding approver's name, once decided.")
    decision_reason: str = prop()
    created_at: dt.datetime = prop()
    valid_until: dt.datetime | None = prop(description="The copy's download ends then (UTC).")
    download: str | None = prop(description="For the requester, while the copy may be downloaded: its URL.")


@dataclass(frozen=True)
class RequestList:
    """Requests in the caller's scope, oldest first."""

    total: int
    page: int
    per_page: int
    requests: list[RequestOut]


@dataclass(frozen=True)
class ListQuery:
    """Filters of the request list."""

    status: RequestStatus | None = prop(None, description="Only requests with this status.")
    kind: RequestKind | None = prop(None)
    page: int = prop(1, minimum=1, maximum=10_000)


def _name(user: object) -> str | None:
    return getattr(user, "display_name", None) or getattr(user, "username", None)


def request_out(req: LendingRequest) -> RequestOut:
    """The answer for ``req``; the download link only for its requester, while the copy is downloadable."""
    downloadable = (req.requester_id == current_user.id and req.status_enum is RequestStatus.FULFILLED
                    and req.delivery == Delivery.DOWNLOAD and bool(req.output_key) and req.download_token is not None)
    materials = [ChosenMaterial(position=rm.position, material_id=rm.material_id, label=rm.label, title=rm.title,
                                formed=rm.formed, pages=rm.pages) for rm in req.materials]
    return RequestOut(number=req.number, kind=RequestKind(req.kind), status=req.status_enum,
                      archive_no=req.file.archive_no, purpose=Purpose(req.purpose), purpose_text=req.purpose_text,
                      wanted=req.wanted, wanted_classes=list(req.wanted_classes or []),
                      delivery=Delivery(req.delivery), materials=materials, handler=_name(req.handler),
                      approver=_name(req.approver), decision_reason=req.decision_reason, created_at=req.created_at,
                      valid_until=req.valid_until,
                      download=url_for("api.request_copy", number=req.number) if downloadable else None)


def load_request(number: str) -> LendingRequest:
    """The request if the caller may see it, else a refusal that tells nothing about it.

    A retiree: their own only (404 for any other number, existing or not).  Staff: within their street and not
    their own or a relative's file (403), 404 when unknown.
    """
    req = find_request(number)
    if current_user.role_enum is Role.RETIREE:
        if req is None or req.requester_id != current_user.id:
            refuse(404, "unknown_request", message(LendingError("not_found", 404)))
        return req
    if req is None:
        refuse(404, "unknown_request", message(LendingError("not_found", 404)))
    if not current_user.may_see_street(req.file.street):
        refuse(403, "out_of_scope", message(LendingError("out_of_scope", 403)))
    if conflict_of_interest(current_user, req.file):
        refuse(403, "own_file", message(LendingError("own_file", 403)))
    return req


def _on_behalf(data: OnBehalfIn | None) -> OnBehalf | None:
    if data is None:
        return None
    try:
        raw = base64.b64decode(data.authorisation, validate=True)
    except (binascii.Error, ValueError):
        refuse(400, "invalid_body", fields={"on_behalf_of.authorisation": _("must be base64")})
    return OnBehalf(name=data.name, id_number=data.id_number, relation=data.relation, authorisation=raw)


@endpoint("POST", "/requests", summary="Ask for a copy, a certificate, a consultation or a loan", status=201,
          roles=(Role.RETIREE, Role.ARCHIVIST), body=NewRequest, response=Created, errors=(404, 409), tag="requests")
def request_create(body: NewRequest) -> Created:
    """A retiree asks about their own file only (403 otherwise).

    An archivist registers requests for any file in their scope, but not their own or a relative's.
    """
    file: ArchiveFile = file_in_scope(body.archive_no)
    try:
        req = create_request(kind=body.kind, file=file, by=current_user._get_current_object(), purpose=body.purpose,
                             purpose_text=body.purpose_text, wanted=body.wanted, wanted_classes=body.class_codes(),
                             delivery=body.delivery, on_behalf=_on_behalf(body.on_behalf_of))
    except LendingError as exc:
        lending_refused(exc)
    return Created(number=req.number, status=req.status_enum)


@endpoint("GET", "/requests/<number>", summary="A request: status, materials, handler, approver, download",
          roles=(Role.RETIREE, *STAFF), response=RequestOut, errors=(404,), tag="requests")
def request_get(number: str) -> RequestOut:
    """The requester (a retiree: only their own; other numbers are 404) or staff in scope."""
    req = load_request(number)
    expire_due(req=req)
    api_record("lending.view", file=req.file, target_type="lending_request", target_id=req.number, reason=req.number,
               details={"self_service": current_user.role_enum is Role.RETIREE})
    return request_out(req)


@endpoint("GET", "/requests", summary="Requests in the caller's scope", roles=(Role.RETIREE, *STAFF),
          query=ListQuery, response=RequestList, tag="requests")
def request_list(query: ListQuery) -> RequestList:
    """A retiree's own requests; staff: those of files in their street, without their own or relatives' files."""
    expire_due()
    stmt = (select(LendingRequest).join(ArchiveFile, LendingRequest.file_id == ArchiveFile.id)
            .order_by(LendingRequest.id))
    if current_user.role_enum is Role.RETIREE:
        stmt = stmt.where(LendingRequest.requester_id == current_user.id)
    elif current_user.street is not None:
        stmt = stmt.where(ArchiveFile.street == current_user.street)
    if query.status is not None:
        stmt = stmt.where(LendingRequest.status == query.status)
    if query.kind is not None:
        stmt = stmt.where(LendingRequest.kind == query.kind)
    # Requests about one's own or a relative's file are somebody else's work: not even listed (as in the queue).
    visible = [r for r in db.session.scalars(stmt)
               if current_user.role_enum is Role.RETIREE or not conflict_of_interest(current_user, r.file)]
    shown = visible[(query.page - 1) * PER_PAGE:query.page * PER_PAGE]
    api_record("lending.list", target_type="lending_request",
               details={"results": len(visible), "status": query.status, "kind": query.kind, "page": query.page,
                        "shown": [r.number for r in shown]})
    return RequestList(total=len(visible), page=query.page, per_page=PER_PAGE,
                       requests=[request_out(r) for r in shown])
