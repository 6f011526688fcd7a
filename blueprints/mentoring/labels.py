"""User-facing labels of the mentoring enums, with the tone and icon of their badges (translated when shown)."""
from flask_babel import lazy_gettext as _l

# status: (label, badge tone, Bootstrap icon)
STATUS_BADGES = {
    "active": (_l("带徒中"), "success", "people"),
    "completed": (_l("已出师"), "info", "mortarboard"),
    "ended": (_l("提前结束"), "secondary", "x-circle"),
}
STATUS_LABELS = {status: badge[0] for status, badge in STATUS_BADGES.items()}

ASSESSMENT_LABELS = {"midterm": _l("中期考核"), "final": _l("结业考核")}
GRADE_LABELS = {"excellent": _l("优秀"), "good": _l("良好"), "pass": _l("合格"), "fail": _l("不合格")}

# The buttons of the status machine.
ACTION_LABELS = {"complete": _l("确认出师"), "end": _l("结束带徒")}
