"""Admin-editable settings with typed defaults; each domain registers its own keys here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Setting
from blueprints.core.types import parse_int
from extensions import db

# Whole-number settings are counts and amounts; without a range of their own they stay within these bounds.
INT_RANGE = (0, 10**9)


@dataclass(frozen=True)
class SettingSpec:
    """What a setting is: its default, its type, the label shown on the settings page and, for numbers, the
    range a saved value must lie in."""

    key: str
    default: object
    label: str
    kind: type = str
    low: int | None = None
    high: int | None = None

    def accepts(self, value) -> bool:
        """Whether a value (stored or about to be) is one this setting can take."""
        if self.kind is bool:
            return isinstance(value, bool)
        if self.kind is int:
            return (isinstance(value, int) and not isinstance(value, bool)
                    and (self.low is None or value >= self.low) and (self.high is None or value <= self.high))
        return self.kind is object or isinstance(value, self.kind)


REGISTRY: dict[str, SettingSpec] = {}


def register(key: str, default: object, label: str, kind: type | None = None, *, low: int | None = None,
             high: int | None = None) -> SettingSpec:
    """Declare a setting (call at import time from the owning domain); whole numbers get INT_RANGE unless given."""
    kind = kind or type(default)
    if kind is int:
        low, high = (INT_RANGE[0] if low is None else low), (INT_RANGE[1] if high is None else high)
    spec = SettingSpec(key, default, label, kind, low, high)
    REGISTRY[key] = spec
    return spec


# A year beyond this range made the home page and the statistics fail (issue 14).
register("site.competition_year", 2026, N_("当前竞赛年度"), int, low=2000, high=2100)


def parse_setting(key: str, raw):
    """A value typed on the settings page, converted to the setting's type and checked against its range;
    raises DomainError (on the setting's field) when it cannot be saved."""
    spec = REGISTRY[key]
    value = raw
    if spec.kind is int and not isinstance(raw, int):
        value = parse_int(raw)
    elif spec.kind is bool and not isinstance(raw, bool):
        value = str(raw).strip().lower() in ("on", "true", "1", "y", "yes")
    elif spec.kind not in (object, int, bool):
        try:
            value = spec.kind(raw)
        except (ValueError, TypeError, ArithmeticError):
            value = None
    if value is None:
        raise DomainError(N_("请输入有效的数值。"), field=key)
    if not spec.accepts(value):
        if spec.kind is int:
            raise DomainError(N_("请输入 %(low)s 到 %(high)s 之间的整数。"), field=key, low=spec.low, high=spec.high)
        raise DomainError(N_("请输入有效的数值。"), field=key)
    return value


def get_setting(key: str):
    """The stored value, or the registered default (also in place of a stored value outside the setting's
    range, so one bad row cannot take pages down); cached for the rest of the request."""
    cache = g.setdefault("_settings_cache", {})
    if key not in cache:
        spec = REGISTRY[key]
        row = db.session.get(Setting, key)
        cache[key] = row.value if row is not None and spec.accepts(row.value) else spec.default
    return cache[key]


def set_setting(key: str, value) -> None:
    """Store a value after converting and checking it (parse_setting raises DomainError); flushes only."""
    value = parse_setting(key, value)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    g.setdefault("_settings_cache", {})[key] = value
