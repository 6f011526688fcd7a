"""Column types shared by every domain: aware UTC datetimes and exact money."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, DateTime, types


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
