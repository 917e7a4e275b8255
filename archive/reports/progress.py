"""The progress dashboard's counts (进度): expected → received → catalogued → digitised → accepted.

One GROUP BY query over the held files (by level, street and employer; 120,000 files make a few thousand
groups) with two small DISTINCT lists (files with pages from batches not yet accepted, files with open QC
errors), plus the 名册 rows still expected (:mod:`archive.reports.incoming`).  The roll-ups by level, street and
enterprise are sums over those groups in Python.

The stages, each counted among the files held (a transferred-out file is counted apart):

* expected — received plus the 名册 rows not received yet;
* received — held by the repository (any status but transferred);
* catalogued — its 目录 is built (status catalogued, digitised or on loan);
* digitised — status digitised (set by ingest when the pages are stored), or on loan with current pages;
* accepted — digitised, no open QC error, and every batch that delivered its current pages passed its spot check
  (all sample pages recorded, at least ``DANGAN_REPORTS_ACCEPT_SHARE`` of them passed; docs/domain.md#acceptance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, or_, select, text, union
from sqlalchemy.orm import aliased

from archive.catalogue.models import ArchiveFile, FileStatus, Person
from archive.extensions import db
from archive.geo import STREETS
from archive.pages.models import Page
from archive.reports.incoming import expected_outstanding
from archive.reports.settings import LEVELS, ReportSettings
from archive.scanning.models import FindingStatus, IngestJob, QcFinding, SpotCheck

__all__ = ["STAGES", "Counts", "Dashboard", "LevelProgress", "dashboard"]

STAGES = ("expected", "received", "catalogued", "digitised", "accepted")


@dataclass
class Counts:
    expected: int = 0
    received: int = 0
    catalogued: int = 0
    digitised: int = 0
    accepted: int = 0
    transferred: int = 0

    def add(self, other: Counts) -> None:
        # Spelled out: called for every group three times (a few thousand groups), getattr/setattr cost more.
        self.expected += other.expected
        self.received += other.received
        self.catalogued += other.catalogued
        self.digitised += other.digitised
        self.accepted += other.accepted
        self.transferred += other.transferred

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in (*STAGES, "transferred")}

    @property
    def outstanding(self) -> int:
        return self.expected - self.received


@dataclass
class LevelProgress:
    """One level (央属/市属/区属) against the work plan's figure and deadline."""

    level: str
    counts: Counts
    target: int
    deadline: dt.date
    days_left: int
    elapsed_share: float  # of the time from the plan's start to the deadline
    received_share: float  # received of the basis (the plan's figure, or the expected files if more)
    state: str  # done, overdue, behind, on_track

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, **self.counts.as_dict(), "target": self.target,
                "deadline": self.deadline.isoformat(), "days_left": self.days_left,
                "elapsed_share": round(self.elapsed_share, 4), "received_share": round(self.received_share, 4),
                "state": self.state}


@dataclass
class Dashboard:
    total: Counts
    levels: list[LevelProgress]
    streets: dict[str, Counts]
    enterprises: list[tuple[str, str | None, Counts]]  # (employer, level, counts), most expected first
    today: dt.date
    street_scope: str | None
    unknown_level: Counts = field(default_factory=Counts)

    def street_rows(self) -> list[tuple[str, Counts]]:
        """The streets in the usual order (as the district lists them), then any other, then no street ("")."""
        order = {s: i for i, s in enumerate(STREETS)}
        return sorted(self.streets.items(), key=lambda item: (item[0] == "", order.get(item[0], len(order)), item[0]))


def _passed_jobs(accept_share: float) -> Any:
    """Ingest jobs whose spot-check sample is fully recorded and passed at ``accept_share`` or more."""
    pending = func.sum(case((SpotCheck.result == "pending", 1), else_=0))
    passed = func.sum(case((SpotCheck.result == "pass", 1), else_=0))
    return (select(SpotCheck.job_id).group_by(SpotCheck.job_id)
            .having(and_(pending == 0, passed >= func.count() * accept_share)))


