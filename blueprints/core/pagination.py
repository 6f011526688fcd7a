"""Keyset pagination and capped counts: list pages cost the same on page 1 and on the last page.

OFFSET pagination reads and throws away every row before the page, so deep pages get slower as tables grow.
Here a page is asked for "after" (or "before") the sort key of the last row seen, which an index answers
directly. The cursor is an opaque URL-safe string carrying that key.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import Select, func, select, tuple_

COUNT_CAP = 1000


@dataclass
class Page:
    """One page of rows with the cursors to its neighbours."""

    items: list
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int | None = None
    total_capped: bool = False
    per_page: int = 20
    extra: dict = field(default_factory=dict)

    @property
    def is_first(self) -> bool:
        return self.prev_cursor is None

    @property
    def total_label(self) -> str:
        """The count as shown: exact below the cap, "1000+" above it."""
        if self.total is None:
            return ""
        return f"{COUNT_CAP}+" if self.total_capped else str(self.total)


def _encode_value(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode_value(value):
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "dec" in value:
            return Decimal(value["dec"])
    return value


def encode_cursor(values: Sequence) -> str:
    """Pack a sort key into an opaque URL-safe token."""
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str | None, width: int) -> list | None:
    """Unpack a token; a damaged or foreign token means "first page", never an error."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != width:
        return None
    try:
        return [_decode_value(v) for v in values]
    except (ValueError, TypeError):
        return None


def _default_key(keys) -> Callable:
    names = [col.key for col in keys]

    def key_of(item):
        entity = item[0] if hasattr(item, "_fields") else item
        return [getattr(entity, name) for name in names]

    return key_of


def keyset_page(stmt: Select, keys: Sequence, *, descending: bool = True, cursor: str | None = None,
                before: str | None = None, per_page: int | None = None, key_of: Callable | None = None,
                count: bool = False, scalars: bool = True, count_stmt: Select | None = None,
                rows_for: Callable | None = None) -> Page:
    """Fetch one page of `stmt` ordered by `keys` (the last key must be unique, usually the id).

    `cursor` asks for the page after that key, `before` for the page before it. With `count`, the total is
    counted up to COUNT_CAP + 1 rows only, so a count never scans a million rows; `count_stmt` counts a leaner
    statement with the same rows (no display joins or per-row columns). With `rows_for`, `stmt` selects only
    ids: the page is chosen on that narrow statement and rows_for(page_subquery) adds the display columns to
    those few rows, so joins run per shown row instead of per candidate row (a subtree filter has thousands).
    """
    per_page = per_page or current_app.config["PAGE_SIZE"]
    key_of = key_of or _default_key(keys)
    key_tuple = tuple_(*keys)
    after_values = decode_cursor(cursor, len(keys))
    before_values = decode_cursor(before, len(keys)) if after_values is None else None

    backwards = before_values is not None
    forward_order = [k.desc() for k in keys] if descending else [k.asc() for k in keys]
    backward_order = [k.asc() for k in keys] if descending else [k.desc() for k in keys]
    page_stmt = stmt.order_by(*(backward_order if backwards else forward_order)).limit(per_page + 1)
    if after_values is not None:
        page_stmt = page_stmt.where(key_tuple < tuple_(*after_values) if descending
                                    else key_tuple > tuple_(*after_values))
    elif backwards:
        page_stmt = page_stmt.where(key_tuple > tuple_(*before_values) if descending
                                    else key_tuple < tuple_(*before_values))

    if rows_for is not None:
        page_stmt = rows_for(page_stmt.subquery("page")).order_by(*(backward_order if backwards else forward_order))

    from extensions import db

    result = db.session.scalars(page_stmt) if scalars else db.session.execute(page_stmt)
    rows = list(result.unique().all() if scalars else result.all())
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()

    page = Page(items=rows, per_page=per_page)
    if rows:
        first_key, last_key = key_of(rows[0]), key_of(rows[-1])
        if backwards:
            page.prev_cursor = encode_cursor(first_key) if more else None
            page.next_cursor = encode_cursor(last_key)
        else:
            page.next_cursor = encode_cursor(last_key) if more else None
            page.prev_cursor = encode_cursor(first_key) if after_values is not None else None
    elif after_values is not None:
        page.prev_cursor = encode_cursor(after_values)
    if count:
        page.total, page.total_capped = capped_count(count_stmt if count_stmt is not None else stmt)
    return page


def capped_count(stmt: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count the rows of `stmt`, stopping at cap + 1: returns (count, whether it reached the cap)."""
    from extensions import db

    limited = stmt.order_by(None).limit(cap + 1).subquery()
    n = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return min(n, cap), n > cap
