"""The one shape of every status machine: a table of named transitions that views and templates ask, never repeat."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    """An allowed move `action`: from any of `sources` to `target`, by `actor` (a role word the domain defines)."""

    action: str
    sources: tuple[str, ...]
    target: str
    actor: str = ""
    needs_reason: bool = False

    def allows(self, status: str) -> bool:
        """Whether the move may start from `status`."""
        return status in self.sources


def machine(*transitions: Transition) -> dict[str, Transition]:
    """The transition table keyed by action; each action is written once."""
    table = {t.action: t for t in transitions}
    if len(table) != len(transitions):
        raise ValueError("an action is listed twice in a status machine")
    return table


def actions_from(table: dict[str, Transition], status: str) -> list[str]:
    """The actions that may start from `status`, in the table's order."""
    return [action for action, rule in table.items() if rule.allows(status)]


def can_move(table: dict[str, Transition], action: str, status: str) -> bool:
    """Whether `action` exists and may start from `status`."""
    rule = table.get(action)
    return rule is not None and rule.allows(status)
