"""Suggestions (五小 / 合理化建议): submit, review, adopt, implement, award, and the reward ledger."""
from flask import Blueprint

bp = Blueprint("suggestions", __name__)

from blueprints.suggestions import jobs, models, panels, views  # noqa: E402,F401  (models, panels, routes, job kinds)
