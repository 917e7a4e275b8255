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

__all__ = ["catalogue_committed", "pages_recorded", "request_approved", "request_transition"]

_signals = Namespace()

# A file's pages were stored and committed (ingest); keyword ``file_ids``: the files.
pages_recorded = _signals.signal("pages-recorded")

# A command or job committed catalogue edits (files, materials, people) outside a web request,
# which has its own after-request hook; listeners refresh what they derive from the catalogue.
catalogue_committed = _signals.signal("catalogue-committed")

# A lending request changed status (archive.lending.operations), after the commit; keywords ``request_id``,
# ``number``, ``kind``, ``from_status``, ``to_status``.  Consultations and loans listen to open and close their
# windows; reminders and the API's webhooks may too.
request_transition = _signals.signal("lending-request-transition")

# A lending request was approved and its document built, after the commit; keywords ``request_id``, ``number``,
# ``kind``.
request_approved = _signals.signal("lending-request-approved")
