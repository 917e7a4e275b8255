"""The steps on a request through the API: the archivist's preparation, the approver's decision, the copy.

Each step calls the lending operation that the request's pages call (:func:`~archive.lending.operations.prepare`,
:func:`~archive.lending.operations.decide`, :func:`~archive.lending.operations.open_copy`); the operation checks
the rules and records the event.  What this module adds is the API's way of naming materials: by the
目录's 类号 in any spelling the catalogue import accepts (``9-2``, ``九-2``, ``一``) and 序号, or by id (looked up
by the lending domain's :func:`~archive.lending.lookup.resolve_materials`; the body's check reports a 类号 that
is not understood with the catalogue's own message).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response
from flask_babel import gettext as _
from flask_login import current_user

from archive.api.framework import KeptRefusal, endpoint, refuse
from archive.api.requests import RequestOut, lending_refused, load_request, request_out
from archive.api.schema import prop
from archive.catalogue.classes import InvalidClassLabel, parse_class_label
from archive.extensions import db
from archive.lending.certificates import EDITABLE
from archive.lending.lookup import resolve_materials
from archive.lending.models import CertificateTemplate, LendingRequest, RequestKind
from archive.lending.operations import decide, open_copy, prepare
from archive.lending.rules import LendingError, message
from archive.objects import serve_object
from archive.roles import Role

__all__ = ["DecisionIn", "MaterialRef", "PrepareIn"]


@dataclass(frozen=True)
class MaterialRef:
    """A catalogue material: by 类号 and 序号 (``{"class": "九-2", "seq": 3}``), or by id (``{"id": 17}``)."""

    class_label: str | None = prop(None, name="class", max_length=16, example="9-2",
                                   description="类号 as the catalogue import accepts it: 9-2, 九-2, 一, 4.1.")
    seq: int | None = prop(None, minimum=1, description="序号 within the class.")
    id: int | None = prop(None, minimum=1, description="The material's id (GET /files/{archive_no}).")

    def check(self) -> dict[str, str]:
        if self.id is not None:
            if self.class_label is not None or self.seq is not None:
                return {"id": _("give either id, or class and seq")}
            return {}
        problems = {}
        if self.class_label is None:
            problems["class"] = _("is required (or id)")
        else:
            try:
                parse_class_label(self.class_label)
            except InvalidClassLabel as exc:
                problems["class"] = str(exc)
        if self.seq is None:
            problems["seq"] = _("is required (or id)")
        return problems


@dataclass(frozen=True)
class PrepareIn:
    """The archivist's work item: the materials that answer the request; for a certificate its template and facts."""

    materials: list[MaterialRef] = prop(default_factory=list, max_items=500,
                                        description="In the order of the cover sheet.")
    template_id: int | None = prop(None, minimum=1, description="Certificates: the template to fill.")
    facts: dict[str, str] = prop(default_factory=dict, max_items=len(EDITABLE),
                                 description="Certificates: facts confirmed from the file: " + ", ".join(EDITABLE))

    def check(self) -> dict[str, str]:
        unknown = sorted(set(self.facts) - set(EDITABLE))
        if unknown:
            return {"facts": _("unknown facts: %(names)s (allowed: %(allowed)s)", names=", ".join(unknown),
                               allowed=", ".join(EDITABLE))}
        return {}


@dataclass(frozen=True)
class DecisionIn:
    """The approver's decision; a rejection needs its reason."""

    decision: str = prop(description="approve or reject")
    reason: str = prop("", max_length=2000)

    def check(self) -> dict[str, str]:
        if self.decision not in ("approve", "reject"):
            return {"decision": _("must be one of: %(values)s", values="approve, reject")}
        return {}


def _material_ids(req: LendingRequest, refs: list[MaterialRef]) -> list[int]:
    """The ids of the named materials, found by the lending domain's lookup; each one it refuses is named."""
    ids, problems = [], {}
    for n, ref in enumerate(refs):
        try:
            ids += resolve_materials(req.file, [ref.id if ref.id is not None else {"class": ref.class_label,
                                                                                  "seq": ref.seq}])
        except LendingError:
            problems[f"materials[{n}]"] = _("this file's catalogue has no such material")
    if problems:
        refuse(400, "foreign_material", fields=problems)
    return ids


@endpoint("POST", "/requests/<number>/prepare", summary="Choose the materials and send the request for approval",
          roles=(Role.ARCHIVIST,), body=PrepareIn, response=RequestOut, errors=(404, 409), tag="requests")
def request_prepare(number: str, body: PrepareIn) -> RequestOut:
    """The handling archivist, in scope and not on their own or a relative's file.

    409 when the request is no longer waiting for preparation.
    """
    req = load_request(number)
    ids = _material_ids(req, body.materials)
    template = None
    if body.template_id is not None:
        template = db.session.get(CertificateTemplate, body.template_id)
        if template is None or not template.active:
            refuse(400, "invalid_body", fields={"template_id": _("no such certificate template")})
    elif req.kind == RequestKind.CERTIFICATE:
        refuse(400, "invalid_body", fields={"template_id": _("is required for a certificate")})
    try:
        prepare(req, current_user._get_current_object(), ids, template=template, facts=dict(body.facts) or None)
    except LendingError as exc:
        lending_refused(exc)
    return request_out(req)


@endpoint("POST", "/requests/<number>/decision", summary="Approve (the copy is built) or reject",
          roles=(Role.APPROVER,), body=DecisionIn, response=RequestOut, errors=(404, 409), tag="requests")
def request_decision(number: str, body: DecisionIn) -> RequestOut:
    """An approver in scope who did not handle the request.

    409 for the handler (two-person rule) and for a request decided already.
    """
    req = load_request(number)
    try:
        decide(req, current_user._get_current_object(), body.decision == "approve", body.reason)
    except LendingError as exc:
        lending_refused(exc)
    return request_out(req)


@endpoint("GET", "/requests/<number>/copy.pdf", summary="The watermarked copy (or certificate), for its requester",
          roles=(Role.RETIREE,), response=None, produces="application/pdf", errors=(404, 409, 410), tag="requests")
def request_copy(number: str) -> Response:
    """Only the requester, only while valid: 410 once the validity has ended, 409 before the copy is ready."""
    req = load_request(number)
    # The bearer token already proves the requester; the link's secret guards the browser link, so the
    # API hands the operation the request's own (the operation still checks who asks and the validity).
    try:
        key = open_copy(req, current_user._get_current_object(), req.download_token or "")
    except LendingError as exc:
        if exc.code == "not_found":  # no link yet: the copy is not ready, not an unknown request
            exc = LendingError("not_ready", 409)
        if exc.status == 410:  # the expiry and the refused download stay on record, as on the page
            raise KeptRefusal(410, exc.code, message(exc)) from exc
        lending_refused(exc)
    return serve_object(key, "application/pdf", download_name=f"{req.number}.pdf", etag=req.output_sha256)
