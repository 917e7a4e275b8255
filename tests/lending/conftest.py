"""A file with scanned pages, its retiree and the staff who handle its requests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from archive.accounts.models import User
from archive.catalogue.models import ArchiveFile
from archive.roles import Role


@dataclass
class World:
    file: ArchiveFile
    pages: list[int]
    retiree: User
    archivist: User
    approver: User
    other_archivist: User


@pytest.fixture
def world(app, factory) -> World:  # type: ignore[no-untyped-def]
    file = factory.file("德胜")
    ingested = factory.ingested(file, pages=3)
    return World(file=file, pages=ingested["pages"], retiree=factory.user(Role.RETIREE, person=file.person),
                 archivist=factory.user(Role.ARCHIVIST, "德胜"), approver=factory.user(Role.APPROVER, "德胜"),
                 other_archivist=factory.user(Role.ARCHIVIST, "德胜"))
