"""Competition statistics (/stats/), the my-space cards every role needs, and each worker's personal record."""
from flask import Blueprint

bp = Blueprint("stats", __name__)

from blueprints.stats import jobs, marks, models, panels, views  # noqa: E402,F401  (models, cards, routes, job kinds)

marks.install()
