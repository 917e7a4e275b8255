"""Contract tests of the read endpoints: every role × own street / other street / unknown, answers as documented."""

from __future__ import annotations

import datetime as dt

import pytest

from archive.idnumbers import make_id_number, mask_id_number
from archive.roles import Role
from tests.api.conftest import events, make_token
from tests.api.openapi_check import check_answer


@pytest.fixture
def world(app, factory, api):
    """Two files on two streets, pages indexed, and a token per role (street staff on 德胜)."""
    mine = factory.file("德胜", person=factory.person("王秀兰", street="德胜"))
    other = factory.file("月坛", person=factory.person("赵国强", street="月坛"))
    pages = factory.ingested(mine, texts=[f"职工登记表 王秀兰 身份证 {mine.person.id_number}"])
    factory.ingested(other, texts=[f"职工登记表 赵国强 身份证 {other.person.id_number}"])
    users = {role: factory.user(role, "德胜" if role in (Role.ARCHIVIST, Role.APPROVER) else None,
                                person=mine.person if role is Role.RETIREE else None) for role in Role}
    users["district"] = factory.user(Role.ARCHIVIST)
    tokens = {key: make_token(app, user) for key, user in users.items()}
    document = api.get("/openapi.json").get_json()
    return {"mine": mine, "other": other, "pages": pages, "users": users, "tokens": tokens, "doc": document}


def _no_leak(response, *files):
    body = response.get_data(as_text=True)
    for file in files:
        for secret in (file.person.name, file.person.id_number, mask_id_number(file.person.id_number)):
            assert secret not in body, f"a refusal names {secret}"


FILE_EXPECTED = {  # role → (own street, other street)
    Role.ARCHIVIST: (200, 403), Role.APPROVER: (200, 403), "district": (200, 200),
    Role.AUDITOR: (403, 403), Role.ADMIN: (403, 403), Role.RETIREE: (403, 403),
}


@pytest.mark.parametrize("role", list(FILE_EXPECTED), ids=str)
def test_get_file_by_role_and_scope(app, api, world, role):
    token = world["tokens"][role]
    for which, expected in zip(("mine", "other"), FILE_EXPECTED[role], strict=True):
        file = world[which]
        path = f"/api/v1/files/{file.archive_no}"
        response = api.get(path, token)
        assert response.status_code == expected, (role, which, response.get_json())
        check_answer(world["doc"], "GET", path, response)
        recorded = events(app, response.headers["X-Request-ID"])
        assert recorded and all(e.username == world["users"][role].username for e in recorded)
        if expected == 200:
            body = response.get_json()
            (view,) = [e for e in recorded if e.action == "file.view"]
            assert view.file_id == file.id and '"via":"api"' in view.details
            full = role in (Role.ARCHIVIST, "district")
            assert body["person"]["id_number"] == (file.person.id_number if full
                                                   else mask_id_number(file.person.id_number))
            assert body["person"]["id_number_masked"] is (not full)
            assert [m["seq"] for m in body["materials"]] == [1, 2, 3]
            assert body["materials"][0]["class"] == "一" and body["materials"][0]["class_code"] == "1"
        else:
            assert [e.action for e in recorded] == ["access.denied"]
            _no_leak(response, world["mine"], world["other"])
    unknown = api.get("/api/v1/files/NO-SUCH-FILE", token)
    assert unknown.status_code == (404 if FILE_EXPECTED[role][0] == 200 else 403)
    check_answer(world["doc"], "GET", "/api/v1/files/NO-SUCH-FILE", unknown)


def test_file_pages_link_to_the_audited_image_routes(app, api, world):
    body = api.get(f"/files/{world['mine'].archive_no}", world["tokens"][Role.ARCHIVIST]).get_json()
    (page,) = body["pages"]
    assert page["id"] == world["pages"]["pages"][0]
    assert page["links"]["image"] == f"/pages/{page['id']}/image"
    assert page["links"]["original"] == f"/pages/{page['id']}/original"
    assert body["materials"][0]["scanned_pages"] == 1
    approver = api.get(f"/files/{world['mine'].archive_no}", world["tokens"][Role.APPROVER]).get_json()
    assert approver["pages"][0]["links"]["original"] is None  # originals are for archivists only


