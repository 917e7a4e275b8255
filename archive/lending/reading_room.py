"""The reading room: what a consulting person sees — the approved pages, inside the window, watermarked.

A consulting person's account (:func:`archive.lending.consultations.is_reader`) reaches these routes and
its own account pages, nothing else: the gate below refuses every other endpoint (403, on record) —
the catalogue, search, other files, the retirees' portal — whatever the menus show.  Each route asks
:func:`~archive.lending.consultations.reading_grant` afresh (open, inside the window, page in scope), so
the window closes by itself and a revocation takes effect on the next click.  Every view, image and
download, and every refusal, is recorded naming the consultation (依据) with its window.
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_login import current_user

from archive.access import is_public_endpoint, requires
from archive.audit import record
from archive.catalogue.models import Material
from archive.extensions import db
from archive.lending.consultations import (
    Grant,
    ReadingRefused,
    is_reader,
    page_in_scope,
    reader_consultations,
    reading_grant,
    scope_pages,
    window_details,
)
from archive.lending.rules import message
from archive.lending.views import bp
from archive.lending.watermark import watermark_jpeg
from archive.objects import get_store
from archive.pages.models import Page
from archive.roles import Role
from archive.timeutil import utcnow
from storage import ObjectNotFound, StorageError

READER_ENDPOINTS = frozenset({"lending.reading_index", "lending.reading_detail", "lending.reading_page",
                              "lending.reading_image", "lending.reading_download", "accounts.password",
                              "accounts.logout", "web.set_language", "static"})


@bp.before_app_request
def _reader_gate() -> ResponseReturnValue | None:
    """A consulting person's account is for its consultation only (runs after the access declarations)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in READER_ENDPOINTS or is_public_endpoint(endpoint):
        return None
    if not is_reader(current_user):
        return None
    if endpoint == "web.home":
        return redirect(url_for("lending.reading_index"))
    abort(403)


@bp.app_template_global("is_reader_account")
def is_reader_account() -> bool:
    return is_reader(current_user)


def _refused(exc: ReadingRefused, action: str, **details: object) -> ResponseReturnValue:
    """The refusal page; on record with the consultation and its window when it is the caller's own."""
    req = exc.request
    if req is not None and req.consultation is not None:
        record(action, outcome="denied", file=req.file, target_type="lending_request", target_id=req.number,
               reason=req.number, details={"refused": exc.code, **window_details(req.consultation), **details})
    else:
        record(action, outcome="not_found" if exc.status == 404 else "denied", target_type="lending_request",
               details={"refused": exc.code})
    return render_template("error.html", code=exc.status, message=message(exc)), exc.status


def _seen(grant: Grant, action: str, **details: object) -> None:
    req = grant.request
    record(action, file=req.file, target_type="lending_request" if action.startswith("lending.") else "page",
           target_id=details.pop("target_id", req.number), reason=req.number,
           details={**window_details(grant.consultation), "consulting_person": grant.person.id, **details})


def _mark(grant: Grant) -> str:
    """The watermark's words: who is looking, when, under which consultation."""
    return f"{grant.person.name} · {format_datetime(utcnow(), 'yyyy-MM-dd HH:mm')} · {grant.request.number}"


@bp.route("/reading")
@requires(Role.RETIREE)
def reading_index() -> ResponseReturnValue:
    items = reader_consultations(current_user)  # a retiree who consults nothing sees an empty list
    record("lending.reading", target_type="lending_request", details={"results": len(items)})
    return render_template("lending/consult/reading_index.html", items=items, now=utcnow())


@bp.route("/reading/<number>")
@requires(Role.RETIREE)
def reading_detail(number: str) -> ResponseReturnValue:
    try:
        grant = reading_grant(current_user, number)
    except ReadingRefused as exc:
        return _refused(exc, "lending.reading")
    pages = scope_pages(grant)
    ids = {p.material_id for p in pages if p.material_id}
    materials = {m.id: m for m in db.session.query(Material).filter(Material.id.in_(ids or {-1}))}
    _seen(grant, "lending.reading", pages=len(pages))
    return render_template("lending/consult/reading.html", grant=grant, pages=pages, materials=materials)


def _page(number: str, page_id: int) -> tuple[Grant, Page]:
    grant = reading_grant(current_user, number)
    return grant, page_in_scope(grant, page_id)


@bp.route("/reading/<number>/pages/<int:page_id>")
@requires(Role.RETIREE)
def reading_page(number: str, page_id: int) -> ResponseReturnValue:
    try:
        grant, page = _page(number, page_id)
    except ReadingRefused as exc:
        return _refused(exc, "page.view", page=page_id)
    pages = scope_pages(grant)
    ids = [p.id for p in pages]
    index = ids.index(page.id)
    _seen(grant, "page.view", target_id=page.id, position=page.position, version=page.version)
    return render_template("lending/consult/page.html", grant=grant, page=page, mark=_mark(grant),
                           prev_id=ids[index - 1] if index else None,
                           next_id=ids[index + 1] if index + 1 < len(ids) else None, index=index, total=len(ids))


def _image(number: str, page_id: int, action: str, download: bool) -> ResponseReturnValue:
    try:
        grant, page = _page(number, page_id)
        if download and not grant.consultation.download_allowed:
            raise ReadingRefused("download_not_allowed", 403, grant.request)
    except ReadingRefused as exc:
        return _refused(exc, action, page=page_id)
    _seen(grant, action, target_id=page.id, position=page.position, watermarked=True)
    try:
        original = get_store().get(page.view_key)
    except ObjectNotFound:
        abort(404)
    except StorageError:
        abort(503)
    response = Response(watermark_jpeg(original, _mark(grant)), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    if download:
        name = f"{grant.request.number}-{page.position:04d}.jpg"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/reading/<number>/pages/<int:page_id>/image")
@requires(Role.RETIREE)
def reading_image(number: str, page_id: int) -> ResponseReturnValue:
    return _image(number, page_id, "page.image", download=False)


@bp.route("/reading/<number>/pages/<int:page_id>/download")
@requires(Role.RETIREE)
def reading_download(number: str, page_id: int) -> ResponseReturnValue:
    return _image(number, page_id, "page.download", download=True)
