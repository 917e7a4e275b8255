"""Browsing, filtering, opening files and editing materials through the web UI."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from archive.catalogue.models import Material
from archive.extensions import db
from archive.roles import Role
from tests.conftest import login
from tests.helpers import csrf_token, post_form


def _materials(app, file_id):
    with app.app_context():
        return [
            (m.class_no, m.subclass, m.seq, m.title)
            for m in db.session.scalars(
                select(Material).where(Material.file_id == file_id).order_by(
                    Material.class_no, Material.subclass, Material.seq
                )
            )
        ]


def test_list_filters_and_masks_id_numbers(app, client, factory):
    a = factory.file("德胜", person=factory.person("张建国", employer="北京第一机床厂"))
    b = factory.file("德胜", person=factory.person("王秀英", sex="F", employer="北京市百货大楼"))
    factory.file("月坛", person=factory.person("张建国", street="月坛"))
    login(client, factory.user(Role.ARCHIVIST, "德胜").username)

    page = client.get("/files?name=张建国").get_data(as_text=True)
    assert a.archive_no in page and b.archive_no not in page
    assert "月坛" not in page.split("<tbody>")[1]  # other street's namesake is out of scope
    assert a.person.id_number not in page  # masked in lists
    assert a.person.id_number[:6] + "********" + a.person.id_number[-4:] in page

    page = client.get("/files?employer=百货").get_data(as_text=True)
    assert b.archive_no in page and a.archive_no not in page
    page = client.get(f"/files?id_number={b.person.id_number[-4:]}").get_data(as_text=True)
    assert b.archive_no in page and a.archive_no not in page
    page = client.get(f"/files?archive_no={a.archive_no.lower()}").get_data(as_text=True)
    assert a.archive_no in page and b.archive_no not in page
    page = client.get("/files?status=transferred").get_data(as_text=True)
    assert a.archive_no not in page


def test_list_paginates(app, client, factory):
    for _ in range(app.config["DANGAN_PAGE_SIZE"] + 3):
        factory.file(None, materials=0)
    login(client, factory.user(Role.ARCHIVIST).username)
    first = client.get("/files").get_data(as_text=True)
    assert 'rel="next"' in first
    second = client.get("/files?page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and second.count('href="/files/') == 3
    assert client.get("/files?page=99999").status_code == 200
    assert client.get("/files?page=abc").status_code == 200


def test_full_id_only_for_archivists(app, client, factory):
    file = factory.file("德胜")
    login(client, factory.user(Role.ARCHIVIST).username)
    assert file.person.id_number in client.get(f"/files/{file.id}").get_data(as_text=True)
    approver_client = app.test_client()
    login(approver_client, factory.user(Role.APPROVER).username)
    page = approver_client.get(f"/files/{file.id}").get_data(as_text=True)
    assert file.person.id_number not in page
    assert 'href="/materials/' not in page  # read-only for approvers


def test_file_page_groups_by_class(app, client, factory):
    file = factory.file("德胜", materials=2)
    with app.app_context():
        db.session.add(Material(file_id=file.id, class_no=4, subclass=1, seq=1, title="毕业证书", formed="1972"))
        db.session.add(Material(file_id=file.id, class_no=9, subclass=2, seq=1, title="退休审批表", formed="2010-05"))
        db.session.commit()
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get(f"/files/{file.id}").get_data(as_text=True)
    assert page.index("一 履历") < page.index("四-1") < page.index("九-2") < page.index("十 其他")
    assert "毕业证书" in page and "退休审批表" in page


def test_add_edit_move_delete_material(app, client, factory):
    file = factory.file("德胜", materials=3)
    login(client, factory.user(Role.ARCHIVIST).username)
    form = f"/files/{file.id}/materials/new"
    response = post_form(client, form, class_code="1", seq="", title="职工登记表", formed="1985.3",
                         pages="2", remarks="复印件", original_label="")
    assert response.status_code == 302
    rows = _materials(app, file.id)
    assert rows[-1] == (1, 0, 4, "职工登记表")
    with app.app_context():
        added = db.session.scalar(select(Material).where(Material.title == "职工登记表"))
        assert added.formed == "1985-03" and added.original_label == "一" and added.remarks == "复印件"

    # invalid values are refused next to their fields
    response = post_form(client, form, class_code="1", seq="1", title="", formed="1985-02-30", pages="-1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in ("title", "formed", "pages"):
        assert f'data-testid="error-{name}"' in page, name
    response = post_form(client, form, class_code="1", seq="2", title="重复序号", formed="", pages="")
    assert 'data-testid="error-seq"' in response.get_data(as_text=True)
    response = post_form(client, form, class_code="3-1", title="x")  # sub-class that does not exist
    assert 'data-testid="error-class_code"' in response.get_data(as_text=True)

    # edit: move to class 9-2 at its end
    response = post_form(client, f"/materials/{added.id}/edit", class_code="9-2", seq="", title="职工登记表（改）",
                         formed="1985年3月12日", pages="3", remarks="", original_label="九-2")
    assert response.status_code == 302
    with app.app_context():
        edited = db.session.get(Material, added.id)
        assert (edited.class_no, edited.subclass, edited.seq, edited.formed) == (9, 2, 1, "1985-03-12")

    # move the third row of class 1 up
    third = [m for m in file.materials if m.seq == 3][0]
    post_form(client, f"/files/{file.id}", f"/materials/{third.id}/move", direction="up")
    assert [r[3] for r in _materials(app, file.id) if r[0] == 1] == ["干部履历表1", "干部履历表3", "干部履历表2"]

    # delete the first: the others move up, 序号 stays contiguous
    first = [m for m in file.materials if m.seq == 1][0]
    post_form(client, f"/files/{file.id}", f"/materials/{first.id}/delete")
    assert [(r[2], r[3]) for r in _materials(app, file.id) if r[0] == 1] == [(1, "干部履历表3"), (2, "干部履历表2")]


def test_edit_file_location_and_volumes(app, client, factory):
    file = factory.file("德胜")
    login(client, factory.user(Role.ARCHIVIST, "德胜").username)
    response = post_form(client, f"/files/{file.id}/edit", volumes_original="2", volumes_copy="1",
                         custody="street", street="德胜", status="catalogued", room="德胜库房", row_no="3",
                         rack="2", shelf="4", cell="7", notes="")
    assert response.status_code == 302
    page = client.get(f"/files/{file.id}").get_data(as_text=True)
    assert "德胜库房" in page and 'data-testid="volumes"' in page
    # a street archivist cannot move a file into another street
    response = post_form(client, f"/files/{file.id}/edit", volumes_original="2", volumes_copy="1",
                         custody="street", street="月坛", status="catalogued")
    assert response.status_code == 200 and 'data-testid="error-street"' in response.get_data(as_text=True)


def test_csrf_required_on_material_forms(app, client, factory):
    file = factory.file("德胜")
    login(client, factory.user(Role.ARCHIVIST).username)
    response = client.post(f"/files/{file.id}/materials/new", data={"class_code": "1", "title": "x"})
    assert response.status_code == 400
    material_id = file.materials[0].id
    assert client.post(f"/materials/{material_id}/delete").status_code == 400
    assert len(_materials(app, file.id)) == 3


def test_dates_shown_in_shanghai_time(app, client, factory):
    admin = factory.user(Role.ADMIN)
    clerk = factory.user(Role.ARCHIVIST)
    with app.app_context():
        from archive.accounts.models import User

        user = db.session.get(User, clerk.id)
        user.last_login_at = dt.datetime(2026, 1, 1, 20, 30)  # UTC
        db.session.commit()
    login(client, admin.username)
    page = client.get(f"/admin/users?q={clerk.username}").get_data(as_text=True)
    assert "2026-01-02 04:30" in page


def test_language_switch_per_user(app, client, factory):
    user = factory.user(Role.ARCHIVIST)
    login(client, user.username)
    assert "目录" in client.get("/catalogue/import").get_data(as_text=True)
    token = csrf_token(client, "/")
    client.post("/language", data={"csrf_token": token, "locale": "en"})
    page = client.get("/catalogue/import").get_data(as_text=True)
    assert "Import catalogue" in page and 'lang="en"' in page
    other = app.test_client()  # the choice is kept with the account, not just the browser
    login(other, user.username)
    assert 'lang="en"' in other.get("/").get_data(as_text=True)
    assert client.post("/language", data={"csrf_token": token, "locale": "xx"}).status_code == 400
