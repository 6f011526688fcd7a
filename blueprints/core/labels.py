"""User-facing labels of the core enums (roles, organisation levels), translated when shown."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {"worker": _l("职工"), "lead": _l("工作室负责人"), "hr": _l("培训管理员"), "admin": _l("工会管理员"),
               "safety": _l("安全员")}

ORG_KIND_LABELS = {
    "federation": _l("市总工会"),
    "district": _l("区县（市）总工会"),
    "industry": _l("产业工会"),
    "enterprise": _l("企业（基层工会）"),
    "branch": _l("分厂/分公司"),
    "floor": _l("车间/科室"),
    "team": _l("班组"),
}
