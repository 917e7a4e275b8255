"""Search in the app: fed after commit, scoped inside the engine, audited; CLI search, rebuild and check."""

from __future__ import annotations

import json

from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.roles import Role
from tests.conftest import login
from tests.helpers import post_form


def _two_streets(factory):  # type: ignore[no-untyped-def]
    own = factory.file("德胜", person=factory.person("张建国", street="德胜"))
    other = factory.file("月坛", person=factory.person("王秀英", sex="F", street="月坛"))
    factory.ingested(own, texts=["干部履历表 姓名：张建国 工作单位：北京第一机床厂", "退休审批表 同意张建国同志退休"])
    factory.ingested(other, texts=["职工登记表 姓名：王秀英 退休审批", "工资变动审批表"])
    return own, other


def test_search_finds_pages_and_respects_scope(app, client, factory):
    own, other = _two_streets(factory)
    login(client, factory.user(Role.ARCHIVIST, "德胜").username)
    page = client.get("/search?q=退休").get_data(as_text=True)
    assert own.archive_no in page and other.archive_no not in page
    assert "<mark>" in page
    assert 'data-testid="search-total"' in page
    district = app.test_client()
    login(district, factory.user(Role.APPROVER).username)
    page = district.get("/search?q=退休").get_data(as_text=True)
    assert own.archive_no in page and other.archive_no in page
    # a facet narrows to one street, counted inside the engine
    page = district.get("/search?q=退休&street=月坛").get_data(as_text=True)
    assert other.archive_no in page and own.archive_no not in page
    with app.app_context():
        # in the order they happened (without ORDER BY, PostgreSQL returns rows updated since in any order)
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "search.query")
                                         .order_by(AuditEvent.seq)))
    assert [json.loads(e.details)["q"] for e in events] == ["退休", "退休", "退休"]
    assert json.loads(events[0].details)["scope"] == ["德胜"]


def test_name_search_and_hit_opens_viewer_with_terms(app, client, factory):
    own, _ = _two_streets(factory)
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get("/search?q=张建国").get_data(as_text=True)
    assert own.archive_no in page
    assert "q=" in page.split('data-testid="hit-link"')[0].rsplit("href=", 1)[1]


def test_bad_queries_never_fail(app, client, factory):
    _two_streets(factory)
    login(client, factory.user(Role.ARCHIVIST).username)
    for q in ('"unbalanced', "AND", "NOT", "档" * 10_000, "*", "<script>alert(1)</script>", "形成时间:abc"):
        response = client.get("/search", query_string={"q": q})
        assert response.status_code == 200, q
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_retirees_have_no_search(app, client, factory):
    own, _ = _two_streets(factory)
    login(client, factory.user(Role.RETIREE, person=own.person).username)
    assert client.get("/search?q=退休").status_code == 403


def test_catalogue_edit_and_street_move_reach_the_index(app, client, factory):
    own, _ = _two_streets(factory)
    login(client, factory.user(Role.ARCHIVIST).username)
    material = own.materials[0]
    post_form(client, f"/materials/{material.id}/edit", class_code="1", seq="1", title="特殊标题材料",
              formed="1980", pages="2", remarks="", original_label="一")
    assert own.archive_no in client.get("/search?q=材料:特殊标题材料").get_data(as_text=True)
    post_form(client, f"/files/{own.id}/edit", volumes_original="1", volumes_copy="0", custody="district",
              street="牛街", status="digitised")
    street_clerk = app.test_client()
    login(street_clerk, factory.user(Role.ARCHIVIST, "德胜").username)
    assert own.archive_no not in street_clerk.get("/search?q=退休").get_data(as_text=True)


def test_cli_search_rebuild_and_check(app, factory):
    own, other = _two_streets(factory)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "退休", "--json"])
    payload = json.loads(result.output)
    assert payload["total"] == 2 and payload["total_exact"] is True
    assert {h["archive_no"] for h in payload["hits"]} == {own.archive_no, other.archive_no}
    assert {"page", "material", "score", "snippet"} <= set(payload["hits"][0])
    assert runner.invoke(args=["index", "check"]).exit_code == 0
    from archive.fulltext.indexing import get_index

    with app.app_context():
        get_index().clear()
        check = json.loads(runner.invoke(args=["index", "check", "--json"]).output)
        assert len(check["missing"]) == 4
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    after = json.loads(runner.invoke(args=["search", "退休", "--json"]).output)
    assert sorted(h["archive_no"] for h in after["hits"]) == sorted(h["archive_no"] for h in payload["hits"])
    assert runner.invoke(args=["index", "check"]).exit_code == 0
    assert runner.invoke(args=["search", "AND"]).exit_code != 0
