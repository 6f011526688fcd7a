"""Competitions, their indicators and enrolled units; key projects with milestones, and which competition covers
which project (SPEC §8). Other domains file records under a competition by its id."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.models import Department, StoredFile, User
from blueprints.core.types import Hundredths, UTCDateTime, utcnow
from extensions import db

# 六比一创, 三保一促, 五创, 五小竞赛, 安康杯, 节能 "N个一", 优质服务, 技能竞赛, other
KINDS = ("liubi_yichuang", "sanbao_yicu", "wuchuang", "wuxiao", "ankang", "energy", "service", "skills", "other")
STATUSES = ("draft", "published", "running", "closed", "assessed")
REPORT_FREQUENCIES = ("monthly", "quarterly")
# An indicator is either reported by the enrolled units or computed from the portal's records; a computed one names
# a key of core.indicators' registry (e.g. "suggestions_adopted").
REPORTED = "reported"
ENROLMENT_STATUSES = ("enrolled", "withdrawn")
PROJECT_LEVELS = ("province_top100", "city_key")  # 省百大项目, 市重点项目
PROJECT_STATUSES = ("planned", "started", "completed")

Score = Hundredths  # scores, weights (percent) and reported figures: exact decimals, two places


class Competition(db.Model):
    """A named campaign run by a union node (the organiser) over a year and period; status draft → published →
    running → closed → assessed."""

    __tablename__ = "competitions"
    __table_args__ = (Index("ix_competitions_status_year", "status", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    organiser_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    report_frequency: Mapped[str] = mapped_column(String(10), default="monthly")
    rules: Mapped[str] = mapped_column(Text, default="")
    rules_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    objections_until: Mapped[date | None] = mapped_column(Date)  # end of the objection window after provisional
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # provisional results shown (0015)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organiser: Mapped[Department] = relationship(lazy="raise")
    rules_file: Mapped[StoredFile | None] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise")


class Indicator(db.Model):
    """One assessed figure of a competition: weight (percent of the total), maximum score, and its source."""

    __tablename__ = "competition_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20), default="")  # 项, 人次, 万元 …
    weight: Mapped[Decimal] = mapped_column(Score)
    max_score: Mapped[Decimal] = mapped_column(Score)
    source: Mapped[str] = mapped_column(String(40), default=REPORTED)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Enrolment(db.Model):
    """A unit (enterprise, branch, team or project crew: a department node) taking part in a competition."""

    __tablename__ = "competition_enrolments"
    __table_args__ = (UniqueConstraint("competition_id", "unit_id", name="uq_competition_enrolments_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="enrolled")
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Department] = relationship(lazy="raise")


class Project(db.Model):
    """A key project (重点产业项目) of an owner enterprise, with planned dates and milestones."""

    __tablename__ = "key_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # the owner enterprise
    location: Mapped[str] = mapped_column(String(200), default="")
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="planned", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[Department] = relationship(lazy="raise")


class Milestone(db.Model):
    """A node (节点) of a key project: planned and actual dates."""

    __tablename__ = "key_project_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("key_projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    planned_on: Mapped[date] = mapped_column(Date)
    actual_on: Mapped[date | None] = mapped_column(Date)


competition_projects = Table(
    "competition_projects",
    db.metadata,
    Column("competition_id", ForeignKey("competitions.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("key_projects.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# --- Progress reports, assessment and objections (migration 0015) ---------------------------------------------

REPORT_STATUSES = ("draft", "submitted", "accepted", "returned")
OBJECTION_STATUSES = ("open", "answered")
REPORT_GRACE_DAYS = 10  # a period's report is overdue once the period ended this many days ago (local dates)


class Report(db.Model):
    """An enrolled unit's progress report for one period (a month or a quarter, named by its first day)."""

    __tablename__ = "competition_reports"
    __table_args__ = (UniqueConstraint("competition_id", "unit_id", "period_start",
                                       name="uq_competition_reports_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    narrative: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")  # the organiser's word when returning or accepting
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Department] = relationship(lazy="raise")
    figures: Mapped[list[ReportFigure]] = relationship(lazy="raise", cascade="all, delete-orphan")
    attachments: Mapped[list[ReportAttachment]] = relationship(lazy="raise", cascade="all, delete-orphan")


class ReportFigure(db.Model):
    """The figure a report gives for one reported indicator."""

    __tablename__ = "competition_report_figures"
    __table_args__ = (UniqueConstraint("report_id", "indicator_id", name="uq_competition_report_figures_cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("competition_reports.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("competition_indicators.id", ondelete="CASCADE"),
                                              index=True)
    value: Mapped[Decimal] = mapped_column(Score)


class ReportAttachment(db.Model):
    """A file attached to a progress report."""

    __tablename__ = "competition_report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("competition_reports.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"))

    file: Mapped[StoredFile] = relationship(lazy="raise")


class ReportReminder(db.Model):
    """That the admins of a unit were reminded of an overdue period: one row per competition, unit and period, so
    `flask competitions remind-overdue` never reminds twice."""

    __tablename__ = "competition_report_reminders"
    __table_args__ = (UniqueConstraint("competition_id", "unit_id", "period_start",
                                       name="uq_competition_report_reminders_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    period_start: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScoreCell(db.Model):
    """The organiser's score of one unit on one indicator: one row per cell, so two organisers scoring at once
    never overwrite each other's other cells."""

    __tablename__ = "competition_scores"
    __table_args__ = (UniqueConstraint("competition_id", "unit_id", "indicator_id",
                                       name="uq_competition_scores_cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("competition_indicators.id", ondelete="CASCADE"))
    score: Mapped[Decimal] = mapped_column(Score)
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Objection(db.Model):
    """A unit's objection to provisional results, and the organiser's answer."""

    __tablename__ = "competition_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    answer: Mapped[str] = mapped_column(Text, default="")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Department] = relationship(lazy="raise")
