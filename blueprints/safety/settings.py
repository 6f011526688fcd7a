"""Settings of the hazard reports (edited at /admin/settings): the reward per grade, overridable per enterprise."""
from __future__ import annotations

from blueprints.core.i18n import N_
from blueprints.core.models import Department
from blueprints.core.settings import get_setting, register
from extensions import db

REWARD_SETTING = {"general": "safety.reward_general", "major": "safety.reward_major", "grave": "safety.reward_grave"}
REWARD_DEFAULTS = {"general": 50, "major": 200, "grave": 1000}  # yuan, whole amounts
register(REWARD_SETTING["general"], REWARD_DEFAULTS["general"], N_("一般隐患报告奖金（元）"), int, overridable=True)
register(REWARD_SETTING["major"], REWARD_DEFAULTS["major"], N_("较大隐患报告奖金（元）"), int, overridable=True)
register(REWARD_SETTING["grave"], REWARD_DEFAULTS["grave"], N_("重大隐患报告奖金（元）"), int, overridable=True)


def reward_setting(grade: str, department_id: int | None = None) -> int:
    """The reward of a confirmed hazard's grade in whole yuan: the city's, or the enterprise's own for the hazard's
    place (the enterprise whose funds pay it)."""
    department = db.session.get(Department, department_id) if department_id is not None else None
    return int(get_setting(REWARD_SETTING[grade], department))
