"""User-facing labels of the contest enums, with the tone and icon of their badges (translated when shown)."""
from flask_babel import lazy_gettext as _l

# status: (label, badge tone, Bootstrap icon)
STATUS_BADGES = {
    "draft": (_l("筹备中"), "secondary", "pencil"),
    "registration": (_l("报名中"), "success", "door-open"),
    "drawn": (_l("已抽签"), "info", "shuffle"),
    "scoring": (_l("评分中"), "warning", "clipboard-check"),
    "provisional": (_l("成绩公示中"), "primary", "megaphone"),
    "final": (_l("成绩已确认"), "dark", "trophy"),
}
ENTRANT_BADGES = {
    "applied": (_l("待单位确认"), "warning", "hourglass-split"),
    "confirmed": (_l("已确认参赛"), "success", "check-circle"),
    "refused": (_l("未获确认"), "secondary", "x-circle"),
}
LEVEL_LABELS = {"enterprise": _l("企业级"), "district": _l("区县（产业）级"), "city": _l("市级")}
ITEM_KIND_LABELS = {"theory": _l("理论"), "practical": _l("实操")}
PRIZE_LABELS = {"first": _l("一等奖"), "second": _l("二等奖"), "third": _l("三等奖")}
TITLE_LABEL = _l("技术能手")
OBJECTION_BADGES = {
    "open": (_l("待答复"), "warning", "chat-left-dots"),
    "answered": (_l("已答复"), "success", "chat-left-text"),
}
SHEET_BADGES = {
    "open": (_l("评分中"), "warning", "pencil-square"),
    "submitted": (_l("已提交"), "success", "lock"),
}

# The buttons of the status machine, in the order the organiser sees them.
ACTION_LABELS = {
    "open_registration": _l("开放报名"),
    "draw": _l("抽签确定参赛号"),
    "start_scoring": _l("开始评分"),
    "publish": _l("公示成绩"),
    "rescore": _l("退回重新评分"),
    "finalise": _l("确认最终成绩"),
}
