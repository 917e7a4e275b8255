"""Issue 8, items 20, 23, 24, 25 in Chromium, in Chinese and English: what a new user saw and measured.

One file of 27 pages (twelve materials across the classes, OCR text naming its person) with a QC
finding on every page and a two-page spot check is written into the live server's database, as an
ingest leaves it; the browser then searches, reads, measures the layout at 1366×768 and reviews QC.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

NAME = "欧阳蔚然"  # not a name the demo generator uses, so every hit is this file's
ARCHIVE_NO = "XC-UI-000001"
# (class, sub-class, seq, title, pages, formed): 27 pages in all, 1970s and 1980s
MATERIALS = [
    (1, 0, 1, "干部履历表", 3, "1975"), (2, 0, 1, "自传", 2, "1976"), (3, 0, 1, "年度考核登记表", 2, "1981"),
    (4, 1, 1, "毕业证书", 1, "1972"), (4, 2, 1, "职称评审表", 2, "1985"), (6, 0, 1, "入党志愿书", 3, "1978"),
    (7, 0, 1, "奖状", 1, "1983"), (9, 1, 1, "转正定级表", 2, "1973"), (9, 1, 2, "工资变动审批表", 3, "1984"),
    (9, 2, 1, "招工审批表", 2, "1971"), (9, 2, 2, "退休审批表", 3, "1989"), (10, 0, 1, "其他材料", 3, "1986"),
]
WIDTH, HEIGHT = 1366, 768


@pytest.fixture(scope="module")
def seeded(live_app):  # type: ignore[no-untyped-def]
    """The file, its pages, findings, batch and spot check; returns ids and the archivist's log-in."""
    from PIL import Image

    from archive.accounts.operations import create_user
    from archive.catalogue.classes import format_class
    from archive.catalogue.models import ArchiveFile, Material, Person
    from archive.extensions import db
    from archive.fulltext.indexing import reindex_files
    from archive.idnumbers import make_id_number
    from archive.objects import get_store
    from archive.pages.models import Page
    from archive.roles import Role
    from archive.scanning.models import IngestJob, QcFinding, SpotCheck
    from storage import sha256_bytes
    from tests.conftest import TEST_PASSWORD

    with live_app.app_context():
        clerk = create_user("ui_clerk", TEST_PASSWORD, Role.ARCHIVIST, display_name="档案管理员 赵敏")
        person = Person(name=NAME, sex="F", id_number=make_id_number("110102", dt.date(1956, 4, 2), 482),
                        birth_date="1956-04-02", employer="北京第一机床厂", employer_level="municipal",
                        hukou_district="西城", hukou_street="德胜", residence_district="西城", residence_street="德胜")
        db.session.add(person)
        db.session.flush()
        file = ArchiveFile(archive_no=ARCHIVE_NO, person_id=person.id, street=None)
        db.session.add(file)
        db.session.flush()
        store = get_store()
        job = IngestJob(created_by=clerk.username, street=None, source="demo package", status="done", paths=[],
                        files_total=1, files_done=1, pages_total=27, pages_done=27,
                        summary=[{"archive_no": ARCHIVE_NO, "status": "ingested", "pages": 27, "findings": []}])
        db.session.add(job)
        db.session.flush()
        position, pages, findings = 0, [], []
        for class_no, sub, seq, title, count, formed in MATERIALS:
            material = Material(file_id=file.id, class_no=class_no, subclass=sub, seq=seq, title=title,
                                formed=formed, pages=count)
            db.session.add(material)
            db.session.flush()
            for n in range(1, count + 1):
                position += 1
                buffer = io.BytesIO()
                Image.new("L", (90, 127), 200 + position).save(buffer, "JPEG")
                data = buffer.getvalue()
                sha = sha256_bytes(data)
                keys = (f"pages/{sha[:2]}/{sha}.jpg", f"views/{sha[:2]}/{sha}.jpg", f"thumbs/{sha[:2]}/{sha}.jpg")
                for key in keys:
                    if not store.exists(key):
                        store.put(key, data)
                # Page 1 carries markup, which must reach the OCR panel as text, never as HTML.
                extra = " <b>粗体</b> & 备注" if position == 1 else ""
                page = Page(file_id=file.id, material_id=material.id, job_id=job.id, position=position,
                            page_in_material=n, backend=store.name, original_key=keys[0], sha256=sha, size=len(data),
                            view_key=keys[1], thumb_key=keys[2], format="jpeg", compression="jpeg", width=2480,
                            height=3508, dpi=300.0, colour="grey", phash="0" * 16, ocr_engine="tesseract",
                            ocr_text=f"{title}\n姓名：{NAME}{extra}\n工作单位：北京第一机床厂 第{n}页",
                            ocr_conf=90.0, words=[[NAME, 90, 100, 100, 400, 60]])
                db.session.add(page)
                db.session.flush()
                pages.append(page.id)
                finding = QcFinding(file_id=file.id, job_id=job.id, page_id=page.id, material_id=material.id,
                                    material_seq=seq, material_label=f"{format_class(class_no, sub)} 第{seq}号",
                                    page_position=position, rule="SKEW" if position % 3 else "LOW_RESOLUTION",
                                    severity="warning" if position % 3 else "error",
                                    message=f"页面倾斜 {1 + position / 10:.1f}°，超过 1.0° 的允许值，请检查扫描件；"
                                            f"文件 {ARCHIVE_NO}/{position:04d}.jpg 已入库，建议纠偏后重扫并核对页数")
                db.session.add(finding)
                findings.append(finding)
        db.session.flush()
        db.session.add_all([SpotCheck(job_id=job.id, page_id=pages[4]),
                            SpotCheck(job_id=job.id, page_id=pages[20], result="pass", checked_by=clerk.username)])
        db.session.commit()
        ids = {"file": file.id, "job": job.id, "pages": pages, "findings": [f.id for f in findings],
               "clerk": clerk.username, "clerk_name": clerk.display_name}
        reindex_files([ids["file"]])
        db.session.remove()
    return ids


