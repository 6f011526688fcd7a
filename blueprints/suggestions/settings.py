"""Settings of the suggestions domain (edited by admins at /admin/settings): blind review and the reward per grade."""
from __future__ import annotations

from blueprints.core.i18n import N_
from blueprints.core.models import Department
from blueprints.core.settings import get_setting, register
from blueprints.suggestions.models import GRADES
from extensions import db

BLIND_REVIEW = "suggestions.blind_review"
REWARD_SETTING = {grade: f"suggestions.reward_{grade}" for grade in GRADES}
REWARD_DEFAULTS = {"first": 2000, "second": 1000, "third": 500, "excellence": 200}  # yuan, whole amounts
register(BLIND_REVIEW, False, N_("五小建议盲审：审核人在作出决定前看不到作者姓名和部门"), bool)
register(REWARD_SETTING["first"], REWARD_DEFAULTS["first"], N_("五小建议一等奖奖金（元）"), int, overridable=True)
register(REWARD_SETTING["second"], REWARD_DEFAULTS["second"], N_("五小建议二等奖奖金（元）"), int, overridable=True)
register(REWARD_SETTING["third"], REWARD_DEFAULTS["third"], N_("五小建议三等奖奖金（元）"), int, overridable=True)
register(REWARD_SETTING["excellence"], REWARD_DEFAULTS["excellence"], N_("五小建议优秀奖奖金（元）"), int,
         overridable=True)


def blind_review() -> bool:
    """Whether the blind-review setting is on."""
    return bool(get_setting(BLIND_REVIEW))


def reward_setting(grade: str, department_id: int | None = None) -> int:
    """The reward of a grade in whole yuan, as the city set it, or the enterprise of `department_id` for itself."""
    department = db.session.get(Department, department_id) if department_id is not None else None
    return int(get_setting(REWARD_SETTING[grade], department))
