"""Read-only questions other domains ask about suggestions (stats hides what blind review hides on a record).

The rules stay defined in services.py; this module is what other domains may import (see .importlinter)."""
from __future__ import annotations

from blueprints.suggestions.services import identity_hidden

__all__ = ["identity_hidden"]
