"""Sign-in, sign-out, password change, and the login-session model behind them."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from blueprints.auth import views  # noqa: E402,F401
