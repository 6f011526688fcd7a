"""User-facing labels of honours nominations: honours, levels, subjects, statuses and chain steps."""
from flask_babel import lazy_gettext as _l

HONOUR_LABELS = {
    "labour_award": _l("五一劳动奖状"),
    "labour_medal": _l("五一劳动奖章"),
    "pioneer": _l("工人先锋号"),
    "model_worker": _l("劳动模范"),
    "skill_master": _l("技术能手"),
    "innovation": _l("优秀创新成果"),
    "other": _l("其他荣誉"),
}
LEVEL_LABELS = {"union": _l("区县（产业）级"), "city": _l("市级"), "province": _l("省级"), "national": _l("全国")}
SUBJECT_LABELS = {"unit": _l("集体"), "team": _l("班组"), "person": _l("个人")}
STATUS_LABELS = {
    "nominated": _l("待区县（产业）工会审核"),
    "forwarded": _l("待市总工会审定"),
    "approved": _l("已批准"),
    "declined": _l("未获通过"),
}
STATUS_BADGES = {
    "nominated": (STATUS_LABELS["nominated"], "warning", "hourglass-split"),
    "forwarded": (STATUS_LABELS["forwarded"], "info", "send"),
    "approved": (STATUS_LABELS["approved"], "success", "award"),
    "declined": (STATUS_LABELS["declined"], "danger", "x-circle"),
}
STEP_LABELS = {"nominate": _l("推荐"), "forward": _l("转报"), "approve": _l("批准"), "decline": _l("不予通过")}
