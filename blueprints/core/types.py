"""Column types shared by every domain: aware UTC datetimes, exact money, and the range of a stored integer."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, DateTime, types
from werkzeug.routing import IntegerConverter

# Every id, count and year is an Integer column, which PostgreSQL keeps in 32 bits ("integer out of range" beyond)
# and SQLite in 64 (OverflowError beyond): a number outside this range in a URL or a form is turned away at the door.
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only kind stored)."""
    return datetime.now(UTC)


class UTCDateTime(types.TypeDecorator):
    """Stores naive UTC on every backend and always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


FEN = Decimal("0.01")


def to_yuan(value) -> Decimal:
    """Round any number-like value to a Decimal amount in yuan with two places."""
    return Decimal(str(value)).quantize(FEN, rounding=ROUND_HALF_UP)


class Money(types.TypeDecorator):
    """A yuan amount kept as an integer number of fen, so no backend ever rounds it as a float."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int(to_yuan(value) * 100)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(FEN)


class Hundredths(Money):
    """Any exact two-place decimal that is not money (scores, weights in percent, reported figures), kept like Money."""

    cache_ok = True


def parse_int(raw, default: int | None = None, *, low: int = INT_MIN, high: int = INT_MAX) -> int | None:
    """An integer typed in a URL or a form (ASCII digits only, optional sign), or `default` when it is not one or
    lies outside low..high."""
    text = str(raw if raw is not None else "").strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return default
    value = int(text)
    return value if low <= value <= high else default


class BoundedIntConverter(IntegerConverter):
    """The `int` URL converter, capped at the range of an id column: /suggestions/<30 digits> is a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)
