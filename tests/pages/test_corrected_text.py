"""Issue 12: an archivist corrects a page's recognised text; the engine's stays; search finds the correction."""

from __future__ import annotations

import json

from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.fulltext.indexing import get_index
from archive.pages.models import Page
from archive.roles import Role
from tests.conftest import login
from tests.helpers import csrf_token


def _setup(factory, client, role=Role.ARCHIVIST, street="德胜"):  # type: ignore[no-untyped-def]
    file = factory.file(street)
    made = factory.ingested(file, pages=1, texts=["姓名 张建国 参加工作时问 1968年"])  # the engine misread 时间
    user = factory.user(role, street)
    login(client, user.username)
    return file, made["pages"][0], user


def _hits(app, query):  # type: ignore[no-untyped-def]
    with app.app_context():
        return {h.page_id for h in get_index().search(query, limit=50).hits}


def test_a_correction_is_kept_beside_the_engines_text_searched_and_audited(app, factory, client):
    file, page_id, user = _setup(factory, client)
    assert page_id not in _hits(app, '"参加工作时间"')
    token = csrf_token(client, f"/pages/{page_id}")
    response = client.post(f"/pages/{page_id}/text",
                           data={"csrf_token": token, "text": "姓名 张建国\r\n参加工作时间 1968年  "})
    assert response.status_code == 302
    with app.app_context():
        page = db.session.get(Page, page_id)
        assert page.ocr_text == "姓名 张建国 参加工作时问 1968年"  # the engine's text never changes
        assert page.corrected_text == "姓名 张建国\n参加工作时间 1968年" and page.corrected_by == user.username
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "page.correct_text")).one()
        details = json.loads(event.details)
        assert event.username == user.username and event.target_id == str(page_id)
        assert "张建国" not in event.details and details["after"]["chars"] == len(page.corrected_text)
    assert page_id in _hits(app, '"参加工作时间"')  # the index reads the correction now
    assert page_id not in _hits(app, '"工作时问"')
    body = client.get(f"/pages/{page_id}").get_data(as_text=True)
    assert 'data-testid="corrected-note"' in body and "参加工作时问" in body  # the engine's text is still shown


def test_restoring_the_engines_text_removes_the_correction(app, factory, client):
    file, page_id, _user = _setup(factory, client)
    token = csrf_token(client, f"/pages/{page_id}")
    client.post(f"/pages/{page_id}/text", data={"csrf_token": token, "text": "参加工作时间"})
    client.post(f"/pages/{page_id}/text", data={"csrf_token": token, "text": "姓名 张建国 参加工作时问 1968年"})
    with app.app_context():
        page = db.session.get(Page, page_id)
        assert page.corrected_text is None and page.corrected_by == ""


def test_only_archivists_in_scope_may_correct_and_a_bad_form_writes_nothing(app, factory, client):
    file, page_id, _user = _setup(factory, client, role=Role.APPROVER)
    token = csrf_token(client, f"/pages/{page_id}")
    assert client.post(f"/pages/{page_id}/text", data={"csrf_token": token, "text": "x"}).status_code == 403
    other, client = factory.user(Role.ARCHIVIST, "月坛"), app.test_client()
    login(client, other.username)
    token = csrf_token(client, "/files")
    assert client.post(f"/pages/{page_id}/text", data={"csrf_token": token, "text": "x"}).status_code == 403
    archivist, client = factory.user(Role.ARCHIVIST, "德胜"), app.test_client()
    login(client, archivist.username)
    assert client.post(f"/pages/{page_id}/text", data={"text": "x"}).status_code in (302, 400)  # no CSRF token
    token = csrf_token(client, f"/pages/{page_id}")
    client.post(f"/pages/{page_id}/text", data={"csrf_token": token, "text": "字" * 20_001})
    with app.app_context():
        assert db.session.get(Page, page_id).corrected_text is None
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "page.correct_text")).all()
