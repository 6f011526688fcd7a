"""Innovation workshops (创新工作室): the workshop, its members, achievements and level history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.models import Department, StoredFile, User
from blueprints.core.types import UTCDateTime, utcnow
from extensions import db

KINDS = ("model_worker", "craftsman", "worker", "master")  # 劳模 / 工匠 / 职工 / 技能大师 创新工作室
LEVELS = ("enterprise", "city", "province", "national")
STATUSES = ("draft", "pending", "approved", "rejected", "revoked")
MEMBER_ROLES = ("lead", "deputy", "member")
MEMBER_STATUSES = ("requested", "active", "left", "declined")
ACHIEVEMENT_KINDS = ("patent", "award", "technique", "standard", "paper", "other")


class Workshop(db.Model):
    """A workshop led by a model worker, craftsman or master; visible to all once the union approves it."""

    __tablename__ = "workshops"
    __table_args__ = (Index("ix_workshops_status_name", "status", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20), default="enterprise")
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    field: Mapped[str] = mapped_column(String(100), default="")
    founded_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected or revoked
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lead: Mapped[User] = relationship(foreign_keys=[lead_id], lazy="raise")
    department: Mapped[Department | None] = relationship(lazy="raise")


class WorkshopMember(db.Model):
    """A person's place in a workshop: role lead/deputy/member, status requested/active/left/declined."""

    __tablename__ = "workshop_members"
    __table_args__ = (
        # One row per person and workshop, reused when they ask again after leaving or being declined, so a
        # double-clicked "join" can never create two requests.
        UniqueConstraint("workshop_id", "user_id", name="uq_workshop_members_workshop_user"),
        Index("ix_workshop_members_workshop_status", "workshop_id", "status"),
        Index("ix_workshop_members_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(10), default="member")
    status: Mapped[str] = mapped_column(String(10), default="requested")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workshop: Mapped[Workshop] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")


class Achievement(db.Model):
    """A result of the workshop: patent, award, signature technique, standard, paper or other."""

    __tablename__ = "workshop_achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    achieved_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    file: Mapped[StoredFile | None] = relationship(lazy="raise")


class LevelChange(db.Model):
    """A dated change of a workshop's level (e.g. enterprise → city), kept as history."""

    __tablename__ = "workshop_level_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[str | None] = mapped_column(String(20))
    to_level: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


RECOMMENDATION_STATUSES = ("recommended", "forwarded", "approved", "declined")
OPEN_RECOMMENDATION_STATUSES = ("recommended", "forwarded")


class Recommendation(db.Model):
    """An approved enterprise-level workshop recommended up the chain for city level (SPEC §7): the enterprise union
    recommends, the district or industry union forwards or declines, the city approves or declines."""

    __tablename__ = "workshop_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    # The workshop's id while the recommendation is open, NULL once decided: the unique index lets a workshop have
    # one open recommendation at a time, so two admins recommending at once store it once.
    open_workshop_id: Mapped[int | None] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(20), default="recommended", index=True)
    from_level: Mapped[str] = mapped_column(String(20))
    to_level: Mapped[str] = mapped_column(String(20))
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RecommendationStep(db.Model):
    """One dated step of a recommendation: who did what, why, and the union level it reached."""

    __tablename__ = "workshop_recommendation_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("workshop_recommendations.id", ondelete="CASCADE"),
                                                   index=True)
    action: Mapped[str] = mapped_column(String(20))  # recommend, forward, approve, decline
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    reached: Mapped[str] = mapped_column(String(16))  # the organisation kind now holding it (ORG_KINDS)
