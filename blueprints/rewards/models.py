"""One line of the reward ledger: a person's payout for one thing — a share of a suggestion award or a hazard-report
reward — and whether finance paid it."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.models import User
from blueprints.core.types import Money, UTCDateTime, utcnow
from extensions import db

KINDS = ("suggestion", "hazard")  # what a line pays for; labels in rewards/labels.py
PAYOUT_STATUSES = ("pending", "paid")


class RewardLine(db.Model):
    """A line of the reward ledger. `kind` says what it pays for and exactly one of suggestion_id / hazard_id names
    the record; `department_id` is the unit whose funds pay it (the suggestion's department at submission, the
    hazard's place), which decides whose ledger it is in."""

    __tablename__ = "reward_ledger"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "user_id", name="uq_reward_ledger_suggestion_user"),
        UniqueConstraint("hazard_id", "user_id", name="uq_reward_ledger_hazard_user"),
        Index("ix_reward_ledger_status_created", "status", "created_at"),
        CheckConstraint("(kind = 'suggestion' AND suggestion_id IS NOT NULL AND hazard_id IS NULL) OR "
                        "(kind = 'hazard' AND hazard_id IS NOT NULL AND suggestion_id IS NULL)", name="what_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="suggestion")
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_reports.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # For lines that are not suggestions: the record's reference and a short description, kept on the line so the
    # ledger page names what a line pays for without reading the paying domain's tables.
    reference: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Hundredths of a percent (10000 = 100 %), so a three-way equal split is exact enough to show as 33.34 %.
    share_bp: Mapped[int] = mapped_column(Integer, default=10000)
    amount: Mapped[Decimal] = mapped_column(Money)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
