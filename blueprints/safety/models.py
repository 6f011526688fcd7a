"""Hazard reports: the report, its photos and its history (SPEC §11)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.models import Department, StoredFile, User
from blueprints.core.types import Money, UTCDateTime, utcnow
from extensions import db

# Keys stored in the database; the Chinese labels live in labels.py.
KINDS = ("accident", "occupational")  # 事故隐患, 职业危害
GRADES = ("general", "major", "grave")  # 一般, 较大, 重大 (also the reporter's proposed severity)
STATUSES = ("reported", "confirmed", "not_a_hazard", "duplicate", "rectifying", "rectified", "verified")
OPEN_STATUSES = ("reported", "confirmed", "rectifying", "rectified")
PHOTO_ROLES = ("report", "evidence")

PLACE_MAX = 200
DESCRIPTION_MAX = 2000
TEXT_MAX = 1000
MAX_PHOTOS = 5
SERIAL_SERIES = "hazard_serial"  # yearly_counters series of YH- serials


class HazardReport(db.Model):
    """A worker's report of an accident hazard or occupational hazard, from triage to a verified fix."""

    __tablename__ = "hazard_reports"
    __table_args__ = (
        Index("ix_hazard_reports_status_created", "status", "created_at"),
        Index("ix_hazard_reports_department_created", "department_id", "created_at"),
        Index("ix_hazard_reports_reporter_created", "reporter_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The place: a department of the reporter's own enterprise (decides whose officers triage it) and free text.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    proposed_severity: Mapped[str] = mapped_column(String(20))
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id", ondelete="SET NULL"),
                                                       index=True)
    status: Mapped[str] = mapped_column(String(20), default="reported")
    grade: Mapped[str | None] = mapped_column(String(20))
    # Why it was closed as not a hazard or a duplicate, and the original of a duplicate.
    reason: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_reports.id", ondelete="SET NULL"))
    responsible_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    measures: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date | None] = mapped_column(Date)
    rectification_note: Mapped[str] = mapped_column(Text, default="")
    reward_amount: Mapped[Decimal | None] = mapped_column(Money)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The deadline the overdue reminder was sent for (a new deadline may be reminded again; the same one never).
    reminded_for: Mapped[date | None] = mapped_column(Date)

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="raise")
    department: Mapped[Department] = relationship(foreign_keys=[department_id], lazy="raise")
    responsible_department: Mapped[Department | None] = relationship(foreign_keys=[responsible_department_id],
                                                                     lazy="raise")
    photos: Mapped[list[HazardPhoto]] = relationship(lazy="raise", order_by="HazardPhoto.id",
                                                     cascade="all, delete-orphan")


class HazardPhoto(db.Model):
    """A photo of a report (role "report") or of the finished rectification ("evidence"): the original as uploaded
    (served only as a download) and the thumbnail made from it (shown inline; re-encoded, so no metadata)."""

    __tablename__ = "hazard_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazard_reports.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="report")
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    thumb_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)

    file: Mapped[StoredFile] = relationship(foreign_keys=[file_id], lazy="raise")
    thumb: Mapped[StoredFile] = relationship(foreign_keys=[thumb_id], lazy="raise")


class HazardEvent(db.Model):
    """One step of the history: who moved the report from which status to which, and why."""

    __tablename__ = "hazard_events"
    __table_args__ = (Index("ix_hazard_events_hazard", "hazard_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazard_reports.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="raise")
