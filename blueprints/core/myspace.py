"""My space (/) is built from panels that each domain registers, so no domain edits another's code."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_login import current_user


@dataclass
class Panel:
    """One card on the home page: a template under templates/<domain>/ and what it needs."""

    template: str
    order: int = 50
    context: dict = field(default_factory=dict)
    wide: bool = False


PanelProvider = Callable[[object], Panel | None]
_PROVIDERS: list[PanelProvider] = []


def panel_provider(fn: PanelProvider) -> PanelProvider:
    """Register a function user -> Panel | None (None hides the panel for that user)."""
    _PROVIDERS.append(fn)
    return fn


def panels_for(user=None) -> list[Panel]:
    """Every panel this user should see, in display order."""
    user = user or current_user
    panels = [panel for provider in _PROVIDERS if (panel := provider(user)) is not None]
    return sorted(panels, key=lambda p: p.order)


@panel_provider
def _notifications_panel(user) -> Panel:
    from sqlalchemy import select

    from blueprints.core.models import Notification
    from blueprints.core.notify import render_message
    from extensions import db

    recent = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(5)
    ).all()
    return Panel("core/_panel_notifications.html", order=90,
                 context={"recent": recent, "render_message": render_message})
