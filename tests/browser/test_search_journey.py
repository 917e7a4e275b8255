"""Search a name in Chromium, open the hit, see the word highlighted on the page image."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.scanning.builder import FileSpec, build

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_search_a_name_open_the_hit_see_it_highlighted(page, live_app, tmp_path):
    from archive.extensions import db
    from archive.scanning.service import create_job, run_job

    spec = FileSpec("XC-S-000001", name="张建国")
    spec.materials = spec.materials[:2]
    package = build(tmp_path / "pkg", [spec])
    with live_app.app_context():
        job = create_job([str(package)], created_by="t", street=None, source="t", workers=0)
        db.session.commit()
        outcomes = run_job(job.id, workers=0)
        db.session.remove()
    assert outcomes[0].status == "ingested"
    log_in(page, "archivist")
    page.fill("[data-testid=top-search]", "张建国")
    page.press("[data-testid=top-search]", "Enter")
    page.wait_for_selector("[data-testid=hit-group]")
    group = page.locator("[data-testid=hit-group]").filter(has_text="XC-S-000001")
    assert group.count() == 1
    assert "<mark>" in group.inner_html() or "mark" in group.inner_html()
    group.locator("[data-testid=hit-link]").first.click()
    page.wait_for_selector("[data-testid=page-image]")
    page.wait_for_selector("[data-testid=hit]", state="attached")
    boxes = page.locator("[data-testid=hit]")
    assert boxes.count() >= 1
    box = boxes.first.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
