"""Separation of duties (三员分立) between the administrator, the approver and the auditor.

The administrator manages accounts but must not be able to read personal files or silence
the auditor on their own:

* an account the administrator creates or whose password they reset is *pending activation*:
  it can log in and change its password, nothing else, until an approver — acting as the
  security officer, a second person who is not an administrator — activates it;
* every change an administrator makes to an auditor's account (disable, enable, password reset,
  name or declarations) is only a request until an approver confirms it; the auditor's role and
  scope, and the administrator's own role, cannot be changed from the UI at all.

Requests are :class:`~archive.accounts.models.AccountRequest` rows.  Functions here flush; the
request commits, and the views record the audit events.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from archive.accounts.models import AccountRequest, User
from archive.accounts.operations import AccountError, set_active, set_declarations, set_password_hash, update_user
from archive.extensions import db
from archive.roles import Role
from archive.timeutil import utcnow

__all__ = [
    "REQUEST_ACTIONS",
    "confirm",
    "needs_second_person",
    "pending_requests",
    "reject",
    "request_change",
    "require_activation",
]

log = logging.getLogger(__name__)

REQUEST_ACTIONS = ("activate", "disable", "enable", "reset_password", "update")


def needs_second_person(user: User) -> bool:
    """True when an administrator's change to ``user`` must be confirmed by an approver."""
    return user.role_enum is Role.AUDITOR


def request_change(user: User, action: str, requested_by: User, payload: dict[str, Any] | None = None
                   ) -> AccountRequest:
    """File a request; an older pending request of the same kind for the same account is superseded."""
    if action not in REQUEST_ACTIONS:
        raise ValueError(f"unknown account request {action!r}")
    for old in db.session.scalars(select(AccountRequest).where(
        AccountRequest.user_id == user.id, AccountRequest.action == action, AccountRequest.status == "pending"
    )):
        old.status = "superseded"
    req = AccountRequest(user_id=user.id, action=action, payload=dict(payload or {}),
                         requested_by_id=requested_by.id, requested_by=requested_by.username)
    db.session.add(req)
    db.session.flush()
    log.info("account request %s %s for %s by %s", req.id, action, user.username, requested_by.username)
    return req


def require_activation(user: User, requested_by: User) -> AccountRequest:
    """Block ``user`` from personal data until an approver activates it."""
    user.activation_pending = True
    return request_change(user, "activate", requested_by)


def pending_requests() -> list[AccountRequest]:
    """Open requests, oldest first."""
    return list(db.session.scalars(
        select(AccountRequest).where(AccountRequest.status == "pending").order_by(AccountRequest.id)
    ))


def _check_decider(req: AccountRequest, decider: User) -> None:
    if req.status != "pending":
        raise AccountError("not_pending", f"request {req.id} is {req.status}")
    if decider.id in (req.user_id, req.requested_by_id):
        # The second person must really be a second person: not the account itself, not the requester.
        raise AccountError("same_person", decider.username)
    if decider.role_enum is not Role.APPROVER or decider.activation_pending or not decider.active:
        raise AccountError("not_approver", decider.username)


def _decide(req: AccountRequest, decider: User, status: str) -> None:
    req.status = status
    req.decided_by = decider.username
    req.decided_at = utcnow()


def confirm(req: AccountRequest, decider: User) -> dict[str, Any]:
    """Apply a pending request on behalf of ``decider``; returns what changed (for the audit event)."""
    _check_decider(req, decider)
    user = req.user
    payload = dict(req.payload or {})
    changes: dict[str, Any] = {}
    if req.action == "activate":
        user.activation_pending = False
    elif req.action in ("disable", "enable"):
        set_active(user, req.action == "enable")
    elif req.action == "reset_password":
        set_password_hash(user, payload["password_hash"], must_change=True)
    elif req.action == "update":
        fields = update_user(user, display_name=payload["display_name"], role=user.role_enum, street=user.street,
                             person_id=user.person_id, locale=payload["locale"])
        changes = {"before": {k: v[0] for k, v in fields.items()}, "after": {k: v[1] for k, v in fields.items()},
                   "declarations": set_declarations(user, payload.get("id_number"),
                                                    [tuple(r) for r in payload.get("relatives", [])])}
    _decide(req, decider, "confirmed")
    db.session.flush()
    return changes


def reject(req: AccountRequest, decider: User) -> None:
    """Refuse a request; a refused activation also disables the account (it was not the right person)."""
    _check_decider(req, decider)
    if req.action == "activate":
        set_active(req.user, False)
    _decide(req, decider, "rejected")
    db.session.flush()
