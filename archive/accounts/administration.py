"""What people do to accounts, each step with its audit event.

Log in and out, change one's password, and the administrator's and approver's work (三员分立).
Operations flush; the request or command commits.

The building blocks (:mod:`archive.accounts.operations`, :mod:`archive.accounts.duties`) change rows;
this module is what views and commands call, so that no view writes an event next to a change.
"""

from __future__ import annotations

from typing import Any

from archive.accounts import duties
from archive.accounts.models import AccountRequest, User
from archive.accounts.operations import (
    authenticate,
    create_user,
    end_sessions,
    reset_password,
    set_active,
    set_declarations,
    update_user,
)
from archive.audit import record
from archive.roles import Role

__all__ = ["ask_second_person", "change_own_password", "create_account", "decide_request", "edit_account",
           "log_in", "log_out", "reset_account_password", "set_account_active"]


def log_in(username: str, password: str, *, ip: str) -> tuple[User | None, str]:
    """:func:`authenticate`, with the log-in (or its failure, and why) on record."""
    user, outcome = authenticate(username, password, ip=ip)
    if outcome == "ok" and user is not None:
        record("auth.login", user=user, target_type="user", target_id=user.id)
    else:
        record("auth.login", outcome="failed", user=user, target_type="user", target_id=user.id if user else "",
               details={"username": username.strip().lower()[:64], "reason": outcome})
    return user, outcome


def log_out(user: User) -> None:
    """End every session of the user (a copied cookie goes stale with them)."""
    end_sessions(user)
    record("auth.logout", user=user, target_type="user", target_id=user.id)


def change_own_password(user: User, new_password: str) -> None:
    reset_password(user, new_password, must_change=False)  # ends the other sessions
    record("auth.password", user=user, target_type="user", target_id=user.id)


def ask_second_person(user: User, action: str, admin: User, payload: dict[str, Any] | None = None) -> AccountRequest:
    """A change an administrator may not make alone: it waits for an approver."""
    req = duties.request_change(user, action, admin, payload)
    _record_request(req, user)
    return req


def _record_request(req: AccountRequest, user: User) -> None:
    record("user.request", target_type="user", target_id=user.id,
           details={"request": req.id, "action": req.action, "username": user.username})


def create_account(admin: User, username: str, password: str, role: Role, *, display_name: str,
                   street: str | None, person_id: int | None, locale: str, id_number: str | None,
                   relatives: list[tuple[str, str]]) -> User:
    """A new account with an initial password the administrator knows.

    The password must be changed at first log-in, and an approver activates the account before it reads anything.
    """
    user = create_user(username, password, role, display_name=display_name, street=street, person_id=person_id,
                       locale=locale, must_change_password=True, activation_pending=True)
    set_declarations(user, id_number, relatives)
    record("user.create", target_type="user", target_id=user.id,
           details={"after": {"username": user.username, "role": user.role, "street": user.street,
                              "person_id": user.person_id, "locale": user.locale},
                    "activation_pending": True})
    _record_request(duties.request_change(user, "activate", admin), user)
    return user


def edit_account(admin: User, user: User, *, display_name: str, role: Role, street: str | None,
                 person_id: int | None, locale: str, id_number: str | None,
                 relatives: list[tuple[str, str]]) -> dict[str, Any]:
    """Change an account; a new auditor chosen by the administrator alone must be activated by an approver."""
    promoted = role is Role.AUDITOR and user.role_enum is not Role.AUDITOR
    changes = update_user(user, display_name=display_name, role=role, street=street, person_id=person_id,
                          locale=locale)
    declared = set_declarations(user, id_number, relatives)
    record("user.update", target_type="user", target_id=user.id,
           details={"before": {k: v[0] for k, v in changes.items()},
                    "after": {k: v[1] for k, v in changes.items()}, "declarations": declared})
    if promoted:
        _record_request(duties.require_activation(user, admin), user)
    return changes


def reset_account_password(admin: User, user: User, password: str) -> None:
    """The administrator knows the new password: the user must replace it, and an approver activates again."""
    reset_password(user, password, must_change=True)
    record("user.password_reset", target_type="user", target_id=user.id,
           details={"must_change": True, "activation_pending": True})
    _record_request(duties.require_activation(user, admin), user)


def set_account_active(user: User, enable: bool) -> None:
    set_active(user, enable)
    record("user.enable" if enable else "user.disable", target_type="user", target_id=user.id)


def decide_request(req: AccountRequest, approver: User, decision: str) -> None:
    """An approver confirms or rejects what an administrator asked for (raises AccountError if they may not)."""
    changes: dict[str, Any] = {}
    if decision == "confirm":
        changes = duties.confirm(req, approver)
    else:
        duties.reject(req, approver)
    record(f"user.request_{decision}", target_type="user", target_id=req.user_id,
           details={"request": req.id, "action": req.action, "username": req.user.username,
                    "requested_by": req.requested_by, **changes})
