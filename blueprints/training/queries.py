"""Read-only questions other domains ask about training (stats links a certificate only for who may open it).

The rules stay defined in services.py; this module is what other domains may import (see .importlinter)."""
from __future__ import annotations

from blueprints.training.services import can_view_enrollment

__all__ = ["can_view_enrollment"]
