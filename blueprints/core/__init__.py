"""Core domain: people, departments, notifications, audit, settings and the shared web helpers."""
from flask import Blueprint

bp = Blueprint("core", __name__)

from blueprints.core import job_views, person_index, views  # noqa: E402,F401  (registers routes on bp)

person_index.install()
