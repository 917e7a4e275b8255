"""What an approved request produces: the certified copy or the certificate, built and stored as an object.

The facts are gathered here (person, materials, the pages' viewing JPEGs from the object store) and
handed to :mod:`archive.lending.pdfbuild` as plain data.  The PDF is stored under its SHA-256 before the
request names it.  Dates on the documents are the approval date in Beijing time, so that building the
same request again gives the same document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from archive.extensions import db
from archive.lending.models import LendingRequest, Purpose, RequestKind
from archive.lending.pdfbuild import (
    CertificateSheet,
    CopySheet,
    MaterialLine,
    PageImage,
    build_certificate,
    build_copy,
)
from archive.lending.rules import LendingError
from archive.objects import get_store
from archive.pages.models import Page
from archive.timeutil import utcnow
from storage import ObjectStore, sha256_bytes

__all__ = ["PURPOSE_WORDS", "build_output", "copy_pages", "render_pdf"]

# How a purpose is named on the documents (Chinese whatever the reader's language: the paper goes to offices).
PURPOSE_WORDS = {
    Purpose.RETIREMENT: "退休待遇", Purpose.SERVICE_YEARS: "工龄认定", Purpose.SOCIAL_INSURANCE: "社会保险",
    Purpose.NOTARISATION: "公证", Purpose.LITIGATION: "诉讼取证", Purpose.FUNERAL: "治丧", Purpose.WAGES: "工资待遇",
    Purpose.POLITICAL_REVIEW: "政审", Purpose.APPOINTMENT: "任免", Purpose.APPRAISAL: "考核", Purpose.TALENT: "人才",
    Purpose.DISCIPLINE: "纪检", Purpose.HISTORY: "编史修志", Purpose.OTHER: "其他",
}
DEFAULT_DPI = 300.0


def purpose_word(req: LendingRequest) -> str:
    if req.purpose == Purpose.OTHER and req.purpose_text:
        return req.purpose_text
    return PURPOSE_WORDS[Purpose(req.purpose)]


def beijing_date(moment: dt.datetime) -> str:
    local = moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE",
                                                                                     "Asia/Shanghai")))
    return f"{local.year}年{local.month}月{local.day}日"


def _formed(value: str | None) -> str:
    return (value or "").replace("-", ".")


def copy_pages(req: LendingRequest) -> list[Page]:
    """The current pages of the chosen materials, in the order of the cover sheet."""
    ids = [rm.material_id for rm in req.materials if rm.material_id is not None]
    if not ids:
        return []
    pages = list(db.session.scalars(select(Page).where(Page.material_id.in_(ids), Page.current.is_(True))
                                    .order_by(Page.position)))
    order = {mid: n for n, mid in enumerate(ids)}
    return sorted(pages, key=lambda p: (order.get(p.material_id or 0, 0), p.position))


def _images(store: ObjectStore, pages: list[Page]) -> Iterator[PageImage]:
    for page in pages:
        dpi = page.dpi or DEFAULT_DPI
        yield PageImage(store.get(page.view_key), page.width / dpi * 72, page.height / dpi * 72)


def _name(user: object) -> str:
    return getattr(user, "display_name", "") or ""


def render_pdf(req: LendingRequest, store: ObjectStore) -> tuple[bytes, int]:
    """The request's document and its number of scanned pages (0 for a certificate)."""
    assert req.decided_at is not None
    date = beijing_date(req.decided_at)
    issuer = current_app.config.get("DANGAN_LENDING_ISSUER", "")
    created = utcnow().replace(microsecond=0)
    if req.kind == RequestKind.CERTIFICATE:
        certificate = CertificateSheet(number=req.number, title=req.template.title if req.template else "证明",
                                 body=req.certificate_text, date=date, handler=_name(req.handler),
                                       approver=_name(req.approver), issuer=issuer,
                                       valid_until=beijing_date(req.valid_until) if req.valid_until else "")
        return build_certificate(certificate, created=created), 0
    pages = copy_pages(req)
    if not pages:
        raise LendingError("no_pages", 409)
    counts: dict[int, int] = {}
    for page in pages:
        counts[page.material_id or 0] = counts.get(page.material_id or 0, 0) + 1
    lines = [MaterialLine(seq=rm.label, title=rm.title, formed=_formed(rm.formed),
                          pages=counts.get(rm.material_id or 0, 0)) for rm in req.materials]
    person = req.file.person
    sheet = CopySheet(number=req.number, person=person.name if person else "", archive_no=req.file.archive_no,
                      purpose=purpose_word(req), date=date, handler=_name(req.handler), approver=_name(req.approver),
                      materials=lines, issuer=issuer)
    return build_copy(sheet, _images(store, pages), created=created), len(pages)


def build_output(req: LendingRequest) -> int:
    """Build and store the document of an approved request; returns the number of scanned pages in it."""
    store = get_store()
    data, pages = render_pdf(req, store)
    sha = sha256_bytes(data)
    key = f"lending/outputs/{req.number}/{sha}.pdf"
    if not store.exists(key):
        store.put(key, data, content_type="application/pdf")
    req.output_key, req.output_sha256, req.output_size, req.built_at = key, sha, len(data), utcnow()
    return pages
