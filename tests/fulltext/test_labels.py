"""Search and viewer labels (issue 8, items 20 and 23): too-long queries, class and decade labels, OCR marks."""

from __future__ import annotations

import json
import re

from markupsafe import Markup
from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.catalogue.classes import class_name, format_class_code
from archive.catalogue.models import Material
from archive.extensions import db
from archive.fulltext.highlight import mark_terms, query_terms
from archive.roles import Role
from tests.conftest import login
from tests.helpers import post_form

# --- pure helpers -----------------------------------------------------------------------------------


def test_mark_terms_escapes_first_and_marks_every_match():
    out = mark_terms("张建国 <script>x</script> 张建国同志", ["张建国"])
    assert out == Markup("<mark>张建国</mark> &lt;script&gt;x&lt;/script&gt; <mark>张建国</mark>同志")
    assert mark_terms("Tel ABC abc", ["abc"]) == Markup("Tel <mark>ABC</mark> <mark>abc</mark>")
    assert mark_terms(None, ["x"]) == Markup("")
    assert mark_terms("a<b", []) == Markup("a&lt;b")


def test_mark_terms_composes_with_text_that_is_already_escaped():
    # e.g. after ID numbers were masked: the Markup is taken as it is, never escaped twice
    masked = Markup("身份证 110102********123X 张&amp;三 <span class=\"masked\">李</span>四")
    out = mark_terms(masked, ["张&三", "李四", "amp", "span"])
    assert "<mark>张&amp;三</mark>" in out  # an entity counts as the character it stands for
    assert "&<mark>amp</mark>;" not in out and "<mark>span</mark>" not in out  # never inside entities or tags
    assert '<span class="masked"><mark>李</mark></span><mark>四</mark>' in out  # never across a tag
    assert "&amp;amp;" not in out


def test_query_terms_drop_operators_exclusions_and_fields():
    terms = query_terms('"张建国" AND 姓名:李秀英 OR 退休 -工资 NOT 调动 单位：机床厂')
    assert terms == ["张建国", "李秀英", "退休", "机床厂"]
    assert query_terms("") == []


def test_class_codes_read_as_the_catalogue_writes_them():
    assert [format_class_code(c) for c in ("9-1", "3", "10", "4-2")] == ["九-1", "三", "十", "四-2"]
    assert format_class_code("99") == "99"  # not a class: shown as stored, never an error
    assert class_name(3) == "考核鉴定" and class_name(9, 2, english=True).startswith("Appointments")
    assert class_name(3, 1) == ""


# --- through the app -------------------------------------------------------------------------------


def _file_with_classes(factory):  # type: ignore[no-untyped-def]
    file = factory.file(None, person=factory.person("欧阳蔚然"), materials=0)
    with factory.app.app_context():
        for class_no, sub, seq, formed in ((9, 1, 1, "1975"), (3, 0, 1, "1984")):
            db.session.add(Material(file_id=file.id, class_no=class_no, subclass=sub, seq=seq,
                                    title="表", formed=formed, pages=1))
        db.session.commit()
        file = db.session.get(type(file), file.id)
        _ = file.person, list(file.materials)
    made = factory.ingested(file, texts=["工资审批表 欧阳蔚然 <b>粗</b>", "考核登记 欧阳蔚然"])
    with factory.app.app_context():
        # factory.ingested links every page to one material: page 1 belongs to 九-1, page 2 to 三
        from archive.fulltext.indexing import reindex_files
        from archive.pages.models import Page

        for page_id, class_no in zip(made["pages"], (9, 3), strict=True):
            db.session.get(Page, page_id).material_id = next(m.id for m in file.materials if m.class_no == class_no)
        db.session.commit()
        reindex_files([file.id])
    return file, made


def test_a_too_long_query_is_refused_with_a_translated_reason(app, client, factory):
    factory.ingested(factory.file(None))
    login(client, factory.user(Role.ARCHIVIST).username)
    query = "退休" * 101  # 202 characters; the box sends it whole now that it has no maxlength
    assert 'maxlength="200"' not in client.get("/search").get_data(as_text=True)
    page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert "检索式太长：最多 200 个字，当前为 202 个字" in page
    assert 'data-testid="search-total"' not in page
    post_form(client, "/", "/language", locale="en")
    page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert "The query is too long: at most 200 characters, this one has 202" in page
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "search.query")))
    assert [e.outcome for e in events] == ["failed", "failed"]
    assert all("too long" in json.loads(e.details)["error"] or "太长" in json.loads(e.details)["error"]
               for e in events)
    # 200 characters still search
    page = client.get("/search", query_string={"q": "退休" * 100}).get_data(as_text=True)
    assert 'data-testid="search-total"' in page


def test_facets_and_hits_show_class_names_numerals_and_decades(app, client, factory):
    file, _made = _file_with_classes(factory)
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get("/search?q=欧阳蔚然").get_data(as_text=True)
    assert "九 工资、任免、出国、会议代表</a>" in page and "三 考核鉴定</a>" in page
    assert "1970年代</a>" in page and "1980年代</a>" in page and "1970s" not in page
    assert "九-1 第1号" in page and ">9-1" not in page
    post_form(client, "/", "/language", locale="en")
    page = client.get("/search?q=欧阳蔚然").get_data(as_text=True)
    assert "九 Wages, appointments, travel abroad and delegates</a>" in page and "三 Appraisals</a>" in page
    assert "1970s</a>" in page and "九-1 No. 1" in page
    # the facet link still filters by the stored code
    narrowed = client.get("/search?q=欧阳蔚然&class=3").get_data(as_text=True)
    assert narrowed.count('data-testid="hit"') == 1 and "三 No. 1" in narrowed


