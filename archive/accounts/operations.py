"""Account operations.  They flush; the request or CLI command commits."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from sqlalchemy import delete, func, select

from archive.accounts.models import LoginFailure, User
from archive.accounts.passwords import hash_password, needs_rehash, verify_password
from archive.audit import record
from archive.extensions import db
from archive.geo import STREETS
from archive.idnumbers import mask_id_number
from archive.roles import Role
from archive.timeutil import utcnow

__all__ = [
    "AccountError",
    "authenticate",
    "create_user",
    "end_sessions",
    "link_person",
    "reset_password",
    "set_active",
    "set_locale",
    "update_user",
]

log = logging.getLogger(__name__)


class AccountError(ValueError):
    """A user-facing refusal: ``code`` is stable, ``str()`` is for logs."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


def _check_scope(role: Role, street: str | None, person_id: int | None, unbound: bool = False) -> None:

    if street is not None and street not in STREETS:
        raise AccountError("bad_street", f"unknown street {street!r}")
    if role is Role.RETIREE:
        if street is not None:
            raise AccountError("retiree_scope", "retirees have no street scope")
        if person_id is None and not unbound:
            raise AccountError("retiree_person", "a retiree account must name its person")
    elif person_id is not None:
        raise AccountError("staff_person", "staff accounts are not linked to a retiree")
    if role in (Role.ADMIN, Role.AUDITOR) and street is not None:
        raise AccountError("district_only", "admins and auditors work district-wide")


def create_user(
    username: str,
    password: str,
    role: Role,
    *,
    display_name: str = "",
    street: str | None = None,
    person_id: int | None = None,
    locale: str = "zh_CN",
    must_change_password: bool = False,
    activation_pending: bool = False,
    unbound: bool = False,
) -> User:
    """Create a user; raises :class:`AccountError` on a taken name or an impossible scope.

    ``activation_pending`` is set for accounts an administrator creates in the UI: such an
    account reads no personal data until a second person activates it (三员分立).  The shell,
    demo data and tests create usable accounts directly.  ``unbound`` lets a retiree account exist
    before it names its person: a self-registration (:mod:`archive.lending.registrations`) that an
    archivist binds with :func:`link_person` once the identity is checked; until then it sees no file.
    """
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise AccountError("bad_username")
    exists = db.session.scalar(select(func.count()).select_from(User).where(User.username == username))
    if exists:
        raise AccountError("username_taken", username)
    _check_scope(role, street, person_id, unbound)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role.value,
        street=street,
        person_id=person_id,
        locale=locale,
        must_change_password=must_change_password,
        activation_pending=activation_pending,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_declarations(user: User, id_number: str | None, relatives: list[tuple[str, str]]) -> dict[str, object]:
    """Record a staff member's own ID number and declared relatives (亲属回避); returns what changed.

    ID numbers are returned masked: the audit trail needs to know that they changed, not what they are.
    """
    from archive.accounts.models import UserRelative

    changes: dict[str, object] = {}
    if user.id_number != (id_number or None):
        changes["id_number"] = [mask_id_number(user.id_number), mask_id_number(id_number)]
        user.id_number = id_number or None
    current = [(r.id_number, r.relation) for r in user.relatives]
    if current != relatives:
        changes["relatives"] = [[mask_id_number(n) + " " + r for n, r in current],
                                [mask_id_number(n) + " " + r for n, r in relatives]]
        user.relatives.clear()
        db.session.flush()
        for number, relation in relatives:
            user.relatives.append(UserRelative(id_number=number, relation=relation))
    db.session.flush()
    return changes


def update_user(
    user: User, *, display_name: str, role: Role, street: str | None, person_id: int | None, locale: str
) -> dict[str, tuple[object, object]]:
    """Change a user's role and scope; returns the before/after of each changed field."""
    _check_scope(role, street, person_id)
    changes: dict[str, tuple[object, object]] = {}
    for field, value in (
        ("display_name", display_name),
        ("role", role.value),
        ("street", street),
        ("person_id", person_id),
        ("locale", locale),
    ):
        if getattr(user, field) != value:
            changes[field] = (getattr(user, field), value)
            setattr(user, field, value)
    if "role" in changes or "street" in changes:
        user.session_version += 1  # a narrower scope takes effect at once
    db.session.flush()
    return changes


def link_person(user: User, person_id: int) -> None:
    """Bind a retiree account to its person (after an archivist checked the identity).

    Its sessions go on: every request reads the link afresh, so the retiree's next page shows the file.
    """
    if user.role_enum is not Role.RETIREE:
        raise AccountError("staff_person", "staff accounts are not linked to a retiree")
    user.person_id = person_id
    db.session.flush()


def reset_password(user: User, new_password: str, *, must_change: bool) -> None:
    """Set a new password and end the account's sessions."""
    set_password_hash(user, hash_password(new_password), must_change=must_change)


def set_password_hash(user: User, password_hash: str, *, must_change: bool) -> None:
    """Store an already-hashed password (a confirmed request carries only the hash); ends sessions."""
    user.password_hash = password_hash
    user.must_change_password = must_change
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Revoke every session of ``user``: each one carries the old version and stops loading."""
    user.session_version += 1
    db.session.flush()


def set_active(user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions."""
    user.active = active
    if not active:
        user.session_version += 1
    db.session.flush()


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["DANGAN_LOGIN_LOCK_MINUTES"])


def login_throttled(ip: str, username: str, now: dt.datetime) -> bool:
    """True when ``(ip, username)`` failed too often within the window (whether the name exists or not)."""
    failures = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(
            LoginFailure.ip == ip, LoginFailure.username == username, LoginFailure.at >= now - _window()
        )
    )
    return failures >= current_app.config["DANGAN_LOGIN_MAX_FAILURES"]


def _note_failure(ip: str, username: str, now: dt.datetime) -> None:
    # Old rows are useless once outside the window; pruning here keeps the table small without a job.
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - _window()))
    db.session.add(LoginFailure(ip=ip, username=username, at=now))
    db.session.flush()


def authenticate(
    username: str, password: str, *, ip: str = "", now: dt.datetime | None = None
) -> tuple[User | None, str]:
    """Check credentials under the per-(IP, user name) throttle.

    Returns ``(user, "ok")`` or ``(None | user, reason)`` with reason one of ``throttled``,
    ``unknown``, ``bad_password``, ``disabled``.  Throttling never locks the account itself:
    the real user from another address still logs in, and an attacker cannot lock the admin out.
    It answers the same for names that exist and names that do not, and verification always
    runs (against a dummy hash for unknown names) so timing does not tell which names exist.
    Counters are flushed for the caller to commit.
    """
    now = now or utcnow()
    name = username.strip().lower()[:64]
    user = db.session.scalar(select(User).where(User.username == name))
    if login_throttled(ip, name, now):
        return user, "throttled"  # the user only names the audit event; the answer is the same for all
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok:
        _note_failure(ip, name, now)
        if user is not None and login_throttled(ip, name, now):
            log.warning("log-ins for %s from %s throttled after repeated failures", name, ip)
        return user, "unknown" if user is None else "bad_password"
    if not user.active:
        return user, "disabled"
    db.session.execute(delete(LoginFailure).where(LoginFailure.ip == ip, LoginFailure.username == name))
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.flush()
    return user, "ok"


def set_locale(user: User, locale: str) -> None:
    """The language the user reads the UI in (kept with the account, so it follows them)."""
    before = user.locale
    user.locale = locale
    db.session.flush()
    record("user.locale", target_type="user", target_id=user.id,
           details={"before": {"locale": before}, "after": {"locale": locale}})
