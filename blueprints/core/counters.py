"""Yearly number series (suggestion serials, certificate numbers): one counter row per series and year."""
from __future__ import annotations

from sqlalchemy import update

from blueprints.core.database import upsert_insert
from blueprints.core.models import YearlyCounter
from extensions import db


def reserve(series: str, year: int, count: int = 1) -> range:
    """Reserve the next `count` numbers of a series in a year: an atomic UPDATE … RETURNING on its counter row.

    On PostgreSQL the UPDATE takes the row lock, so a concurrent caller waits and then sees the new value; on SQLite
    the write transaction already holds the lock (BEGIN IMMEDIATE). The counter moves inside the caller's
    transaction, so work that fails rolls its numbers back: no gaps, no number used twice.
    """
    if count <= 0:
        return range(0)
    db.session.execute(upsert_insert(YearlyCounter).values(series=series, year=year, last=0)
                       .on_conflict_do_nothing(index_elements=["series", "year"]))
    last = db.session.execute(
        update(YearlyCounter).where(YearlyCounter.series == series, YearlyCounter.year == year)
        .values(last=YearlyCounter.last + count)
        .returning(YearlyCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return range(last - count + 1, last + 1)


def last_number(series: str, year: int) -> int:
    """The last number handed out (0 when none yet)."""
    value = db.session.scalar(
        db.select(YearlyCounter.last).where(YearlyCounter.series == series, YearlyCounter.year == year))
    return value or 0


def set_last(series: str, year: int, last: int) -> None:
    """Move a series' counter to at least `last` (demo and import data that carry their own numbers)."""
    db.session.execute(upsert_insert(YearlyCounter).values(series=series, year=year, last=last)
                       .on_conflict_do_nothing(index_elements=["series", "year"]))
    db.session.execute(update(YearlyCounter).where(YearlyCounter.series == series, YearlyCounter.year == year,
                                                   YearlyCounter.last < last)
                       .values(last=last).execution_options(synchronize_session=False))
