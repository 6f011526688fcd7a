"""User-facing labels of key projects: levels, statuses and their badges, milestone states."""
from flask_babel import lazy_gettext as _l

LEVEL_LABELS = {"province_top100": _l("省百大项目"), "city_key": _l("市重点项目")}
STATUS_LABELS = {"planned": _l("计划中"), "started": _l("已开工"), "completed": _l("已竣工")}
# status: (label, badge tone, Bootstrap icon) for the status_badge macro.
STATUS_BADGES = {
    "planned": (STATUS_LABELS["planned"], "secondary", "calendar"),
    "started": (STATUS_LABELS["started"], "primary", "cone-striped"),
    "completed": (STATUS_LABELS["completed"], "success", "check-circle"),
}
MILESTONE_BADGES = {
    "done": (_l("已完成"), "success", "check-circle"),
    "overdue": (_l("已逾期"), "danger", "exclamation-triangle"),
    "due": (_l("未到期"), "secondary", "hourglass-split"),
}
# The competitions covering a project, shown on its page (the competitions domain owns the full labels).
COMPETITION_STATUS_LABELS = {"draft": _l("草稿"), "published": _l("已发布"), "running": _l("进行中"),
                             "closed": _l("已结束"), "assessed": _l("已考评")}
