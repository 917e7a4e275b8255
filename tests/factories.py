"""Factory helpers: each call creates one object and flushes it, inside the test's transaction."""

from __future__ import annotations

import datetime as dt
import itertools

from flask import Flask

from archive.accounts.models import User
from archive.accounts.operations import create_user
from archive.catalogue.models import ArchiveFile, Material, Person
from archive.extensions import db
from archive.idnumbers import make_id_number
from archive.roles import Role
from tests.conftest import TEST_PASSWORD

_counter = itertools.count(1)


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def user(self, role: Role = Role.ARCHIVIST, street: str | None = None, *, username: str | None = None,
             person: Person | None = None, password: str = TEST_PASSWORD) -> User:
        n = next(_counter)
        with self.app.app_context():
            user = create_user(
                username or f"{role.value}{n}",
                password,
                role,
                display_name=f"{role.value} {n}",
                street=street,
                person_id=person.id if person else None,
            )
            db.session.commit()
            return user

    def person(self, name: str = "张建国", *, sex: str = "M", born: dt.date = dt.date(1955, 3, 12),
               street: str = "德胜", **values: object) -> Person:
        n = next(_counter)
        with self.app.app_context():
            person = Person(
                name=name,
                sex=sex,
                id_number=make_id_number("110102", born, (n * 2 + (1 if sex == "M" else 0)) % 1000),
                birth_date=born.isoformat(),
                employer=str(values.pop("employer", "北京第一机床厂")),
                employer_level=str(values.pop("employer_level", "municipal")),
                hukou_district="西城",
                hukou_street=street,
                residence_district="西城",
                residence_street=street,
                party_member=bool(values.pop("party_member", False)),
                **values,
            )
            db.session.add(person)
            db.session.commit()
            return person

    def file(self, street: str | None = "德胜", *, person: Person | None = None, archive_no: str | None = None,
             materials: int = 3, **values: object) -> ArchiveFile:
        n = next(_counter)
        with self.app.app_context():
            if person is None:
                person = self.person(street=street or "德胜")
            file = ArchiveFile(archive_no=archive_no or f"T-{n:06d}", person_id=person.id, street=street, **values)
            db.session.add(file)
            db.session.flush()
            for seq in range(1, materials + 1):
                db.session.add(Material(file_id=file.id, class_no=1, subclass=0, seq=seq,
                                        title=f"干部履历表{seq}", formed=f"19{70 + seq}", pages=2))
            db.session.commit()
            file = db.session.get(ArchiveFile, file.id)
            _ = file.person, list(file.materials)  # loaded now, readable after the context ends
            return file

    def ingested(self, file: ArchiveFile, *, pages: int = 2, texts: list[str] | None = None):  # type: ignore[no-untyped-def]
        """A finished job with ``pages`` stored pages of ``file``, a finding and a spot check (real objects)."""
        import io

        from PIL import Image

        from archive.objects import get_store
        from archive.pages.models import Page
        from archive.scanning.models import IngestJob, QcFinding, SpotCheck
        from storage import sha256_bytes

        with self.app.app_context():
            store = get_store()
            job = IngestJob(created_by="t", street=file.street, source="factory", status="done", paths=[],
                            summary=[{"archive_no": file.archive_no, "status": "ingested", "pages": pages,
                                      "findings": []}])
            db.session.add(job)
            db.session.flush()
            created = []
            texts = texts or [f"干部履历表 第{n}页" for n in range(1, pages + 1)]
            for n, text in enumerate(texts, start=1):
                buffer = io.BytesIO()
                Image.new("L", (60, 80), 255 - n).save(buffer, "JPEG")
                data = buffer.getvalue()
                sha = sha256_bytes(data)
                keys = (f"pages/{sha[:2]}/{sha[2:4]}/{sha}.jpg", f"views/{sha[:2]}/{sha}.jpg",
                        f"thumbs/{sha[:2]}/{sha}.jpg")
                for key in keys:
                    if not store.exists(key):
                        store.put(key, data)
                page = Page(file_id=file.id, material_id=file.materials[0].id if file.materials else None,
                            job_id=job.id, position=n, page_in_material=n, backend=store.name,
                            original_key=keys[0], sha256=sha, size=len(data), view_key=keys[1], thumb_key=keys[2],
                            format="jpeg", compression="jpeg", width=60, height=80, dpi=300.0, colour="grey",
                            phash="0" * 16, ocr_engine="tesseract", ocr_text=text, ocr_conf=90.0,
                            words=[["干部履历表", 90, 1, 1, 30, 8]])
                db.session.add(page)
                db.session.flush()
                created.append(page)
            finding = QcFinding(file_id=file.id, job_id=job.id, page_id=created[0].id, page_position=1,
                                rule="SKEW", severity="warning", message="页面倾斜 1.5°")
            check = SpotCheck(job_id=job.id, page_id=created[0].id)
            db.session.add_all([finding, check])
            db.session.commit()
            from archive.fulltext.indexing import reindex_files

            reindex_files([file.id])
            return {"job": job.id, "pages": [p.id for p in created], "finding": finding.id, "check": check.id}
