"""User-facing labels of the training enums, with the tone and icon of their badges (translated when shown)."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "skills": _l("技能培训"),
    "drill": _l("岗位练兵"),
    "contest": _l("技术比武"),
    "mentoring": _l("名师带徒"),
    "safety": _l("安全培训"),
}

# status: (label, badge tone, Bootstrap icon)
STATUS_BADGES = {
    "draft": (_l("草稿"), "secondary", "pencil"),
    "open": (_l("报名中"), "success", "door-open"),
    "closed": (_l("报名已截止"), "warning", "door-closed"),
    "completed": (_l("已结束"), "info", "flag"),
    "cancelled": (_l("已取消"), "danger", "x-circle"),
}

ENROLLMENT_BADGES = {
    "confirmed": (_l("已确认"), "success", "check-circle"),
    "waitlisted": (_l("候补中"), "warning", "hourglass-split"),
    "cancelled": (_l("已取消"), "secondary", "x-circle"),
}

ATTENDANCE_LABELS = {"present": _l("出勤"), "absent": _l("缺勤")}
RESULT_LABELS = {"pass": _l("合格"), "fail": _l("不合格")}

# The buttons of the status machine, in the order HR sees them.
ACTION_LABELS = {
    "open": _l("发布并开放报名"),
    "close": _l("截止报名"),
    "complete": _l("标记为已结束"),
    "cancel": _l("取消场次"),
}
