"""Competition statistics (/stats/), the my-space cards every role needs, and each worker's personal record."""
from flask import Blueprint

bp = Blueprint("stats", __name__)

from blueprints.stats import marks, models, panels, views  # noqa: E402,F401  (models, my-space cards and routes)

marks.install()
