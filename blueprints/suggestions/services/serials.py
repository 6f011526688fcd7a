"""Serial numbers WX-<year>-<sequence> and the competition year they count in."""
from __future__ import annotations

from datetime import datetime

from blueprints.core import clock, counters
from blueprints.suggestions.models import SERIAL_SERIES


def competition_year(moment: datetime | None = None) -> int:
    """The local calendar year of a moment (a submission at 00:30 on 1 January counts for the new year in Shanghai,
    although it is still the old year in UTC)."""
    return clock.local_year(moment)


def allocate_serial(year: int) -> str:
    """Hand out the next WX-<year>-<sequence> from the year's counter (rolled back with a failed submission)."""
    (value,) = counters.reserve(SERIAL_SERIES, year)
    return f"WX-{year}-{value:04d}"
