"""The history of a suggestion: one event row per move, shown on its detail page."""
from __future__ import annotations

from blueprints.suggestions.models import Suggestion, SuggestionEvent
from extensions import db


def record_event(suggestion: Suggestion, actor, action: str, from_status: str | None, to_status: str,
                 comment: str = "") -> SuggestionEvent:
    """Add one event to the suggestion's history (flushed with the change it records)."""
    event = SuggestionEvent(suggestion_id=suggestion.id, actor_id=actor.id if actor else None, action=action,
                            from_status=from_status, to_status=to_status, comment=comment or "")
    db.session.add(event)
    return event