def test_viewer_marks_the_query_in_the_ocr_text_escaped(app, client, factory):
    _file, made = _file_with_classes(factory)
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get(f"/pages/{made['pages'][0]}", query_string={"q": "欧阳蔚然"}).get_data(as_text=True)
    panel = page.split('data-testid="ocr-text">', 1)[1].split("</pre>", 1)[0]
    assert panel == "工资审批表 <mark>欧阳蔚然</mark> &lt;b&gt;粗&lt;/b&gt;"
    page = client.get(f"/pages/{made['pages'][0]}", query_string={"q": "<b>"}).get_data(as_text=True)
    panel = page.split('data-testid="ocr-text">', 1)[1].split("</pre>", 1)[0]
    assert panel == "工资审批表 欧阳蔚然 <mark>&lt;b&gt;</mark>粗&lt;/b&gt;"
    assert "<mark>" not in client.get(f"/pages/{made['pages'][0]}").get_data(as_text=True)
    # the jump list reads like the catalogue
    assert ">九-1 第1号 表<" in page


# Queries the engine refuses, one per message it can give for a typed query.
REFUSED = ['"a" AND', "AND 退休", "退休 OR", "OR 退休", "退休*", "(退休", "退休)", "()", "((((((((((退休))))))))))",
           "NOT 退休", "退休 NOT", "姓名:", "类别:11", "形成时间:abc", "形成时间:1985-13", "形成时间:1990..1980",
           " ".join(f"词{i}" for i in range(40)), "<>", "退休 OR NOT 工资"]


def test_every_refused_query_reads_in_the_users_language(app, client, factory):
    from search import QueryError
    from search.query import parse

    login(client, factory.user(Role.ARCHIVIST).username)
    engine, zh = [], []
    for q in REFUSED:
        try:
            parse(q)
        except QueryError as exc:
            engine.append(str(exc))
        else:
            engine.append(None)
        page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
        zh.append(page.split('data-testid="search-error">', 1)[1].split("</div>", 1)[0] if engine[-1] else None)
    assert len({e for e in engine if e}) >= 15, engine  # the list covers the engine's messages
    # Chinese: the engine's own sentence, unchanged
    assert [Markup(e).striptags() if e else None for e in engine] == [Markup(z).unescape() if z else None for z in zh]
    post_form(client, "/", "/language", locale="en")
    for q, message in zip(REFUSED, engine, strict=True):
        if message is None:
            continue
        page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
        shown = Markup(page.split('data-testid="search-error">', 1)[1].split("</div>", 1)[0]).unescape()
        assert shown != message and not re.search(r"[\u4e00-\u9fff]{3}", shown.replace("退休 NOT 病退", "")), (q, shown)


def test_an_estimated_total_reads_as_people_say_it(app):
    from flask import session

    from archive.fulltext.views import approx_count

    with app.test_request_context():
        assert [approx_count(n) for n in (731_204, 58_889, 12_000, 9_876, 57)] == [
            "73 万", "5.9 万", "1.2 万", "9,900", "57"]
        session["locale"] = "en"
        assert [approx_count(n) for n in (731_204, 58_889, 57)] == ["730,000", "59,000", "57"]


def test_an_estimated_total_is_shown_as_one(app, client, factory):
    """A query answered from a sample (search.estimate) says so; the same query answered exactly does not."""
    from archive.fulltext.indexing import get_index, reindex_files

    file = factory.file(None)
    factory.ingested(file, texts=[f"退休审批表 第{n}页" for n in range(1, 81)])
    with app.app_context():
        reindex_files([file.id])
        index = get_index()
    login(client, factory.user(Role.ARCHIVIST).username)
    exact = client.get("/search?q=退休").get_data(as_text=True)
    assert "共找到 80 页" in exact and "estimated" not in exact and "估计" not in exact
    index.work_bound = 1  # every query is "too costly": answered from a sample of the page-id buckets
    try:
        page = client.get("/search?q=退休").get_data(as_text=True)
    finally:
        del index.work_bound
    total = page.split('data-testid="search-total"', 1)[1].split("</p>", 1)[0]
    assert "共找到" not in total and ("estimated" in total or "估计" in total)
    assert re.search(r"\d+", total.split(">", 1)[1]) and page.count('data-testid="hit"') == 20


def test_viewer_shows_the_seals_and_the_doubt_threshold(app, client, factory):
    # Issue 12: seal text apart from the body text; words under the engine's threshold outlined in the viewer.
    from archive.pages.models import Page

    _file, made = _file_with_classes(factory)
    with factory.app.app_context():
        db.session.get(Page, made["pages"][0]).seal_text = "红星纺织厂革命委员会"
        db.session.commit()
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get(f"/pages/{made['pages'][0]}").get_data(as_text=True)
    assert 'data-testid="seal-text">红星纺织厂革命委员会</pre>' in page
    assert 'data-doubt="60.0"' in page
    assert 'data-testid="seal-text"' not in client.get(f"/pages/{made['pages'][1]}").get_data(as_text=True)
