"""User-facing labels of the suggestion enums (translated when shown) and the badge look of each status."""
from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "invention": _l("小发明"),
    "creation": _l("小创造"),
    "renovation": _l("小革新"),
    "design": _l("小设计"),
    "suggestion": _l("小建议"),
    "rationalization": _l("合理化建议"),
}

STATUS_LABELS = {
    "draft": _l("草稿"),
    "submitted": _l("待审核"),
    "returned": _l("已退回"),
    "accepted": _l("已采纳"),
    "rejected": _l("未采纳"),
    "implemented": _l("已实施"),
    "awarded": _l("已奖励"),
    "withdrawn": _l("已撤回"),
}

# The status badge: (label, Bootstrap tone, Bootstrap Icons name); the badge always shows the text, never colour alone.
STATUS_BADGES = {status: (STATUS_LABELS[status], tone, icon) for status, (tone, icon) in {
    "draft": ("secondary", "pencil"),
    "submitted": ("primary", "hourglass-split"),
    "returned": ("warning", "arrow-return-left"),
    "accepted": ("info", "hand-thumbs-up"),
    "rejected": ("danger", "x-circle"),
    "implemented": ("success", "gear"),
    "awarded": ("success", "trophy"),
    "withdrawn": ("secondary", "slash-circle"),
}.items()}

GRADE_LABELS = {
    "first": _l("一等奖"),
    "second": _l("二等奖"),
    "third": _l("三等奖"),
    "excellence": _l("优秀奖"),
}

# What each action is called on buttons and in the history timeline.
ACTION_LABELS = {
    "create": _l("创建草稿"),
    "submit": _l("提交"),
    "resubmit": _l("重新提交"),
    "accept": _l("采纳"),
    "return": _l("退回修改"),
    "reject": _l("不予采纳"),
    "implement": _l("标记已实施"),
    "award": _l("评奖"),
    "withdraw": _l("撤回"),
    "reassign": _l("改派审核工作室"),
}

# The decision buttons of a review-queue row: (label, Bootstrap button class).
QUEUE_BUTTONS = {
    "accept": (_l("采纳"), "btn-success"),
    "return": (_l("退回"), "btn-outline-secondary"),
    "reject": (_l("不予采纳"), "btn-outline-danger"),
    "implement": (_l("标记实施"), "btn-primary"),
}

PAYOUT_LABELS = {"pending": _l("待发放"), "paid": _l("已发放")}

TEMPLATE_KIND_LABELS = {"return": _l("退回"), "reject": _l("不予采纳")}

RUBRIC = (
    # (field, label, maximum)
    ("score_innovation", _l("创新性"), 30),
    ("score_practicality", _l("实用性"), 30),
    ("score_benefit", _l("经济/安全效益"), 25),
    ("score_replicability", _l("可推广性"), 15),
)

# The recommendation chain for 市级优秀职工创新成果.
RECOMMENDATION_STATUS_LABELS = {
    "recommended": _l("待区县（产业）工会审核"),
    "forwarded": _l("待市总工会审定"),
    "approved": _l("已评为市级优秀职工创新成果"),
    "declined": _l("未获推荐"),
}
RECOMMENDATION_LEVEL_LABELS = {"enterprise": _l("企业工会"), "union": _l("区县（产业）工会"), "city": _l("市总工会")}
RECOMMENDATION_ACTION_LABELS = {
    "recommend": _l("推荐"),
    "forward": _l("转报市总工会"),
    "decline": _l("不予推荐"),
    "approve": _l("审定通过"),
}