def _open(page, seeded, locale: str, path: str = "/") -> None:  # type: ignore[no-untyped-def]
    """Log in as the seeded archivist, choose the language, open ``path`` at 1366×768."""
    from tests.conftest import TEST_PASSWORD

    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    log_in(page, seeded["clerk"], TEST_PASSWORD)
    page.click(f"[data-testid=lang-{locale}]")
    page.wait_for_selector(f"html[lang={'zh-CN' if locale == 'zh_CN' else 'en'}]")
    page.goto(path)


# How many lines an element's text takes, and its text height against one line of the same font.
LINES_JS = """(el) => {
  const probe = document.createElement('span'); probe.textContent = 'X';
  el.appendChild(probe); const line = probe.getBoundingClientRect().height; probe.remove();
  const rects = []; const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    rects.push(...[...range.getClientRects()].filter((r) => r.width > 0));
  }
  // Text rects whose tops lie within half a line of each other are on the same line.
  const tops = rects.map((r) => r.top).sort((a, b) => a - b);
  let lines = 0, band = -Infinity;
  for (const t of tops) { if (t >= band + line / 2) { lines += 1; band = t; } }
  const height = rects.length ? Math.max(...rects.map((r) => r.bottom)) - Math.min(...rects.map((r) => r.top)) : 0;
  return {lines: lines, height: height, line: line, text: el.textContent.trim()};
}"""


def _one_line(locator) -> list[dict]:  # type: ignore[no-untyped-def]
    """Elements of ``locator`` whose text wraps onto a second line."""
    wrapped = []
    for i in range(locator.count()):
        m = locator.nth(i).evaluate(LINES_JS)
        if m["lines"] > 1 or m["height"] >= 1.6 * m["line"]:
            wrapped.append(m)
    return wrapped


