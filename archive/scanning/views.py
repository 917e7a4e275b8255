"""Scanning pages: upload a package, follow a job live, QC reports and their review, spot checks."""

from __future__ import annotations

import io
import uuid

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask import g as request_globals
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from archive.access import requires
from archive.accounts.models import User
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.catalogue.scope import get_file_or_404
from archive.extensions import db
from archive.formutil import ConfirmForm
from archive.objects import get_store
from archive.pages.models import Page
from archive.pagination import paginate
from archive.roles import Role
from archive.scanning.failures import failure_message
from archive.scanning.finding_texts import finding_detail, finding_material, finding_text
from archive.scanning.forms import BulkAcceptForm, FindingForm, UploadForm
from archive.scanning.models import FindingStatus, IngestJob, JobStatus, QcFinding, SpotCheck
from archive.scanning.operations import (
    ScanningError,
    accept_findings,
    decide_finding,
    draw_spot_check,
    queue_batch,
    record_spot_check,
    refuse_decision,
    resume_batch,
)
from archive.scanning.reports import findings_workbook
from archive.scanning.rule_labels import rule_label
from archive.scanning.uploads import STORE_PREFIX, UPLOAD_PREFIX, CannotAbandon, abandon_job, upload_name
from archive.timeutil import utcnow
from storage import StorageError

bp = Blueprint("scanning", __name__)
bp.add_app_template_filter(finding_text, "finding_text")

STAFF = (Role.ARCHIVIST, Role.APPROVER)


JOB_STATUS = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}
OUTCOMES = {"ingested": _l("Ingested"), "unchanged": _l("Unchanged"), "rejected": _l("Rejected")}
SPOT_CHECK_RESULTS = {"pending": _l("Not checked yet"), "pass": _l("Passed"), "fail": _l("Failed the check")}
# Jobs started by a command, not by a person in the browser: who "created" them, in words.
SYSTEM_OPERATORS = {"cli": _l("Command line (dangan ingest)"), "demo": _l("Demo data (dangan demo)")}
# Sources written by the programs themselves (uploads keep the file names people gave them).
SOURCE_LABELS = {"demo package": _l("Demo scan package")}


def operator_name(username: str | None) -> str:
    """The display name of whoever started a job or made a decision (cached for the request)."""
    if not username:
        return ""
    if username in SYSTEM_OPERATORS:
        return str(SYSTEM_OPERATORS[username])
    names: dict[str, str] = request_globals.setdefault("dangan_operator_names", {})
    if username not in names:
        names[username] = db.session.scalar(select(User.display_name).where(User.username == username)) or username
    return names[username]


def source_label(source: str | None) -> str:
    """A job's source as shown: program-written sources translated, upload names as given."""
    return str(SOURCE_LABELS.get(source or "", source or ""))


@bp.app_context_processor
def _labels() -> dict[str, object]:
    from archive.scanning.forms import STATUS_LABELS

    return {
        "rule_name": rule_label,
        "finding_text": finding_text,
        "finding_detail": finding_detail,
        "finding_material": finding_material,
        "job_status_label": lambda s: JOB_STATUS.get(s, s),
        "file_outcome_label": lambda s: OUTCOMES.get(s, s),
        "finding_status_label": lambda s: STATUS_LABELS.get(FindingStatus(s), s),
        "finding_choices": [(s.value, label) for s, label in STATUS_LABELS.items()],
        "spot_check_label": lambda r: SPOT_CHECK_RESULTS.get(r, r),
        "operator_name": operator_name,
        "source_label": source_label,
    }


def _job_or_404(job_id: int) -> IngestJob:
    job = db.session.get(IngestJob, job_id)
    if job is None:
        abort(404)
    if current_user.street is not None and job.street != current_user.street:
        abort(403)
    return job


def _page_or_404(page_id: int) -> tuple[Page, ArchiveFile]:
    page = db.session.get(Page, page_id)
    if page is None:
        abort(404)
    return page, get_file_or_404(page.file_id)


