"""Key projects (重点产业项目, SPEC §8): the province's and city's key projects of member enterprises, their
milestones, the competitions that cover them, and the started projects that still run none."""
from flask import Blueprint

bp = Blueprint("projects", __name__)

# The tables live in blueprints/competitions/models.py (Project, Milestone, competition_projects).
from blueprints.projects import panels, views  # noqa: E402,F401
