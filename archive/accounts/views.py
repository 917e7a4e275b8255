"""Log-in, log-out, own account, and user administration (admin only)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from archive.accounts.forms import (
    ROLE_LABELS,
    ConfirmForm,
    LoginForm,
    PasswordForm,
    ResetPasswordForm,
    UserForm,
)
from archive.accounts.models import Role, User
from archive.accounts.operations import (
    AccountError,
    authenticate,
    create_user,
    reset_password,
    set_active,
    set_declarations,
    update_user,
)
from archive.accounts.passwords import verify_password
from archive.audit import record
from archive.extensions import db
from archive.pagination import paginate
from archive.security import public, requires

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)

ACCOUNT_ERRORS = {
    "username_taken": lambda: _("This user name is already taken."),
    "bad_username": lambda: _("Invalid user name."),
    "bad_street": lambda: _("Unknown street."),
    "retiree_scope": lambda: _("Retirees have no street scope."),
    "retiree_person": lambda: _("A retiree account needs the file number (档号) of the retiree."),
    "staff_person": lambda: _("Only retiree accounts are linked to a file."),
    "district_only": lambda: _("Administrators and auditors work for the whole district."),
}


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after log-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user, outcome = authenticate(form.username.data, form.password.data)
        if outcome == "ok" and user is not None:
            record("auth.login", user=user, target_type="user", target_id=user.id)
            db.session.commit()
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        record("auth.login", outcome="failed", user=user, target_type="user", target_id=user.id if user else "",
               details={"username": form.username.data.strip().lower()[:64], "reason": outcome})
        db.session.commit()  # failed-attempt counters, lock-out and the event
        if outcome == "locked":
            form.password.errors.append(_("Too many failed attempts. The account is locked for a while."))
        elif outcome == "disabled":
            form.password.errors.append(_("This account is disabled."))
        else:
            form.password.errors.append(_("Wrong user name or password."))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@requires(*Role)
def logout():  # type: ignore[no-untyped-def]
    record("auth.logout", target_type="user", target_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(*Role)
def password():  # type: ignore[no-untyped-def]
    form = PasswordForm()
    form._username = current_user.username
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            reset_password(current_user, form.new.data, must_change=False)
            record("auth.password", target_type="user", target_id=current_user.id)
            db.session.commit()
            login_user(current_user)  # the session id carries the new version
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("web.home"))
    return render_template("accounts/password.html", form=form)


# --- administration -------------------------------------------------------------------------


@bp.route("/admin/users")
@requires(Role.ADMIN)
def users():  # type: ignore[no-untyped-def]
    q = (request.args.get("q") or "").strip()[:64]
    stmt = select(User).order_by(User.username)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    page = paginate(stmt, per_page=current_app.config["DANGAN_PAGE_SIZE"])
    record("user.list", details={"q": q, "results": page.total, "page": page.page})
    db.session.commit()
    return render_template("accounts/users.html", page=page, q=q, role_labels=ROLE_LABELS, confirm=ConfirmForm())


def _person_id_for(form: UserForm) -> int | None:
    from archive.catalogue.models import ArchiveFile

    archive_no = (form.person_archive_no.data or "").strip().upper()
    if not archive_no:
        return None
    file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == archive_no))
    if file is None or file.person_id is None:
        form.person_archive_no.errors = [*form.person_archive_no.errors, _("No file with this number.")]
        raise AccountError("no_file")
    return file.person_id


def _apply_error(form: UserForm, exc: AccountError) -> None:
    if exc.code == "no_file":
        return
    message = ACCOUNT_ERRORS.get(exc.code, lambda: _("Invalid value."))()
    field = {"username_taken": form.username, "bad_username": form.username}.get(exc.code, form.street)
    if exc.code in {"retiree_person", "staff_person"}:
        field = form.person_archive_no
    field.errors = [*field.errors, message]


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def user_new():  # type: ignore[no-untyped-def]
    form = UserForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [_("An initial password is required.")]
        else:
            try:
                user = create_user(
                    form.username.data,
                    form.password.data,
                    Role(form.role.data),
                    display_name=form.display_name.data,
                    street=form.street.data or None,
                    person_id=_person_id_for(form),
                    locale=form.locale.data,
                    must_change_password=True,
                )
            except AccountError as exc:
                db.session.rollback()
                _apply_error(form, exc)
            else:
                set_declarations(user, form.id_number.data or None, getattr(form, "relatives_parsed", []))
                record("user.create", target_type="user", target_id=user.id,
                       details={"after": {"username": user.username, "role": user.role, "street": user.street,
                                          "person_id": user.person_id, "locale": user.locale}})
                db.session.commit()
                flash(_("User %(name)s created.", name=user.username), "success")
                return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=None)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    form = UserForm(obj=user)
    del form.password
    form.username.render_kw = {"readonly": True}
    if request.method == "GET":
        form.relatives.data = "\n".join(f"{r.id_number} {r.relation}".strip() for r in user.relatives)
        form.street.data = user.street or ""
        form.person_archive_no.data = user.person.files[0].archive_no if user.person and user.person.files else ""
    else:
        form.username.data = user.username
    if form.validate_on_submit():
        try:
            changes = update_user(
                user,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                street=form.street.data or None,
                person_id=_person_id_for(form),
                locale=form.locale.data,
            )
        except AccountError as exc:
            db.session.rollback()
            _apply_error(form, exc)
        else:
            declared = set_declarations(user, form.id_number.data or None, getattr(form, "relatives_parsed", []))
            record("user.update", target_type="user", target_id=user.id,
                   details={"before": {k: v[0] for k, v in changes.items()},
                            "after": {k: v[1] for k, v in changes.items()}, "declarations": declared})
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/user_form.html", form=form, user=user, reset_form=ResetPasswordForm(), confirm=ConfirmForm()
    )


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@requires(Role.ADMIN)
def user_reset(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        reset_password(user, form.password.data, must_change=form.must_change.data)
        record("user.password_reset", target_type="user", target_id=user.id,
               details={"must_change": form.must_change.data})
        db.session.commit()
        flash(_("Password of %(name)s reset.", name=user.username), "success")
    else:
        for error in form.password.errors:
            flash(error, "danger")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@requires(Role.ADMIN)
def user_active(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "danger")
        return redirect(url_for("accounts.users"))
    enable = request.form.get("active") == "1"
    if not enable and user.role_enum is Role.ADMIN:
        admins = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
        )
        if admins <= 1:
            flash(_("The last active administrator cannot be disabled."), "danger")
            return redirect(url_for("accounts.users"))
    set_active(user, enable)
    record("user.enable" if enable else "user.disable", target_type="user", target_id=user.id)
    db.session.commit()
    flash(_("Account enabled.") if enable else _("Account disabled."), "success")
    return redirect(url_for("accounts.users"))
