"""Master and apprentice (名师带徒, SPEC §10): pairs with an agreement, goals and a target skill level; check-ins by
both; mid-term and final assessments by HR or the union; completion that upgrades the apprentice's level."""
from flask import Blueprint

bp = Blueprint("mentoring", __name__)

from blueprints.mentoring import models, panels, views  # noqa: E402,F401  (tables, my-space panels, routes)
