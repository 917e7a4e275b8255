"""Pagination of ``select()`` statements, bounded so a crafted ``page`` cannot run away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select

from archive.extensions import db

__all__ = ["Page", "paginate"]


@dataclass
class Page:
    """One page of results and what the template needs to link the others."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt: Select[Any], *, per_page: int, page: int | None = None) -> Page:
    """Run ``stmt`` for the page named in ``?page=`` (clamped to the valid range)."""
    if page is None:
        try:
            page = int(request.args.get("page", "1"))
        except ValueError:
            page = 1
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)
