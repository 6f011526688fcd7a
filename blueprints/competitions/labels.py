"""User-facing labels of the competition enums, with the tone and icon of their badges (translated when shown)."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "liubi_yichuang": _l("六比一创"),
    "sanbao_yicu": _l("三保一促"),
    "wuchuang": _l("五创"),
    "wuxiao": _l("五小竞赛"),
    "ankang": _l("安康杯"),
    "energy": _l("节能减排"),
    "service": _l("优质服务"),
    "skills": _l("技能竞赛"),
    "other": _l("其他"),
}

FREQUENCY_LABELS = {"monthly": _l("按月"), "quarterly": _l("按季度")}

# status: (label, badge tone, Bootstrap icon)
STATUS_BADGES = {
    "draft": (_l("草稿"), "secondary", "pencil"),
    "published": (_l("已发布（报名中）"), "info", "megaphone"),
    "running": (_l("进行中"), "success", "play-circle"),
    "closed": (_l("已结束（评审中）"), "warning", "hourglass-split"),
    "assessed": (_l("已评定"), "primary", "trophy"),
}

REPORT_BADGES = {
    "draft": (_l("草稿"), "secondary", "pencil"),
    "submitted": (_l("待审核"), "info", "send"),
    "accepted": (_l("已通过"), "success", "check-circle"),
    "returned": (_l("已退回"), "danger", "arrow-counterclockwise"),
    "missing": (_l("未填报"), "light", "dash-circle"),
    "overdue": (_l("已逾期"), "danger", "exclamation-triangle"),
}

ENROLMENT_BADGES = {
    "enrolled": (_l("已报名"), "success", "check-circle"),
    "withdrawn": (_l("已退出"), "secondary", "x-circle"),
}

OBJECTION_BADGES = {
    "open": (_l("待答复"), "warning", "chat-left-dots"),
    "answered": (_l("已答复"), "success", "chat-left-text"),
}

# The buttons of the competition's status machine, in the order the organiser sees them.
ACTION_LABELS = {
    "publish": _l("发布竞赛"),
    "start": _l("开始竞赛"),
    "close": _l("结束竞赛并开始评审"),
    "finalise": _l("发布最终结果"),
}