# --- item 24: layout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_top_bar_menu_keeps_each_label_on_one_line_at_1366(page, seeded, locale):
    _open(page, seeded, locale, f"/files/{seeded['file']}")
    links = page.locator("nav.mainnav a")
    # the (district) archivist's menu: files, progress, import, ingest, requests, retiree accounts, transfers
    assert links.count() == 7
    assert _one_line(links) == []
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDTH
    assert _one_line(page.locator(".usermenu .who, .usermenu a, .usermenu button")) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH  # the bar fits: no sideways scroll


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_pages_overview_of_27_pages_fits_in_two_screens(page, seeded, locale):
    _open(page, seeded, locale, f"/files/{seeded['file']}/pages")
    assert page.locator("[data-testid=thumb]").count() == 27
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2000, height
    # the thumbnails of a material sit side by side, not one per row
    first = page.locator(".thumb-group").first.locator("[data-testid=thumb]")
    assert first.count() == 3
    assert len({round(t.bounding_box()["y"]) for t in first.all()}) == 1


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_qc_report_headers_and_badges_do_not_wrap(page, seeded, locale):
    _open(page, seeded, locale, f"/files/{seeded['file']}/qc")
    headers = page.locator("[data-testid=findings] thead th")
    assert headers.count() >= 6
    assert _one_line(headers) == []
    material = headers.filter(has_text="材料" if locale == "zh_CN" else "Material")
    assert material.count() == 1
    badges = page.locator("[data-testid=finding] .sev-tag-error, [data-testid=finding] .sev-tag-warning")
    assert badges.count() == 27
    assert _one_line(badges) == []
    # the material and page columns, found by their headers
    names = [t.strip() for t in headers.all_inner_texts()]
    for header in (("材料", "页") if locale == "zh_CN" else ("Material", "Page")):
        column = names.index(header) + 1
        cells = page.locator(f"[data-testid=finding] > td:nth-child({column})")
        assert cells.count() == 27
        assert _one_line(cells) == [], header


# --- item 20: a query that is too long --------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_too_long_query_from_the_box_or_the_url_says_why(page, seeded, locale):
    _open(page, seeded, locale, "/search")
    query = NAME + " " + "退休审批" * 52  # 213 characters
    box = page.locator("[data-testid=search-input]")
    box.press_sequentially(query)  # typed key by key, as a user does: a maxlength would cut it here
    assert len(box.input_value()) == len(query)
    page.click("[data-testid=search-submit]")
    error = page.locator("[data-testid=search-error]")
    expected = "检索式太长" if locale == "zh_CN" else "too long"
    assert expected in error.inner_text()
    assert str(len(query)) in error.inner_text()
    assert page.locator("[data-testid=search-total]").count() == 0  # no silent "0 pages found"
    assert page.locator("[data-testid=search-input]").input_value() == query  # the query is kept to edit
    # the same words from a URL
    page.goto("/search?q=" + "档" * 250)
    assert expected in page.locator("[data-testid=search-error]").inner_text()
    # and from the top bar's box
    page.goto("/")
    page.locator("[data-testid=top-search]").press_sequentially("档" * 201)
    page.press("[data-testid=top-search]", "Enter")
    assert expected in page.locator("[data-testid=search-error]").inner_text()


