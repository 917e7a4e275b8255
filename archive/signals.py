"""Signals between the domains (blinker): a domain announces what it committed; others listen.

A domain never imports another domain's services or views to tell it something happened:
the search index feeder (:mod:`archive.fulltext`) listens here instead of being called by
the catalogue or the scanning domain.  Every announcing signal is sent *after* the commit of the change it
announces, so listeners only ever see committed data.  The sender is the Flask app.

Two signals are questions instead: a lower domain asks what the domains above it know (the page viewer
asks for a page's QC findings, the fixity check asks which stored objects unfinished work holds), and
reads the receivers' return values — so the lower domain still imports none of them.

The arrows between the packages are drawn in the README (layout) and checked by
``tests/unit/test_import_graph.py``.
"""

from __future__ import annotations

from blinker import Namespace
from flask import Flask, current_app

__all__ = ["app_sender", "catalogue_committed", "file_transferred", "page_notes", "pages_recorded", "storage_claims"]

_signals = Namespace()


def app_sender() -> Flask:
    """The sender of every signal: the app itself, not the context-local proxy (receivers may filter on it)."""
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]  # werkzeug's proxy

# A file's pages were stored and committed (ingest); keyword ``file_ids``: the files.
pages_recorded = _signals.signal("pages-recorded")

# A command or job committed catalogue edits (files, materials, people) outside a web request,
# which has its own after-request hook; listeners refresh what they derive from the catalogue.
catalogue_committed = _signals.signal("catalogue-committed")

# Questions (the receivers' return values are the answer):
# the page viewer shows a page (keyword ``page``); receivers return a list of notes about it (QC findings).
page_notes = _signals.signal("page-notes")

# ``dangan storage verify`` walks the store; receivers return an :class:`archive.pages.fixity.StorageClaims`
# naming the objects their unfinished work holds (not orphans) and the uploads they keep.
storage_claims = _signals.signal("storage-claims")

# Files left the archive's hands or moved between holders (转递 sent, an incoming file received), after the
# commit; keyword ``file_ids``: the files, ``direction``: ``"out"`` or ``"in"``.  The search feeder may
# refresh what it shows of their status.
file_transferred = _signals.signal("file-transferred")
