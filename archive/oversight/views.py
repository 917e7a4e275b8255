"""The auditor's section (安全审计): events, file timelines, user activity, exports, chain status, flags.

Only the security auditor reaches these pages; the system administrator does
not (三员分立).  No route here, or anywhere, changes or deletes an event.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from archive.access import requires
from archive.accounts.forms import ROLE_LABELS
from archive.accounts.models import User
from archive.audit.anchors import anchor_read_store
from archive.audit.models import AuditEvent, AuditFlag
from archive.audit.recorder import record
from archive.audit.verify import verify_log
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.formutil import ConfirmForm
from archive.idnumbers import mask_id_numbers_in_text
from archive.oversight.display import Names, display_names, event_rows, names_for, target_label
from archive.oversight.export import csv_chunks, write_xlsx
from archive.oversight.filters import ACTIONS, OUTCOMES, EventFilter, FilterError, parse_filter
from archive.oversight.flagtext import flag_summary
from archive.oversight.labels import action_label, outcome_label
from archive.oversight.operations import acknowledge_flag
from archive.pagination import paginate
from archive.roles import Role
from archive.timeutil import utcnow

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTER_MESSAGES = {
    "bad_date": lambda: _("Use a date like 2026-01-31."),
    "date_out_of_range": lambda: _("The date is outside the range of the log."),
    "range_reversed": lambda: _("The end is before the start."),
    "range_too_long": lambda: _("The period is too long; choose at most ten years."),
    "bad_value": lambda: _("Invalid value."),
}


def _filter_or_error() -> tuple[EventFilter | None, dict[str, str]]:
    try:
        return parse_filter(request.args, max_days=current_app.config.get("DANGAN_AUDIT_MAX_RANGE_DAYS", 3660)), {}
    except FilterError as exc:
        return None, {exc.field: FILTER_MESSAGES[exc.code]()}


def _details(event: AuditEvent) -> str:
    # Events recorded before payloads were masked at record time still carry full ID numbers.
    try:
        text = json.dumps(json.loads(event.details), ensure_ascii=False, indent=1)
    except ValueError:
        text = event.details
    return mask_id_numbers_in_text(text)


@bp.app_context_processor
def _audit_labels() -> dict[str, object]:
    return {"outcome_label": outcome_label, "action_label": action_label, "role_name": _role_name,
            "audit_names": names_for, "audit_target": target_label, "event_rows": event_rows,
            "flag_summary": flag_summary}


def _role_name(code: str) -> str:
    """A stored role in words: staff roles by their label, the shell and anonymous visitors by name."""
    if code in {r.value for r in Role}:
        return str(ROLE_LABELS[Role(code)])
    return {"cli": _("Command line"), "anonymous": _("Not logged in")}.get(code, code)


@bp.app_template_filter("mask_ids")
def _mask_ids(text: str | None) -> str:
    return mask_id_numbers_in_text(text or "")


@bp.app_template_filter("audit_details")
def _audit_details(event: AuditEvent) -> str:
    return _details(event)


@bp.route("/")
@requires(Role.AUDITOR)
def events() -> ResponseReturnValue:
    flt, errors = _filter_or_error()
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if flt is None:
        record("audit.search", outcome="failed", details={"args": request.args.to_dict(), "errors": errors})
        return render_template("audit/events.html", page=None, errors=errors, args=request.args,
                               actions=ACTIONS, outcomes=OUTCOMES), 400
    page = paginate(flt.statement(tz), per_page=50)
    record("audit.search", details={"filter": flt.as_dict(), "results": page.total})
    return render_template("audit/events.html", page=page, errors={}, args=request.args, actions=ACTIONS,
                           outcomes=OUTCOMES)


@bp.route("/export.<fmt>")
@requires(Role.AUDITOR)
def export(fmt: str) -> ResponseReturnValue:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    flt, errors = _filter_or_error()
    if flt is None:
        record("audit.export", outcome="failed", details={"args": request.args.to_dict(), "errors": errors})
        flash(" ".join(errors.values()), "danger")
        return redirect(url_for("audit.events"))
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    record("audit.export", details={"filter": flt.as_dict(), "format": fmt})
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        return Response(
            stream_with_context(csv_chunks(flt.statement(tz), tz)),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename=audit-{stamp}.csv"},
        )
    # xlsx is a zip: written to a spooled temp file (write-only mode keeps rows out of memory).
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - send_file closes it
    write_xlsx(flt.statement(tz), spool, tz)
    spool.seek(0)
    return send_file(spool, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=f"audit-{stamp}.xlsx")


@bp.route("/events/<int:seq>")
@requires(Role.AUDITOR)
def event_detail(seq: int) -> ResponseReturnValue:
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
    if event is None:
        abort(404)
    record("audit.view", target_type="audit_event", target_id=seq)
    return render_template("audit/event.html", event=event)


@bp.route("/files/<archive_no>")
@requires(Role.AUDITOR)
def file_timeline(archive_no: str) -> ResponseReturnValue:
    """Who has seen this person's file, and under which approval."""
    archive_no = archive_no.strip().upper()[:64]
    file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == archive_no))
    stmt = select(AuditEvent).where(AuditEvent.archive_no == archive_no)
    if file is not None:
        stmt = select(AuditEvent).where((AuditEvent.archive_no == archive_no) | (AuditEvent.file_id == file.id))
    page = paginate(stmt.order_by(AuditEvent.seq.desc()), per_page=50)
    readers = db.session.execute(
        select(AuditEvent.username, AuditEvent.role, func.count(), func.max(AuditEvent.occurred_at))
        .where(AuditEvent.archive_no == archive_no, AuditEvent.outcome == "ok")
        .group_by(AuditEvent.username, AuditEvent.role)
        .order_by(func.max(AuditEvent.occurred_at).desc())
    ).all()
    record("audit.view", target_type="file_timeline", target_id=archive_no, file=None,
           archive_no=archive_no, file_id=file.id if file else None, person_id=file.person_id if file else None)
    return render_template("audit/file_timeline.html", archive_no=archive_no, file=file, page=page,
                           readers=readers, reader_names=_reader_names(readers))


