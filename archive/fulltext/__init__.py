"""Full-text search in the app: index feeding after commit, the search page, ``dangan search`` and ``index``."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from archive.catalogue.models import ArchiveFile, Material, Person
from archive.extensions import db
from archive.pages.models import Page
from archive.signals import catalogue_committed, pages_recorded

__all__ = ["flush_reindex", "init_app"]


_PENDING = "dangan_reindex_pending"
_COMMITTED = "dangan_reindex_committed"


def _collect(session: Session, _flush_context: object) -> None:
    """After each flush: remember which files' catalogue data changed (their index entries name it)."""
    ids: set[int] = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Material) and obj.file_id:
            ids.add(obj.file_id)
        elif isinstance(obj, ArchiveFile) and obj.id:
            ids.add(obj.id)
        elif isinstance(obj, Page) and obj.file_id and obj in session.dirty:
            ids.add(obj.file_id)  # a corrected text (new pages are indexed on pages_recorded)
        elif isinstance(obj, Person) and obj.id:
            ids.update(f.id for f in obj.files if f.id)


def _committed(session: Session) -> None:
    session.info.setdefault(_COMMITTED, set()).update(session.info.pop(_PENDING, set()))


def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def flush_reindex() -> int:
    """Re-index the files whose catalogue data changed in committed transactions (after the request/command)."""
    from archive.fulltext.indexing import reindex_files

    ids = db.session.info.pop(_COMMITTED, set()) if db.session.registry.has() else set()
    return reindex_files(ids) if ids else 0


def init_app(app: Flask) -> None:
    """Register the search blueprint and commands, and keep the index in step with catalogue edits."""
    from archive.fulltext.cli import index_cli, search_command
    from archive.fulltext.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(search_command)
    app.cli.add_command(index_cli)
    if not getattr(Session, "_dangan_reindex_hooks", False):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_rollback", _rolled_back)
        Session._dangan_reindex_hooks = True  # type: ignore[attr-defined]

    @app.after_request
    def _reindex(response):  # type: ignore[no-untyped-def]
        flush_reindex()
        return response

    # Weak references are fine: the receivers are module functions, which live as long as the module.
    pages_recorded.connect(_pages_recorded, sender=app)
    catalogue_committed.connect(_catalogue_committed, sender=app)


def _pages_recorded(app: Flask, *, file_ids: list[int]) -> None:
    """Index a file's pages as soon as they are committed (the index only ever holds committed pages)."""
    from archive.fulltext.indexing import reindex_files

    reindex_files(file_ids)
    pending = db.session.info.get(_COMMITTED, set())
    pending.difference_update(file_ids)  # already done: the after-request pass need not do it again


def _catalogue_committed(app: Flask) -> None:
    flush_reindex()
