"""Workshops domain (routes land with its issue)."""
from flask import Blueprint

bp = Blueprint("workshops", __name__)
