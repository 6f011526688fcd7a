"""Innovation workshops (创新工作室): registration, approval, directory, membership, achievements."""
from flask import Blueprint

bp = Blueprint("workshops", __name__)

# Models must be known to Alembic and create_all; views register routes, panels the my-space cards.
from blueprints.workshops import models, panels, views  # noqa: E402,F401
