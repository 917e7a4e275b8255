"""``GET /api/v1/files/{档号}``: a file as staff integrations read it — the person, the 目录, the page list.

The same checks and the same event as the file page (``file.view``): archivists and approvers, within
their street; ID numbers masked outside need-to-know.  Page images are not in the answer: each page
links to the audited image routes of the page viewer, which record their own reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from archive.api.framework import api_record, endpoint, refuse
from archive.api.schema import prop
from archive.catalogue.classes import class_name, format_class
from archive.catalogue.models import ArchiveFile, FileStatus, Material, Person
from archive.catalogue.scope import may_see_full_id
from archive.extensions import db
from archive.idnumbers import mask_id_number
from archive.pages.models import Page
from archive.roles import Role

__all__ = ["FileOut", "file_in_scope"]

STAFF = (Role.ARCHIVIST, Role.APPROVER)


@dataclass(frozen=True)
class PersonOut:
    """The person whose file it is."""

    name: str
    sex: str | None
    id_number: str | None = prop(description="Masked (region and last four kept) unless the caller is an "
                                             "archivist: need-to-know.")
    id_number_masked: bool = prop(description="True when id_number is masked.")
    birth_date: str | None = prop(description="To the day, month or year, as recorded (1955, 1955-03, 1955-03-12).")
    employer: str = prop()
    employer_level: str | None = prop(description="central (央属), municipal (市属) or district (区属).")
    retired_on: str | None = prop()


@dataclass(frozen=True)
class MaterialOut:
    """One row of the file's catalogue (目录)."""

    id: int
    class_label: str = prop(name="class", description="类号 as the catalogue writes it: 九-2, 一.", example="九-2")
    class_code: str = prop(description="The same in digits: 9-2, 1.", example="9-2")
    class_name: str = prop(description="The class's (or sub-class's) name in the caller's language.")
    seq: int = prop(description="序号 within the class.")
    title: str = prop(description="材料名称.")
    formed: str | None = prop(description="材料形成时间, to the day, month or year.")
    pages: int | None = prop(description="页数 as catalogued.")
    remarks: str = prop(description="备注.")
    scanned_pages: int = prop(description="Current scanned pages linked to this material.")


@dataclass(frozen=True)
class PageLinks:
    """The audited routes that serve the page (a logged-in session, not a token, opens them)."""

    viewer: str
    image: str
    thumb: str
    original: str | None = prop(description="Only for archivists.")


@dataclass(frozen=True)
class PageOut:
    """One current scanned page."""

    id: int
    position: int = prop(description="Page order in the file (流水号).")
    version: int = prop(description="Rescans make new versions; this is the current one.")
    material_id: int | None = prop()
    page_in_material: int | None = prop()
    width: int = prop()
    height: int = prop()
    dpi: float | None = prop()
    links: PageLinks = prop()


@dataclass(frozen=True)
class FileOut:
    """A personnel file (案卷) with its catalogue and pages."""

    archive_no: str = prop(description="档号.")
    status: str = prop(description="received, catalogued, digitised, on_loan or transferred.")
    street: str | None = prop(description="The serving street (所属街道); null while unrouted.")
    custody: str = prop(description="district or street: who holds the paper.")
    volumes_original: int = prop()
    volumes_copy: int = prop()
    person: PersonOut | None = prop()
    materials: list[MaterialOut] = prop()
    pages: list[PageOut] = prop()


def file_in_scope(archive_no: str) -> ArchiveFile:
    """The file with 档号 ``archive_no`` if the caller may see it: 404 when unknown, 403 outside the scope.

    The refusal says nothing about the file: not whose it is, not where it is.
    """
    file: ArchiveFile | None = db.session.scalar(
        select(ArchiveFile).where(ArchiveFile.archive_no == archive_no.strip().upper()))
    if file is None:
        refuse(404, "unknown_file")
    if current_user.role_enum is Role.RETIREE:
        if file.person_id is None or file.person_id != current_user.person_id:
            refuse(403, "not_your_file")
    elif not current_user.may_see_street(file.street):
        refuse(403, "out_of_scope")
    return file


def person_out(person: Person | None) -> PersonOut | None:
    """The person, ID number masked unless the caller has need-to-know."""
    if person is None:
        return None
    full = may_see_full_id()
    return PersonOut(name=person.name, sex=person.sex,
                     id_number=person.id_number if full else (mask_id_number(person.id_number) or None),
                     id_number_masked=not full and bool(person.id_number), birth_date=person.birth_date,
                     employer=person.employer, employer_level=person.employer_level, retired_on=person.retired_on)


def material_out(material: Material, scanned: int = 0) -> MaterialOut:
    from archive.i18n import select_locale

    code = f"{material.class_no}-{material.subclass}" if material.subclass else str(material.class_no)
    return MaterialOut(id=material.id, class_label=format_class(material.class_no, material.subclass),
                       class_code=code, class_name=class_name(material.class_no, material.subclass,
                                                              english=select_locale() != "zh_CN")
                       or class_name(material.class_no, 0, english=select_locale() != "zh_CN"),
                       seq=material.seq, title=material.title, formed=material.formed, pages=material.pages,
                       remarks=material.remarks, scanned_pages=scanned)


def _page_out(page: Page, archivist: bool) -> PageOut:
    links = PageLinks(viewer=url_for("pages.viewer", page_id=page.id),
                      image=url_for("pages.page_image", page_id=page.id),
                      thumb=url_for("pages.page_thumb", page_id=page.id),
                      original=url_for("pages.page_original", page_id=page.id) if archivist else None)
    return PageOut(id=page.id, position=page.position, version=page.version, material_id=page.material_id,
                   page_in_material=page.page_in_material, width=page.width, height=page.height, dpi=page.dpi,
                   links=links)


@endpoint("GET", "/files/<archive_no>", summary="A file: person, catalogue and page list", roles=STAFF,
          response=FileOut, errors=(404,), tag="files")
def file_get(archive_no: str) -> FileOut:
    """Archivists and approvers within their street scope; the ID number is masked for approvers."""
    file = file_in_scope(archive_no)
    pages = list(db.session.scalars(select(Page).where(Page.file_id == file.id, Page.current.is_(True))
                                    .order_by(Page.position)))
    scanned: dict[int, int] = {}
    for page in pages:
        if page.material_id is not None:
            scanned[page.material_id] = scanned.get(page.material_id, 0) + 1
    full = may_see_full_id()
    api_record("file.view", file=file, details={"full_id_shown": full, "pages": len(pages)})
    archivist = current_user.role_enum is Role.ARCHIVIST
    return FileOut(archive_no=file.archive_no, status=FileStatus(file.status).value, street=file.street,
                   custody=str(file.custody), volumes_original=file.volumes_original, volumes_copy=file.volumes_copy,
                   person=person_out(file.person),
                   materials=[material_out(m, scanned.get(m.id, 0)) for m in file.materials],
                   pages=[_page_out(p, archivist) for p in pages])