def _held_groups(settings: ReportSettings, street: str | None) -> list[Any]:
    """One row per (level, street, employer): held, catalogued, digitised, accepted and transferred-out files.

    Digitised is the file's status, kept by ingest (a file on loan counts when it has current pages: an EXISTS
    on the pages index, for the few files on loan).  So a dashboard view never reads the pages table whole
    (6–18 million rows at full size): only the pages of batches that have not passed their spot check yet, and
    the open QC errors, each a small DISTINCT list the database hashes once.
    """
    passed = _passed_jobs(settings.accept_share)
    # Driven from the (few) batches not passed yet through the pages' job index, plus pages of no batch.
    unaccepted = union(
        select(Page.file_id).join(IngestJob, IngestJob.id == Page.job_id)
        .where(IngestJob.id.not_in(passed), Page.current.is_(True)),
        select(Page.file_id).where(Page.job_id.is_(None), Page.current.is_(True)))
    errors = (select(QcFinding.file_id)
              .where(QcFinding.status == FindingStatus.OPEN, QcFinding.severity == "error").distinct())
    # Files on loan with current pages: the few files on loan, each looked up in the pages index.
    on_loan = aliased(ArchiveFile)
    lent_with_pages = select(on_loan.id).where(
        on_loan.status == FileStatus.ON_LOAN,
        select(Page.id).where(Page.file_id == on_loan.id, Page.current.is_(True)).exists())
    held = ArchiveFile.status != FileStatus.TRANSFERRED
    digitised = or_(ArchiveFile.status == FileStatus.DIGITISED,
                    and_(ArchiveFile.status == FileStatus.ON_LOAN, ArchiveFile.id.in_(lent_with_pages)))
    catalogued = ArchiveFile.status.in_((FileStatus.CATALOGUED, FileStatus.DIGITISED, FileStatus.ON_LOAN))
    accepted = and_(digitised, ArchiveFile.id.not_in(unaccepted), ArchiveFile.id.not_in(errors))

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    # Grouped by the bare columns (no expression): PostgreSQL must see the same expression in SELECT and GROUP
    # BY, and a bound parameter inside one (coalesce(…, '')) makes them differ.
    stmt = (select(Person.employer_level, ArchiveFile.street, Person.employer,
                   count(held), count(and_(held, catalogued)), count(and_(held, digitised)),
                   count(and_(held, accepted)), count(ArchiveFile.status == FileStatus.TRANSFERRED))
            .select_from(ArchiveFile)
            .outerjoin(Person, Person.id == ArchiveFile.person_id)
            .group_by(Person.employer_level, ArchiveFile.street, Person.employer))
    if street is not None:
        stmt = stmt.where(ArchiveFile.street == street)
    if db.session.get_bind().dialect.name == "postgresql":
        # The query's cost estimate crosses jit_above_cost, and compiling it takes PostgreSQL longer (≈ 2 s
        # measured at 120,000 files) than running it; SET LOCAL ends with this transaction.
        db.session.execute(text("SET LOCAL jit = off"))
    return list(db.session.execute(stmt).all())


def _groups(settings: ReportSettings, street: str | None) -> dict[tuple[str | None, str | None, str], Counts]:
    groups: dict[tuple[str | None, str | None, str], Counts] = {}
    for level, file_street, employer, received, catalogued, digitised, accepted, transferred in _held_groups(
            settings, street):
        counts = groups.setdefault((level, file_street, employer or ""), Counts())
        counts.add(Counts(
            expected=int(received or 0), received=int(received or 0), catalogued=int(catalogued or 0),
            digitised=int(digitised or 0), accepted=int(accepted or 0), transferred=int(transferred or 0)))
    for g in expected_outstanding(street):
        counts = groups.setdefault((g.level, g.street, g.employer), Counts())
        counts.expected += g.files
    return groups


def _level_progress(level: str, counts: Counts, settings: ReportSettings, today: dt.date) -> LevelProgress:
    target = settings.targets[level]
    deadline = settings.deadlines[level]
    span = (deadline - settings.start).days
    elapsed = 1.0 if span <= 0 else min(1.0, max(0.0, (today - settings.start).days / span))
    # The plan's figure is an estimate (≈); once the batches list more files than that, they are the basis.
    basis = max(target, counts.expected)
    share = counts.received / basis if basis else 1.0
    if basis and counts.received >= basis:
        state = "done"
    elif today > deadline:
        state = "overdue"
    elif share < elapsed:
        state = "behind"
    else:
        state = "on_track"
    return LevelProgress(level=level, counts=counts, target=target, deadline=deadline,
                         days_left=(deadline - today).days, elapsed_share=elapsed, received_share=share, state=state)


def _enterprises(groups: Iterable[tuple[tuple[str | None, str | None, str], Counts]]
                 ) -> list[tuple[str, str | None, Counts]]:
    by_employer: dict[tuple[str, str | None], Counts] = {}
    for (level, _street, employer), counts in groups:
        by_employer.setdefault((employer, level), Counts()).add(counts)
    return sorted(((e, lv, c) for (e, lv), c in by_employer.items()),
                  key=lambda item: (-item[2].expected, item[0], item[1] or ""))


def dashboard(settings: ReportSettings, *, street: str | None = None, today: dt.date | None = None) -> Dashboard:
    """The dashboard's figures, restricted to ``street`` for a street-scoped user."""
    today = today or dt.date.today()
    groups = _groups(settings, street)
    total = Counts()
    by_level = {level: Counts() for level in LEVELS}
    unknown_level = Counts()
    # Every street shows, with nothing yet or not: a street-scoped user's own, the district's fifteen.
    streets: dict[str, Counts] = {s: Counts() for s in ((street,) if street is not None else STREETS)}
    for (level, file_street, _employer), counts in groups.items():
        total.add(counts)
        by_level.get(level or "", unknown_level).add(counts)
        streets.setdefault(file_street or "", Counts()).add(counts)
    levels = [_level_progress(level, by_level[level], settings, today) for level in LEVELS]
    return Dashboard(total=total, levels=levels, streets=streets, enterprises=_enterprises(groups.items()),
                     today=today, street_scope=street, unknown_level=unknown_level)
