"""Read-only questions about suggestions: what a viewer may see, loading for pages, and the published read API that
other domains (stats, the workshop profile) use instead of the services."""
from __future__ import annotations

from flask import g, has_request_context, url_for
from sqlalchemy import and_, exists, false, func, literal, or_, select, true
from sqlalchemy.orm import aliased, selectinload

from blueprints.core import pickers
from blueprints.core.models import Department, User
from blueprints.core.pagination import capped_count
from blueprints.core.scopes import scope_of
from blueprints.suggestions.models import (
    ADOPTED,
    ReviewerNote,
    RewardShare,
    Suggestion,
    SuggestionAttachment,
    SuggestionCoauthor,
    SuggestionComment,
    SuggestionEndorsement,
    SuggestionEvent,
)
from blueprints.suggestions.settings import blind_review
from blueprints.workshops.models import Workshop
from blueprints.workshops.queries import led_workshop_ids, led_workshops, managed_workshops_query
from extensions import db

COMMENTS_SHOWN = 500

# --- Who reviews, who takes part, what a viewer sees ------------------------------------------------------------------


def _cache_reviewed(user_id: int, ids) -> frozenset[int]:
    """Remember for the request which workshops a user reviews (asked on every row of a list)."""
    ids = frozenset(ids)
    if has_request_context():
        g.setdefault("_reviewed_workshops", {})[user_id] = ids
    return ids


def reviewed_workshop_ids(user) -> frozenset[int]:
    """Approved workshops whose suggestions this user reviews (active lead or deputy); cached for the request."""
    if user is None or not getattr(user, "is_authenticated", True):
        return frozenset()
    cached = g.get("_reviewed_workshops", {}).get(user.id) if has_request_context() else None
    if cached is not None:
        return cached
    return _cache_reviewed(user.id, led_workshop_ids(user.id))


def reviewed_workshops(user) -> list[tuple[int, str]]:
    """(id, name) of the approved workshops the user reviews, in one query that also fills the cache above."""
    rows = led_workshops(user.id)
    _cache_reviewed(user.id, (workshop_id for workshop_id, _name in rows))
    return rows


def is_participant(user, suggestion: Suggestion) -> bool:
    """The user is the author or a co-author (co-authors must be loaded, or `viewer_participant` set by a list)."""
    if user is None:
        return False
    if suggestion.author_id == user.id:
        return True
    if suggestion.viewer_participant is not None:
        return bool(suggestion.viewer_participant)
    return any(coauthor.user_id == user.id for coauthor in suggestion.coauthors)


def reviews_workshop(user, workshop_id: int | None) -> bool:
    """Admins review everything (including suggestions without a workshop); leads and deputies their workshops."""
    if user.has_role("admin"):
        return True
    return workshop_id is not None and workshop_id in reviewed_workshop_ids(user)


def identity_hidden(user, suggestion: Suggestion) -> bool:
    """Blind review: a reviewer sees no author, co-author or department while the suggestion waits for a decision."""
    if suggestion.status != "submitted" or not blind_review():
        return False
    return reviews_workshop(user, suggestion.workshop_id) and not is_participant(user, suggestion)


def admin_clause(user):
    """SQL: the suggestion lies in the user's admin scope — by the author's department at submission, or by the
    department of the workshop that reviews it (SPEC §7). One subquery, never a query per row."""
    scope = scope_of(user, "admin")
    if scope.everything or scope.empty:
        return true() if scope.everything else false()
    workshops_in_scope = select(Workshop.id).where(scope.department_clause(Workshop.department_id))
    return or_(scope.department_clause(Suggestion.department_id), Suggestion.workshop_id.in_(workshops_in_scope))


def sees_everything(user) -> bool:
    """A whole-tree admin: every scope condition is true, so shortcuts that ignore scopes stay exact."""
    return scope_of(user, "admin").everything


def in_admin_scope(user, suggestion: Suggestion) -> bool:
    """Whether the suggestion lies in the user's admin scope (no query for a whole-tree admin or a non-admin)."""
    scope = scope_of(user, "admin")
    if scope.everything or scope.empty:
        return scope.everything
    if suggestion.viewer_in_scope is not None:
        return bool(suggestion.viewer_in_scope)
    return bool(db.session.scalar(select(exists().where(Suggestion.id == suggestion.id, admin_clause(user)))))


def enterprise_clause(user):
    """SQL: the suggestion was written in the viewer's enterprise (core.org.enterprise_of the viewer's department);
    a viewer placed in no department shares the suggestions of authors placed in none, and a viewer at a union
    node (above enterprise level) has no enterprise."""
    department_id = getattr(user, "department_id", None)
    if department_id is None:
        return Suggestion.department_id.is_(None)
    enterprise = aliased(Department)
    viewer_path = select(Department.path).where(Department.id == department_id).scalar_subquery()
    enterprise_path = (select(enterprise.path)
                       .where(enterprise.kind == "enterprise", viewer_path.startswith(enterprise.path))
                       .order_by(enterprise.depth.desc()).limit(1).scalar_subquery())
    return Suggestion.department_id.in_(select(Department.id).where(Department.path.startswith(enterprise_path)))


