"""Chinese labels and badges of the hazard reports (translated through Babel)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {"accident": _l("事故隐患"), "occupational": _l("职业危害")}
GRADE_LABELS = {"general": _l("一般"), "major": _l("较大"), "grave": _l("重大")}
GRADE_BADGES = {"general": "text-bg-info", "major": "text-bg-warning", "grave": "text-bg-danger"}
STATUS_BADGES = {
    "reported": (_l("待核实"), "primary", "inbox"),
    "confirmed": (_l("已确认"), "info", "patch-check"),
    "not_a_hazard": (_l("非隐患"), "secondary", "x-circle"),
    "duplicate": (_l("重复报告"), "secondary", "files"),
    "rectifying": (_l("整改中"), "warning", "tools"),
    "rectified": (_l("待验收"), "info", "clipboard-check"),
    "verified": (_l("已验收"), "success", "check-circle"),
}
ACTION_LABELS = {
    "report": _l("报告"), "confirm": _l("确认隐患"), "dismiss": _l("判定为非隐患"), "duplicate": _l("判定为重复报告"),
    "assign": _l("下达整改"), "close": _l("整改完成"), "verify": _l("验收通过"), "reopen": _l("退回整改"),
}
