"""Ingest: scan packages become checked, OCR'd pages.  Pure: no Flask, no database.

See :mod:`ingest.model` for the values passed between steps and
:mod:`ingest.pipeline` for the run function that reads like a table of contents.
"""
