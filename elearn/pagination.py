"""Offset pagination for list pages: one COUNT, one page of rows (``macros.pager`` renders it)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from .db import db

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.number * self.per_page, self.total)


def page_number(raw: Any) -> int:
    try:
        return max(1, min(int(raw), 1_000_000))
    except (TypeError, ValueError):
        return 1


def paginate(stmt: Select[Any], number: int, per_page: int, *, scalars: bool = True) -> Page[Any]:
    """Count the filtered rows once, then fetch one page. ``stmt`` must carry its ORDER BY.

    A page past the end shows the last page."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    paged = stmt.limit(per_page).offset((number - 1) * per_page)
    result = db.session.execute(paged)
    items = list(result.scalars() if scalars else result.all())
    return Page(items=items, number=number, per_page=per_page, total=total)
