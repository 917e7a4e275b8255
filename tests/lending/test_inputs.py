"""Bad input gets a clear refusal and leaves nothing behind: uploads, ID numbers, templates, registrations."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
from PIL import Image
from sqlalchemy import func, select

from archive.accounts.models import User
from archive.extensions import db
from archive.idnumbers import make_id_number
from archive.lending.models import CertificateTemplate, LendingRequest, RegistrationStatus, RetireeRegistration
from archive.roles import Role
from tests.conftest import TEST_PASSWORD, login
from tests.helpers import csrf_token
from tests.lending.helpers import ask, ask_number, client_for, decide, prepare

RELATIVE = make_id_number("110102", dt.date(1980, 5, 6), 21)


def _pdf() -> bytes:
    out = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(out)
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def _behalf(client, data: bytes, name: str = "weituo.pdf", relative: str = RELATIVE):  # type: ignore[no-untyped-def]
    return ask(client, on_behalf="y", relative_name="张小红", relative_relation="女儿", relative_id_number=relative,
               authorisation=(io.BytesIO(data), name))


def _count(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LendingRequest))


def test_authorisation_uploads(app, world):
    client = client_for(app, world.retiree)
    encrypted = io.BytesIO()
    with pikepdf.open(io.BytesIO(_pdf())) as pdf:
        pdf.save(encrypted, encryption=pikepdf.Encryption(owner="o", user="u"))
    bad = {
        "an executable named .pdf": b"MZ\x90\x00" + b"\x00" * 200,
        "html": b"<html><script>alert(1)</script></html>",
        "a truncated JPEG": b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 30,
        "a broken PDF": b"%PDF-1.7\n1 0 obj << /Type /Catalog",
        "an encrypted PDF": encrypted.getvalue(),
        "empty": b"",
    }
    for what, data in bad.items():
        response = _behalf(client, data)
        assert response.status_code == 400, what
        body = response.get_data(as_text=True)
        assert "authorisation" in body.lower() or "委托书" in body or "授权" in body, what
    # (a limit of 0 MB: a real 10 MB body would spool to a temporary file the test client leaves open)
    app.config["DANGAN_AUTHORISATION_MAX_MB"] = 0
    try:
        too_large = _behalf(client, _png(), "big.png")
        assert too_large.status_code == 400 and "MB" in too_large.get_data(as_text=True)
    finally:
        app.config["DANGAN_AUTHORISATION_MAX_MB"] = 10
    assert _count(app) == 0
    for data, name in ((_pdf(), "a.pdf"), (_png(), "a.png")):
        response = _behalf(client, data, name)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        kinds = sorted(r.authorisation_mime for r in db.session.scalars(select(LendingRequest)))
    assert kinds == ["application/pdf", "image/png"]


def test_relative_id_number_is_checked(app, world):
    client = client_for(app, world.retiree)
    assert _behalf(client, _pdf(), relative="123456").status_code == 400
    assert _behalf(client, _pdf(), relative=world.file.person.id_number).status_code == 400  # the retiree's own
    assert _count(app) == 0


def test_archivist_sees_the_authorisation_with_the_request_as_reason(app, world):
    number_resp = _behalf(client_for(app, world.retiree), _png(), "a.png")
    assert number_resp.status_code == 302
    number = number_resp.headers["Location"].rsplit("/", 1)[-1]
    archivist = client_for(app, world.archivist)
    shown = archivist.get(f"/lending/requests/{number}/authorisation")
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert "张小红" in archivist.get(f"/lending/requests/{number}").get_data(as_text=True)


def test_registration_binding_and_its_refusals(app, world, factory):
    anonymous = app.test_client()
    person = world.file.person
    form = {"name": person.name, "id_number": person.id_number, "mobile": "138 0013 8000", "username": "zhang.sr",
            "password": TEST_PASSWORD, "confirm": TEST_PASSWORD}
    bad = anonymous.post("/register", data={**form, "csrf_token": csrf_token(anonymous, "/register"),
                                            "id_number": "110102195503120000"})
    assert bad.status_code == 400
    ok = anonymous.post("/register", data={**form, "csrf_token": csrf_token(anonymous, "/register")})
    assert ok.status_code == 302
    portal = anonymous.get("/my/requests")
    assert portal.status_code == 200 and 'data-testid="unbound"' in portal.get_data(as_text=True)
    assert anonymous.get("/my/requests/new").status_code == 403  # nothing to ask about before the check
    assert anonymous.get("/me").status_code == 200
    assert world.file.archive_no not in anonymous.get("/me").get_data(as_text=True)

    with app.app_context():
        reg = db.session.scalar(select(RetireeRegistration).where(RetireeRegistration.name == person.name))
    archivist = client_for(app, world.archivist)
    listing = archivist.get("/lending/registrations").get_data(as_text=True)
    assert "zhang.sr" in listing
    other = factory.file("德胜")
    token = csrf_token(archivist, "/lending/registrations")
    wrong = archivist.post(f"/lending/registrations/{reg.id}/bind", data={"csrf_token": token,
                                                                          "archive_no": other.archive_no})
    assert wrong.status_code == 409 and other.person.name not in wrong.get_data(as_text=True)
    unknown = archivist.post(f"/lending/registrations/{reg.id}/bind", data={"csrf_token": token,
                                                                            "archive_no": "NO-SUCH"})
    assert unknown.status_code == 409
    elsewhere = client_for(app, factory.user(Role.ARCHIVIST, "月坛"))
    assert "zhang.sr" not in elsewhere.get("/lending/registrations").get_data(as_text=True)
    right = archivist.post(f"/lending/registrations/{reg.id}/bind", data={"csrf_token": token,
                                                                          "archive_no": world.file.archive_no})
    assert right.status_code == 302
    with app.app_context():
        assert db.session.get(RetireeRegistration, reg.id).status == RegistrationStatus.BOUND
        assert db.session.get(User, reg.user_id).person_id == person.id
    assert ask_number(anonymous)  # the same session can now ask
    again = archivist.post(f"/lending/registrations/{reg.id}/bind", data={"csrf_token": token,
                                                                          "archive_no": world.file.archive_no})
    assert again.status_code == 409


def test_counter_account(app, world, factory):
    file = factory.file("德胜")
    archivist = client_for(app, world.archivist)
    token = csrf_token(archivist, "/lending/counter")
    response = archivist.post("/lending/counter", data={"csrf_token": token, "archive_no": file.archive_no,
                                                        "mobile": "13900000000", "username": "counter1",
                                                        "password": TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    client = app.test_client()
    login(client, "counter1")
    assert client.get("/my/requests").status_code == 302  # the first password must be changed
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "counter1"))
        assert user.person_id == file.person_id and user.must_change_password


def test_certificate_template_and_request(app, world, factory):
    admin = client_for(app, factory.user(Role.ADMIN))
    with app.app_context():
        template = db.session.scalar(select(CertificateTemplate).where(CertificateTemplate.code == "service_years"))
    path = f"/lending/templates/{template.id}"
    token = csrf_token(admin, path)
    refused = admin.post(path, data={"csrf_token": token, "title": "工龄证明", "active": "y",
                                     "body": "兹证明{姓名}的{工作年限}。"})
    assert refused.status_code == 400 and "工作年限" in refused.get_data(as_text=True)
    body = "兹证明{姓名}（身份证号：{身份证号}）于{参加工作时间}参加工作，至{截止日期}连续工龄{连续工龄}年。"
    saved = admin.post(path, data={"csrf_token": token, "title": "工龄证明", "active": "y", "body": body})
    assert saved.status_code == 302

    number = ask_number(client_for(app, world.retiree), kind="certificate", purpose="service_years")
    archivist = client_for(app, world.archivist)
    missing = prepare(archivist, number, [], template=str(template.id))
    assert missing.status_code == 400  # 参加工作时间 is still empty
    ok = prepare(archivist, number, [world.file.materials[0].id], template=str(template.id),
                 work_start="1970年3月", cutoff="2015年3月")
    assert ok.status_code == 302
    with app.app_context():
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        assert "连续工龄45年" in req.certificate_text and "1970年3月参加工作" in req.certificate_text
    assert decide(client_for(app, world.approver), number).status_code == 302
    with app.app_context():
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        token_ = req.download_token
    pdf = client_for(app, world.retiree).get(f"/my/requests/{number}/copy/{token_}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_materials_by_class_and_seq(app, world):
    """The JSON API names materials as the catalogue does: 类号 in any spelling and 序号, or ids."""
    import pytest

    from archive.catalogue.models import ArchiveFile
    from archive.lending.lookup import resolve_materials
    from archive.lending.rules import LendingError

    with app.app_context():
        file = db.session.get(ArchiveFile, world.file.id)
        first, second = file.materials[0].id, file.materials[1].id
        assert resolve_materials(file, [{"class": "一", "seq": 2}, {"class": "1", "seq": 1}, second]) == \
            [second, first, second]
        for bad in ([{"class": "十一", "seq": 1}], [{"class": "1", "seq": 99}], [{"seq": 1}], [10 ** 9]):
            with pytest.raises(LendingError):
                resolve_materials(file, bad)
