"""Keyset pagination and capped counts: list pages cost the same on page 1 and on the last page.

OFFSET pagination reads and throws away every row before the page, so deep pages get slower as tables grow.
Here a page is asked for "after" (or "before") the sort key of the last row seen, which an index answers
directly. The cursor is an opaque URL-safe string carrying that key.
"""
from __future__ import annotations

import base64
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import Select, bindparam, func, literal, select, tuple_

from blueprints.core.types import INT_MAX, INT_MIN, Money, UTCDateTime

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


# A cursor only ever holds sort keys the app wrote itself: dates, times, ids, names and amounts. Anything else
# (a list, a huge number, a naive time for a UTC column, a string where a number goes) is a tampered token.
MAX_TEXT = 1000
MAX_DECIMAL = Decimal(10) ** 15
_DECODERS = {"dt": datetime.fromisoformat, "d": date.fromisoformat, "dec": Decimal}


def _decode_tagged(value: dict):
    """A date, time or amount written by _encode_value: {"dt": iso}, {"d": iso} or {"dec": text}."""
    (tag, text), = value.items() if len(value) == 1 else ((None, None),)
    if tag not in _DECODERS or not isinstance(text, str) or len(text) > 64:
        raise ValueError("unknown cursor value")
    decoded = _DECODERS[tag](text)
    if isinstance(decoded, datetime) and decoded.tzinfo is not None:
        decoded.astimezone(UTC)  # an offset at the edge of the calendar overflows here, not in the query
    if isinstance(decoded, Decimal) and not (decoded.is_finite() and abs(decoded) < MAX_DECIMAL):
        raise ValueError("amount out of range")
    return decoded


def _decode_value(value):
    """One sort key back from its JSON form; raises ValueError for anything the app could not have written."""
    if isinstance(value, dict):
        return _decode_tagged(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and INT_MIN <= value <= INT_MAX:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, str) and len(value) <= MAX_TEXT and "\x00" not in value:
        return value
    raise ValueError("unsupported cursor value")


def _expected_type(key) -> type | None:
    """The Python type a sort key's column holds, or None when the expression does not say."""
    column_type = getattr(key, "type", None)
    column_type = getattr(column_type, "impl_instance", column_type)  # UTCDateTime, Money: the stored type
    try:
        return column_type.python_type
    except (AttributeError, NotImplementedError):
        return None


def _fits(value, key) -> bool:
    """Whether a decoded value can be compared with the key's column on every backend."""
    expected = _expected_type(key)
    if value is None or expected is None:
        return True
    if expected is datetime:
        return isinstance(value, datetime) and (value.tzinfo is not None) == isinstance(key.type, UTCDateTime)
    if expected is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if expected is int:  # Money keeps yuan as Decimal over an integer column
        return isinstance(value, Decimal if isinstance(key.type, Money) else int) and not isinstance(value, bool)
    if expected in (float, Decimal):
        return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    return isinstance(value, expected)


def encode_cursor(values: Sequence) -> str:
    """Pack a sort key into an opaque URL-safe token."""
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str | None, width: int, keys: Sequence | None = None) -> list | None:
    """Unpack a token; a damaged, foreign or tampered token means "first page", never an error.

    With `keys`, each value must also suit its column (a date for a date column, an id within 32 bits), since
    PostgreSQL refuses a string compared with a timestamp or an integer beyond its column's range.
    """
    if not token or len(token) > 4 * MAX_TEXT:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            return None
        decoded = [_decode_value(v) for v in values]
    except (ValueError, TypeError, OverflowError, RecursionError, ArithmeticError):
        return None
    if keys is not None and not all(_fits(value, key) for value, key in zip(decoded, keys, strict=True)):
        return None
    return decoded


def _default_key(keys) -> Callable:
    names = [col.key for col in keys]

    def key_of(item):
        entity = item[0] if hasattr(item, "_fields") else item
        return [getattr(entity, name) for name in names]

    return key_of


@dataclass
class _Window:
    """Where a page starts: after a key, before a key, or at the beginning, and in which order to read."""

    keys: Sequence
    descending: bool
    after: list | None
    before: list | None

    @property
    def backwards(self) -> bool:
        return self.before is not None

    def order(self) -> list:
        """Read forwards in the list's order, or backwards from a `before` cursor (reversed afterwards)."""
        ascending = self.descending == self.backwards
        return [k.asc() if ascending else k.desc() for k in self.keys]

    @property
    def values(self) -> list | None:
        """The cursor's sort key (None on page 1)."""
        return self.after if self.after is not None else self.before

    def bound(self, parameters: bool = False):
        """The keyset condition: rows strictly past the cursor in the reading direction, or None on page 1.
        With `parameters`, the cursor's values are the bind parameters cursor_0, cursor_1… (see cursor_params)."""
        values = self.values
        if values is None:
            return None
        if parameters:
            values = [bindparam(f"cursor_{i}", type_=key.type, required=True) for i, key in enumerate(self.keys)]
        key_tuple, cursor = tuple_(*self.keys), tuple_(*values)
        return key_tuple > cursor if self.descending == self.backwards else key_tuple < cursor

    def cursor_params(self) -> dict:
        """The values of bound(parameters=True)'s bind parameters."""
        return {f"cursor_{i}": value for i, value in enumerate(self.values or ())}