# --- item 23: facets and labels ----------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_facets_and_hits_use_the_catalogue_labels(page, seeded, locale):
    _open(page, seeded, locale, f"/search?q={NAME}")
    classes = page.locator("[data-testid=facet-class]").all_inner_texts()
    assert classes, "no class facet"
    names = ({"九 工资、任免、出国、会议代表", "一 履历", "十 其他"} if locale == "zh_CN" else
             {"九 Wages, appointments, travel abroad and delegates", "一 Curriculum vitae", "十 Other"})
    shown = {re.sub(r"\s*\(\d+\)$", "", t.strip()) for t in classes}
    assert names <= shown, shown
    assert all(re.search(r"\(\d+\)$", t.strip()) for t in classes)  # the count, set apart from the label
    decade_texts = page.locator("[data-testid=facet-decade]").all_inner_texts()
    decades = {re.sub(r"\s*\(\d+\)$", "", t.strip()) for t in decade_texts}
    assert decades == ({"1970年代", "1980年代"} if locale == "zh_CN" else {"1970s", "1980s"})
    labels = page.locator("[data-testid=hit-class]").all_inner_texts()
    assert labels
    number = r"第\d+号" if locale == "zh_CN" else r"No\. \d+"
    for label in labels:
        assert re.fullmatch(rf"[一二三四五六七八九十](-\d)? {number}", label.strip()), label
    # a class facet narrows the hits and keeps its label
    page.locator("[data-testid=facet-class] a").filter(has_text="九").click()
    page.wait_for_selector("[data-testid=facet-class] a.active")
    assert page.locator("[data-testid=facet-class] a.active").inner_text().startswith("九 ")
    assert all(t.startswith("九-") for t in page.locator("[data-testid=hit-class]").all_inner_texts())


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_viewer_marks_the_match_in_the_text_and_labels_materials_like_the_catalogue(page, seeded, locale):
    _open(page, seeded, locale, f"/search?q={NAME}")
    hit = page.locator("[data-testid=hit-group]").filter(has_text=ARCHIVE_NO).locator("[data-testid=hit-link]").first
    hit.click()
    page.wait_for_selector("[data-testid=page-image]")
    marks = page.locator("[data-testid=ocr-text] mark")
    assert marks.count() >= 1
    assert set(marks.all_inner_texts()) == {NAME}
    # the jump list reads like the catalogue (四-1 第1号 / 4-1 No. 1), never 四-1-1 or 4-1-1
    options = [o.strip() for o in page.locator("[data-testid=jump] option").all_inner_texts()[1:]]
    assert len(options) == len(MATERIALS)
    label = "四-1 第1号" if locale == "zh_CN" else "4-1 No. 1"  # English shows the class in digits (issue 9)
    assert f"{label} 毕业证书" in options
    assert not [o for o in options if re.match(r"^([一二三四五六七八九十]+|\d+)(-\d+){2}", o)]
    # the page with markup in its text: shown as text, the match still marked
    page.goto(f"/pages/{seeded['pages'][0]}?q={NAME}")
    panel = page.locator("[data-testid=ocr-text]")
    assert "<b>粗体</b> & 备注" in panel.inner_text()
    assert panel.locator("b").count() == 0
    assert panel.locator("mark").inner_text() == NAME
    # a word on no page marks nothing
    page.goto(f"/pages/{seeded['pages'][0]}?q=不存在的词")
    assert page.locator("[data-testid=ocr-text] mark").count() == 0


# --- item 25: QC review ------------------------------------------------------------------------------


def _statuses(live_app, ids):  # type: ignore[no-untyped-def]
    from archive.extensions import db
    from archive.scanning.models import QcFinding

    with live_app.app_context():
        rows = dict(db.session.execute(select(QcFinding.id, QcFinding.status).where(QcFinding.id.in_(ids))).all())
        db.session.remove()
    return [rows[i] for i in ids]


def _bulk_events(live_app, ids):  # type: ignore[no-untyped-def]
    from archive.audit.models import AuditEvent
    from archive.extensions import db

    with live_app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "qc.decision", AuditEvent.target_id.in_([str(i) for i in ids]))))
        out = [(e.target_id, e.username, json.loads(e.details)) for e in events]
        db.session.remove()
    return out


