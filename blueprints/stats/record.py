"""A worker's personal record (个人竞赛档案): honours, suggestions, awards, trainings, certificates and workshops.

Each section is one query with a fixed limit (the newest RECORD_LIMIT lines; the page says when there are more),
so a long career never makes the page slow. What a viewer may not see stays out: never-submitted drafts for
anyone but the person, suggestions under blind review for their reviewers, reward money for HR.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, distinct, func, or_, select

from blueprints.core.models import Department, User
from blueprints.core.people import person_search_clause
from blueprints.core.scopes import covers_id
from blueprints.core.types import utcnow
from blueprints.honours.queries import approved_for_person
from blueprints.stats import contest_figures, safety_figures
from blueprints.stats.services import (
    HELD_STATUSES,
    ZERO,
    can_see_reward_amounts,
    hours,
    money_sum,
    person_time,
    report_scope,
    session_minutes,
)
from blueprints.suggestions.models import ADOPTED, RewardShare, Suggestion, SuggestionCoauthor
from blueprints.suggestions.queries import identity_hidden
from blueprints.training.models import Enrollment, TrainingSession
from blueprints.workshops.models import Workshop, WorkshopMember
from blueprints.workshops.queries import can_view as can_view_workshop
from extensions import db

RECORD_LIMIT = 50


@dataclass
class RecordSummary:
    """The record's headline numbers, over the whole career."""

    submitted: int = 0
    adopted: int = 0
    awarded: int = 0
    reward_total: Decimal = ZERO
    trainings: int = 0
    minutes: int = 0
    certificates: int = 0
    workshops: int = 0

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)


@dataclass
class PersonRecord:
    """Everything the record page shows about one person, for one viewer."""

    person: User
    department: str | None
    summary: RecordSummary
    suggestions: list = field(default_factory=list)
    suggestions_more: bool = False
    hidden_in_review: int = 0
    rewards: list | None = None  # None: the viewer may not see reward money
    rewards_more: bool = False
    trainings: list = field(default_factory=list)
    trainings_more: bool = False
    workshops: list = field(default_factory=list)
    honours: list = field(default_factory=list)  # approved honours nominations (the honours domain)
    # (reports, hazard rewards) — only for the person and the union admins of their scope (whistle-blower rule)
    hazards: tuple | None = None
    contests: list = field(default_factory=list)  # skills contests (stats/contest_figures.py)


def load_person(user_id: int) -> tuple[User, str | None] | None:
    """The person and their department's name (one query)."""
    row = db.session.execute(select(User, Department.name).outerjoin(Department, Department.id == User.department_id)
                             .where(User.id == user_id)).first()
    return (row[0], row[1]) if row is not None else None


def written_by(person_id: int):
    """SQL: the row's suggestion was written or co-written by the person."""
    coauthored = select(SuggestionCoauthor.suggestion_id).where(SuggestionCoauthor.user_id == person_id)
    return or_(Suggestion.author_id == person_id, Suggestion.id.in_(coauthored))


def summary_for(person_id: int) -> RecordSummary:
    """The headline numbers in one query of scalar subqueries."""
    now = utcnow()
    counted = and_(written_by(person_id), Suggestion.serial.is_not(None), Suggestion.status != "withdrawn")
    held = and_(Enrollment.user_id == person_id, person_time(), TrainingSession.status.in_(HELD_STATUSES),
                TrainingSession.starts_at <= now)

    def trainings(column):
        return (select(column).select_from(Enrollment)
                .join(TrainingSession, TrainingSession.id == Enrollment.session_id).where(held).scalar_subquery())

    stmt = select(
        select(func.count(Suggestion.id)).where(counted).scalar_subquery(),
        select(func.count(Suggestion.id)).where(counted, Suggestion.status.in_(ADOPTED)).scalar_subquery(),
        select(func.count(Suggestion.id)).where(counted, Suggestion.status == "awarded").scalar_subquery(),
        select(money_sum(RewardShare.amount)).where(RewardShare.user_id == person_id,
                                                    RewardShare.kind == "suggestion").scalar_subquery(),
        trainings(func.count(Enrollment.id)),
        trainings(func.coalesce(func.sum(session_minutes()), 0)),
        select(func.count(Enrollment.id)).where(Enrollment.user_id == person_id,
                                                Enrollment.certificate_no.is_not(None)).scalar_subquery(),
        select(func.count(distinct(WorkshopMember.workshop_id)))
        .join(Workshop, Workshop.id == WorkshopMember.workshop_id)
        .where(WorkshopMember.user_id == person_id, WorkshopMember.status == "active",
               Workshop.status == "approved").scalar_subquery(),
    )
    submitted, adopted, awarded, reward_total, n_trainings, minutes, certificates, workshops = \
        db.session.execute(stmt).one()
    return RecordSummary(submitted, adopted, awarded, reward_total, n_trainings, int(minutes or 0), certificates,
                         workshops)