# --- jobs -------------------------------------------------------------------------------------------


@bp.route("/ingest", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def upload() -> ResponseReturnValue:

    form = UploadForm()
    if form.validate_on_submit():
        batch = uuid.uuid4().hex
        keys, names = [], []
        store = get_store()
        try:
            for index, upload in enumerate(f for f in form.files.data if f and f.filename):
                # The file keeps its own name, in a folder of its own: a loose 目录.csv is recognised by it.
                name = upload_name(upload.filename, index)
                key = f"{UPLOAD_PREFIX}{batch}/{index:03d}/{name}"
                try:
                    store.put(key, upload.stream, content_type=upload.mimetype or "application/octet-stream")
                finally:
                    upload.close()  # large uploads are temporary files: close them now, not at exit
                keys.append(STORE_PREFIX + key)
                names.append(name)
        except StorageError as exc:
            form.files.errors = [*form.files.errors, _("The object store is unavailable: %(e)s", e=str(exc))]
            return render_template("scanning/upload.html", form=form, jobs=_recent_jobs()), 503
        job = queue_batch(keys, created_by=current_user.username, street=current_user.street, names=names)
        return redirect(url_for("scanning.job", job_id=job.id))
    return render_template("scanning/upload.html", form=form, jobs=_recent_jobs())


def _recent_jobs() -> list[IngestJob]:
    stmt = select(IngestJob).order_by(IngestJob.id.desc()).limit(20)
    if current_user.street is not None:
        stmt = stmt.where(IngestJob.street == current_user.street)
    return list(db.session.scalars(stmt))


def _job_state(job: IngestJob) -> dict[str, object]:
    elapsed = ((job.finished_at or utcnow()) - job.started_at).total_seconds() if job.started_at else 0
    rate = job.pages_done / elapsed if elapsed > 0 else 0.0
    left = (job.pages_total - job.pages_done) / rate if rate > 0 and job.status == JobStatus.RUNNING else None
    return {"id": job.id, "status": job.status, "step": job.step, "pages_done": job.pages_done,
            "pages_total": job.pages_total, "files_done": job.files_done, "files_total": job.files_total,
            "rate": round(rate, 2), "seconds_left": round(left) if left is not None else None,
            "error": failure_message(job), "reason": job.failure_code,
            "finished": job.status in (JobStatus.DONE, JobStatus.FAILED)}


@bp.route("/ingest/jobs/<int:job_id>")
@requires(Role.ARCHIVIST)
def job(job_id: int) -> ResponseReturnValue:
    job = _job_or_404(job_id)
    outcomes = list(job.summary or [])
    files = {f.archive_no: f for f in db.session.scalars(
        select(ArchiveFile).where(ArchiveFile.archive_no.in_([o["archive_no"] for o in outcomes])))}
    checks = list(db.session.scalars(select(SpotCheck).where(SpotCheck.job_id == job.id).order_by(SpotCheck.id)))
    # The sampled pages' files, so each check names the file and page it is about.
    check_files = {f.id: f for f in db.session.scalars(
        select(ArchiveFile).where(ArchiveFile.id.in_({c.page.file_id for c in checks})))} if checks else {}
    record("ingest.view", target_type="ingest_job", target_id=job.id)
    # A failed web batch still holds its uploads (kept for a retry): offer to run it again, or to give it up
    # and delete them.
    can_abandon = _resumable(job)
    return render_template("scanning/job.html", job=job, state=_job_state(job), outcomes=outcomes, files=files,
                           checks=checks, check_files=check_files, confirm=ConfirmForm(), can_abandon=can_abandon)


@bp.route("/ingest/jobs/<int:job_id>/abandon", methods=["POST"])
@requires(Role.ARCHIVIST)
def job_abandon(job_id: int) -> ResponseReturnValue:
    """Give a failed batch up: its uploaded files are deleted from the object store, it cannot be run again."""
    job = _job_or_404(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        deleted = abandon_job(job.id, user=current_user.username)
    except CannotAbandon:
        flash(_("Only a failed batch can be abandoned."), "warning")
        return redirect(url_for("scanning.job", job_id=job.id))
    flash(ngettext("Batch abandoned: %(num)d uploaded file deleted.",
                   "Batch abandoned: %(num)d uploaded files deleted.", deleted), "success")
    return redirect(url_for("scanning.job", job_id=job.id))


def _resumable(job: IngestJob) -> bool:
    """A failed web batch that still holds its uploads can be run again from its page."""
    return job.status == JobStatus.FAILED and any(p.startswith(STORE_PREFIX) for p in job.paths or [])


@bp.route("/ingest/jobs/<int:job_id>/resume", methods=["POST"])
@requires(Role.ARCHIVIST)
def job_resume(job_id: int) -> ResponseReturnValue:
    """Run a failed batch again (after an outage, a dead worker, a restart): finished pages are not redone."""
    job = _job_or_404(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not _resumable(job):
        flash(_("Only a failed batch whose uploaded files are kept can be run again."), "warning")
        return redirect(url_for("scanning.job", job_id=job.id))
    resume_batch(job)
    return redirect(url_for("scanning.job", job_id=job.id))


@bp.route("/ingest/jobs/<int:job_id>/status.json")
@requires(Role.ARCHIVIST)
def job_status(job_id: int) -> ResponseReturnValue:
    job = _job_or_404(job_id)
    # Polled every second by the job page: recorded as one cheap event each, like any other route.
    record("ingest.status", target_type="ingest_job", target_id=job.id)
    return _job_state(job)


@bp.route("/ingest/jobs/<int:job_id>/report.xlsx")
@requires(Role.ARCHIVIST)
def job_report(job_id: int) -> ResponseReturnValue:
    job = _job_or_404(job_id)
    findings = list(db.session.scalars(select(QcFinding).where(QcFinding.job_id == job.id).order_by(
        QcFinding.file_id, QcFinding.page_position, QcFinding.id)))
    record("qc.export", target_type="ingest_job", target_id=job.id, details={"findings": len(findings)})
    return _xlsx(findings_workbook(findings), f"QC-batch-{job.id}.xlsx")


def _xlsx(wb, name: str) -> Response:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/ingest/jobs/<int:job_id>/spot-check", methods=["POST"])
@requires(Role.ARCHIVIST)
def spot_check_draw(job_id: int) -> ResponseReturnValue:
    """Draw the acceptance sample: ≥ 5 % of the batch's pages, at least one (docs/domain.md#acceptance)."""
    job = _job_or_404(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        sample, total = draw_spot_check(job, float(current_app.config.get("DANGAN_SPOT_CHECK_SHARE", 0.05)))
    except ScanningError:
        flash(_("The sample of this batch has already been drawn."), "warning")
        return redirect(url_for("scanning.job", job_id=job.id))
    flash(ngettext("Drew %(num)d of %(total)d pages for the spot check.",
                   "Drew %(num)d of %(total)d pages for the spot check.", len(sample), total=total), "success")
    return redirect(url_for("scanning.job", job_id=job.id) + "#spot-check")


@bp.route("/spot-checks/<int:check_id>", methods=["POST"])
@requires(Role.ARCHIVIST)
def spot_check_record(check_id: int) -> ResponseReturnValue:
    check = db.session.get(SpotCheck, check_id)
    if check is None:
        abort(404)
    job = _job_or_404(check.job_id)
    _page, file = _page_or_404(check.page_id)
    result = request.form.get("result", "")
    if not ConfirmForm().validate_on_submit() or result not in ("pass", "fail"):
        abort(400)
    record_spot_check(check, file, result=result, note=request.form.get("note") or "", by=current_user.username)
    return redirect(url_for("scanning.job", job_id=job.id) + "#spot-check")


# --- QC of a file --------------------------------------------------------------------------------------


@bp.route("/files/<int:file_id>/qc")
@requires(*STAFF)
def file_qc(file_id: int) -> ResponseReturnValue:
    file = get_file_or_404(file_id)
    findings = list(db.session.scalars(select(QcFinding).where(QcFinding.file_id == file.id).order_by(
        QcFinding.severity, QcFinding.page_position, QcFinding.id)))
    record("qc.view", file=file, details={"findings": len(findings)})
    return render_template("scanning/file_qc.html", file=file, findings=findings, form=FindingForm(),
                           bulk=BulkAcceptForm(), can_edit=current_user.role_enum is Role.ARCHIVIST)


@bp.route("/files/<int:file_id>/qc.xlsx")
@requires(Role.ARCHIVIST)
def file_qc_export(file_id: int) -> ResponseReturnValue:
    file = get_file_or_404(file_id)
    findings = list(db.session.scalars(select(QcFinding).where(QcFinding.file_id == file.id).order_by(
        QcFinding.page_position, QcFinding.id)))
    record("qc.export", file=file, details={"findings": len(findings)})
    return _xlsx(findings_workbook(findings), f"QC-{file.archive_no}.xlsx")


@bp.route("/findings/<int:finding_id>", methods=["POST"])
@requires(Role.ARCHIVIST)
def finding_update(finding_id: int) -> ResponseReturnValue:
    finding = db.session.get(QcFinding, finding_id)
    if finding is None:
        abort(404)
    file = get_file_or_404(finding.file_id)
    form = FindingForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(url_for("scanning.file_qc", file_id=file.id))
    decide_finding(finding, file, status=form.status.data, resolution=form.resolution.data or "",
                   by=current_user.username)
    return redirect(url_for("scanning.file_qc", file_id=file.id) + f"#f{finding.id}")


def _posted_ids(name: str) -> set[int]:
    """Finding ids sent as repeated form fields; anything that is not a number is ignored."""
    return {int(v) for v in request.form.getlist(name) if v.isdigit()}


@bp.route("/files/<int:file_id>/qc/accept", methods=["POST"])
@requires(Role.ARCHIVIST)
def findings_accept(file_id: int) -> ResponseReturnValue:
    """Accept many open findings of a file with one reason: the ticked ones, or every one the page showed.

    Only findings of this file that are still open change; each gets its own ``qc.decision`` event,
    exactly as if it had been saved on its own.
    """
    file = get_file_or_404(file_id)
    back = redirect(url_for("scanning.file_qc", file_id=file.id))
    form = BulkAcceptForm()
    wanted = _posted_ids("shown") if request.form.get("scope") == "shown" else _posted_ids("finding")
    refusal = None
    if not form.validate_on_submit():
        refusal = [str(error) for errors in form.errors.values() for error in errors]
        for error in refusal:
            flash(error, "danger")
    elif not wanted:
        refusal = [_("Tick at least one finding to accept.")]
        flash(refusal[0], "warning")
    if refusal is not None:
        refuse_decision(file, wanted, refusal)
        return back
    findings = accept_findings(file, wanted, resolution=form.resolution.data, by=current_user.username)
    skipped = len(wanted) - len(findings)
    flash(ngettext("Accepted %(num)d finding.", "Accepted %(num)d findings.", len(findings)), "success")
    if skipped:
        flash(ngettext("%(num)d of the chosen findings was already decided or is not this file's; "
                       "it was left as it is.",
                       "%(num)d of the chosen findings were already decided or are not this file's; they were left "
                       "as they are.", skipped), "warning")
    return back


@bp.route("/ingest/jobs")
@requires(Role.ARCHIVIST)
def jobs() -> ResponseReturnValue:
    stmt = select(IngestJob).order_by(IngestJob.id.desc())
    if current_user.street is not None:
        stmt = stmt.where(IngestJob.street == current_user.street)
    page = paginate(stmt, per_page=current_app.config["DANGAN_PAGE_SIZE"])
    record("ingest.list", details={"results": page.total})
    return render_template("scanning/jobs.html", page=page)


__all__ = ["bp"]
