"""Training signups (培训报名): sessions, self-signup with a waitlist, HR rosters, attendance and certificates."""
from flask import Blueprint

bp = Blueprint("training", __name__)

from blueprints.training import commands, models, panels, views  # noqa: E402,F401  (routes, CLI, my-space panels)