SEARCH_EXPECTED = {Role.ARCHIVIST: 200, Role.APPROVER: 200, "district": 200, Role.AUDITOR: 403, Role.ADMIN: 403,
                   Role.RETIREE: 403}


@pytest.mark.parametrize("role", list(SEARCH_EXPECTED), ids=str)
def test_search_by_role_with_scope_and_masking(app, api, world, role):
    path = "/api/v1/search?q=职工登记表"
    response = api.get(path, world["tokens"][role])
    assert response.status_code == SEARCH_EXPECTED[role]
    check_answer(world["doc"], "GET", path, response)
    recorded = events(app, response.headers["X-Request-ID"])
    if response.status_code != 200:
        assert [e.action for e in recorded] == ["access.denied"]
        _no_leak(response, world["mine"], world["other"])
        return
    body = response.get_json()
    expected = {world["mine"].archive_no} | ({world["other"].archive_no} if role == "district" else set())
    assert {f["archive_no"] for f in body["files"]} == expected  # the street scope is the engine's
    assert body["total"] == len(expected)
    snippets = " ".join(h["snippet"] for f in body["files"] for h in f["hits"])
    number = world["mine"].person.id_number
    if role is Role.APPROVER:
        assert number not in snippets and mask_id_number(number) in snippets
    (query,) = [e for e in recorded if e.action == "search.query"]
    assert "职工登记表" in query.details


def test_search_query_errors_are_400_with_fields(app, api, world):
    token = world["tokens"][Role.ARCHIVIST]
    cases = {"/search": "q", "/search?q=x&page=abc": "page", "/search?q=x&page=0": "page",
             "/search?q=x&sort=name": "sort", "/search?q=" + "字" * 300: "q", "/search?q=(职工": "q"}
    for path, field in cases.items():
        response = api.get(path, token)
        assert response.status_code == 400, (path, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] in ("invalid_query", "invalid_body") and field in error["fields"], (path, error)
        check_answer(world["doc"], "GET", "/api/v1" + path, response)
        (event,) = events(app, response.headers["X-Request-ID"])
        assert event.action == "api.refused" and event.username == world["users"][Role.ARCHIVIST].username


def test_errors_under_the_api_are_json_never_html(app, api, world, monkeypatch):
    token = world["tokens"][Role.ARCHIVIST]
    for method, path, status in (("GET", "/api/v1/nothing-here", 404), ("POST", "/api/v1/search", 405),
                                 ("GET", "/api/v1/files/X%00Y", 400), ("GET", "/api/v1", 404)):
        response = api.call(method, path, token)
        assert response.status_code == status, path
        assert response.is_json and response.get_json()["error"]["status"] == status
        assert "<html" not in response.get_data(as_text=True).lower()

    class Broken:  # fault injection: the index fails inside the view
        def search(self, *args, **kwargs):
            raise RuntimeError("index on fire")

    app.extensions["dangan.index"] = Broken()
    response = api.get("/search?q=x", token)
    assert response.status_code == 500 and response.is_json
    assert "index on fire" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    recorded = events(app, response.headers["X-Request-ID"])
    assert [e.outcome for e in recorded] == ["error"]
    app.extensions.pop("dangan.index")


def test_answers_follow_the_callers_language(app, api, factory, world):
    from archive.accounts.models import User
    from archive.extensions import db

    with app.app_context():
        db.session.get(User, world["users"][Role.AUDITOR].id).locale = "en"
        db.session.commit()
    english = api.get(f"/files/{world['mine'].archive_no}", world["tokens"][Role.AUDITOR]).get_json()
    chinese = api.get(f"/files/{world['mine'].archive_no}", world["tokens"][Role.ADMIN]).get_json()
    assert english["error"]["message"] != chinese["error"]["message"]
    assert english["error"]["message"].isascii()


def test_another_persons_id_number_never_born_here():
    # guard for the fixture: the two people differ
    assert make_id_number("110102", dt.date(1955, 3, 12), 1) != make_id_number("110102", dt.date(1955, 3, 12), 3)
