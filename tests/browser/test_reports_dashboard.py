"""The dashboard's charts render in Chromium: SVG bars of non-zero size, a screenshot, English without Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.catalogue.models import Person
from archive.extensions import db
from archive.geo import BEIJING_DISTRICTS, STREETS
from archive.transfers.models import Storeroom
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

CJK = re.compile(r"[\u3400-\u9fff]")
CHARTS = ("chart-levels", "chart-streets", "chart-enterprises")


def _charts_drawn(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    drawn = {}
    for testid in CHARTS:
        chart = page.locator(f"svg[data-testid={testid}]")
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 40, (testid, box)
        bars = chart.locator("rect.bar")
        sizes = [bars.nth(i).bounding_box() for i in range(bars.count())]
        drawn[testid] = sum(1 for b in sizes if b and b["width"] > 0 and b["height"] > 0)
    return drawn


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_dashboard_charts_render(page, live_app, locale, tmp_path: Path):
    log_in(page, "archivist")
    page.click(f"[data-testid=lang-{locale}]")
    page.wait_for_selector(f"html[lang={'zh-CN' if locale == 'zh_CN' else 'en'}]")
    page.click("[data-testid=nav-reports]")
    page.wait_for_selector("svg[data-testid=chart-levels]")
    drawn = _charts_drawn(page)
    assert all(n > 0 for n in drawn.values()), drawn
    # the figures beside the charts: the demo's files are all received
    received = int(page.locator("[data-testid=stage-received] .num").inner_text().replace(",", ""))
    assert received > 0
    shot = tmp_path / f"progress-{locale}.png"  # kept with the test run (pytest --basetemp to keep it)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if locale == "en":
        with live_app.app_context():
            employers = set(db.session.scalars(select(Person.employer).distinct()))
            # storerooms are named by the archive (other browser tests make some): user data, like employers
            employers |= set(db.session.scalars(select(Storeroom.name)))
        text = page.locator("main").inner_text() + page.locator("nav.mainnav").inner_text()
        for name in sorted(employers | set(STREETS) | set(BEIJING_DISTRICTS), key=len, reverse=True):
            text = text.replace(name, "")  # personal data and place names may stay Chinese
        text = re.sub(r"[\u3400-\u9fff]+…", "", text)  # an employer's name cut to fit a chart's label
        assert not CJK.findall(text), CJK.findall(text)[:20]
        assert "Progress of the transfer" in text and "Central state enterprises" in text
    else:
        assert "移交进度" in page.locator("h1").inner_text()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_planning_page_what_if_in_the_browser(page, locale):
    log_in(page, "archivist")
    page.click(f"[data-testid=lang-{locale}]")
    page.wait_for_selector(f"html[lang={'zh-CN' if locale == 'zh_CN' else 'en'}]")
    page.goto("/reports/planning")
    if locale == "en":
        text = page.locator("main").inner_text()
        for name in sorted(STREETS, key=len, reverse=True):
            text = text.replace(name, "")
        assert not CJK.findall(text), CJK.findall(text)[:20]
    page.fill("input[name=volumes]", "316700")
    page.click("[data-testid=what-if-submit]")
    page.wait_for_selector("[data-testid=district-area]")
    assert page.locator("[data-testid=district-area] .num").inner_text().startswith("1,900.2")
    with page.expect_download() as info:
        page.click("[data-testid=planning-pdf]")
    assert info.value.suggested_filename.endswith(".pdf")
