"""Honours (先进推荐, SPEC §8): nominating units, teams and people for 五一劳动奖状/奖章, 工人先锋号, 劳动模范 and the
like, with evidence from the records, up the union chain (enterprise → district or industry → city)."""
from flask import Blueprint

bp = Blueprint("honours", __name__)

from blueprints.honours import models, panels, views  # noqa: E402,F401
