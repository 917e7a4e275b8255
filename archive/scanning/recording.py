"""Recording one file of a scan job: its pages, their links to the catalogue, its QC findings, in one transaction.

The slow work (decoding, storing, OCR) is done and checkpointed before this runs; here a file is either
recorded whole — pages, links, findings, status and its audit event, one short transaction — or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from archive.catalogue.classes import format_class
from archive.catalogue.models import ArchiveFile, FileStatus, Material
from archive.extensions import db
from archive.objects import get_store
from archive.pages.models import Page
from archive.scanning.job_events import record_for_job
from archive.scanning.models import FindingStatus, IngestJob, PageCheckpoint, QcFinding
from archive.scanning.results import page_as_result, page_words, result_from_json
from archive.signals import app_sender, pages_recorded
from ingest.model import FileRef, Finding, MaterialRef, PageRef, PageResult
from ingest.qc import QcSettings, findings_as_json, run_file_checks
from ingest.qc.texts import finding as make_finding

__all__ = ["FileOutcome", "FilePlan", "problem_finding", "record_file"]

log = logging.getLogger(__name__)


@dataclass
class FileOutcome:
    """One line of ``dangan ingest --json``.

    A file (档号) of the package, or — with ``archive_no`` empty and ``source`` naming it relative to the
    package — an input that belongs to no file and could not be used (a stray text file, random bytes, a
    link): every input is accounted for, none is dropped without a word.
    """

    archive_no: str
    status: str  # ingested | unchanged | rejected
    pages: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""  # inputs outside any file: the path inside the package

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"archive_no": self.archive_no, "status": self.status, "pages": self.pages,
                               "findings": self.findings}
        if self.source:
            out["source"] = self.source
        return out

    @property
    def usable(self) -> bool:
        """The file is in the archive as the package has it (newly ingested or already there)."""
        return self.status in ("ingested", "unchanged")


def _problem(problem: Any, rule: str = "UNREADABLE_PAGE") -> Finding:
    """A package problem as a finding: the file's name inside the package, the refusal's code and its words."""
    return make_finding(rule, "error", "unreadable_file",
                   {"source": problem.path, "error": problem.code, "detail": problem.message},
                   page=problem.page, details={"code": problem.code, "path": problem.path})


def problem_finding(problem: Any, rule: str = "UNREADABLE_PAGE") -> dict[str, Any]:
    """A package problem as an outcome's finding (JSON, as the job's summary keeps it)."""
    return findings_as_json([_problem(problem, rule)])[0]


@dataclass
class FilePlan:
    ref: FileRef
    file_id: int | None
    reject: str = ""  # reason, when the file cannot be ingested
    shas: dict[int, str] = field(default_factory=dict)  # position -> sha256 of the package's bytes
    todo: list[PageRef] = field(default_factory=list)  # pages to process (not reused, not checkpointed)


def _material_key(m: Material) -> tuple[int, int, int]:
    return (m.class_no, m.subclass, m.seq)


def record_file(job: IngestJob, plan: FilePlan, problems: Any,
                before_commit: Callable[[FileOutcome], None] | None = None) -> FileOutcome:
    """One short transaction: pages, links, findings, status and the audit event of one file.

    ``before_commit`` is given the outcome inside that transaction (the Celery finishing task records the
    job's progress with the file, so a redelivered task sees it recorded or not at all).
    """

    def commit(outcome: FileOutcome) -> FileOutcome:
        if before_commit is not None:
            before_commit(outcome)
        db.session.commit()
        return outcome

    archive_no = plan.ref.archive_no
    if plan.reject:
        record_for_job(job, "ingest.file", outcome="failed", target_type="file", archive_no=archive_no,
                       details={"job": job.id, "status": "rejected", "reason": plan.reject})
        finding = {"rule": "REJECTED", "severity": "error", "material": None, "page": None, "message": plan.reject}
        # …and what was wrong with its files besides, each named: the archivist fixes both at once.
        return commit(FileOutcome(archive_no, "rejected", 0, [finding] + [
            problem_finding(p) for p in problems if p.archive_no == archive_no]))
    file = db.session.get(ArchiveFile, plan.file_id)
    current = {p.position: p for p in db.session.scalars(
        select(Page).where(Page.file_id == file.id, Page.current.is_(True)))}
    fresh = {c.position: result_from_json(c.result) for c in db.session.scalars(
        select(PageCheckpoint).where(PageCheckpoint.job_id == job.id, PageCheckpoint.archive_no == archive_no))}
    results: list[PageResult] = []
    for ref in plan.ref.pages:
        if ref.order in fresh:
            results.append(fresh[ref.order])
        elif ref.order in current and plan.shas.get(ref.order) == current[ref.order].sha256:
            results.append(page_as_result(current[ref.order], ref))
    materials = list(file.materials)
    refs = [MaterialRef(m.class_no, m.subclass, m.seq, m.title, m.pages, m.id, row=m.sheet_row) for m in materials]
    settings = QcSettings.from_mapping(current_app.config)
    party = file.person.party_member if file.person else None
    linking, findings = run_file_checks(refs, list(plan.ref.pages), results, party_member=party, settings=settings)
    for problem in problems:
        if problem.archive_no == archive_no:
            findings.append(_problem(problem))
    by_key = {_material_key(m): m for m in materials}
    links = {order: (key, n) for order, key, n in linking.assignments}
    changed = bool(fresh) or set(current) - {r.ref.order for r in results}
    if not changed and current:
        record_for_job(job, "ingest.file", file=file,
                       details={"job": job.id, "status": "unchanged", "pages": len(current)})
        return commit(FileOutcome(archive_no, "unchanged", len(current), findings_as_json(findings)))
    if current and not any(r.ok for r in results):
        # Not one page of this delivery is usable: it cannot replace what the archive holds.  The stored pages,
        # their findings and the file's status stay exactly as they were; the outcome says why.
        kept = make_finding("REJECTED", "error", "kept_pages", {"n": len(current)})
        record_for_job(job, "ingest.file", outcome="failed", file=file,
                       details={"job": job.id, "status": "rejected", "pages_kept": len(current),
                       "findings": len(findings)})
        return commit(FileOutcome(archive_no, "rejected", 0, findings_as_json([kept, *findings])))
    new_pages: dict[int, Page] = {}
    for result in results:
        order = result.ref.order
        key, n = links.get(order, (None, None))
        material = by_key.get(key) if key else None
        old = current.get(order)
        if old is not None and old.sha256 == (result.keys.sha256 if result.keys else None):
            old.material_id, old.page_in_material = (material.id if material else None), n
            continue
        if not result.ok or result.keys is None or result.metrics is None:
            continue
        page = _new_page(job, file, result, material, n, version=(old.version + 1) if old else _next_version(
            file.id, order))
        db.session.add(page)
        db.session.flush()
        new_pages[order] = page
        if old is not None:
            old.current, old.superseded_by_id = False, page.id
    positions = {r.ref.order for r in results}
    for order, old in current.items():
        if order not in positions:
            old.current = False  # the new package has no page here; the old image stays, retired
    db.session.execute(delete(QcFinding).where(QcFinding.file_id == file.id, QcFinding.status == FindingStatus.OPEN))
    page_ids = {o: p.id for o, p in current.items() if p.current} | {o: p.id for o, p in new_pages.items()}
    for f in findings:
        material = by_key.get(f.material) if f.material else None
        db.session.add(QcFinding(
            file_id=file.id, job_id=job.id, page_id=page_ids.get(f.page) if f.page else None,
            material_id=material.id if material else None, material_seq=f.material[2] if f.material else None,
            material_label=f"{format_class(f.material[0], f.material[1])} 第{f.material[2]}号" if f.material else "",
            page_position=f.page, rule=f.rule, severity=f.severity, message=f.message, text=f.text,
            params=f.params))
    stored = len([p for p in page_ids.values() if p])
    if stored and file.status in (FileStatus.RECEIVED, FileStatus.CATALOGUED):
        # Digitised means pages are in the archive: a package whose every page was refused changes nothing.
        file.status = FileStatus.DIGITISED
    status = "ingested" if stored else "rejected"
    record_for_job(job, "ingest.file", outcome="ok" if stored else "failed", file=file,
                   details={"job": job.id, "status": status, "pages": stored, "new_pages": len(new_pages),
                   "findings": len(findings)})
    outcome = commit(FileOutcome(archive_no, status, stored, findings_as_json(findings)))
    pages_recorded.send(app_sender(), file_ids=[file.id])  # the search index listens
    return outcome


def _next_version(file_id: int, position: int) -> int:
    from sqlalchemy import func

    latest = db.session.scalar(select(func.max(Page.version)).where(Page.file_id == file_id, Page.position == position))
    return (latest or 0) + 1


def _new_page(job: IngestJob, file: ArchiveFile, result: PageResult, material: Material | None, n: int | None,
              *, version: int) -> Page:
    m, k, ocr = result.metrics, result.keys, result.ocr
    assert m is not None and k is not None
    return Page(
        file_id=file.id, material_id=material.id if material else None, job_id=job.id,
        position=result.ref.order, page_in_material=n, version=version, current=True,
        source=result.ref.label[:500], backend=get_store().name, original_key=k.original, sha256=k.sha256,
        size=k.size, view_key=k.view, thumb_key=k.thumb, format=m.format, compression=m.compression[:16],
        width=m.width, height=m.height, dpi=m.dpi, colour=m.colour, blank=m.blank, skew=m.skew_deg,
        phash=m.phash, ocr_engine=ocr.engine if ocr else "", ocr_text=ocr.text if ocr else "",
        ocr_conf=ocr.mean_conf if ocr else None, words=page_words(ocr), seal_text="\n".join(ocr.seals) if ocr else "",
    )
