"""Administration: people, departments, the audit log, settings and user import (admin role only)."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from blueprints.admin import commands, views  # noqa: E402,F401  (routes, CLI)
