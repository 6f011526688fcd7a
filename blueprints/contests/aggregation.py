"""The arithmetic of SPEC §9, free of the database so it can be checked against hand-computed answers.

- item score: the mean of the judges' scores; with 5 or more judges one highest and one lowest are dropped first;
  rounded half up to two places.
- spread: highest minus lowest of all the judges' scores (before dropping); above the item's limit it flags.
- weighted total: each item's score as a share of its maximum times its weight (percent), summed: a total out of
  100 whatever the items' maxima; rounded half up to two places.
- ranking: by total; equal totals are split by the practical items' weighted points, then by the theory items';
  entrants equal on all three share the rank (1, 2, 2, 4).
- prizes: by rank band, counted from the top (ranks 1..first: 一等奖, the next `second` ranks: 二等奖, then `third`);
  the top `titles` ranks are also named 技术能手.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")
TRIM_FROM = 5  # with this many judges or more, drop one highest and one lowest


def rounded(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def item_score(scores: Sequence[Decimal]) -> Decimal | None:
    """The item score of one entrant from the judges' scores (None without any)."""
    values = sorted(Decimal(s) for s in scores)
    if not values:
        return None
    if len(values) >= TRIM_FROM:
        values = values[1:-1]
    return rounded(sum(values, Decimal(0)) / len(values))


def spread(scores: Sequence[Decimal]) -> Decimal:
    """Highest minus lowest score (0 for fewer than two)."""
    values = [Decimal(s) for s in scores]
    return max(values) - min(values) if len(values) > 1 else Decimal(0)


def is_flagged(scores: Sequence[Decimal], limit: Decimal) -> bool:
    """A spread strictly above the item's limit flags the score for the chief judge."""
    return spread(scores) > Decimal(limit)


@dataclass(frozen=True)
class ItemRule:
    """What the total needs of an item: its id, kind (theory/practical), weight (percent) and maximum score."""

    id: int
    kind: str
    weight: Decimal
    max_score: Decimal


def weighted_points(score: Decimal | None, rule: ItemRule) -> Decimal:
    """An item score as weighted points out of the item's weight (unrounded)."""
    if score is None or not rule.max_score:
        return Decimal(0)
    return Decimal(score) / Decimal(rule.max_score) * Decimal(rule.weight)


@dataclass
class Standing:
    """One entrant's result: total, the tie-break points, rank, prize and title."""

    entrant_id: int
    total: Decimal
    practical: Decimal
    theory: Decimal
    rank: int = 0
    prize: str | None = None
    title: bool = False
    item_scores: dict[int, Decimal | None] = field(default_factory=dict)

    @property
    def key(self) -> tuple[Decimal, Decimal, Decimal]:
        return (self.total, self.practical, self.theory)


def standing(entrant_id: int, item_scores: dict[int, Decimal | None], rules: Sequence[ItemRule]) -> Standing:
    """Total and tie-break points of one entrant from their item scores."""
    points = {rule.id: weighted_points(item_scores.get(rule.id), rule) for rule in rules}
    practical = sum((points[r.id] for r in rules if r.kind == "practical"), Decimal(0))
    theory = sum((points[r.id] for r in rules if r.kind != "practical"), Decimal(0))
    return Standing(entrant_id, rounded(practical + theory), rounded(practical), rounded(theory),
                    item_scores=dict(item_scores))


def rank(standings: list[Standing], first: int = 0, second: int = 0, third: int = 0,
         titles: int = 0) -> list[Standing]:
    """Rank by (total, practical, theory) descending, sharing a rank when all three are equal; then prizes."""
    ordered = sorted(standings, key=lambda s: (s.key, -s.entrant_id), reverse=True)
    previous = None
    for position, entry in enumerate(ordered, start=1):
        entry.rank = previous.rank if previous is not None and previous.key == entry.key else position
        entry.prize = prize_for(entry.rank, first, second, third)
        entry.title = entry.rank <= titles
        previous = entry
    return ordered


def prize_for(position: int, first: int, second: int, third: int) -> str | None:
    """The prize of a rank under the contest's bands."""
    if position <= first:
        return "first"
    if position <= first + second:
        return "second"
    if position <= first + second + third:
        return "third"
    return None
