"""目录建库: turn parsed 目录 and 人员 sheets into persons, files and materials.

Reading and validating the sheets is pure (:mod:`archive.catalogue.sheets`);
this module only writes.  Each file (档号) is all or nothing: a file with any bad
row is skipped and reported, the other files import.  Each file is written in a
SAVEPOINT so a database refusal for one file (a race on a unique 身份证号, say)
does not undo the others; the caller commits once at the end.

A street-scoped archivist (``street_scope``) may only touch files of that street, judged on the state
*before* the import: every file of the sheets is checked first — an existing file of another street, or a
人员 row that would move a file (new or existing) to another street or to none — and if any fails,
nothing is written at all and every such 档号 is reported (``ImportResult.out_of_scope``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from archive.catalogue.classes import format_class
from archive.catalogue.models import ArchiveFile, Custody, FileStatus, Material, Person
from archive.catalogue.routing import responsible_street
from archive.catalogue.sheets import CatalogueRow, PersonRow, SheetData, SheetError, read_sources
from archive.extensions import db
from archive.messages import msg

__all__ = ["ImportResult", "import_paths", "import_sheets"]

log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """What an import did; ``as_dict`` is the ``--json`` shape of the CLI."""

    imported_files: int = 0
    imported_materials: int = 0
    imported_people: int = 0
    errors: list[SheetError] = field(default_factory=list)
    archive_nos: list[str] = field(default_factory=list)
    out_of_scope: list[str] = field(default_factory=list)  # 档号 refused for the street scope: nothing imported

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, object]:
        return {
            "imported_files": self.imported_files,
            "imported_materials": self.imported_materials,
            "errors": [e.as_dict() for e in self.errors],
        }


def import_paths(paths: Iterable[Path], *, replace: bool = False, street_scope: str | None = None) -> ImportResult:
    """Read the sheets at ``paths`` and import them (only within ``street_scope`` when one is given)."""
    from flask import current_app

    pattern = current_app.config.get("DANGAN_ARCHIVE_NO_PATTERN") or None
    return import_sheets(read_sources(paths, archive_no_pattern=pattern), replace=replace, street_scope=street_scope)


def _first_row(rows: list[CatalogueRow], people: list[PersonRow]) -> tuple[str, int]:
    if rows:
        return rows[0].sheet, rows[0].row
    return people[0].sheet, people[0].row


def _apply_person(person: Person, row: PersonRow) -> None:
    person.name = row.name
    person.sex = row.sex
    person.id_number = row.id_number
    person.birth_date = row.birth_date.iso if row.birth_date else None
    person.employer = row.employer
    person.employer_level = row.employer_level
    person.retired_on = row.retired_on.iso if row.retired_on else None
    person.hukou_district = row.hukou_district
    person.hukou_street = row.hukou_street
    person.residence_district = row.residence_district
    person.residence_street = row.residence_street
    person.party_member = row.party_member


def _person_for(file: ArchiveFile | None, row: PersonRow) -> Person:
    """The person a 人员 row describes: the file's own, the one with that ID number, or new."""
    if file is not None and file.person is not None:
        return file.person
    if row.id_number:
        existing = db.session.scalar(select(Person).where(Person.id_number == row.id_number))
        if existing is not None:
            return existing
    person = Person(name=row.name)
    db.session.add(person)
    return person


def _import_one(
    archive_no: str, rows: list[CatalogueRow], people: list[PersonRow], replace: bool, result: ImportResult
) -> None:
    file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == archive_no))
    sheet, row_no = _first_row(rows, people)
    if rows and file is not None and file.materials and not replace:
        result.errors.append(
            SheetError(
                sheet,
                row_no,
                "档号",
                msg("File %(no)s already has a catalogue (%(n)s rows); to overwrite it, choose “replace catalogues "
                    "that already exist”", no=archive_no, n=len(file.materials)),
                archive_no,
                "catalogue_exists",
            )
        )
        return
    if people and people[0].id_number:
        holder = db.session.scalar(
            select(ArchiveFile.archive_no)
            .join(Person, ArchiveFile.person_id == Person.id)
            .where(Person.id_number == people[0].id_number, ArchiveFile.archive_no != archive_no)
        )
        if holder is not None:
            p = people[0]
            result.errors.append(
                SheetError(p.sheet, p.row, "身份证号", msg("The ID number belongs to the person of file %(no)s",
                                                          no=holder), archive_no, "duplicate")
            )
            return
    new_person = False
    with db.session.begin_nested():
        if file is None:
            file = ArchiveFile(archive_no=archive_no, custody=Custody.DISTRICT, status=FileStatus.RECEIVED)
            db.session.add(file)
        if people:
            person = _person_for(file, people[0])
            new_person = person.id is None
            _apply_person(person, people[0])
            file.person = person
            file.street = _street_after(file, people)  # the same rule the scope check judged
        if rows:
            for material in list(file.materials):
                file.materials.remove(material)
            db.session.flush()  # old rows go before new ones take their 序号
            # ``rows`` come in sheet order; that position is what flat-file linking follows.
            sheet_rows = {id(r): n for n, r in enumerate(rows, 1)}
            for r in sorted(rows, key=lambda r: (r.class_no, r.subclass, r.seq)):
                file.materials.append(
                    Material(
                        class_no=r.class_no,
                        subclass=r.subclass,
                        seq=r.seq,
                        original_label=r.original_label or format_class(r.class_no, r.subclass),
                        title=r.title,
                        formed=r.formed.iso if r.formed else None,
                        pages=r.pages,
                        remarks=r.remarks,
                        sheet_row=sheet_rows[id(r)],
                    )
                )
            if file.status == FileStatus.RECEIVED:
                file.status = FileStatus.CATALOGUED
        db.session.flush()
    result.imported_files += 1
    result.imported_people += int(new_person)
    result.imported_materials += len(rows)
    result.archive_nos.append(archive_no)


