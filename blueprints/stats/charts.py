"""Chart data for the statistics page, handed to static/js/stats.js through a data attribute (no inline script).

Each chart is a small dict: kind, labels, datasets (label + numbers), axis titles. stats.js turns it into a
Chart.js configuration and chooses the colours; every chart also has a data table next to it for screen readers
and for browsers without JavaScript.
"""
from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from blueprints.suggestions.labels import CATEGORY_LABELS


def month_labels(year: int) -> list[str]:
    """Short month names in the user's language ("1月" / "Jan")."""
    return [format_date(date(year, month, 1), "MMM") for month in range(1, 13)]


def suggestions_by_month(year: int, by_month: dict[str, list[int]]) -> dict:
    """Stacked bars: submitted suggestions per local month, one colour per category."""
    return {
        "kind": "stacked",
        "labels": month_labels(year),
        "datasets": [{"label": str(label), "data": by_month.get(key, [0] * 12)}
                     for key, label in CATEGORY_LABELS.items()],
        "y": _("建议（条）"),
    }


def participation_by_department(rows) -> dict:
    """Bars of each department's participation rate, with its target as a marker."""
    return {
        "kind": "target",
        "labels": [row.department.name for row in rows],
        "datasets": [
            {"label": _("参与率（%）"), "data": [float(row.rate) if row.rate is not None else 0 for row in rows]},
            {"label": _("目标（%）"), "data": [row.target.rate if row.target else None for row in rows]},
        ],
        "y": _("参与率（%）"),
        "max": 100,
    }


def training_by_month(year: int, person_times: list[int], hours: list, months_so_far: int = 12) -> dict:
    """Bars of training person-times per local month, and a line of the hours (second axis); months still to
    come have no point (rather than a fall to zero)."""
    hours = [h if m < months_so_far else None for m, h in enumerate(hours)]
    return {
        "kind": "bar-line",
        "labels": month_labels(year),
        "datasets": [
            {"label": _("培训人次"), "data": person_times},
            {"label": _("学时"), "data": [float(h) if h is not None else None for h in hours]},
        ],
        "y": _("人次"),
        "y2": _("学时"),
    }
