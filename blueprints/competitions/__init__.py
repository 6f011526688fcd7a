"""Competitions (劳动和技能竞赛): campaigns organised by a union node, enrolled units, indicators, progress reports,
assessment; and the key projects (重点产业项目) that competitions cover (SPEC §8)."""
from flask import Blueprint

bp = Blueprint("competitions", __name__)

from blueprints.competitions import commands, models, panels, views  # noqa: E402,F401  (tables, CLI, panels, routes)
