"""Admin-editable settings with typed defaults; each domain registers its own keys here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_babel import gettext

from blueprints.core import audit
from blueprints.core.i18n import N_
from blueprints.core.models import Setting
from extensions import db


@dataclass(frozen=True)
class SettingSpec:
    """What a setting is: its default, its type and the label shown on the settings page."""

    key: str
    default: object
    label: str
    kind: type = str


REGISTRY: dict[str, SettingSpec] = {}


def register(key: str, default: object, label: str, kind: type | None = None) -> SettingSpec:
    """Declare a setting (call at import time from the owning domain)."""
    spec = SettingSpec(key, default, label, kind or type(default))
    REGISTRY[key] = spec
    return spec


register("site.competition_year", 2026, N_("当前竞赛年度"), int)


def get_setting(key: str):
    """The stored value, or the registered default; cached for the rest of the request."""
    cache = g.setdefault("_settings_cache", {})
    if key not in cache:
        row = db.session.get(Setting, key)
        cache[key] = row.value if row is not None else REGISTRY[key].default
    return cache[key]


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
