"""Fixtures shared by the intake tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_ocr(app):  # type: ignore[no-untyped-def]
    """Skip OCR for tests about everything else (OCR has tests of its own): pages ingest ten times faster."""
    old = app.config.get("DANGAN_OCR_ENGINE")
    app.config["DANGAN_OCR_ENGINE"] = ""
    yield
    app.config["DANGAN_OCR_ENGINE"] = old