def test_accept_ticked_then_all_shown_in_one_post_each(page, live_app, seeded):
    _open(page, seeded, "zh_CN", f"/files/{seeded['file']}/qc")
    ids = seeded["findings"]
    assert _statuses(live_app, ids) == ["open"] * 27
    ticks = page.locator("[data-testid=finding-tick]")
    assert ticks.count() == 27
    ticked = [int(ticks.nth(i).get_attribute("value")) for i in (0, 1)]
    ticks.nth(0).check()
    ticks.nth(1).check()
    page.fill("[data-testid=bulk-resolution]", "倾斜在允许范围内，不影响阅读")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click("[data-testid=bulk-accept-selected]")
    page.wait_for_timeout(300)
    assert asked and "接受" in asked[0]  # a translated question first; dismissed, nothing changes
    assert _statuses(live_app, ids) == ["open"] * 27
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method) if "/qc/accept" in r.url else None)
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=bulk-accept-selected]")
    page.wait_for_selector(".flash-success")
    assert "已接受 2 条问题" in page.locator(".flash-success").inner_text()
    assert _statuses(live_app, ids) == ["accepted" if i in ticked else "open" for i in ids]
    # the rest: every open finding the page shows, one POST
    page.fill("[data-testid=bulk-resolution]", "整批复核：倾斜均可接受")
    assert "25" in page.locator("[data-testid=bulk-accept-shown]").inner_text()
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=bulk-accept-shown]")
    page.wait_for_selector(".flash-success")
    assert "已接受 25 条问题" in page.locator(".flash-success").inner_text()
    assert requests == ["POST", "POST"]
    assert _statuses(live_app, ids) == ["accepted"] * 27
    assert page.locator("[data-testid=bulk-accept]").count() == 0  # nothing left to accept
    statuses = page.locator("[data-testid=finding-status]").all_inner_texts()
    assert statuses and set(statuses) == {"已接受"}
    assert seeded["clerk_name"] in page.locator("[data-testid=findings]").inner_text()  # who, by name
    events = _bulk_events(live_app, ids)
    assert sorted(int(t) for t, _u, _d in events) == sorted(ids)  # one audit event per finding
    assert {u for _t, u, _d in events} == {seeded["clerk"]}
    assert all(d["bulk"] and d["after"]["status"] == "accepted" and d["after"]["resolution"] for _t, _u, d in events)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_batch_page_labels_spot_checks_operator_and_source(page, seeded, locale):
    _open(page, seeded, locale, f"/ingest/jobs/{seeded['job']}")
    zh = locale == "zh_CN"
    main = page.locator("main").inner_text()
    assert ("已处理档案" if zh else "Files processed") in main
    assert page.locator("main h2").first.inner_text() == ("本批档案" if zh else "Files in this batch")
    if zh:
        assert "档案查询" not in main  # the menu's label is the menu's only
    assert page.locator("[data-testid=job-source]").inner_text() == ("演示扫描包" if zh else "Demo scan package")
    assert page.locator("[data-testid=job-operator]").inner_text() == seeded["clerk_name"]
    results = page.locator("[data-testid=spot-check-result]").all_inner_texts()
    assert results == (["待抽检", "合格"] if zh else ["Not checked yet", "Passed"])
    assert not re.search(r"\b(pending|pass)\b", page.locator("[data-testid=spot-checks]").inner_text())
    sampled = page.locator("[data-testid=spot-check-page]").all_inner_texts()
    assert [s.replace(" ", "") for s in sampled] == (
        [f"{ARCHIVE_NO}·第5页", f"{ARCHIVE_NO}·第21页"] if zh else [f"{ARCHIVE_NO}·Page5", f"{ARCHIVE_NO}·Page21"])
    page.locator("[data-testid=spot-check-page]").first.click()
    page.wait_for_selector("[data-testid=page-image]")
    assert page.url.endswith(f"/pages/{seeded['pages'][4]}")
    # the batch list names the operator and translates the source too
    page.goto("/ingest/jobs")
    row = page.locator("[data-testid=jobs] tbody tr").filter(has_text=seeded["clerk_name"])
    assert row.count() == 1
    assert ("演示扫描包" if zh else "Demo scan package") in row.inner_text()