def visible_clause(user):
    """SQL for "the user may see it": theirs (as author or co-author), or submitted once and either written in
    their enterprise, sent to a workshop they review, or in their admin scope."""
    own_coauthored = select(SuggestionCoauthor.suggestion_id).where(SuggestionCoauthor.user_id == user.id)
    if sees_everything(user):
        submitted = Suggestion.serial.is_not(None)
    else:
        submitted = and_(Suggestion.serial.is_not(None),
                         or_(enterprise_clause(user), admin_clause(user),
                             Suggestion.workshop_id.in_(managed_workshops_query(user.id))))
    return or_(submitted, Suggestion.author_id == user.id, Suggestion.id.in_(own_coauthored))


def admins_covering(suggestion: Suggestion) -> list[int]:
    """Active admins whose grants hold the suggestion (its department at submission, or its workshop's): a grant
    on no node or the root, or on a node whose path starts the suggestion's department path (one query)."""
    from blueprints.core.models import RoleGrant

    origin = select(Department.path).where(Department.id == suggestion.department_id).scalar_subquery()
    workshop_department = (select(Department.path).join(Workshop, Workshop.department_id == Department.id)
                           .where(Workshop.id == suggestion.workshop_id).scalar_subquery())
    granted = aliased(Department)
    return list(db.session.scalars(
        select(RoleGrant.user_id).distinct()
        .join(User, User.id == RoleGrant.user_id)
        .outerjoin(granted, granted.id == RoleGrant.department_id)
        .where(RoleGrant.role == "admin", User.active.is_(True),
               or_(RoleGrant.department_id.is_(None), granted.kind == "federation",
                   origin.startswith(granted.path), workshop_department.startswith(granted.path)))))


def sees_submitted(user, suggestion: Suggestion) -> bool:
    """Whether the user may see this submitted suggestion (the visible_clause rule for one row)."""
    if sees_everything(user):
        return True
    return bool(db.session.scalar(select(exists().where(Suggestion.id == suggestion.id, visible_clause(user)))))


def reviews(user, suggestion: Suggestion) -> bool:
    """Reviews this suggestion: an admin whose scope holds it, or a lead or deputy of its workshop."""
    if user.has_role("admin") and in_admin_scope(user, suggestion):
        return True
    return suggestion.workshop_id is not None and suggestion.workshop_id in reviewed_workshop_ids(user)


def participant_expression(user):
    """SQL boolean: the user is the author or a co-author of the row's suggestion (for lists, no N+1)."""
    coauthor = (select(literal(1)).where(SuggestionCoauthor.suggestion_id == Suggestion.id,
                                         SuggestionCoauthor.user_id == user.id).exists())
    return or_(Suggestion.author_id == user.id, coauthor)


def mark_participation(rows) -> None:
    """Copy a list query's is_mine and in_scope columns onto each suggestion, so permission checks need no extra
    query per row."""
    for row in rows:
        row[0].viewer_participant = bool(row.is_mine)
        row[0].viewer_in_scope = bool(row.in_scope)


# --- Loading one suggestion and what its pages show ---------------------------------------------------------------


def load_for_page(suggestion_id: int) -> Suggestion | None:
    """A suggestion with everything its detail page shows about people and files, in a fixed number of queries."""
    stmt = (select(Suggestion).where(Suggestion.id == suggestion_id)
            .options(selectinload(Suggestion.author),
                     selectinload(Suggestion.department),
                     selectinload(Suggestion.coauthors).selectinload(SuggestionCoauthor.user),
                     selectinload(Suggestion.attachments).selectinload(SuggestionAttachment.file)))
    return db.session.scalar(stmt)


def load_with_people(suggestion_id: int) -> Suggestion | None:
    """A suggestion with its co-authors loaded (enough for every permission check)."""
    stmt = (select(Suggestion).where(Suggestion.id == suggestion_id)
            .options(selectinload(Suggestion.coauthors)))
    return db.session.scalar(stmt)


def detail_link(suggestion: Suggestion) -> str:
    """The detail page's path (also outside a request, e.g. in the demo seeder)."""
    if has_request_context():
        return url_for("suggestions.detail", suggestion_id=suggestion.id)
    return f"/suggestions/{suggestion.id}"


def history(suggestion: Suggestion) -> list:
    """The suggestion's events in time order, each with the name of who made it."""
    actor = aliased(User)
    return db.session.execute(
        select(SuggestionEvent, actor.name.label("actor_name"))
        .outerjoin(actor, actor.id == SuggestionEvent.actor_id)
        .where(SuggestionEvent.suggestion_id == suggestion.id)
        .order_by(SuggestionEvent.created_at, SuggestionEvent.id)).all()


def last_return(suggestion: Suggestion) -> SuggestionEvent | None:
    """The latest "returned for changes" event (its comment says what to change), or None."""
    if suggestion.status != "returned":
        return None
    return db.session.scalar(
        select(SuggestionEvent).where(SuggestionEvent.suggestion_id == suggestion.id,
                                      SuggestionEvent.action == "return")
        .order_by(SuggestionEvent.created_at.desc(), SuggestionEvent.id.desc()).limit(1))


