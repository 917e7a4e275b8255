"""URL converters shared by every blueprint.

Our primary keys are 32-bit ``INTEGER`` columns on PostgreSQL: ``/files/99999999999`` must be a 404
at the router, not an ``integer out of range`` error (a 500) from the database.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` limited to what an ``INTEGER`` column can hold."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