def _window(keys: Sequence, descending: bool, cursor: str | None, before: str | None) -> _Window:
    after_values = decode_cursor(cursor, len(keys), keys)
    before_values = decode_cursor(before, len(keys), keys) if after_values is None else None
    return _Window(keys, descending, after_values, before_values)


def fixed_limit(n: int):
    """A LIMIT written into the SQL text rather than sent as a parameter.

    PostgreSQL plans a prepared statement once ("generic plan") only if that plan looks no worse than planning it
    for each execution's values; with the LIMIT a parameter the generic plan cannot know a page is 21 rows and looks
    like a scan of the whole table, so every list page was planned again (about 1 ms of the server's time).
    """
    return literal(n, literal_execute=True)


def _page_statement(stmt: Select, window: _Window, per_page: int, rows_for: Callable | None,
                    parameters: bool = False) -> Select:
    """One row more than a page, so the presence of a next page is known without counting."""
    page_stmt = stmt.order_by(*window.order()).limit(fixed_limit(per_page + 1))
    condition = window.bound(parameters)
    if condition is not None:
        page_stmt = page_stmt.where(condition)
    if rows_for is not None:
        page_stmt = rows_for(page_stmt.subquery("page")).order_by(*window.order())
    return page_stmt


def _fetch(page_stmt: Select, scalars: bool, params: dict | None = None) -> list:
    from extensions import db

    if scalars:
        return list(db.session.scalars(page_stmt, params).unique().all())
    return list(db.session.execute(page_stmt, params).all())


