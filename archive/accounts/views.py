"""Log-in, log-out, own account, and user administration (admin only)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from archive.access import public, requires
from archive.accounts import duties
from archive.accounts.administration import (
    ask_second_person,
    change_own_password,
    create_account,
    decide_request,
    edit_account,
    log_in,
    log_out,
    reset_account_password,
    set_account_active,
)
from archive.accounts.forms import (
    REQUEST_LABELS,
    ROLE_LABELS,
    LoginForm,
    PasswordForm,
    ResetPasswordForm,
    UserForm,
)
from archive.accounts.models import AccountRequest, ApiToken, User
from archive.accounts.operations import (
    AccountError,
)
from archive.accounts.passwords import hash_password, verify_password
from archive.accounts.tokens import revoke_token, tokens_of
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.formutil import ConfirmForm
from archive.pagination import paginate
from archive.roles import Role

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
    "auditor_role": lambda: _("The role and scope of an auditor cannot be changed by an administrator."),
    "own_role": lambda: _("You cannot change your own role."),
}


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after log-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user, outcome = log_in(form.username.data, form.password.data, ip=request.remote_addr or "")
        if outcome == "ok" and user is not None:
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        if outcome == "throttled":
            # The same answer whether the name exists or not, and the account itself is not locked.
            status = 429
            form.password.errors.append(_("Too many failed attempts. Please wait a few minutes and try again."))
        elif outcome == "disabled":  # only said to whoever knows the password
            form.password.errors.append(_("This account is disabled."))
        else:
            form.password.errors.append(_("Wrong user name or password."))
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@requires(*Role)
def logout() -> ResponseReturnValue:
    # A copy of the session cookie must not outlive the log-out: the version it carries goes stale.
    log_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(*Role)
def password() -> ResponseReturnValue:
    form = PasswordForm()
    form._username = current_user.username
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            # The real object, not the proxy: login_user(current_user) stored the proxy in the
            # request context and the next lookup recursed until the process crashed.
            user = current_user._get_current_object()
            change_own_password(user, form.new.data)  # ends the other sessions
            login_user(user)  # re-issue this session with the new session version
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("web.home"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account/awaiting")
@requires(*Role)
def awaiting() -> ResponseReturnValue:
    """Where an account pending activation lands: it may change its password and log out, nothing else."""
    if not current_user.activation_pending:
        return redirect(url_for("web.home"))
    return render_template("accounts/awaiting.html")


# --- administration -------------------------------------------------------------------------


@bp.route("/admin/users")
@requires(Role.ADMIN)
def users() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()[:64]
    stmt = select(User).order_by(User.username)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    page = paginate(stmt, per_page=current_app.config["DANGAN_PAGE_SIZE"])
    waiting = set(db.session.scalars(select(AccountRequest.user_id).where(AccountRequest.status == "pending")))
    record("user.list", details={"q": q, "results": page.total, "page": page.page})
    return render_template("accounts/users.html", page=page, q=q, role_labels=ROLE_LABELS, confirm=ConfirmForm(),
                           waiting=waiting)


def _person_id_for(form: UserForm) -> int | None:

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
    field = {"username_taken": form.username, "bad_username": form.username,
             "auditor_role": form.role, "own_role": form.role}.get(exc.code, form.street)
    if exc.code in {"retiree_person", "staff_person"}:
        field = form.person_archive_no
    field.errors = [*field.errors, message]


def _admin() -> User:
    return current_user._get_current_object()


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def user_new() -> ResponseReturnValue:
    form = UserForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [_("An initial password is required.")]
        else:
            try:
                user = create_account(
                    _admin(), form.username.data, form.password.data, Role(form.role.data),
                    display_name=form.display_name.data, street=form.street.data or None,
                    person_id=_person_id_for(form), locale=form.locale.data,
                    id_number=form.id_number.data or None, relatives=getattr(form, "relatives_parsed", []),
                )
            except AccountError as exc:
                db.session.rollback()
                _apply_error(form, exc)
            else:
                flash(_("User %(name)s created. An approver must activate the account before it can be used.",
                        name=user.username), "success")
                return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=None)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _check_role_change(user: User, role: Role, street: str | None) -> None:
    """Refuse what no administrator may do alone: change their own role, or an auditor's role or scope."""
    if user.id == current_user.id and role is not user.role_enum:
        raise AccountError("own_role")
    if user.role_enum is Role.AUDITOR and (role is not Role.AUDITOR or street != user.street):
        raise AccountError("auditor_role")


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def user_edit(user_id: int) -> ResponseReturnValue:
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
        role, street = Role(form.role.data), form.street.data or None
        try:
            _check_role_change(user, role, street)
            person_id = _person_id_for(form)
            if duties.needs_second_person(user):
                ask_second_person(user, "update", _admin(), {
                    "display_name": form.display_name.data, "locale": form.locale.data,
                    "id_number": form.id_number.data or None,
                    "relatives": getattr(form, "relatives_parsed", []),
                })
                flash(_("The change to an auditor's account waits for an approver's confirmation."), "info")
                return redirect(url_for("accounts.users"))
            edit_account(_admin(), user, display_name=form.display_name.data, role=role, street=street,
                         person_id=person_id, locale=form.locale.data, id_number=form.id_number.data or None,
                         relatives=getattr(form, "relatives_parsed", []))
        except AccountError as exc:
            db.session.rollback()
            _apply_error(form, exc)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/user_form.html", form=form, user=user, reset_form=ResetPasswordForm(), confirm=ConfirmForm(),
        tokens=tokens_of(user),
    )


