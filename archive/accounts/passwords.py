"""Password hashing with argon2id (argon2-cffi defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["hash_password", "needs_rehash", "password_problems", "verify_password"]

_hasher = PasswordHasher()

# A constant hash to verify against when the user does not exist, so that the
# time a failed log-in takes does not reveal which user names exist.
_DUMMY_HASH = _hasher.hash("dangan-dummy-password")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    """Hash ``password`` with a fresh salt."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; never raises."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


def password_problems(password: str, username: str = "") -> list[str]:
    """Reasons (message keys) why ``password`` is too weak; empty when acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    kinds = sum(
        [
            any(c.isdigit() for c in password),
            any(c.isalpha() and c.isascii() and c.islower() for c in password),
            any(c.isalpha() and c.isascii() and c.isupper() for c in password),
            any(not c.isalnum() or not c.isascii() for c in password),
        ]
    )
    if kinds < 2:
        problems.append("too_simple")
    if username and username.lower() in password.lower():
        problems.append("contains_username")
    return problems
