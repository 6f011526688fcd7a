"""Training domain (routes land with its issue)."""
from flask import Blueprint

bp = Blueprint("training", __name__)