@bp.route("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Role.ADMIN)
def token_revoke(user_id: int, token_id: int) -> ResponseReturnValue:
    """Revoke one of a user's API access tokens (making them is ``dangan users token``: shown once)."""
    user = _user_or_404(user_id)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        revoke_token(token, by=_admin().username)
    except AccountError:
        db.session.rollback()
        flash(_("This token was already revoked."), "info")
    else:
        flash(_("Token %(prefix)s… revoked: programs using it are refused from now on.", prefix=token.prefix),
              "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@requires(Role.ADMIN)
def user_reset(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if user.id == current_user.id:
        flash(_("Use the password page to change your own password."), "danger")
    elif form.validate_on_submit():
        if duties.needs_second_person(user):
            ask_second_person(user, "reset_password", _admin(), {"password_hash": hash_password(form.password.data)})
            flash(_("The change to an auditor's account waits for an approver's confirmation."), "info")
        else:
            # The administrator knows this password: the user must replace it, and an approver must
            # activate the account again before it reads personal data.
            reset_account_password(_admin(), user, form.password.data)
            flash(_("Password of %(name)s reset. An approver must activate the account again.",
                    name=user.username), "success")
    else:
        for error in form.password.errors:
            flash(error, "danger")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@requires(Role.ADMIN)
def user_active(user_id: int) -> ResponseReturnValue:
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
    if duties.needs_second_person(user):
        ask_second_person(user, "enable" if enable else "disable", _admin())
        flash(_("The change to an auditor's account waits for an approver's confirmation."), "info")
        return redirect(url_for("accounts.users"))
    set_account_active(user, enable)
    flash(_("Account enabled.") if enable else _("Account disabled."), "success")
    return redirect(url_for("accounts.users"))


# --- second person (三员分立): the approver confirms what an administrator asked for -------------


@bp.route("/accounts/pending")
@requires(Role.APPROVER)
def pending() -> ResponseReturnValue:
    requests = duties.pending_requests()
    record("user.requests", details={"pending": len(requests)})
    return render_template("accounts/pending.html", requests=requests, role_labels=ROLE_LABELS,
                           request_labels=REQUEST_LABELS, confirm=ConfirmForm())


@bp.route("/accounts/pending", methods=["POST"])
@requires(Role.APPROVER)
def decide() -> ResponseReturnValue:
    decision, request_id = request.form.get("decision"), request.form.get("request", "")
    if not ConfirmForm().validate_on_submit() or decision not in ("confirm", "reject") or not request_id.isdigit():
        abort(400)
    req = db.session.get(AccountRequest, int(request_id))
    if req is None:
        abort(404)
    approver = current_user._get_current_object()
    try:
        decide_request(req, approver, decision)
    except AccountError as exc:
        db.session.rollback()
        flash(_("You cannot decide this request yourself: it needs another approver.")
              if exc.code == "same_person" else _("This request has already been decided."), "danger")
        return redirect(url_for("accounts.pending"))
    flash(_("Request confirmed.") if decision == "confirm" else _("Request rejected."), "success")
    return redirect(url_for("accounts.pending"))
