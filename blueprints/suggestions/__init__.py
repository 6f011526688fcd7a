"""Suggestions domain (routes land with its issue)."""
from flask import Blueprint

bp = Blueprint("suggestions", __name__)
