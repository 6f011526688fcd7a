"""Evidence for an honours nomination (SPEC §8): lines each domain reads from its own records about a person or a
unit (adopted suggestions and awards, contest ranks, certificates, workshop achievements, competition results),
registered here so the honours domain never imports the domain that owns them.

A domain registers in its panels module::

    @evidence_provider
    def suggestion_evidence(subject: Subject) -> list[EvidenceLine]: ...

Each provider answers in a constant number of queries; the nomination stores the lines as editable text.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Subject:
    """Who is nominated: a person (`user_id`) or a unit or team (`department_id` with its materialised `path`)."""

    user_id: int | None = None
    department_id: int | None = None
    path: str | None = None


@dataclass(frozen=True)
class EvidenceLine:
    """One fact from the records: what kind, a one-line text in the viewer's language, its date, and a link."""

    kind: str
    text: str
    on: date | None = None
    url: str | None = None


Provider = Callable[[Subject], list[EvidenceLine]]
_PROVIDERS: list[Provider] = []


def evidence_provider(fn: Provider) -> Provider:
    """Register a function (subject) -> evidence lines."""
    _PROVIDERS.append(fn)
    return fn


def evidence_for(subject: Subject) -> list[EvidenceLine]:
    """Every registered domain's evidence about `subject`, newest first (undated last)."""
    lines = [line for provider in _PROVIDERS for line in provider(subject)]
    return sorted(lines, key=lambda line: (line.on is None, -(line.on.toordinal() if line.on else 0)))