# --- item 26: catalogue rows link to their pages, a template to download, counts in the reader's grammar ----


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_catalogue_rows_link_to_their_pages_and_counts_read_right(page, seeded, locale):
    _open(page, seeded, locale, f"/files/{seeded['file']}")
    autobiography = page.locator("[data-testid=material]", has_text="自传")
    counts = page.locator("tbody#c2 .classrow small").inner_text()
    assert counts == ("共 1 条，2 页" if locale == "zh_CN" else "1 entry, 2 pages")
    assert "1 entries" not in page.locator("[data-testid=catalogue]").inner_text()
    autobiography.locator("[data-testid=material-pages]").click()
    page.wait_for_url(re.compile(rf"/files/{seeded['file']}/pages#mat\d+$"))
    section = page.locator(page.url[page.url.index("#"):])
    assert "自传" in section.inner_text() and section.locator("[data-testid=thumb]").count() == 2


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_import_page_offers_the_template(page, seeded, locale, tmp_path):
    from openpyxl import load_workbook

    from archive.catalogue.sheets import CATALOGUE_COLUMNS, PEOPLE_COLUMNS

    _open(page, seeded, locale, "/catalogue/import")
    with page.expect_download() as info:
        page.click("[data-testid=import-template]")
    target = tmp_path / "template.xlsx"
    info.value.save_as(target)
    wb = load_workbook(target)
    assert wb.sheetnames == ["目录", "人员"]
    assert [c.value for c in wb["目录"][1]] == list(CATALOGUE_COLUMNS)
    assert [c.value for c in wb["人员"][1]] == list(PEOPLE_COLUMNS)
    assert wb["目录"].max_row == wb["人员"].max_row == 2  # the header and one example row


CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_audit_log_reads_in_words_and_folds_a_thumbnail_burst(page, browser, live_server, live_app, seeded,
                                                               locale):
    """Item 22: actions, targets, outcomes and flags in the reader's language; 27 thumbnails one expandable row."""
    from archive.accounts.operations import create_user
    from archive.extensions import db
    from archive.roles import Role
    from tests.conftest import TEST_PASSWORD

    auditor = f"ui_auditor_{locale.lower()}"
    with live_app.app_context():
        create_user(auditor, TEST_PASSWORD, Role.AUDITOR, display_name="安全审计员 孙立")
        db.session.commit()
    # the archivist pages through the file's thumbnails and knocks on the administrator's door
    clerk_context = browser.new_context(base_url=live_server.url)
    clerk = clerk_context.new_page()
    _open(clerk, seeded, locale, f"/files/{seeded['file']}/pages")
    clerk.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    clerk.wait_for_load_state("networkidle")
    for _ in range(6):
        clerk.goto("/admin/users")
    clerk_context.close()

    log_in(page, auditor, TEST_PASSWORD)
    page.click(f"[data-testid=lang-{locale}]")
    page.wait_for_selector(f"html[lang={'zh-CN' if locale == 'zh_CN' else 'en'}]")
    page.goto(f"/audit/?user={seeded['clerk']}")
    burst = page.locator("[data-testid=event-row][data-action='page.thumb']").first
    count = int(burst.get_attribute("data-count"))
    assert count >= 2, "the thumbnails were not folded into one row"
    group = burst.locator("[data-testid=event-group]")
    summary = group.locator("summary").inner_text()
    assert summary == (f"查看缩略图 × {count}" if locale == "zh_CN" else f"Viewed a thumbnail × {count}")
    assert not group.locator("li").first.is_visible()
    group.locator("summary").click()
    assert group.locator("li").count() == count and group.locator("li").first.is_visible()
    actions = page.locator("[data-testid=event-action]").all_inner_texts()
    outcomes = page.locator("[data-testid=events] [data-outcome]").all_inner_texts()
    if locale == "en":
        assert not [t for t in actions + outcomes if CJK.search(t)], actions
        assert "Access refused Account list" in actions and "Denied" in outcomes
    else:
        assert "访问被拒绝 账号列表" in actions and "拒绝" in outcomes
    assert not [t for t in actions if re.fullmatch(r"[a-z_]+\.[a-z_]+.*", t.strip())], actions  # no raw codes

    page.goto("/audit/flags")
    flag = page.locator("[data-testid=flag][data-rule=REPEATED_DENIED]", has_text=seeded["clerk"]).first
    said = flag.locator("[data-testid=flag-summary]").inner_text()
    if locale == "en":
        assert "refused accesses within 10 minutes" in said and not CJK.search(said), said
    else:
        assert "分钟内被拒绝访问" in said, said
