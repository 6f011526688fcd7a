"""Weighted totals and rankings of an assessment (pure functions, no database).

Weighted total of a unit = Σ over indicators of score ÷ maximum score × weight (weights are percents that sum to
100, so a unit with full marks everywhere totals 100.00), rounded half up to two places. Ranking: by total,
highest first; units with the same rounded total share a rank and the next rank skips the places they take
("1, 2, 2, 4"), and tied units are listed by name.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


def weighted_total(scores: dict[int, Decimal], indicators) -> Decimal:
    """Σ score/max × weight over `indicators` (objects with id, weight, max_score); a missing score counts 0."""
    total = Decimal(0)
    for indicator in indicators:
        score = scores.get(indicator.id)
        if score is None or not indicator.max_score:
            continue
        total += Decimal(score) / Decimal(indicator.max_score) * Decimal(indicator.weight)
    return total.quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass
class Standing:
    """One unit's place in the results."""

    unit_id: int
    name: str
    total: Decimal
    rank: int = 0


def rank(standings: list[Standing]) -> list[Standing]:
    """Order by total (highest first, then name) and give ranks where ties share one ("1, 2, 2, 4")."""
    ordered = sorted(standings, key=lambda s: (-s.total, s.name))
    previous = None
    for position, standing in enumerate(ordered, start=1):
        if previous is None or standing.total != previous.total:
            standing.rank = position
        else:
            standing.rank = previous.rank
        previous = standing
    return ordered
