"""Computed competition indicators (SPEC §8): figures a domain computes from its own records for a set of units over
a period, registered here so the competitions domain never imports the domain that owns the records.

A domain registers in its panels module, e.g.::

    @computed_indicator("suggestions_adopted", _l("五小建议采纳数"), unit=_l("项"))
    def adopted(units: dict[int, str], starts_on: date, ends_on: date) -> dict[int, Decimal]: ...

`units` maps each enrolled unit's department id to its materialised path ("/1/4/"); the function answers a figure
per unit id for records of that unit's subtree dated inside [starts_on, ends_on] (dates in the portal's zone), in a
constant number of queries whatever the number of units. A unit with nothing counts 0.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

Compute = Callable[[dict[int, str], date, date], dict[int, Decimal]]


@dataclass(frozen=True)
class ComputedIndicator:
    """A registered computed figure: its key (stored on the indicator), label, unit word and function."""

    key: str
    label: object  # a lazy string
    unit: object
    compute: Compute


_REGISTRY: dict[str, ComputedIndicator] = {}


def computed_indicator(key: str, label, unit="") -> Callable[[Compute], Compute]:
    """Register `compute` under `key`; a key is registered once."""
    def register(fn: Compute) -> Compute:
        if key in _REGISTRY:
            raise ValueError(f"computed indicator {key!r} is registered twice")
        _REGISTRY[key] = ComputedIndicator(key, label, unit, fn)
        return fn
    return register


def computed_indicators() -> list[ComputedIndicator]:
    """Every registered computed indicator, by key."""
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


def get_computed(key: str) -> ComputedIndicator | None:
    """The registered indicator `key`, or None (e.g. a key whose domain was removed)."""
    return _REGISTRY.get(key)


def compute_figures(key: str, units: dict[int, str], starts_on: date, ends_on: date) -> dict[int, Decimal]:
    """The figure of every unit (0 where it has none) for the computed indicator `key`."""
    indicator = _REGISTRY.get(key)
    figures = indicator.compute(units, starts_on, ends_on) if indicator and units else {}
    return {unit_id: Decimal(figures.get(unit_id, 0)) for unit_id in units}


# Linked activities (SPEC §8): a suggestion, training session, contest or hazard report filed under a competition.
# The domain that owns the records registers a counter in its panels module::
#
#     @linked_activity("suggestions", _l("五小建议"))
#     def count(competition_id: int, units: dict[int, str]) -> dict[int, int]: ...
#
# answering, per enrolled unit id, how many of its subtree's records are filed under the competition (one query).
LinkedCount = Callable[[int, dict[int, str]], dict[int, int]]


@dataclass(frozen=True)
class LinkedActivity:
    """A kind of record that can be filed under a competition, with its counter."""

    kind: str
    label: object
    count: LinkedCount


_LINKED: dict[str, LinkedActivity] = {}


def linked_activity(kind: str, label) -> Callable[[LinkedCount], LinkedCount]:
    """Register the counter of records of `kind` filed under a competition; a kind is registered once."""
    def register(fn: LinkedCount) -> LinkedCount:
        if kind in _LINKED:
            raise ValueError(f"linked activity {kind!r} is registered twice")
        _LINKED[kind] = LinkedActivity(kind, label, fn)
        return fn
    return register


def linked_activities() -> list[LinkedActivity]:
    """Every registered kind of linked record, by kind."""
    return [_LINKED[kind] for kind in sorted(_LINKED)]


def tally(path_counts, units: dict[int, str]) -> dict[int, Decimal]:
    """Spread (department path, figure) rows over the units whose subtree holds the path (a unit inside another
    counts for both): the last step of a computed indicator or linked-activity counter."""
    totals = {unit_id: Decimal(0) for unit_id in units}
    for path, figure in path_counts:
        for unit_id, root in units.items():
            if path and path.startswith(root):
                totals[unit_id] += Decimal(figure or 0)
    return totals


def local_bounds(starts_on: date, ends_on: date):
    """The UTC instants of a period of local dates: [start 00:00, the day after the end 00:00)."""
    from datetime import datetime, time, timedelta

    from blueprints.core.clock import local_zone

    zone = local_zone()
    return (datetime.combine(starts_on, time.min, zone), datetime.combine(ends_on + timedelta(days=1), time.min, zone))