def person_record(person: User, department: str | None, viewer) -> PersonRecord:
    """The record of `person` as `viewer` may see it (five queries)."""
    record = PersonRecord(person=person, department=department, summary=summary_for(person.id))
    is_self = viewer.id == person.id

    stmt = (select(Suggestion, Workshop.name.label("workshop_name"),
                   (Suggestion.author_id == person.id).label("is_author"),
                   written_by(viewer.id).label("is_mine"))
            .outerjoin(Workshop, Workshop.id == Suggestion.workshop_id)
            .where(written_by(person.id))
            .order_by(Suggestion.listed_at.desc(), Suggestion.id.desc()).limit(RECORD_LIMIT + 1))
    if not is_self:
        stmt = stmt.where(Suggestion.serial.is_not(None))  # drafts are private to their authors
    rows = db.session.execute(stmt).all()
    record.suggestions_more = len(rows) > RECORD_LIMIT
    for row in rows[:RECORD_LIMIT]:
        suggestion = row[0]
        suggestion.viewer_participant = bool(row.is_mine)
        if not is_self and identity_hidden(viewer, suggestion):
            record.hidden_in_review += 1  # blind review: its reviewers must not learn who wrote it from here
            continue
        record.suggestions.append(row)

    if can_see_reward_amounts(viewer, person):
        rows = db.session.execute(
            select(RewardShare, Suggestion.serial, Suggestion.title, Suggestion.grade)
            .join(Suggestion, Suggestion.id == RewardShare.suggestion_id)
            .where(RewardShare.user_id == person.id)
            .order_by(RewardShare.created_at.desc(), RewardShare.id.desc()).limit(RECORD_LIMIT + 1)).all()
        record.rewards, record.rewards_more = rows[:RECORD_LIMIT], len(rows) > RECORD_LIMIT
    if is_self or covers_id(viewer, "admin", person.department_id):
        record.hazards = safety_figures.of_person(person.id)

    rows = db.session.execute(
        select(Enrollment, TrainingSession)
        .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(Enrollment.user_id == person.id, Enrollment.status == "confirmed",
               TrainingSession.status.in_(HELD_STATUSES), TrainingSession.starts_at <= utcnow())
        .order_by(TrainingSession.starts_at.desc(), Enrollment.id.desc()).limit(RECORD_LIMIT + 1)).all()
    record.trainings, record.trainings_more = rows[:RECORD_LIMIT], len(rows) > RECORD_LIMIT

    record.workshops = db.session.execute(
        select(WorkshopMember, Workshop)
        .join(Workshop, Workshop.id == WorkshopMember.workshop_id)
        .where(WorkshopMember.user_id == person.id, WorkshopMember.status.in_(("active", "left")))
        .order_by((WorkshopMember.status == "active").desc(), WorkshopMember.joined_at.desc(),
                  WorkshopMember.id.desc())
        .limit(RECORD_LIMIT)).all()
    record.honours = approved_for_person(person.id, RECORD_LIMIT)
    record.contests = contest_figures.record_lines(person.id)
    return record


def can_open_workshop(viewer, person: User, membership: WorkshopMember, workshop: Workshop) -> bool:
    """Link a workshop on the record only where the viewer may open it (the workshops domain's rule)."""
    return can_view_workshop(viewer, workshop, membership if viewer.id == person.id else None)


def find_people_in_scope(user, q: str, limit: int = 10) -> list[tuple[User, str | None]]:
    """Type-ahead of the record lookup: people matching q whose department the user's admin or HR grants cover."""
    scope = report_scope(user)
    stmt = (select(User, Department.name).outerjoin(Department, User.department_id == Department.id)
            .where(person_search_clause(q), scope.department_clause(User.department_id))
            .order_by(User.employee_no).limit(limit))
    return [(person, dept) for person, dept in db.session.execute(stmt).all()]


def lookup_person(employee_no: str) -> User | None:
    """The person with this 工号 (case-insensitive, active or not)."""
    no = (employee_no or "").split(",")[0].strip()
    if not no:
        return None
    return db.session.scalar(select(User).where(func.lower(User.employee_no) == no.lower()))

