"""Innovation workshops (创新工作室): registration, approval, directory, membership, achievements."""
from flask import Blueprint

bp = Blueprint("workshops", __name__)

from blueprints.workshops import models  # noqa: E402,F401  (models must be known to Alembic and create_all)
