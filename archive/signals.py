"""Signals between the domains (blinker): a domain announces what it committed; others listen.

A domain never imports another domain's services or views to tell it something happened:
the search index feeder (:mod:`archive.fulltext`) listens here instead of being called by
the catalogue or the scan intake.  Every signal is sent *after* the commit of the change it
announces, so listeners only ever see committed data.  The sender is the Flask app.

The arrows between the packages are drawn in the README (layout) and checked by
``tests/unit/test_import_graph.py``.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = ["catalogue_committed", "file_transferred", "pages_recorded"]

_signals = Namespace()

# A file's pages were stored and committed (ingest); keyword ``file_ids``: the files.
pages_recorded = _signals.signal("pages-recorded")

# A command or job committed catalogue edits (files, materials, people) outside a web request,
# which has its own after-request hook; listeners refresh what they derive from the catalogue.
catalogue_committed = _signals.signal("catalogue-committed")

# Files left the archive's hands or moved between holders (转递 sent, an incoming file received), after the
# commit; keyword ``file_ids``: the files, ``direction``: ``"out"`` or ``"in"``.  The search feeder may
# refresh what it shows of their status.
file_transferred = _signals.signal("file-transferred")
