"""ID numbers in OCR text, search snippets and audit payloads are masked for every role without need-to-know
(issue 8 item 4): only the archivist sees them in full, as on the archivist's file page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.idnumbers import make_id_number, mask_id_numbers_in_text
from archive.roles import Role
from tests.conftest import login

ID18 = make_id_number("110102", dt.date(1955, 3, 12), 123)
MASKED18 = ID18[:6] + "********" + ID18[-4:]
ID15 = "110102550312123"
TEXT = f"职工登记表 姓名：张建国 身份证 {ID18} 旧证 {ID15} 档号 XC-2020-000001 共 12 页"


@pytest.mark.parametrize(("text", "expected"), [
    (f"身份证号 {ID18}。", f"身份证号 {MASKED18}。"),
    (f"<mark>{ID18}</mark>", f"<mark>{MASKED18}</mark>"),
    (ID15, "110102*****2123"),
    ("档号 XC-2020-000001 页数 12 20260101 第3页", "档号 XC-2020-000001 页数 12 20260101 第3页"),
    ("1101021955031212345", "1101021955031212345"),  # 19 digits: not an ID number
    ("110102199913451234", "110102199913451234"),  # month 13: not a birth date
    (f"q=%E8%BA%AB%E4%BB%BD%E8%AF%81%3A{ID18}&page=2", f"q=%E8%BA%AB%E4%BB%BD%E8%AF%81%3A{MASKED18}&page=2"),
    ("sha " + "ab" * 10 + ID18 + "cd", "sha " + "ab" * 10 + ID18 + "cd"),  # inside a hex hash: untouched
])
def test_text_masker(text, expected):
    assert mask_id_numbers_in_text(text) == expected


def _setup(factory):
    file = factory.file("德胜")
    made = factory.ingested(file, texts=[TEXT, "退休审批表"])
    return file, made


def test_approver_sees_masked_ocr_text_and_snippets_archivist_full(app, client, factory):
    file, made = _setup(factory)
    approver = factory.user(Role.APPROVER)
    login(client, approver.username)
    page = client.get(f"/pages/{made['pages'][0]}").get_data(as_text=True)
    assert ID18 not in page and ID15 not in page
    assert MASKED18 in page and "XC-2020-000001" in page and "共 12 页" in page
    page = client.get("/search?q=身份证").get_data(as_text=True)
    assert 'data-testid="hit"' in page
    assert ID18 not in page and MASKED18 in page
    # the approver may search by a number they have; the snippet still shows it masked
    page = client.get(f"/search?q={ID18}").get_data(as_text=True)
    snippet = page.split('class="snippet"')[1]
    assert ID18 not in snippet and MASKED18 in snippet

    archivist = client.application.test_client()
    login(archivist, factory.user(Role.ARCHIVIST, "德胜").username)
    page = archivist.get(f"/pages/{made['pages'][0]}").get_data(as_text=True)
    assert ID18 in page and ID15 in page
    assert ID18 in archivist.get("/search?q=身份证").get_data(as_text=True)


def test_audit_payloads_and_exports_hold_no_full_id_numbers(app, client, factory):
    file, _ = _setup(factory)
    clerk = factory.user(Role.ARCHIVIST, "德胜")
    login(client, clerk.username)
    client.get(f"/search?q=身份证:{ID18}")
    client.get(f"/files?id_number={ID18}")
    client.get(f"/audit/?ip={ID18}")  # denied for an archivist: the denied URL is logged
    retiree = client.application.test_client()
    login(retiree, factory.user(Role.RETIREE, person=file.person).username)
    retiree.get(f"/search?q={ID15}")  # a retiree has no search: denied, URL logged
    with app.app_context():
        events = [(e.seq, e.outcome, e.details, e.target_id, e.reason)
                  for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq))]
    stored = json.dumps(events, ensure_ascii=False)
    assert ID18 not in stored and ID15 not in stored
    assert MASKED18 in stored
    assert any(e[1] == "denied" and MASKED18 in e[2] for e in events)
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0

    auditor = client.application.test_client()
    login(auditor, factory.user(Role.AUDITOR).username)
    body = auditor.get("/audit/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) > 5 and ID18 not in body and ID15 not in body and MASKED18 in body
    page = auditor.get(f"/audit/events/{events[-1][0]}").get_data(as_text=True)
    assert ID15 not in page
