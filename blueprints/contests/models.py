"""The tables of skills contests: the contest, its items, quotas, entrants, judges' sheets and scores, flags resolved
by the chief judge, and objections."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.models import Department, User
from blueprints.core.types import Hundredths, UTCDateTime, utcnow
from extensions import db

STATUSES = ("draft", "registration", "drawn", "scoring", "provisional", "final")
LEVELS = ("enterprise", "district", "city")
ITEM_KINDS = ("theory", "practical")
ENTRANT_STATUSES = ("applied", "confirmed", "refused")
PRIZES = ("first", "second", "third")
SHEET_STATUSES = ("open", "submitted")
FLAG_DECISIONS = ("confirmed",)
OBJECTION_STATUSES = ("open", "answered")


class Contest(db.Model):
    """A skills contest (技术比武) of an organising unit, optionally filed under a competition."""

    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    organiser_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id", ondelete="SET NULL"),
                                                       index=True)
    trade: Mapped[str] = mapped_column(String(50))  # 工种
    level: Mapped[str] = mapped_column(String(12), default="enterprise")
    held_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    chief_judge_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Prize bands as counts of ranks: ranks 1..first get 一等奖, the next `second` ranks 二等奖, then `third` 三等奖;
    # the top `titles` ranks are also named 技术能手.
    first_prizes: Mapped[int] = mapped_column(Integer, default=1)
    second_prizes: Mapped[int] = mapped_column(Integer, default=2)
    third_prizes: Mapped[int] = mapped_column(Integer, default=3)
    titles: Mapped[int] = mapped_column(Integer, default=1)
    objections_until: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organiser: Mapped[Department] = relationship(lazy="raise")
    chief_judge: Mapped[User | None] = relationship(foreign_keys=[chief_judge_id], lazy="raise")


class Item(db.Model):
    """One scored item (e.g. 理论, 实操): weight in percent of the total, maximum score, the spread that flags."""

    __tablename__ = "contest_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10), default="practical")
    weight: Mapped[Decimal] = mapped_column(Hundredths)
    max_score: Mapped[Decimal] = mapped_column(Hundredths)
    spread_limit: Mapped[Decimal] = mapped_column(Hundredths)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Quota(db.Model):
    """How many entrants a unit may send."""

    __tablename__ = "contest_quotas"
    __table_args__ = (UniqueConstraint("contest_id", "unit_id", name="uq_contest_quotas_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    quota: Mapped[int] = mapped_column(Integer)

    unit: Mapped[Department] = relationship(lazy="raise")


class Entrant(db.Model):
    """A person in a contest for a unit: applied or nominated, confirmed, numbered at the draw, then ranked."""

    __tablename__ = "contest_entrants"
    __table_args__ = (UniqueConstraint("contest_id", "user_id", name="uq_contest_entrants_user"),
                      UniqueConstraint("contest_id", "number", name="uq_contest_entrants_number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="applied")
    number: Mapped[int | None] = mapped_column(Integer)  # the contestant number of the draw
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    total: Mapped[Decimal | None] = mapped_column(Hundredths)
    rank: Mapped[int | None] = mapped_column(Integer)
    prize: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[bool] = mapped_column(Boolean, default=False)  # 技术能手
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    upgrade_to: Mapped[str | None] = mapped_column(String(10))  # a recommended skill level (SKILL_LEVELS)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    unit: Mapped[Department] = relationship(lazy="raise")


class Judge(db.Model):
    """A judge on an item's panel; their sheet is open until submitted, and the chief judge may reopen it."""

    __tablename__ = "contest_judges"
    __table_args__ = (UniqueConstraint("item_id", "user_id", name="uq_contest_judges_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("contest_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")


class Score(db.Model):
    """One judge's score of one entrant on one item (one row each, so judges never overwrite each other)."""

    __tablename__ = "contest_scores"
    __table_args__ = (UniqueConstraint("judge_id", "entrant_id", name="uq_contest_scores_entrant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("contest_judges.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("contest_items.id", ondelete="CASCADE"), index=True)
    entrant_id: Mapped[int] = mapped_column(ForeignKey("contest_entrants.id", ondelete="CASCADE"), index=True)
    score: Mapped[Decimal] = mapped_column(Hundredths)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Flag(db.Model):
    """A spread above the item's limit that the chief judge confirmed (the scores stand as they are)."""

    __tablename__ = "contest_flags"
    __table_args__ = (UniqueConstraint("item_id", "entrant_id", name="uq_contest_flags_entrant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("contest_items.id", ondelete="CASCADE"), index=True)
    entrant_id: Mapped[int] = mapped_column(ForeignKey("contest_entrants.id", ondelete="CASCADE"), index=True)
    spread: Mapped[Decimal] = mapped_column(Hundredths)  # the spread that was confirmed
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Objection(db.Model):
    """An entrant's objection to the provisional results, answered by the chief judge."""

    __tablename__ = "contest_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    entrant_id: Mapped[int] = mapped_column(ForeignKey("contest_entrants.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
