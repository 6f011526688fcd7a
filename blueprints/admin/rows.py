"""What each row of the admin people list shows, worked out once per page rather than per row in Jinja (issue 19,
render cost): the role badges of each role combination on the page, the two status badges and the edit link."""
from __future__ import annotations

from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext
from markupsafe import Markup

from blueprints.core.labels import ROLE_LABELS
from blueprints.core.web import UrlPattern, per_language

LISTED_ROLES = ("admin", "hr", "lead", "worker")  # the roles the list names, in this order
_ROLE_BADGE = Markup('<span class="badge text-bg-light border me-1">{}</span>')


def _status_badges() -> SimpleNamespace:
    """The 在用 and 已停用 badges (macros/ui.html's badge) in the current language."""
    ui = current_app.jinja_env.get_template("macros/ui.html").make_module()
    return SimpleNamespace(active=ui.badge(gettext("在用"), "success", "check-circle"),
                           inactive=ui.badge(gettext("已停用"), "secondary", "pause-circle"))


def people_look(users) -> SimpleNamespace:
    """Per-page helpers of the people table: `roles[user.role_mask]`, `status[user.active]` and `edit(user.id)`."""
    roles = {}
    for user in users:
        if user.role_mask not in roles:
            roles[user.role_mask] = Markup("").join(_ROLE_BADGE.format(ROLE_LABELS[key]) for key in LISTED_ROLES
                                                    if user.has_role(key))
    badges = per_language("people_status_badges", _status_badges)
    return SimpleNamespace(roles=roles, status={True: badges.active, False: badges.inactive},
                           edit=UrlPattern("admin.user_edit", "user_id"))
