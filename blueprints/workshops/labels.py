"""User-facing labels of the workshop enums (kind, level, status, roles), translated when shown."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "model_worker": _l("劳模创新工作室"),
    "craftsman": _l("工匠创新工作室"),
    "worker": _l("职工创新工作室"),
    "master": _l("技能大师工作室"),
}
LEVEL_LABELS = {
    "enterprise": _l("企业级"),
    "city": _l("市级"),
    "province": _l("省级"),
    "national": _l("国家级"),
}
STATUS_LABELS = {
    "draft": _l("草稿"),
    "pending": _l("待审批"),
    "approved": _l("已批准"),
    "rejected": _l("未通过"),
    "revoked": _l("已撤销"),
}
# status: (label, badge tone, Bootstrap icon), for the status_badge macro: the text always goes with the colour.
STATUS_BADGES = {
    "draft": (STATUS_LABELS["draft"], "secondary", "pencil"),
    "pending": (STATUS_LABELS["pending"], "warning", "hourglass-split"),
    "approved": (STATUS_LABELS["approved"], "success", "check-circle"),
    "rejected": (STATUS_LABELS["rejected"], "danger", "x-circle"),
    "revoked": (STATUS_LABELS["revoked"], "dark", "slash-circle"),
}
ROLE_LABELS = {"lead": _l("负责人"), "deputy": _l("副负责人"), "member": _l("普通成员")}
MEMBER_STATUS_LABELS = {
    "requested": _l("申请中"),
    "active": _l("在册"),
    "left": _l("已退出"),
    "declined": _l("未通过"),
}
ACHIEVEMENT_LABELS = {
    "patent": _l("专利"),
    "award": _l("奖项"),
    "technique": _l("绝招绝技"),
    "standard": _l("标准"),
    "paper": _l("论文"),
    "other": _l("其他"),
}
ACHIEVEMENT_ICONS = {
    "patent": "file-earmark-ruled",
    "award": "trophy",
    "technique": "tools",
    "standard": "journal-check",
    "paper": "journal-text",
    "other": "star",
}
