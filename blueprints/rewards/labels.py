"""Labels of the reward ledger: what a line pays for."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {"suggestion": _l("五小建议奖励"), "hazard": _l("隐患报告奖励")}
