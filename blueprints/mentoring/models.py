"""The tables of master–apprentice pairs: the pair, its check-ins and its two assessments."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.models import Department, User
from blueprints.core.types import UTCDateTime, utcnow
from extensions import db

STATUSES = ("active", "completed", "ended")  # ended: ended early, without completion
ASSESSMENT_KINDS = ("midterm", "final")
GRADES = ("excellent", "good", "pass", "fail")
CHECKIN_INTERVAL_DAYS = 30  # master and apprentice each write a check-in at least this often


class MentoringPair(db.Model):
    """A master (师傅) and an apprentice (徒弟) for a period, with goals and the skill level the apprentice aims for.

    `department_id` is the apprentice's department when the pair was made: whose HR and union admins see and
    assess the pair. An apprentice is in at most one active pair (the partial unique index).
    """

    __tablename__ = "mentoring_pairs"
    __table_args__ = (
        Index("uq_mentoring_pairs_active_apprentice", "apprentice_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
        Index("ix_mentoring_pairs_status_department", "status", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    master_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    apprentice_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id", ondelete="SET NULL"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    midterm_on: Mapped[date] = mapped_column(Date)  # the mid-term assessment falls due: halfway (halfway_between)
    goals: Mapped[str] = mapped_column(Text, default="")
    start_level: Mapped[str] = mapped_column(String(10))  # the apprentice's level when the pair was made
    target_level: Mapped[str] = mapped_column(String(10))
    agreement_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="active")
    target_reached: Mapped[bool | None] = mapped_column(Boolean)  # set at completion, from the final assessment
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    master: Mapped[User] = relationship(foreign_keys=[master_id], lazy="raise")
    apprentice: Mapped[User] = relationship(foreign_keys=[apprentice_id], lazy="raise")
    department: Mapped[Department | None] = relationship(lazy="raise")


def halfway_between(starts_on: date, ends_on: date) -> date:
    """The day halfway through a pair, when its mid-term assessment falls due."""
    return starts_on + timedelta(days=(ends_on - starts_on).days // 2)


class MentoringCheckin(db.Model):
    """A dated note by the master or the apprentice on how the pair is going."""

    __tablename__ = "mentoring_checkins"
    __table_args__ = (Index("ix_mentoring_checkins_pair_written", "pair_id", "written_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("mentoring_pairs.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    written_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MentoringAssessment(db.Model):
    """The mid-term or the final assessment of a pair, recorded once by HR or a union admin of its scope."""

    __tablename__ = "mentoring_assessments"
    __table_args__ = (UniqueConstraint("pair_id", "kind", name="uq_mentoring_assessments_pair_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("mentoring_pairs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # one of ASSESSMENT_KINDS
    score: Mapped[int] = mapped_column(Integer)  # 0–100
    grade: Mapped[str] = mapped_column(String(10))  # one of GRADES
    target_reached: Mapped[bool | None] = mapped_column(Boolean)  # the final assessment's verdict on the target
    comment: Mapped[str] = mapped_column(Text, default="")
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
