"""No ingest job is left ``running`` (issue 8, item 11).

Before, a killed pool worker (BrokenProcessPool), a database outage (OperationalError), a bad DANGAN_QC_* value
and a server restart with an embedded-queue job in flight all left the job ``running``, with a traceback for
the user.  Now each ends ``failed`` with a named reason (a code and its parameters, translated on the job page,
no traceback), the embedded queue recovers at start-up the jobs whose owner process is gone, and every failed
job resumes to the end without redoing or duplicating a page.

Faults are injected, nothing else is faked: a real pool worker is killed with SIGKILL, the database "goes away"
through an engine event hook raising OperationalError (terminating the backend would also end the test's own
outer transaction), a restart is a ``running`` job whose owner pid is dead when the queue starts.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.pages.models import Page
from archive.roles import Role
from archive.scanning.models import IngestJob
from tests.conftest import login
from tests.helpers import csrf_token, post_form
from tests.scanning.builder import FileSpec, build

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _job(app, package: Path) -> int:  # type: ignore[no-untyped-def]
    from archive.scanning.service import create_job

    with app.app_context():
        job = create_job([str(package)], created_by="cli", street=None, source=str(package))
        db.session.commit()
        return job.id


def _resume(app, job_id: int):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["ingest", "--json", "--resume", str(job_id)])
    return result.exit_code, result.output


def _pages() -> int:
    return db.session.scalar(select(func.count()).select_from(Page))


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text


def test_killed_pool_worker_fails_the_job_and_resume_finishes_it(app, tmp_path, no_ocr):
    package = build(tmp_path / "pkg", [FileSpec("XC-F-000001"), FileSpec("XC-F-000002")])
    job_id = _job(app, package)
    killed: list[int] = []

    def kill_a_worker(job: IngestJob) -> None:
        if not killed and job.step == "OCR":
            workers = multiprocessing.active_children()  # the pool's processes (fork or forkserver)
            assert workers
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    from archive.scanning.service import JobFailed, run_job

    with app.app_context(), pytest.raises(JobFailed):
        run_job(job_id, workers=2, progress=kill_a_worker)
    assert killed
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "failed" and job.failure_code == "worker_died" and job.finished_at is not None
        assert "工作进程" in job.error
        _no_traceback(job.error)
        done_before = job.pages_done
        assert 0 < done_before < 14 and _pages() == 0  # nothing half-recorded
        finish = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ingest.finish")).all()[-1]
        assert finish.outcome == "failed" and json.loads(finish.details)["reason"] == "worker_died"
    code, output = _resume(app, job_id)  # dangan ingest --resume JOB
    assert code == 0, output
    assert [o["status"] for o in json.loads(output)] == ["ingested", "ingested"]
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "done" and job.failure_code == "" and job.error == ""
        assert _pages() == 14  # no page twice


def test_killed_pool_worker_on_the_command_line_exits_cleanly(app, tmp_path, no_ocr):
    """``dangan ingest`` itself: exit 1 with the reason and the resume command, no traceback."""
    package = build(tmp_path / "pkg", [FileSpec("XC-F-000003"), FileSpec("XC-F-000004")])
    killed: list[int] = []

    def kill_on_first_checkpoint(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        # Fault injection only: when the first page is checkpointed the pool is up; SIGKILL one of its workers.
        workers = multiprocessing.active_children()
        if not killed and workers and statement.lstrip().upper().startswith("INSERT INTO INGEST_CHECKPOINTS"):
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", kill_on_first_checkpoint)
    try:
        result = app.test_cli_runner().invoke(args=["ingest", "--workers", "2", str(package)])
    finally:
        event.remove(engine, "before_cursor_execute", kill_on_first_checkpoint)
    assert killed and result.exit_code == 1
    assert "failed" in result.output and "--resume" in result.output
    _no_traceback(result.output)
    with app.app_context():
        job = db.session.scalars(select(IngestJob).order_by(IngestJob.id.desc())).first()
        assert job.status == "failed" and job.failure_code == "worker_died"
    code, output = _resume(app, job.id)
    assert code == 0, output
    with app.app_context():
        assert db.session.get(IngestJob, job.id).status == "done" and _pages() == 14


class _Outage:
    """An engine hook that makes writes fail with OperationalError, as a lost database connection does."""

    def __init__(self, engine, *, after_checkpoints: int, failures: int) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.after, self.left, self.raised, self.down = engine, after_checkpoints, failures, 0, False
        self.checkpoints = 0
        event.listen(engine, "before_cursor_execute", self)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb == "INSERT" and "ingest_checkpoints" in statement and not self.down:
            self.checkpoints += 1
            self.down = self.checkpoints > self.after
        if self.down and verb in ("INSERT", "UPDATE") and self.left != 0:
            self.left -= 1
            self.raised += 1
            raise OperationalError(statement, parameters, Exception("server closed the connection unexpectedly"))

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self)


def test_database_outage_mid_job_is_marked_failed_after_retries(app, tmp_path, no_ocr):
    from archive.scanning.service import JobFailed, run_job

    package = build(tmp_path / "pkg", [FileSpec("XC-F-000005")])
    job_id = _job(app, package)
    app.config.update(DANGAN_JOB_FAIL_RETRY_FIRST=0.05, DANGAN_JOB_FAIL_RETRY_SECONDS=20)
    with app.app_context():
        outage = _Outage(db.engine, after_checkpoints=3, failures=4)  # the checkpoint, then 3 marking attempts
    try:
        with app.app_context(), pytest.raises(JobFailed) as raised:
            run_job(job_id)
    finally:
        outage.remove()
        app.config.pop("DANGAN_JOB_FAIL_RETRY_FIRST")
        app.config["DANGAN_JOB_FAIL_RETRY_SECONDS"] = 60
    assert outage.raised == 4 and outage.left == 0  # marking the job failed was retried until the database was back
    _no_traceback(str(raised.value))
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "failed" and job.failure_code == "database_unavailable"
        assert job.pages_done == 3 and "数据库" in job.error
    code, output = _resume(app, job_id)
    assert code == 0, output
    with app.app_context():
        assert db.session.get(IngestJob, job_id).status == "done" and _pages() == 7


def test_database_gone_for_good_then_start_up_recovery_marks_the_job(app, tmp_path, no_ocr):
    """The job cannot record its failure while the database is gone: the next start-up does it."""
    from archive.scanning.queue import EmbeddedQueue
    from archive.scanning.service import JobFailed, run_job

    package = build(tmp_path / "pkg", [FileSpec("XC-F-000006")])
    job_id = _job(app, package)
    app.config.update(DANGAN_JOB_FAIL_RETRY_FIRST=0.05, DANGAN_JOB_FAIL_RETRY_SECONDS=0.3)
    with app.app_context():
        outage = _Outage(db.engine, after_checkpoints=2, failures=-1)  # never comes back while the job runs
    try:
        with app.app_context(), pytest.raises(JobFailed):
            run_job(job_id)
    finally:
        outage.remove()
        app.config.pop("DANGAN_JOB_FAIL_RETRY_FIRST")
        app.config["DANGAN_JOB_FAIL_RETRY_SECONDS"] = 60
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "running"  # it could not be marked…
        job.owner_pid = _dead_pid()  # …and the process that ran it has exited since
        db.session.commit()
    EmbeddedQueue(app)  # the server starts
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "failed" and job.failure_code == "interrupted"
    assert _resume(app, job_id)[0] == 0


def test_restart_marks_jobs_of_dead_owners_interrupted_and_they_resume(app, client, factory, tmp_path, no_ocr):
    from archive.scanning.queue import EmbeddedQueue, recover_interrupted
    from archive.scanning.service import run_job

    package = build(tmp_path / "pkg", [FileSpec("XC-F-000007"), FileSpec("XC-F-000008")])
    job_id = _job(app, package)

    class Restart(BaseException):
        """The process ends mid-job (nothing in it runs any more)."""

    def restart_after_four(job: IngestJob) -> None:
        if job.pages_done >= 4:
            raise Restart()

    with app.app_context(), pytest.raises(Restart):
        run_job(job_id, progress=restart_after_four)
    busy = _job(app, package)
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "running" and job.owner_pid == os.getpid() and job.owner_token
        job.owner_pid = _dead_pid()  # the server that ran it is gone
        # a job another live process of this host is running right now: left alone
        other = db.session.get(IngestJob, busy)
        other.status, other.owner_host, other.owner_pid = "running", job.owner_host, os.getppid()
        other.owner_token = ""
        db.session.commit()
    queue = EmbeddedQueue(app)  # start-up of the embedded queue
    assert queue.interrupted == [job_id]
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "failed" and job.failure_code == "interrupted" and job.pages_done == 4
        assert job.failure_params["owner"].endswith(f":{os.getpid()}")
        assert db.session.get(IngestJob, busy).status == "running"
    assert recover_interrupted(app) == ([], [])  # a second start-up finds nothing more to do
    # The job page names the reason in the user's language, without a traceback.
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get(f"/ingest/jobs/{job_id}").get_data(as_text=True)
    assert 'data-reason="interrupted"' in page and 'data-value="failed"' in page
    _no_traceback(page)
    post_form(client, "/", "/language", locale="en")
    page = client.get(f"/ingest/jobs/{job_id}").get_data(as_text=True)
    assert "interrupted by a restart of the server" in page
    assert "interrupted by a restart" in client.get(f"/ingest/jobs/{job_id}/status.json").get_json()["error"]
    # …and it can be resumed: the four pages done are not redone.
    code, output = _resume(app, job_id)
    assert code == 0, output
    with app.app_context():
        assert db.session.get(IngestJob, job_id).status == "done" and _pages() == 14
    # The job a live process holds is not claimed a second time.
    code, output = _resume(app, busy)
    assert code == 1 and "is running in process" in output


def test_restart_queues_again_uploaded_batches_left_queued(app):
    from archive.scanning.queue import recover_interrupted
    from archive.scanning.service import create_job
    from archive.scanning.uploads import STORE_PREFIX

    with app.app_context():
        upload = create_job([STORE_PREFIX + "incoming/x/000/a.zip"], created_by="u", street=None, source="a.zip")
        create_job(["/some/local/path"], created_by="cli", street=None, source="p")  # a command line's own job
        db.session.commit()
        upload_id = upload.id
    assert recover_interrupted(app) == ([], [upload_id])


def test_bad_qc_setting_fails_the_job_clearly(app, tmp_path, no_ocr):
    from archive.scanning.service import JobFailed, run_job

    job_id = _job(app, build(tmp_path / "pkg", [FileSpec("XC-F-000009")]))
    app.config["DANGAN_QC_DPI_WARNING"] = "high"
    try:
        with app.app_context(), pytest.raises(JobFailed):
            run_job(job_id)
    finally:
        del app.config["DANGAN_QC_DPI_WARNING"]
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "failed" and job.failure_code == "config_invalid"
        assert "DANGAN_QC_DPI_WARNING" in job.error and job.pages_done == 0  # before any page was read
    assert _resume(app, job_id)[0] == 0  # once the setting is corrected


def test_bad_qc_setting_stops_the_start_up_with_the_setting_named(tmp_path):
    from archive.config import ConfigError
    from tests.conftest import make_app

    with pytest.raises(ConfigError, match="DANGAN_QC_SKEW_ERROR"):
        make_app(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}", DANGAN_QC_SKEW_ERROR="3°")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env.update({"DANGAN_INSTANCE_PATH": str(tmp_path / "instance"), "PYTHONPATH": str(ROOT),
                "DANGAN_QC_SKEW_ERROR": "3°"})
    proc = subprocess.run([sys.executable, "-c", "from archive.cli import main; main()", "ingest", "--resume", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "DANGAN_QC_SKEW_ERROR" in proc.stderr
    _no_traceback(proc.stderr)


def test_web_batch_stopped_by_a_bad_setting_shows_the_reason(app, client, factory, tmp_path, no_ocr):
    package = build(tmp_path / "pkg", [FileSpec("XC-F-000010")])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(package.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(package).as_posix())
    login(client, factory.user(Role.ARCHIVIST).username)
    app.config["DANGAN_QC_DUPLICATE_HAMMING"] = "4.5"
    try:
        token = csrf_token(client, "/ingest")
        response = client.post("/ingest", data={"csrf_token": token, "files": (io.BytesIO(buffer.getvalue()), "p.zip")},
                               content_type="multipart/form-data")
    finally:
        del app.config["DANGAN_QC_DUPLICATE_HAMMING"]
    response.request.environ["wsgi.input"].close()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-value="failed"' in page and 'data-reason="config_invalid"' in page
    assert "DANGAN_QC_DUPLICATE_HAMMING" in page
    _no_traceback(page)
    # Once the setting is corrected, the batch is run again from its page (its uploads were kept).
    job_page = response.headers["Location"]
    assert 'data-testid="resume-job"' in page
    resumed = post_form(client, job_page, job_page + "/resume")
    assert resumed.status_code == 302
    page = client.get(job_page).get_data(as_text=True)
    assert 'data-value="done"' in page and 'data-testid="job-error"' not in page
    with app.app_context():
        assert _pages() == 7
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "ingest.resume")) == 1
