"""The roles of docs/architecture.md#roles-and-scope, below every domain: each checks them, none owns them."""

from __future__ import annotations

import enum

__all__ = ["Role"]


class Role(enum.StrEnum):
    """The five roles of docs/architecture.md#roles-and-scope; values are stored, labels are translated in the UI."""

    ARCHIVIST = "archivist"
    APPROVER = "approver"
    AUDITOR = "auditor"
    ADMIN = "admin"
    RETIREE = "retiree"

    @property
    def is_staff(self) -> bool:
        """Staff roles may have a street scope; retirees never do."""
        return self is not Role.RETIREE