def comments(suggestion: Suggestion) -> list:
    """Public comments in time order (the first COMMENTS_SHOWN), each with the author's name."""
    return db.session.execute(
        select(SuggestionComment, User.name.label("author_name"))
        .join(User, User.id == SuggestionComment.author_id)
        .where(SuggestionComment.suggestion_id == suggestion.id)
        .order_by(SuggestionComment.created_at, SuggestionComment.id).limit(COMMENTS_SHOWN)).all()


def reviewer_notes(suggestion: Suggestion) -> list:
    """Private reviewer notes in time order, each with the author's name (the caller checks who may see them)."""
    return db.session.execute(
        select(ReviewerNote, User.name.label("author_name"))
        .join(User, User.id == ReviewerNote.author_id)
        .where(ReviewerNote.suggestion_id == suggestion.id)
        .order_by(ReviewerNote.created_at, ReviewerNote.id)).all()


def reward_lines(suggestion: Suggestion) -> list:
    """The suggestion's reward ledger lines with each person's name and 工号."""
    return db.session.execute(
        select(RewardShare, User.name.label("name"), User.employee_no.label("employee_no"))
        .join(User, User.id == RewardShare.user_id)
        .where(RewardShare.suggestion_id == suggestion.id)
        .order_by(RewardShare.id)).all()


def has_endorsed(suggestion: Suggestion, user) -> bool:
    """Whether the user has +1'd the suggestion."""
    return db.session.scalar(select(SuggestionEndorsement.user_id).where(
        SuggestionEndorsement.suggestion_id == suggestion.id, SuggestionEndorsement.user_id == user.id)) is not None


# --- Workshops as choices -----------------------------------------------------------------------------------------


def workshop_name(workshop_id: int | None) -> str | None:
    """The name of a workshop, or None."""
    if workshop_id is None:
        return None
    return db.session.scalar(select(Workshop.name).where(Workshop.id == workshop_id))


def approved_workshops() -> list[tuple[int, str]]:
    """(id, name) of every approved workshop, by name: the ones that can receive suggestions."""
    return [tuple(row) for row in db.session.execute(
        select(Workshop.id, Workshop.name).where(Workshop.status == "approved").order_by(Workshop.name))]


# --- My space ----------------------------------------------------------------------------------------------------


def my_recent(user, limit: int = 5) -> list[Suggestion]:
    """The user's latest suggestions, as author or co-author, most recently changed first."""
    coauthored = select(SuggestionCoauthor.suggestion_id).where(SuggestionCoauthor.user_id == user.id)
    return list(db.session.scalars(
        select(Suggestion).where(or_(Suggestion.author_id == user.id, Suggestion.id.in_(coauthored)))
        .order_by(Suggestion.updated_at.desc(), Suggestion.id.desc()).limit(limit)))


def my_rewards(user) -> tuple[int, object]:
    """How many reward ledger lines the user has, and their total in yuan."""
    count, total = db.session.execute(
        select(func.count(RewardShare.id), func.coalesce(func.sum(RewardShare.amount), 0))
        .where(RewardShare.user_id == user.id)).one()
    return count, total


# --- For other domains ----------------------------------------------------------------------------------------------


def adopted_of_workshop(workshop_id: int, limit: int = 10, viewer=None) -> dict:
    """A workshop's latest adopted suggestions (accepted, implemented, awarded) and how many there are; with a
    viewer, only those the viewer may see (visible_clause)."""
    condition = and_(Suggestion.workshop_id == workshop_id, Suggestion.status.in_(ADOPTED),
                     visible_clause(viewer) if viewer is not None else true())
    base = select(Suggestion).where(condition)
    items = db.session.execute(
        select(Suggestion.id, Suggestion.serial, Suggestion.title, Suggestion.status, Suggestion.grade,
               Suggestion.decided_at, User.name.label("author_name"))
        .join(User, User.id == Suggestion.author_id)
        .where(condition)
        .order_by(Suggestion.decided_at.desc(), Suggestion.id.desc()).limit(limit)).all()
    total, capped = capped_count(base) if len(items) >= limit else (len(items), False)
    return {"rows": items, "total": total, "capped": capped}


# --- Pickers (core.pickers) of the list's and the queue's filter boxes ------------------------------------------


def _union_choice(_user) -> list[pickers.Choice]:
    from flask_babel import gettext

    return [pickers.Choice("none", gettext("工会直接审核"))]


def _review_workshops(user, _params):
    """The workshops an admin's queue may be filtered on: those of their scope and those they run."""
    scope = scope_of(user, "admin")
    if scope.empty:
        return Workshop.id.in_(managed_workshops_query(user.id))
    return and_(Workshop.status == "approved", or_(scope.department_clause(Workshop.department_id),
                                                   Workshop.id.in_(managed_workshops_query(user.id))))


pickers.register(pickers.Source("suggestion-workshops", Workshop, lambda _user, _params: Workshop.status == "approved",
                                extras=_union_choice))
pickers.register(pickers.Source("review-workshops", Workshop, _review_workshops,
                                extras=lambda user: _union_choice(user) if user.has_role("admin") else []))
