"""The status machine of a suggestion, written once, and who may do what with it."""
from __future__ import annotations

from blueprints.core.states import Transition, actions_from, machine
from blueprints.suggestions.models import Suggestion
from blueprints.suggestions.queries import (
    in_admin_scope,
    is_participant,
    reviewed_workshop_ids,
    reviews,
    sees_submitted,
)

# actor: "author" | "reviewer" | "admin"
TRANSITIONS = machine(
    Transition("submit", ("draft",), "submitted", "author"),
    Transition("resubmit", ("returned",), "submitted", "author"),
    Transition("accept", ("submitted",), "accepted", "reviewer"),
    Transition("return", ("submitted",), "returned", "reviewer", needs_reason=True),
    Transition("reject", ("submitted",), "rejected", "reviewer", needs_reason=True),
    Transition("implement", ("accepted",), "implemented", "reviewer"),
    Transition("award", ("implemented",), "awarded", "admin"),
    Transition("withdraw", ("draft", "submitted", "returned"), "withdrawn", "author"),
)
EDITABLE = ("draft", "returned")
REASSIGNABLE = ("submitted", "returned")
ENDORSABLE = ("submitted", "accepted", "implemented", "awarded")
DECISIONS = ("accept", "return", "reject", "implement")  # what a reviewer does from the queue


def is_review_user(user) -> bool:
    """Whether the user has a review queue at all: an admin, or a lead/deputy of an approved workshop."""
    return user.has_role("admin") or bool(reviewed_workshop_ids(user))


def is_reviewer(user, suggestion: Suggestion) -> bool:
    """May review this suggestion: reviews its workshop (admins: holds it in scope) and is not one of its authors
    (no one judges their own)."""
    return not suggestion.is_private and not is_participant(user, suggestion) and reviews(user, suggestion)


def can_view(user, suggestion: Suggestion) -> bool:
    """Its authors always; once submitted, people of the author's enterprise, its reviewers and the admins whose
    scope holds it (queries.visible_clause); a draft only its author and co-authors."""
    if is_participant(user, suggestion):
        return True
    return not suggestion.is_private and sees_submitted(user, suggestion)


def can(user, action: str, suggestion: Suggestion) -> bool:
    """Whether `user` may make the transition `action` on `suggestion` now (asks the TRANSITIONS table)."""
    transition = TRANSITIONS.get(action)
    if transition is None or not transition.allows(suggestion.status):
        return False
    return _acts_as(user, transition.actor, suggestion)


def _acts_as(user, actor: str, suggestion: Suggestion) -> bool:
    """Whether the user is the suggestion's `actor` ("author", "reviewer" or "admin") for the TRANSITIONS table."""
    if actor == "author":
        return user.id == suggestion.author_id
    if actor == "reviewer":
        return is_reviewer(user, suggestion)
    return user.has_role("admin") and not is_participant(user, suggestion) and in_admin_scope(user, suggestion)


def can_edit(user, suggestion: Suggestion) -> bool:
    """Only the author edits, and only while the suggestion is a draft or was returned."""
    return suggestion.status in EDITABLE and user.id == suggestion.author_id


def can_reassign(user, suggestion: Suggestion) -> bool:
    """Admins whose scope holds it send a suggestion that waits for review to another workshop (or the union)."""
    return (user.has_role("admin") and suggestion.status in REASSIGNABLE
            and in_admin_scope(user, suggestion))


def can_endorse(user, suggestion: Suggestion) -> bool:
    """Colleagues +1 a submitted or adopted suggestion; its own authors cannot."""
    return suggestion.status in ENDORSABLE and not is_participant(user, suggestion)


def can_comment(user, suggestion: Suggestion) -> bool:
    """Anyone who can see a submitted suggestion can comment, until it is withdrawn."""
    return not suggestion.is_private and suggestion.status != "withdrawn"


def can_see_notes(user, suggestion: Suggestion) -> bool:
    """Private reviewer notes are for the suggestion's reviewers only, never its authors."""
    return is_reviewer(user, suggestion)


def can_see_reward(user, suggestion: Suggestion) -> bool:
    """Reward amounts and shares: the people rewarded and the union admins whose scope holds the suggestion."""
    return is_participant(user, suggestion) or (user.has_role("admin") and in_admin_scope(user, suggestion))


def allowed_actions(user, suggestion: Suggestion) -> list[str]:
    """The transitions the user may make now, in the table's order (for buttons); each kind of actor is asked once
    (a waiting suggestion's three reviewer decisions ask whether the user reviews it once, not three times)."""
    acts_as: dict[str, bool] = {}
    allowed = []
    for action in actions_from(TRANSITIONS, suggestion.status):
        actor = TRANSITIONS[action].actor
        if actor not in acts_as:
            acts_as[actor] = _acts_as(user, actor, suggestion)
        if acts_as[actor]:
            allowed.append(action)
    return allowed
