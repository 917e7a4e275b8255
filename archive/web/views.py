"""Home page per role, the language switch and a health check."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select, text

from archive.access import public, requires
from archive.accounts.models import User
from archive.accounts.operations import set_locale
from archive.catalogue.models import ArchiveFile, FileStatus, Material
from archive.catalogue.scope import scoped_files
from archive.extensions import db
from archive.formutil import ConfirmForm
from archive.i18n import LOCALES
from archive.roles import Role

bp = Blueprint("web", __name__)


@bp.route("/")
@requires(*Role)
def home() -> ResponseReturnValue:
    role = current_user.role_enum
    if role is Role.RETIREE:
        return redirect(url_for("lending.my_requests"))
    context: dict[str, object] = {}
    if role in (Role.ARCHIVIST, Role.APPROVER):
        files = scoped_files(select(ArchiveFile.id)).subquery()
        context["file_count"] = db.session.scalar(select(func.count()).select_from(files))
        by_status = db.session.execute(
            select(ArchiveFile.status, func.count())
            .where(ArchiveFile.id.in_(select(files.c.id)))
            .group_by(ArchiveFile.status)
        ).all()
        context["by_status"] = {FileStatus(s): n for s, n in by_status}
        context["material_count"] = db.session.scalar(
            select(func.count()).select_from(Material).where(Material.file_id.in_(select(files.c.id)))
        )
    if role is Role.ADMIN:
        context["user_count"] = db.session.scalar(select(func.count()).select_from(User))
        context["active_count"] = db.session.scalar(
            select(func.count()).select_from(User).where(User.active.is_(True))
        )
    return render_template("home.html", **context)


@bp.route("/language", methods=["POST"])
@public
def set_language() -> ResponseReturnValue:
    form = ConfirmForm()
    locale = request.form.get("locale", "")
    if not form.validate_on_submit() or locale not in LOCALES:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        set_locale(current_user._get_current_object(), locale)
    target = request.referrer or ""
    host = request.host_url
    return redirect(target if target.startswith(host) else url_for("web.home"))


@bp.route("/healthz")
@public
def health() -> ResponseReturnValue:
    db.session.execute(text("SELECT 1"))
    return {"ok": True}
