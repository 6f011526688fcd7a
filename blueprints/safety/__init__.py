"""安康杯 and rewarded hazard reports (有奖报告事故隐患和职业危害, SPEC §11): workers report hazards with photos, safety
officers triage, assign and verify the rectification, rewards go to the shared reward ledger, and the reporter stays
hidden from everyone but the safety officers and union admins of the scope."""
from flask import Blueprint

bp = Blueprint("safety", __name__)

from blueprints.safety import commands, models, panels, views  # noqa: E402,F401  (routes, CLI, panels)
