"""Role checks for views: one decorator, and the object-level denial helper."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from blueprints.core.audit import record_denial


def roles_required(*roles: str):
    """Allow the view only to signed-in users holding any of `roles`; others get 403 (audited)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def deny(status: int = 404, detail: str = ""):
    """Refuse access to a record the user may not see: audit it, then answer 404 (hides existence) or 403."""
    record_denial(status, detail)
    abort(status)
