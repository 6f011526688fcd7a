"""Admin-editable settings with typed defaults; each domain registers its own keys here."""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import Text, cast, func, select

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, Setting, SettingOverride
from blueprints.core.org import enterprise_of
from blueprints.core.scopes import covers
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
    overridable: bool = False  # an enterprise may set its own value (SPEC §7: city defaults, enterprise overrides)
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
             high: int | None = None, overridable: bool = False) -> SettingSpec:
    """Declare a setting (call at import time from the owning domain): whole numbers get INT_RANGE unless given;
    `overridable`: an enterprise may set its own value."""
    kind = kind or type(default)
    if kind is int:
        low, high = (INT_RANGE[0] if low is None else low), (INT_RANGE[1] if high is None else high)
    spec = SettingSpec(key, default, label, kind, overridable, low, high)
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


def get_setting(key: str, department: Department | None = None):
    """The city's value (stored, or the registered default, also in place of a stored value outside the setting's
    range, so one bad row cannot take pages down) — or, for an overridable key and a department inside an
    enterprise that set its own, the enterprise's; cached for the rest of the request."""
    cache = g.setdefault("_settings_cache", {})
    enterprise = enterprise_of(department) if department is not None and REGISTRY[key].overridable else None
    if enterprise is not None:
        cache_key = (key, enterprise.id)
        if cache_key not in cache:
            row = db.session.get(SettingOverride, (enterprise.id, key))
            usable = row is not None and REGISTRY[key].accepts(row.value)
            cache[cache_key] = row.value if usable else get_setting(key)
        return cache[cache_key]
    if key not in cache:
        row = db.session.get(Setting, key)
        cache[key] = _city_value(key, row is not None, row.value if row is not None else None)
    return cache[key]


def _city_value(key: str, stored: bool, value):
    """A stored city value if the setting accepts it, else the registered default."""
    spec = REGISTRY[key]
    return value if stored and spec.accepts(value) else spec.default


def city_settings_column():
    """SQL: every stored city value as one JSON object, read by the user loader beside the user, so the settings a
    page reads (blind review on every suggestion list) cost no query of their own."""
    if db.session.get_bind().dialect.name == "postgresql":
        return select(cast(func.json_object_agg(Setting.key, Setting.value), Text)).scalar_subquery()
    return select(func.json_group_object(Setting.key, func.json(Setting.value))).scalar_subquery()


def prime(summary: str | None) -> None:
    """Fill the request's cache of city values from city_settings_column's text (a key not stored: its default)."""
    if not has_request_context():
        return
    stored = json.loads(summary) if summary else {}
    cache = g.setdefault("_settings_cache", {})
    for key in REGISTRY:
        if key not in cache:
            cache[key] = _city_value(key, key in stored, stored.get(key))


def enterprise_value(key: str, enterprise: Department):
    """The enterprise's own value of `key`, or None when it uses the city's."""
    row = db.session.get(SettingOverride, (enterprise.id, key))
    return row.value if row is not None else None


def set_setting(key: str, value) -> None:
    """Store a value after converting and checking it (parse_setting raises DomainError); flushes only."""
    value = parse_setting(key, value)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    g.setdefault("_settings_cache", {})[key] = value


def parse_settings(form) -> tuple[dict[str, object], dict[str, str]]:
    """The typed values of the settings page's fields, and an error message for each value that cannot be saved
    (not a number, or outside the setting's range).

    A checkbox left unticked is absent from the form and means False; another field absent is left unchanged.
    """
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for key, spec in REGISTRY.items():
        raw = form.get(key)
        if spec.kind is bool:
            values[key] = raw == "on"
        elif raw is not None:
            try:
                values[key] = parse_setting(key, raw.strip())
            except DomainError as error:
                errors[key] = str(error)
    return values, errors


def save_settings(values: dict[str, object], actor=None) -> list[str]:
    """Store the values that differ from the current ones and audit them in one row; returns "key=value" of each."""
    changed = []
    for key, value in values.items():
        if get_setting(key) != value:
            set_setting(key, value)
            changed.append(f"{key}={value}")
    if changed:
        audit.record("settings.changed", actor=actor, detail="; ".join(changed))
    return changed


def parse_overrides(form) -> tuple[dict[str, object | None], dict[str, str]]:
    """The typed enterprise values of the overridable keys (None: an emptied box, back to the city's value), and an
    error message for each value that cannot be saved."""
    values: dict[str, object | None] = {}
    errors: dict[str, str] = {}
    for key, spec in REGISTRY.items():
        if not spec.overridable:
            continue
        raw = form.get(key)
        if spec.kind is bool:
            values[key] = raw == "on"
        elif raw is not None:
            try:
                values[key] = parse_setting(key, raw.strip()) if raw.strip() else None
            except DomainError as error:
                errors[key] = str(error)
    return values, errors


def save_overrides(enterprise: Department, values: dict[str, object | None], actor=None) -> list[str]:
    """Store an enterprise's own values of overridable keys (None removes one); audited in one row.

    Only an admin whose scope covers the enterprise may, and only for keys registered as overridable.
    """
    if enterprise.kind != "enterprise":
        raise DomainError(N_("只有企业可以设置自己的取值。"))
    if actor is not None and not covers(actor, "admin", enterprise):
        raise DomainError(N_("只能设置您管理范围内企业的取值。"))
    changed = []
    for key, value in values.items():
        if key not in REGISTRY or not REGISTRY[key].overridable:
            raise DomainError(N_("这一项只能由全市统一设置。"))
        row = db.session.get(SettingOverride, (enterprise.id, key))
        current = row.value if row is not None else None
        if value == current:
            continue
        if value is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(SettingOverride(department_id=enterprise.id, key=key, value=parse_setting(key, value)))
        else:
            row.value = parse_setting(key, value)
        g.get("_settings_cache", {}).pop((key, enterprise.id), None)
        changed.append(f"{key}={'' if value is None else value}")
    if changed:
        db.session.flush()
        audit.record("settings.overridden", target=enterprise, actor=actor, detail="; ".join(changed))
    return changed
