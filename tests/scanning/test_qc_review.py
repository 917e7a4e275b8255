"""QC review through HTTP (issue 8, item 25): bulk accept, spot-check and batch labels, who and what in words."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.roles import Role
from archive.scanning.models import IngestJob, QcFinding, SpotCheck
from tests.conftest import login
from tests.helpers import csrf_token, post_form
from tests.scanning.builder import FileSpec, build
from tests.scanning.test_intake_web import _close_test_client_spool


def _findings(app, file, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    """``n`` open warnings on ``file`` (as an ingest writes them)."""
    with app.app_context():
        rows = [QcFinding(file_id=file.id, page_position=i, rule="SKEW", severity="warning",
                          material_label="一 第1号", message=f"页面倾斜 {i}.5°") for i in range(1, n + 1)]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def _status(app, ids):  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = dict(db.session.execute(select(QcFinding.id, QcFinding.status).where(QcFinding.id.in_(ids))).all())
    return [rows[i] for i in ids]


def _english(client) -> None:  # type: ignore[no-untyped-def]
    post_form(client, "/", "/language", locale="en")


def test_accept_ticked_and_all_shown_with_one_reason_each_audited(app, client, factory):
    file = factory.file("德胜")
    ids = _findings(app, file, 5)
    user = factory.user(Role.ARCHIVIST)
    login(client, user.username)
    qc = f"/files/{file.id}/qc"
    page = client.get(qc).get_data(as_text=True)
    assert page.count('data-testid="finding-tick"') == 5 and "全部接受（5 条未处理问题）" in page
    response = post_form(client, qc, f"{qc}/accept", scope="selected", finding=[str(ids[0]), str(ids[2])],
                         resolution="倾斜轻微，不影响阅读")
    assert response.status_code == 302
    assert _status(app, ids) == ["accepted", "open", "accepted", "open", "open"]
    assert "已接受 2 条问题" in client.get(qc).get_data(as_text=True)
    post_form(client, qc, f"{qc}/accept", scope="shown", shown=[str(i) for i in ids], resolution="整批复核")
    assert _status(app, ids) == ["accepted"] * 5
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "qc.decision")))
        kept = {f.id: f.resolution for f in db.session.scalars(select(QcFinding).where(QcFinding.id.in_(ids)))}
    assert sorted(int(e.target_id) for e in events) == sorted(ids)  # one event per finding, none twice
    assert {e.username for e in events} == {user.username} and {e.archive_no for e in events} == {file.archive_no}
    assert [json.loads(e.details)["before"] for e in events] == [{"status": "open"}] * 5
    assert kept[ids[0]] == "倾斜轻微，不影响阅读" and kept[ids[1]] == "整批复核"  # decided ones were not redone
    # the decisions show who made them, by name
    assert user.display_name in client.get(qc).get_data(as_text=True)


def test_bulk_accept_refuses_what_it_must(app, client, factory):
    file = factory.file("德胜")
    other = factory.file("德胜")
    ids = _findings(app, file, 2)
    foreign = _findings(app, other, 1)
    login(client, factory.user(Role.ARCHIVIST).username)
    qc = f"/files/{file.id}/qc"
    # no reason: refused with the translated message, nothing changes
    post_form(client, qc, f"{qc}/accept", scope="shown", shown=[str(i) for i in ids], resolution="   ")
    assert "接受该问题须填写理由" in client.get(qc).get_data(as_text=True)
    assert _status(app, ids) == ["open"] * 2
    # nothing ticked
    post_form(client, qc, f"{qc}/accept", scope="selected", resolution="理由")
    assert "请至少勾选一条要接受的问题" in client.get(qc).get_data(as_text=True)
    with app.app_context():
        refused = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "qc.decision")))
    assert [(e.outcome, e.archive_no) for e in refused] == [("failed", file.archive_no)] * 2  # attempts on record
    # without the CSRF token
    assert client.post(f"{qc}/accept", data={"scope": "shown", "shown": str(ids[0]), "resolution": "x"}
                       ).status_code in (302, 400)
    assert _status(app, ids) == ["open"] * 2
    # another file's finding smuggled in is left alone and counted
    post_form(client, qc, f"{qc}/accept", scope="selected", finding=[str(ids[0]), str(foreign[0]), "x1"],
              resolution="理由")
    assert _status(app, ids) == ["accepted", "open"] and _status(app, foreign) == ["open"]
    assert "所选问题中有 1 条已经处理过或不属于本卷档案" in client.get(qc).get_data(as_text=True)
    # read-only roles and other streets
    approver = app.test_client()
    login(approver, factory.user(Role.APPROVER).username)
    assert 'data-testid="bulk-accept"' not in approver.get(qc).get_data(as_text=True)
    assert approver.post(f"{qc}/accept", data={"scope": "shown", "shown": str(ids[1]), "resolution": "x"}
                         ).status_code in (400, 403)
    street = app.test_client()
    login(street, factory.user(Role.ARCHIVIST, "月坛").username)
    assert street.post(f"{qc}/accept", data={"scope": "shown", "shown": str(ids[1]), "resolution": "x"}
                       ).status_code in (400, 403, 404)
    assert _status(app, ids) == ["accepted", "open"]


def test_bulk_accept_in_english(app, client, factory):
    file = factory.file("德胜")
    ids = _findings(app, file, 3)
    login(client, factory.user(Role.ARCHIVIST).username)
    _english(client)
    qc = f"/files/{file.id}/qc"
    page = client.get(qc).get_data(as_text=True)
    assert "Accept all 3 open findings" in page and "Accept the ticked findings with this reason?" in page
    post_form(client, qc, f"{qc}/accept", scope="shown", shown=[str(i) for i in ids], resolution="ok")
    assert "Accepted 3 findings." in client.get(qc).get_data(as_text=True)


def test_spot_checks_name_their_page_and_read_in_words(app, client, factory):
    file = factory.file("德胜")
    made = factory.ingested(file, pages=3)
    user = factory.user(Role.ARCHIVIST)
    login(client, user.username)
    url = f"/ingest/jobs/{made['job']}"
    page = client.get(url).get_data(as_text=True)
    assert "待抽检" in page and ">pending<" not in page
    assert f"{file.archive_no}</span> · 第 1 页" in page and f'href="/pages/{made["pages"][0]}"' in page
    token = csrf_token(client, url)
    client.post(f"/spot-checks/{made['check']}", data={"csrf_token": token, "result": "pass", "note": "清晰"})
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="spot-check-result">合格<' in page and user.display_name in page
    _english(client)
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="spot-check-result">Passed<' in page and "Page 1" in page and ">pass<" not in page
    with app.app_context():
        assert db.session.get(SpotCheck, made["check"]).result == "pass"  # the stored code is unchanged


def test_batch_page_labels_and_operators(app, client, factory):
    file = factory.file("德胜")
    made = factory.ingested(file)
    with app.app_context():
        demo = IngestJob(created_by="demo", street=None, source="demo package", status="done", paths=[])
        cli = IngestJob(created_by="cli", street=None, source="/srv/scans/批次7", status="done", paths=[])
        db.session.add_all([demo, cli])
        db.session.commit()
        demo_id, cli_id = demo.id, cli.id
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get(f"/ingest/jobs/{made['job']}").get_data(as_text=True)
    main = page.split("<main>", 1)[1]
    assert "已处理档案" in main and "<h2>本批档案</h2>" in main and "档案查询" not in main
    page = client.get(f"/ingest/jobs/{demo_id}").get_data(as_text=True)
    assert "演示扫描包" in page and "演示数据（dangan demo）" in page and "demo package" not in page
    listing = client.get("/ingest/jobs").get_data(as_text=True)
    assert "命令行（dangan ingest）" in listing and "/srv/scans/批次7" in listing and ">cli<" not in listing
    _english(client)
    page = client.get(f"/ingest/jobs/{demo_id}").get_data(as_text=True)
    assert "Demo scan package" in page and "Files processed" in page and "Files in this batch" not in page
    assert "Files in this batch" in client.get(f"/ingest/jobs/{made['job']}").get_data(as_text=True)
    assert cli_id


def test_an_uploaded_batch_names_the_uploader(app, client, factory, tmp_path):
    app.config["DANGAN_OCR_ENGINE"], old = "", app.config.get("DANGAN_OCR_ENGINE")
    try:
        spec = FileSpec("XC-Q-000001")
        spec.materials = spec.materials[:1]
        folder = build(tmp_path / "pkg", [spec])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(folder).as_posix())
        user = factory.user(Role.ARCHIVIST)
        login(client, user.username)
        token = csrf_token(client, "/ingest")
        response = client.post("/ingest", data={"csrf_token": token, "files": (io.BytesIO(buffer.getvalue()),
                                                                                "批次.zip")},
                               content_type="multipart/form-data")
        _close_test_client_spool(response)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    finally:
        app.config["DANGAN_OCR_ENGINE"] = old
    assert f'data-testid="job-operator">{user.display_name}<' in page
    assert "批次.zip" in page


def test_the_demo_batch_names_the_demo_archivist(app, client, factory, tmp_path):
    from archive.accounts.operations import create_user
    from archive.demo.cli import DEMO_ACCOUNTS, _ingest_demo
    from tests.conftest import TEST_PASSWORD

    username, role, street, display_name = DEMO_ACCOUNTS[1]
    app.config["DANGAN_OCR_ENGINE"], old = "", app.config.get("DANGAN_OCR_ENGINE")
    try:
        spec = FileSpec("XC-D-000001")
        spec.materials = spec.materials[:1]
        package = build(tmp_path / "demo-package", [spec])
        with app.app_context():
            create_user(username, TEST_PASSWORD, role, display_name=display_name, street=street)
            db.session.commit()
            _ingest_demo(package)
            job = db.session.scalar(select(IngestJob).order_by(IngestJob.id.desc()))
            job_id, created_by = job.id, job.created_by
    finally:
        app.config["DANGAN_OCR_ENGINE"] = old
    assert created_by == username
    login(client, username)
    page = client.get(f"/ingest/jobs/{job_id}").get_data(as_text=True)
    assert f'data-testid="job-operator">{display_name}<' in page and "演示扫描包" in page


def test_a_batchs_file_outcomes_read_in_words_beside_the_audit_labels(app, client, factory):
    """The audit section's outcome labels (ok, denied …) must not shadow a batch's (ingested, rejected …)."""
    file = factory.file("德胜")
    made = factory.ingested(file)
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get(f"/ingest/jobs/{made['job']}").get_data(as_text=True)
    assert 'class="tag outcome-ingested">已入库<' in page
    _english(client)
    page = client.get(f"/ingest/jobs/{made['job']}").get_data(as_text=True)
    assert 'class="tag outcome-ingested">Ingested<' in page


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_qc_report_is_in_the_language_of_whoever_downloads_it(app, client, factory, locale):
    import io

    from openpyxl import load_workbook

    file = factory.file("德胜")
    _findings(app, file, 1)
    login(client, factory.user(Role.ARCHIVIST).username)
    if locale == "en":
        _english(client)
    response = client.get(f"/files/{file.id}/qc.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    if locale == "en":
        assert (sheet.title, header[0], header[2], row[2], row[3], row[7]) == (
            "QC report", "File no.", "Rule", "Skewed page", "Warning", "Open")
    else:
        assert (sheet.title, header[0], header[2], row[2], row[3], row[7]) == (
            "质检报告", "档号", "规则", "页面倾斜", "警告", "待处理")
    assert row[1] == "SKEW"  # the stored code, whatever the language


def test_every_qc_rule_has_a_name_in_both_languages(app):
    from archive.scanning.rule_labels import RULE_LABELS, rule_label
    from ingest.qc import RULE_NAMES_ZH

    assert set(RULE_NAMES_ZH) == set(RULE_LABELS)
    with app.test_request_context():
        assert rule_label("SKEW") == "页面倾斜" and rule_label("NEW_RULE") == "NEW_RULE"
