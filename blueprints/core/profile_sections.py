"""Sections other domains add to a workshop's profile page (as my-space panels are added to the home page), so the
workshops domain never includes another domain's template or names it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Section:
    """One card on the workshop profile: a template under templates/<domain>/ and what it needs (as `ctx`)."""

    template: str
    order: int = 50
    context: dict = field(default_factory=dict)


SectionProvider = Callable[[object, object], Section | None]
_PROVIDERS: list[SectionProvider] = []


def workshop_section(fn: SectionProvider) -> SectionProvider:
    """Register a function (workshop, viewer) -> Section | None (None leaves the section out for that page)."""
    _PROVIDERS.append(fn)
    return fn


def workshop_sections(workshop, viewer) -> list[Section]:
    """Every section the profile of this workshop shows this viewer, in display order."""
    sections = [section for provider in _PROVIDERS if (section := provider(workshop, viewer)) is not None]
    return sorted(sections, key=lambda s: s.order)
