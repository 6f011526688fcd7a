"""Training signups (培训报名): sessions, their eligibility, enrollments and the certificate number counter."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.models import Department, User
from blueprints.core.types import UTCDateTime, utcnow
from extensions import db

# 技能培训, 岗位练兵, 技术比武, 名师带徒, 安全培训 (labels in blueprints/training/labels.py)
KINDS = ("skills", "drill", "contest", "mentoring", "safety")
STATUSES = ("draft", "open", "closed", "completed", "cancelled")
ENROLLMENT_STATUSES = ("confirmed", "waitlisted", "cancelled")
ACTIVE_STATUSES = ("confirmed", "waitlisted")
ATTENDANCE = ("present", "absent")
RESULTS = ("pass", "fail")

CERTIFICATE_SERIES = "training_certificate"  # yearly_counters series of PX- numbers


class TrainingSession(db.Model):
    """One training, drill, contest, mentoring or safety session with a limited number of seats."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        Index("ix_training_sessions_status_starts_at", "status", "starts_at"),
        Index("ix_training_sessions_manager_starts_at", "manager_id", "starts_at"),
        # The seat counter can never go past the seats, whatever the code above it does.
        CheckConstraint("confirmed_count >= 0 AND confirmed_count <= capacity", name="seats"),
        CheckConstraint("waitlist_count >= 0", name="waitlist"),
        CheckConstraint("capacity >= 1", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    instructor: Mapped[str] = mapped_column(String(100), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signup_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    # Denormalised counts of the confirmed and waitlisted enrollments: seats are taken with a conditional UPDATE
    # on confirmed_count (services.take_seats), and list pages show both without counting rows.
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_count: Mapped[int] = mapped_column(Integer, default=0)
    # Empty list: every skill level may sign up.
    skill_levels: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    status_reason: Mapped[str | None] = mapped_column(Text)  # why it was cancelled
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The organising unit (SPEC §7): its HR run the session and its subtree may join. None = city-level (whole-tree
    # HR only, open to everyone), like a session organised by the federation root.
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # Filed under a competition (SPEC §8, migration 0015): counted on the competition's page.
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organiser: Mapped[Department | None] = relationship(foreign_keys=[organiser_id], lazy="raise")
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id], lazy="raise")
    departments: Mapped[list[Department]] = relationship(secondary="training_session_departments", lazy="raise",
                                                         order_by="Department.code")

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_full(self) -> bool:
        return self.confirmed_count >= self.capacity

    @property
    def hours(self) -> float | int:
        hours = round((self.ends_at - self.starts_at).total_seconds() / 3600, 1)
        return int(hours) if hours.is_integer() else hours


class SessionDepartment(db.Model):
    """Eligibility by department: members of the department or anywhere below it may sign up."""

    __tablename__ = "training_session_departments"

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)


class Enrollment(db.Model):
    """A person on a session: confirmed, waitlisted (with a position) or cancelled, and after it their results."""

    __tablename__ = "training_enrollments"
    __table_args__ = (
        # One active enrollment per person and session; cancelled rows stay as history and do not count.
        Index("uq_training_enrollments_active", "session_id", "user_id", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        Index("ix_training_enrollments_session_status", "session_id", "status", "waitlist_position"),
        Index("ix_training_enrollments_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20))
    # 1..n among the session's waitlisted enrollments (first come, first served); None when not waitlisted.
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    move_reason: Mapped[str | None] = mapped_column(Text)  # why HR last moved them in the waitlist
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance: Mapped[str | None] = mapped_column(String(10))
    result: Mapped[str | None] = mapped_column(String(10))
    score: Mapped[int | None] = mapped_column(Integer)
    certificate_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[TrainingSession] = relationship(lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id], lazy="raise")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def self_enrolled(self) -> bool:
        return self.enrolled_by_id in (None, self.user_id)


class FeedToken(db.Model):
    """The secret in a worker's calendar subscription URL (read-only access to their own confirmed trainings)."""

    __tablename__ = "training_feed_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
