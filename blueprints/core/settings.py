"""Admin-editable settings with typed defaults; each domain registers its own keys here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_babel import gettext

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, Setting, SettingOverride
from blueprints.core.org import enterprise_of
from blueprints.core.scopes import covers
from extensions import db


@dataclass(frozen=True)
class SettingSpec:
    """What a setting is: its default, its type and the label shown on the settings page."""

    key: str
    default: object
    label: str
    kind: type = str
    overridable: bool = False  # an enterprise may set its own value (SPEC §7: city defaults, enterprise overrides)


REGISTRY: dict[str, SettingSpec] = {}


def register(key: str, default: object, label: str, kind: type | None = None, *,
             overridable: bool = False) -> SettingSpec:
    """Declare a setting (call at import time from the owning domain); `overridable`: enterprises may override."""
    spec = SettingSpec(key, default, label, kind or type(default), overridable)
    REGISTRY[key] = spec
    return spec


register("site.competition_year", 2026, N_("当前竞赛年度"), int)


def get_setting(key: str, department: Department | None = None):
    """The city's value (stored, or the registered default) — or, for an overridable key and a department inside an
    enterprise that set its own, the enterprise's; cached for the rest of the request."""
    cache = g.setdefault("_settings_cache", {})
    enterprise = enterprise_of(department) if department is not None and REGISTRY[key].overridable else None
    if enterprise is not None:
        cache_key = (key, enterprise.id)
        if cache_key not in cache:
            row = db.session.get(SettingOverride, (enterprise.id, key))
            cache[cache_key] = row.value if row is not None else get_setting(key)
        return cache[cache_key]
    if key not in cache:
        row = db.session.get(Setting, key)
        cache[key] = row.value if row is not None else REGISTRY[key].default
    return cache[key]


def enterprise_value(key: str, enterprise: Department):
    """The enterprise's own value of `key`, or None when it uses the city's."""
    row = db.session.get(SettingOverride, (enterprise.id, key))
    return row.value if row is not None else None


def set_setting(key: str, value) -> None:
    """Store a value after coercing it to the registered type (flushes only)."""
    spec = REGISTRY[key]
    value = spec.kind(value) if spec.kind is not object else value
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    g.setdefault("_settings_cache", {})[key] = value


def parse_settings(form) -> tuple[dict[str, object], dict[str, str]]:
    """The typed values of the settings page's fields, and an error message for each value that is not a number.

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
                values[key] = spec.kind(raw.strip())
            except (ValueError, ArithmeticError):
                errors[key] = gettext("请输入有效的数值。")
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
    error message for each value that is not a number."""
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
                values[key] = spec.kind(raw.strip()) if raw.strip() else None
            except (ValueError, ArithmeticError):
                errors[key] = gettext("请输入有效的数值。")
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
            db.session.add(SettingOverride(department_id=enterprise.id, key=key, value=REGISTRY[key].kind(value)))
        else:
            row.value = REGISTRY[key].kind(value)
        g.get("_settings_cache", {}).pop((key, enterprise.id), None)
        changed.append(f"{key}={'' if value is None else value}")
    if changed:
        db.session.flush()
        audit.record("settings.overridden", target=enterprise, actor=actor, detail="; ".join(changed))
    return changed
