"""Stats domain (routes land with its issue)."""
from flask import Blueprint

bp = Blueprint("stats", __name__)
