"""The review queue: the suggestions sent to a reviewer's workshops (admins: all), and how many wait in each status."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, func, literal, or_, select

from blueprints.suggestions.models import Suggestion
from blueprints.suggestions.queries import admin_clause, mark_participation, reviewed_workshop_ids
from blueprints.suggestions.services.lists import ListFilters, list_rows_statement
from blueprints.workshops.queries import managed_workshops_query
from extensions import db

QUEUE_STATUSES = ("submitted", "accepted", "implemented", "returned")
WAITING = ("submitted", "accepted", "implemented")  # shown oldest first: they wait for the reviewer
COUNT_CAP = 1000
QUEUE_ORDER = (Suggestion.listed_at, Suggestion.id)


@dataclass
class QueueFilters:
    """What the queue filters on: a queue status (or "all"), text, category and workshop ("none": the union's)."""

    status: str = "submitted"
    q: str = ""
    category: str | None = None
    workshop: str | None = None

    @property
    def oldest_first(self) -> bool:
        """Waiting suggestions come oldest first; the finished ones newest first."""
        return self.status in WAITING


def review_scope(user, workshop: str | None = None):
    """SQL for the suggestions in the user's review queue (admins: their scope and the workshops they run; leads
    and deputies: their workshops)."""
    condition = Suggestion.serial.is_not(None)
    if user.has_role("admin"):
        condition = and_(condition, or_(admin_clause(user),
                                        Suggestion.workshop_id.in_(managed_workshops_query(user.id))))
    else:
        ids = reviewed_workshop_ids(user)
        condition = and_(condition, Suggestion.workshop_id.in_(ids) if ids else false())
    if workshop == "none":
        condition = and_(condition, Suggestion.workshop_id.is_(None))
    elif workshop and workshop.isdigit():
        condition = and_(condition, Suggestion.workshop_id == int(workshop))
    return condition


def queue_statement(user, filters: QueueFilters):
    """The review queue's one query (same columns as the list), scoped to the reviewer's workshops."""
    stmt = list_rows_statement(user, ListFilters(q=filters.q, category=filters.category))
    stmt = stmt.where(review_scope(user, filters.workshop))
    if filters.status != "all":
        stmt = stmt.where(Suggestion.status == filters.status)
    return stmt


def queue_row(user, suggestion_id: int):
    """One row of the queue as the queue shows it (is_mine marked), or None when it is not in the user's queue."""
    row = db.session.execute(queue_statement(user, QueueFilters(status="all"))
                             .where(Suggestion.id == suggestion_id)).first()
    if row is not None:
        mark_participation([row])
    return row


def queue_counts(user, workshop: str | None = None, cap: int = COUNT_CAP) -> dict[str, int]:
    """How many suggestions wait in each queue status, each count stopping at cap + 1, in one round trip."""
    scope = review_scope(user, workshop)
    columns = []
    for status in QUEUE_STATUSES:
        limited = select(literal(1)).where(scope, Suggestion.status == status).limit(cap + 1).subquery()
        columns.append(select(func.count()).select_from(limited).scalar_subquery().label(status))
    row = db.session.execute(select(*columns)).one()
    return dict(zip(QUEUE_STATUSES, row, strict=True))


def pending_review_count(user) -> int:
    """Suggestions waiting for this reviewer's decision (capped), for My space."""
    limited = (select(literal(1)).where(review_scope(user), Suggestion.status == "submitted",
                                        Suggestion.author_id != user.id).limit(COUNT_CAP + 1).subquery())
    return db.session.scalar(select(func.count()).select_from(limited)) or 0