class _BoundedLRU:
    """At most `size` entries, the least recently used dropped first; shared by a process's request threads."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, key: Hashable):
        """The entry under `key` (now the most recently used), or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def store(self, key: Hashable, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class PageStatements(_BoundedLRU):
    """Page statements built once per shape and reused with bound parameters (QUALITY P6); a cursor's values are
    parameters too, so any page of a list costs what its first page does (P3).

    Building a list's statements and their SQLAlchemy cache key cost about a sixth of a list page; a statement whose
    per-viewer values are named bind parameters is the same object for every viewer of the same shape, so its cache
    key is computed once and each request only passes its parameters. Bounded: the shapes are few (the viewer's
    kind of scope times the filter values), and a forgotten one is only built again.
    """

    def __init__(self, size: int = 512):
        super().__init__(size)

    def get(self, key: Hashable, build: Callable[[], tuple[Select, Select | None]]) -> tuple[Select, Select | None]:
        """The statements stored under `key`, built by `build()` on first use."""
        found = self.lookup(key)
        if found is None:
            found = build()  # outside the lock: two threads may build the same shape once each, harmlessly
            self.store(key, found)
        return found


class OverCap(_BoundedLRU):
    """Which lists were over COUNT_CAP a moment ago, per statement shape and viewer (QUALITY P6).

    A list that reached the cap shows "1000+", and it keeps doing so until rows are taken away from it, which is
    rare; so for `seconds` its count is not run again. A count under the cap is always run: a new row changes it.
    One per app (app.extensions), so two apps in one process (the tests) never share what they saw.
    """

    def __init__(self, seconds: float = 30.0, size: int = 4096):
        super().__init__(size)
        self.seconds = seconds

    def recent(self, key: Hashable) -> bool:
        """Whether the list under `key` was over the cap less than `seconds` ago."""
        seen = self.lookup(key)
        return seen is not None and time.monotonic() - seen < self.seconds

    def note(self, key: Hashable, over: bool) -> None:
        """Remember a count that reached the cap; forget the key when it did not."""
        if over:
            self.store(key, time.monotonic())
        else:
            self.discard(key)


def over_cap_memo() -> OverCap:
    """This app's OverCap."""
    return current_app.extensions.setdefault("portal.over_cap", OverCap())


@dataclass
class Reuse:
    """How keyset_page runs statements with named bind parameters: this request's values of them, and where a first
    page's statements are kept (`key` names everything else they depend on; None: build them every time)."""

    params: dict
    cache: PageStatements | None = None
    key: Hashable | None = None

    @property
    def shared(self) -> bool:
        """Whether the statements are kept and shared (by `key`), not built for this request alone."""
        return self.cache is not None and self.key is not None


def _link_neighbours(page: Page, window: _Window, key_of: Callable, more: bool) -> None:
    """Set the cursors of the pages before and after this one."""
    rows = page.items
    if not rows:
        if window.after is not None:
            page.prev_cursor = encode_cursor(window.after)
        return
    first_key, last_key = key_of(rows[0]), key_of(rows[-1])
    if window.backwards:
        page.prev_cursor = encode_cursor(first_key) if more else None
        page.next_cursor = encode_cursor(last_key)
    else:
        page.next_cursor = encode_cursor(last_key) if more else None
        page.prev_cursor = encode_cursor(first_key) if window.after is not None else None


def keyset_page(stmt: Select | Callable[[], Select], keys: Sequence, *, descending: bool = True,
                cursor: str | None = None, before: str | None = None, per_page: int | None = None,
                key_of: Callable | None = None, count: bool = False, scalars: bool = True,
                count_stmt: Select | None = None, rows_for: Callable | None = None, reuse: Reuse | None = None,
                count_in_order: bool = False) -> Page:
    """Fetch one page of `stmt` ordered by `keys` (the last key must be unique, usually the id).

    `cursor` asks for the page after that key, `before` for the page before it; a tampered cursor gives page 1.
    With `count`, the total is counted up to COUNT_CAP + 1 rows only, so a count never scans a million rows;
    `count_stmt` counts a leaner statement with the same rows (no display joins or per-row columns). With
    `rows_for`, `stmt` selects only ids: the page is chosen on that narrow statement and rows_for(page_subquery)
    adds the display columns to those few rows, so joins run per shown row instead of per candidate row.
    With `reuse`, `stmt` may be a function that builds it, and its named bind parameters take `reuse.params`; the
    page statements are then built once per `reuse.key` and direction (see PageStatements).
    With `count_in_order`, the count reads the first rows in the page's order (see the comment in build()).
    """
    per_page = per_page or current_app.config["PAGE_SIZE"]
    window = _window(keys, descending, cursor, before)
    params = {**reuse.params, **window.cursor_params()} if reuse is not None else None

    def build() -> tuple[Select, Select | None]:
        narrow = stmt() if callable(stmt) else stmt
        counted = (count_stmt if count_stmt is not None else narrow) if count else None
        # In the page's order, a count walks the same index as the page and reads the newest rows, which stay in
        # PostgreSQL's buffers, where an unordered one scans the table through a small ring of buffers that keeps
        # nothing (0.66 ms against 0.36 ms at a million suggestions, 0.23 ms index-only). Only where the page's
        # index serves the filter: a text search's rows are few and scattered, and walking the whole index in
        # order to find them made a one-character search 60 times slower on SQLite.
        count_order = _Window(keys, descending, None, None).order() if count_in_order and count_stmt is None else ()
        return (_page_statement(narrow, window, per_page, rows_for, parameters=reuse is not None),
                capped_count_statement(counted, order=count_order) if counted is not None else None)

    if reuse is not None and reuse.shared:
        direction = "after" if window.after is not None else "before" if window.before is not None else None
        page_stmt, count_select = reuse.cache.get((reuse.key, per_page, descending, count, scalars, direction),
                                                  build)
    else:
        page_stmt, count_select = build()
    rows = _fetch(page_stmt, scalars, params)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if window.backwards:
        rows.reverse()
    page = Page(items=rows, per_page=per_page)
    _link_neighbours(page, window, key_of or _default_key(keys), more)
    if count_select is not None:
        page.total, page.total_capped = _capped_count_of(count_select, reuse, params)
    return page


def _capped_count_of(count_select: Select, reuse: Reuse | None, params: dict | None) -> tuple[int, bool]:
    """Run the page's capped count, unless its shared statement with these parameters was over the cap just now."""
    if reuse is None or not reuse.shared:
        return _capped(count_select, COUNT_CAP, params)
    memo, key = over_cap_memo(), (reuse.key, tuple(sorted(reuse.params.items())))
    if memo.recent(key):
        return COUNT_CAP, True
    total, capped = _capped(count_select, COUNT_CAP, params)
    memo.note(key, capped)
    return total, capped


def capped_count_statement(stmt: Select, cap: int = COUNT_CAP, order: Sequence = ()) -> Select:
    """SELECT count(*) of `stmt`'s rows, reading at most cap + 1 of them (the first ones in `order`, if given)."""
    return select(func.count()).select_from(stmt.order_by(None).order_by(*order).limit(fixed_limit(cap + 1))
                                            .subquery())


def _capped(count_select: Select, cap: int, params: dict | None = None) -> tuple[int, bool]:
    from extensions import db

    n = db.session.scalar(count_select, params) or 0
    return min(n, cap), n > cap


def capped_count(stmt: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count the rows of `stmt`, stopping at cap + 1: returns (count, whether it reached the cap)."""
    return _capped(capped_count_statement(stmt, cap), cap)