def _reader_names(readers: Sequence[Any]) -> Names:
    return Names(by_username=display_names(r[0] for r in readers))


@bp.route("/users/<username>")
@requires(Role.AUDITOR)
def user_activity(username: str) -> ResponseReturnValue:
    username = username.strip().lower()[:64]
    user = db.session.scalar(select(User).where(User.username == username))
    page = paginate(select(AuditEvent).where(AuditEvent.username == username).order_by(AuditEvent.seq.desc()),
                    per_page=50)
    by_action = db.session.execute(
        select(AuditEvent.action, AuditEvent.outcome, func.count())
        .where(AuditEvent.username == username)
        .group_by(AuditEvent.action, AuditEvent.outcome)
        .order_by(func.count().desc())
    ).all()
    record("audit.view", target_type="user_activity", target_id=username)
    return render_template("audit/user_activity.html", username=username, user=user, page=page,
                           by_action=by_action)


@bp.route("/chain")
@requires(Role.AUDITOR)
def chain() -> ResponseReturnValue:
    from storage import StorageError

    store_error = None
    try:
        report = verify_log(anchor_read_store())
    except StorageError as exc:
        store_error = str(exc)
        report = verify_log(None)
    db.session.rollback()
    record("audit.verify", outcome="ok" if report.ok and not store_error else "failed",
           details={**report.as_dict(), "store_error": store_error})
    return render_template("audit/chain.html", report=report, store_error=store_error)


@bp.route("/flags")
@requires(Role.AUDITOR)
def flags() -> ResponseReturnValue:
    from archive.oversight.rules import RULE_LABELS, scan

    scan()  # incremental: only events since the last scan
    status = request.args.get("status", "open")
    stmt = select(AuditFlag).order_by(AuditFlag.id.desc())
    if status in ("open", "acknowledged"):
        stmt = stmt.where(AuditFlag.status == status)
    page = paginate(stmt, per_page=50)
    record("audit.view", target_type="flags", target_id=status)
    return render_template("audit/flags.html", page=page, status=status, rule_labels=RULE_LABELS,
                           confirm=ConfirmForm())


@bp.route("/flags/<int:flag_id>/acknowledge", methods=["POST"])
@requires(Role.AUDITOR)
def flag_ack(flag_id: int) -> ResponseReturnValue:
    flag = db.session.get(AuditFlag, flag_id)
    if flag is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    note = (request.form.get("note") or "").strip()[:2000]
    if not note:
        flash(_("Write a note on what you found."), "danger")
        return redirect(url_for("audit.flags"))
    if acknowledge_flag(flag, note, by=current_user.username):
        flash(_("Flag acknowledged."), "success")
    return redirect(url_for("audit.flags"))


