"""The page viewer and the image routes: every image a person sees is served, and audited, here.

Objects stream from the store to the response (:func:`archive.objects.serve_object`); nothing reads a
whole original into memory.  What other domains know about a page (the scanning domain's QC findings)
reaches the viewer through the ``page_notes`` signal, so this package imports none of them.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from archive.access import requires
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.catalogue.scope import get_file_or_404, may_see_full_id
from archive.extensions import db
from archive.idnumbers import mask_id_numbers_in_text
from archive.objects import serve_object
from archive.pages.models import Page
from archive.roles import Role
from archive.signals import app_sender, page_notes
from ingest.qc import QcSettings

bp = Blueprint("pages", __name__)

STAFF = (Role.ARCHIVIST, Role.APPROVER)


def page_or_404(page_id: int) -> tuple[Page, ArchiveFile]:
    """The page and its file, after the file's street scope check (404 / 403 otherwise)."""
    page = db.session.get(Page, page_id)
    if page is None:
        abort(404)
    return page, get_file_or_404(page.file_id)


def page_notes_for(page: Page) -> list[object]:
    """What the other domains attach to a page in the viewer (QC findings), gathered through ``page_notes``."""
    notes: list[object] = []
    for _receiver, found in page_notes.send(app_sender(), page=page):
        notes.extend(found or ())
    return notes


def _current_pages(file: ArchiveFile) -> list[Page]:
    return list(db.session.scalars(select(Page).where(Page.file_id == file.id, Page.current.is_(True)).order_by(
        Page.position)))


@bp.route("/files/<int:file_id>/pages")
@requires(*STAFF)
def thumbnails(file_id: int) -> ResponseReturnValue:
    file = get_file_or_404(file_id)
    pages = _current_pages(file)
    groups: dict[object, list[Page]] = {}
    for page in pages:
        groups.setdefault(page.material_id, []).append(page)
    materials = {m.id: m for m in file.materials}
    record("page.thumbnails", file=file, details={"pages": len(pages)})
    return render_template("pages/thumbnails.html", file=file, groups=groups, materials=materials)


@bp.route("/pages/<int:page_id>")
@requires(*STAFF)
def viewer(page_id: int) -> ResponseReturnValue:
    page, file = page_or_404(page_id)
    pages = _current_pages(file)
    ids = [p.id for p in pages]
    index = ids.index(page.id) if page.id in ids else None
    findings = page_notes_for(page)
    history = list(db.session.scalars(select(Page).where(Page.file_id == file.id, Page.position == page.position)
                                      .order_by(Page.version)))
    words = list(page.words or [])
    ocr_text, highlight = page.ocr_text or "", (request.args.get("q") or "")[:200]
    full_id = may_see_full_id()
    if not full_id:
        # Need-to-know: only archivists see full ID numbers; the text, the word boxes and the words to mark
        # are masked alike, so a highlighted (masked) number still lines up.
        ocr_text, highlight = mask_id_numbers_in_text(ocr_text), mask_id_numbers_in_text(highlight)
        words = [[mask_id_numbers_in_text(str(w[0])), *w[1:]] if w else w for w in words]
    record("page.view", file=file, target_type="page", target_id=page.id,
           details={"position": page.position, "version": page.version, "full_id_shown": full_id})
    return render_template(
        "pages/viewer.html", file=file, page=page, pages=pages, index=index, findings=findings, history=history,
        words=words, prev_id=ids[index - 1] if index else None,
        next_id=ids[index + 1] if index is not None and index + 1 < len(ids) else None,
        highlight=highlight, ocr_text=ocr_text,
        # Words under this confidence are outlined as doubtful: the page threshold of LOW_OCR_CONFIDENCE.
        doubt_below=QcSettings.from_mapping(current_app.config).ocr_threshold(page.ocr_engine),
    )


@bp.route("/pages/<int:page_id>/image")
@requires(*STAFF)
def page_image(page_id: int) -> ResponseReturnValue:
    page, file = page_or_404(page_id)
    record("page.image", file=file, target_type="page", target_id=page.id)
    return serve_object(page.view_key, "image/jpeg")


@bp.route("/pages/<int:page_id>/thumb")
@requires(*STAFF)
def page_thumb(page_id: int) -> ResponseReturnValue:
    page, file = page_or_404(page_id)
    record("page.thumb", file=file, target_type="page", target_id=page.id)
    return serve_object(page.thumb_key, "image/jpeg")


@bp.route("/pages/<int:page_id>/original")
@requires(Role.ARCHIVIST)
def page_original(page_id: int) -> ResponseReturnValue:
    page, file = page_or_404(page_id)
    record("page.download", file=file, target_type="page", target_id=page.id, details={"sha256": page.sha256})
    ext = page.original_key.rsplit(".", 1)[-1]
    return serve_object(page.original_key, f"image/{page.format}", etag=page.sha256,
                        download_name=f"{file.archive_no}-{page.position:04d}-v{page.version}.{ext}")


__all__ = ["bp", "page_or_404"]
