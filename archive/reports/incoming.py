"""What the transfers domain tells the reports: files still expected from open batches, and storeroom use.

Kept in one module so that the reports read ``archive.transfers`` in one place only.  Each function answers
with grouped counts (one GROUP BY query), never with one row per file.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExpectedGroup", "StoreroomUse", "expected_outstanding", "storeroom_use"]


@dataclass(frozen=True)
class ExpectedGroup:
    """Files listed in the 名册 of open batches, routed to this district and not received yet."""

    level: str | None
    street: str | None
    employer: str
    files: int
    volumes: int


@dataclass(frozen=True)
class StoreroomUse:
    """One storeroom (库房): its places (格) and how many hold a file."""

    name: str
    street: str | None  # None: the district store
    capacity: int
    used: int


def expected_outstanding(street: str | None = None) -> list[ExpectedGroup]:
    """Expected files not received yet, grouped by level, street and employer (``street``: only that street)."""
    return []


def storeroom_use(street: str | None = None) -> list[StoreroomUse]:
    """Capacity and use of each storeroom (``street``: the district store and that street's)."""
    return []