def _street_after(file: ArchiveFile | None, people: list[PersonRow]) -> str | None:
    """The street a file would belong to after the import (a 人员 row decides it, as ``_import_one`` does)."""
    if people:
        p = people[0]
        return responsible_street(p.employer_level, p.hukou_district, p.hukou_street, p.residence_district,
                                  p.residence_street)
    return file.street if file is not None else None


def _scope_errors(
    rows_by_no: dict[str, list[CatalogueRow]], people_by_no: dict[str, list[PersonRow]], scope: str, bad: set[str]
) -> list[SheetError]:
    """One error per file the import would touch outside ``scope``, judged before anything is written."""
    errors: list[SheetError] = []
    for archive_no in sorted(set(rows_by_no) | set(people_by_no)):
        if archive_no in bad:
            continue
        rows, people = rows_by_no.get(archive_no, []), people_by_no.get(archive_no, [])
        sheet, row_no = _first_row(rows, people)
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == archive_no))
        if file is not None and file.street != scope:
            errors.append(SheetError(sheet, row_no, "档号",
                                     msg("File %(no)s is not of %(street)s street: it is outside your scope",
                                         no=archive_no, street=scope), archive_no, "out_of_scope"))
            continue
        after = _street_after(file, people)
        if after != scope:
            where = (msg("would belong to %(street)s street", street=after) if after
                     else msg("would belong to no street"))
            column = "户籍街道" if people else "档号"
            line = people[0].row if people else row_no
            errors.append(SheetError(people[0].sheet if people else sheet, line, column,
                                     msg("After the import file %(no)s %(where)s, outside your scope (%(street)s "
                                         "street)", no=archive_no, where=where, street=scope),
                                     archive_no, "out_of_scope"))
    return errors


def import_sheets(data: SheetData, *, replace: bool = False, street_scope: str | None = None) -> ImportResult:
    """Import every file of ``data`` that has no error; report the rest.

    With ``street_scope``, any file outside it refuses the whole import (see the module docstring).
    """
    result = ImportResult(errors=list(data.errors))
    bad = data.error_archive_nos()
    rows_by_no: dict[str, list[CatalogueRow]] = defaultdict(list)
    people_by_no: dict[str, list[PersonRow]] = defaultdict(list)
    for row in data.catalogue:
        rows_by_no[row.archive_no].append(row)
    for person in data.people:
        people_by_no[person.archive_no].append(person)
    if street_scope is not None:
        refused = _scope_errors(rows_by_no, people_by_no, street_scope, bad)
        if refused:
            result.errors.extend(refused)
            result.out_of_scope = [e.archive_no or "" for e in refused]
            return result
    for archive_no in sorted(set(rows_by_no) | set(people_by_no)):
        if archive_no in bad:
            continue
        try:
            _import_one(archive_no, rows_by_no[archive_no], people_by_no[archive_no], replace, result)
        except IntegrityError as exc:
            log.warning("import of %s refused by the database: %s", archive_no, exc.orig)
            sheet, row_no = _first_row(rows_by_no[archive_no], people_by_no[archive_no])
            result.errors.append(
                SheetError(sheet, row_no, "档号", msg("File %(no)s conflicts with data already there (such as a "
                                                   "duplicate ID number) and was not imported", no=archive_no),
                           archive_no, "conflict")
            )
    return result
