"""Suggestions (五小 / 合理化建议): the suggestion, its people, files, history, reviews and rewards."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.models import Department, StoredFile, User
from blueprints.core.types import Money, UTCDateTime, utcnow
from blueprints.rewards.models import RewardLine
from extensions import db

# Keys stored in the database; the Chinese labels live in labels.py.
CATEGORIES = ("invention", "creation", "renovation", "design", "suggestion", "rationalization")
STATUSES = ("draft", "submitted", "returned", "accepted", "rejected", "implemented", "awarded", "withdrawn")
ADOPTED = ("accepted", "implemented", "awarded")  # the statuses that count as adopted (lists, figures, profiles)
GRADES = ("first", "second", "third", "excellence")
PAYOUT_STATUSES = ("pending", "paid")

TITLE_MAX = 100
PROBLEM_MAX = 3000
PROPOSAL_MAX = 5000
BENEFIT_MAX = 2000
COMMENT_MAX = 1000
MAX_COAUTHORS = 5
MAX_ATTACHMENTS = 5

SERIAL_SERIES = "suggestion_serial"  # yearly_counters series of WX- serials


class Suggestion(db.Model):
    """A worker's idea, from draft to award; the serial number is given at the first submission."""

    __tablename__ = "suggestions"
    __table_args__ = (
        # The list's order, plus what the visibility test of a whole-tree viewer reads (serial: submitted; the
        # author): that viewer's page and capped count walk this index without visiting the rows.
        Index("ix_suggestions_listed", "listed_at", "id", "serial", "author_id"),
        # A status's rows in list order, with the serial the review queue tests: the queue's capped per-status
        # counts read this index alone (a sequential scan read the table outside PostgreSQL's cache on every
        # page: 8.7 ms at 1M rows).
        Index("ix_suggestions_status_listed", "status", "listed_at", "serial"),
        Index("ix_suggestions_workshop_status", "workshop_id", "status"),
        Index("ix_suggestions_author_listed", "author_id", "listed_at"),
        # One department's rows in list order (a team's filter, a person's record).
        Index("ix_suggestions_department_listed", "department_id", "listed_at"),
        # An enterprise's subtree filter (services.lists.DepartmentSubtree) with or without a status: the page's
        # keys and the whole-tree viewer's visibility test, read from this index alone and sorted (0.7 ms for
        # 4,000 rows at 2M suggestions, where walking the list's index across the city took 8 ms).
        Index("ix_suggestions_department_status", "department_id", "status", "listed_at", "id", "serial",
              "author_id"),
        Index("ix_suggestions_year_status", "year", "status"),
        # One suggestion per form the author opened: a double-clicked or replayed "submit" creates nothing twice.
        UniqueConstraint("author_id", "client_token", name="uq_suggestions_author_client_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    category: Mapped[str] = mapped_column(String(20))
    problem: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[str] = mapped_column(Text, default="")
    expected_benefit: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The author's department when the suggestion was (first) submitted; moving later does not move the idea.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # The reviewing workshop; None means the union (admins) reviews it.
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"))
    # Filed under a competition (SPEC §8, migration 0015): counted on the competition's page.
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Competition year: of the first submission, or of creation while still a draft.
    year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Sort key of the lists: first submission time, or creation time while a draft (never NULL, for keyset paging).
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Rubric (given on acceptance): innovation 0-30, practicality 0-30, benefit 0-25, replicability 0-15.
    score_innovation: Mapped[int | None] = mapped_column(Integer)
    score_practicality: Mapped[int | None] = mapped_column(Integer)
    score_benefit: Mapped[int | None] = mapped_column(Integer)
    score_replicability: Mapped[int | None] = mapped_column(Integer)
    score_total: Mapped[int | None] = mapped_column(Integer)

    implemented_on: Mapped[date | None] = mapped_column(Date)
    annual_benefit: Mapped[Decimal | None] = mapped_column(Money)

    grade: Mapped[str | None] = mapped_column(String(20))
    suggested_grade: Mapped[str | None] = mapped_column(String(20))
    grade_reason: Mapped[str | None] = mapped_column(Text)
    reward_amount: Mapped[Decimal | None] = mapped_column(Money)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # Kept equal to the number of endorsement rows (recounted on every change), so lists need no COUNT per row.
    endorsement_count: Mapped[int] = mapped_column(Integer, default=0)
    # A random token put in the "new suggestion" form when it is opened (see above).
    client_token: Mapped[str | None] = mapped_column(String(40))

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    department: Mapped[Department | None] = relationship(lazy="raise")
    coauthors: Mapped[list[SuggestionCoauthor]] = relationship(
        lazy="raise", order_by="SuggestionCoauthor.position", cascade="all, delete-orphan",
        back_populates="suggestion")
    attachments: Mapped[list[SuggestionAttachment]] = relationship(
        lazy="raise", order_by="SuggestionAttachment.id", cascade="all, delete-orphan")

    # Not a column: set by list queries (is the viewer the author or a co-author?) so rows need no extra query.
    viewer_participant = None
    # Likewise: whether the row lies in the viewer's admin scope (set by list queries; None: ask the database).
    viewer_in_scope = None

    @property
    def is_private(self) -> bool:
        """Never submitted: only its author and co-authors may see it."""
        return self.serial is None


class SuggestionCoauthor(db.Model):
    """A co-author of a suggestion (up to five), in the order the author listed them."""

    __tablename__ = "suggestion_coauthors"
    __table_args__ = (Index("ix_suggestion_coauthors_user", "user_id", "suggestion_id"),)

    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    suggestion: Mapped[Suggestion] = relationship(lazy="raise", back_populates="coauthors")
    user: Mapped[User] = relationship(lazy="raise")


class SuggestionAttachment(db.Model):
    """A file attached to a suggestion (the bytes live in the upload folder, see core.uploads)."""

    __tablename__ = "suggestion_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)

    file: Mapped[StoredFile] = relationship(lazy="raise")


class SuggestionEvent(db.Model):
    """One step of the history: a transition (from → to) or a reassignment, with who, when and the comment."""

    __tablename__ = "suggestion_events"
    __table_args__ = (Index("ix_suggestion_events_suggestion", "suggestion_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="raise")


class SuggestionComment(db.Model):
    """A public comment under a submitted suggestion."""

    __tablename__ = "suggestion_comments"
    __table_args__ = (Index("ix_suggestion_comments_suggestion", "suggestion_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")


class SuggestionEndorsement(db.Model):
    """A +1 from a colleague; the primary key makes it once per person."""

    __tablename__ = "suggestion_endorsements"
    __table_args__ = (Index("ix_suggestion_endorsements_user", "user_id"),)

    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewerNote(db.Model):
    """A reviewer's private note on a suggestion; the author never sees it."""

    __tablename__ = "suggestion_reviewer_notes"
    __table_args__ = (Index("ix_suggestion_reviewer_notes_suggestion", "suggestion_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")


class AnswerTemplate(db.Model):
    """A saved standard answer for returning or rejecting suggestions; shared ones are offered to every reviewer."""

    __tablename__ = "suggestion_answer_templates"
    __table_args__ = (UniqueConstraint("owner_id", "title", name="uq_suggestion_answer_templates_owner_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "return" or "reject"
    title: Mapped[str] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The reward ledger is shared with the other domains that pay rewards (blueprints/rewards, migration 0017); a
# suggestion's lines are its kind "suggestion". The old name stays for the suggestions code.
RewardShare = RewardLine


# The recommendation chain for 市级优秀职工创新成果 (SPEC §7): enterprise → district/industry union → city.
RECOMMENDATION_STATUSES = ("recommended", "forwarded", "approved", "declined")
RECOMMENDATION_LEVELS = ("enterprise", "union", "city")
REASON_MAX = 1000


class SuggestionRecommendation(db.Model):
    """An awarded suggestion recommended by its enterprise for city-level recognition, and where it stands now."""

    __tablename__ = "suggestion_recommendations"
    __table_args__ = (Index("ix_suggestion_recommendations_status_union", "status", "union_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One recommendation per suggestion: a declined one stays declined (the history says why).
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    # The district or industry union above the enterprise; None when the enterprise sits at the top (no federation).
    union_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(20), default="recommended")
    level: Mapped[str] = mapped_column(String(20), default="union")  # the level reached (waiting at, or decided at)
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(lazy="raise")


class RecommendationStep(db.Model):
    """One step of a recommendation: who did what at which level, when, and why."""

    __tablename__ = "suggestion_recommendation_steps"
    __table_args__ = (Index("ix_suggestion_recommendation_steps_rec", "recommendation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Named here: the naming convention's name would pass PostgreSQL's 63-character limit.
    recommendation_id: Mapped[int] = mapped_column(ForeignKey(
        "suggestion_recommendations.id", ondelete="CASCADE",
        name="fk_suggestion_recommendation_steps_recommendation_id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))  # the level reached by this step
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
