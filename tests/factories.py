"""Factory helpers: each call creates one object and flushes it, inside the test's transaction."""

from __future__ import annotations

import datetime as dt
import itertools

from flask import Flask

from archive.accounts.models import Role, User
from archive.accounts.operations import create_user
from archive.catalogue.idnumbers import make_id_number
from archive.catalogue.models import ArchiveFile, Material, Person
from archive.extensions import db
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
