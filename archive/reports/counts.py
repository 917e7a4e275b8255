"""The planning report's counts from the database: what is held, plus what open batches still bring.

The plan is for what is coming (issue 11): the district store is sized for the files it holds *and* the files
expected from batches that are still open; each street for the retirees it serves.  Two GROUP BY queries over
``files`` (held) and the incoming module's expected rows; the arithmetic is :mod:`archive.reports.planning`'s.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from archive.catalogue.models import ArchiveFile, Custody, FileStatus
from archive.extensions import db
from archive.geo import STREETS
from archive.reports.incoming import expected_outstanding
from archive.reports.planning import PlanningInputs, StreetInput
from archive.reports.settings import ReportSettings

__all__ = ["planning_inputs"]


def _held() -> list[Any]:
    """(custody, street, files, volumes) of every file the repository holds (transferred-out files excluded)."""
    volumes = func.coalesce(func.sum(ArchiveFile.volumes_original + ArchiveFile.volumes_copy), 0)
    stmt = (select(ArchiveFile.custody, ArchiveFile.street, func.count(), volumes)
            .where(ArchiveFile.status != FileStatus.TRANSFERRED)
            .group_by(ArchiveFile.custody, ArchiveFile.street))
    return list(db.session.execute(stmt).all())


def planning_inputs(settings: ReportSettings, *, growth_per_year: int | None = None, years: int | None = None,
                    volumes_per_retiree: float | None = None, start_year: int | None = None) -> PlanningInputs:
    """The §六 inputs as the database has them now (a what-if replaces figures with :meth:`PlanningInputs.what_if`).

    * district store: volumes of files in district custody, and of files in street custody that have no
      street (nowhere else to count them), plus the volumes expected from open batches (new files are held
      centrally, work plan §二(四));
    * each street: the retirees it serves (files held with that street, any custody, plus expected ones) and
      the volumes in its own storeroom.
    """
    district_volumes = 0
    held_files = held_volumes = 0
    retirees: dict[str, int] = defaultdict(int)
    street_volumes: dict[str, int] = defaultdict(int)
    for custody, street, files, volumes in _held():
        held_files += files
        held_volumes += int(volumes)
        if street:
            retirees[street] += files
        if custody == Custody.STREET and street:
            street_volumes[street] += int(volumes)
        else:
            district_volumes += int(volumes)
    expected_files = expected_volumes = 0
    for group in expected_outstanding(open_only=True):
        expected_files += group.files
        expected_volumes += group.volumes
        if group.street:
            retirees[group.street] += group.files
    district_volumes += expected_volumes
    known = list(STREETS) + sorted(set(retirees) - set(STREETS))  # an unknown street still shows
    streets = [StreetInput(street=s, retirees=retirees.get(s, 0), volumes=street_volumes.get(s, 0)) for s in known]
    if volumes_per_retiree is None:
        volumes_per_retiree = settings.volumes_per_retiree
    if volumes_per_retiree is None:  # the average file held today, else one volume
        volumes_per_retiree = round(held_volumes / held_files, 2) if held_files else 1.0
    extra: dict[str, Any] = {} if start_year is None else {"start_year": start_year}
    return PlanningInputs(
        district_volumes=district_volumes,
        streets=streets,
        growth_per_year=settings.growth_per_year if growth_per_year is None else growth_per_year,
        years=settings.years if years is None else years,
        volumes_per_retiree=volumes_per_retiree,
        district_includes_street_files=settings.centralise_street_files,
        notes={"held_files": held_files, "held_volumes": held_volumes, "expected_files": expected_files,
               "expected_volumes": expected_volumes},
        **extra,
    )
