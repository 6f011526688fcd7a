"""User-facing labels of the core enums (roles), translated when shown."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {"worker": _l("职工"), "lead": _l("工作室负责人"), "hr": _l("培训管理员"), "admin": _l("工会管理员")}
