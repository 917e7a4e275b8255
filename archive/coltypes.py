"""Column types every domain uses: enums as checked strings, and JSON.

An enum is stored as its value in a ``VARCHAR`` with a ``CHECK`` constraint (the same on
SQLite and PostgreSQL; a native PostgreSQL enum would need a migration for every new
member), and read back as the member.  JSON columns use the ``JSON`` type (``json`` on
PostgreSQL, text on SQLite): the ORM hands Python values in and out, nobody calls
``json.loads`` on a column.
"""

from __future__ import annotations

import enum

from sqlalchemy import JSON, Enum

__all__ = ["JSON", "enum_type"]


def enum_type(enum_class: type[enum.Enum], name: str, length: int = 16) -> Enum:
    """A checked string column of ``enum_class``'s values; the CHECK constraint is named ``name``."""
    return Enum(enum_class, name=name, native_enum=False, create_constraint=True, length=length,
                validate_strings=True, values_callable=lambda members: [m.value for m in members])
