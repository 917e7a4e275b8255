"""Every model of every domain, imported in one place for Alembic and the app factory."""

from __future__ import annotations

from archive.accounts.models import AccountRequest, LoginFailure, User, UserRelative
from archive.audit.models import AuditEvent, AuditFlag, AuditScanState
from archive.catalogue.models import ArchiveFile, Custody, EmployerLevel, FileStatus, Material, Person
from archive.pages.models import Page
from archive.roles import Role
from archive.scanning.models import FindingStatus, IngestJob, JobStatus, PageCheckpoint, QcFinding, SpotCheck
from archive.transfers.models import (
    Relation,
    RosterEntry,
    Storeroom,
    Transfer,
    TransferBatch,
)

__all__ = [
    "ArchiveFile", "AuditEvent", "AuditFlag", "AuditScanState", "Custody", "EmployerLevel", "FileStatus",
    "AccountRequest", "LoginFailure", "Material", "Person", "Role", "User", "UserRelative",
    "FindingStatus", "IngestJob", "JobStatus", "Page", "PageCheckpoint", "QcFinding", "SpotCheck",
    "Relation", "RosterEntry", "Storeroom", "Transfer", "TransferBatch",
]
