"""Personal access tokens for the JSON API: made, checked on every call, revoked.

A token is ``dgn_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits).  Only its
SHA-256 is stored; its first :data:`PREFIX_LENGTH` characters are kept too, to name it in lists and to
find its row, and the stored hash is then compared in constant time (``hmac.compare_digest``).  A fast
hash is enough here, unlike for passwords: the secret is random, not chosen by a person.

Making and revoking a token are operations with their audit event (they flush; the request or
command commits).  Using one is recorded by the request it authenticates (the event carries the
token's user and its id).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from archive.accounts.models import ApiToken, User
from archive.accounts.operations import AccountError
from archive.audit import record
from archive.extensions import db
from archive.timeutil import utcnow

__all__ = ["PREFIX_LENGTH", "TOKEN_PREFIX", "authenticate_bearer", "create_token", "revoke_token", "tokens_of"]

TOKEN_PREFIX = "dgn_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
_MAX_TOKEN = 128  # anything longer is not ours; refused before hashing


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str, *, by: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns its row and the token, which is shown this once and never again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip()[:100], prefix=token[:PREFIX_LENGTH], token_hash=_digest(token),
                   created_by=by[:64])
    db.session.add(row)
    db.session.flush()
    record("token.create", target_type="user", target_id=user.id,
           details={"token": row.id, "name": row.name, "prefix": row.prefix, "username": user.username})
    return row, token


def revoke_token(row: ApiToken, *, by: str) -> None:
    """Revoke a token at once: the next call made with it gets 401.  Raises ``AccountError`` if it already is."""
    if row.revoked_at is not None:
        raise AccountError("token_revoked", f"token {row.id} was revoked already")
    row.revoked_at = utcnow()
    row.revoked_by = by[:64]
    db.session.flush()
    record("token.revoke", target_type="user", target_id=row.user_id,
           details={"token": row.id, "name": row.name, "prefix": row.prefix, "username": row.user.username})


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def authenticate_bearer(header: str | None) -> tuple[User | None, ApiToken | None, str]:
    """Check an ``Authorization`` header: ``(user, token, "ok")`` or ``(None, None | token, reason)``.

    ``reason`` is one of ``missing``, ``malformed``, ``unknown``, ``revoked``, ``disabled`` (for the audit
    event; the caller answers 401 to all alike).  A good token's ``last_used_at`` is set (flushed with
    the request).
    """
    if not header:
        return None, None, "missing"
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN:
        return None, None, "malformed"
    digest = _digest(token)
    found = None
    for row in db.session.scalars(select(ApiToken).where(ApiToken.prefix == token[:PREFIX_LENGTH])):
        if hmac.compare_digest(row.token_hash, digest):
            found = row
    if found is None:
        return None, None, "unknown"
    if found.revoked_at is not None:
        return None, found, "revoked"
    if not found.user.active:
        return None, found, "disabled"
    found.last_used_at = utcnow()
    db.session.flush()
    return found.user, found, "ok"
