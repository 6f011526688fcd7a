"""Admin-editable settings with typed defaults; each domain registers its own keys here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g

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
