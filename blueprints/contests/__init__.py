"""Skills contests (技术比武, SPEC §9): items with weights, quotas per unit, entrants and the draw, blind judging by
panels with a chief judge, aggregation, provisional results with objections, final results, prizes and certificates."""
from flask import Blueprint

bp = Blueprint("contests", __name__)

from blueprints.contests import models, panels, views  # noqa: E402,F401  (tables, my-space panels, routes)
