"""Statistics: the participation targets the union sets per department and competition year."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.core.types import UTCDateTime, utcnow
from extensions import db


class ParticipationTarget(db.Model):
    """The participation rate (whole percent, 0-100) a department should reach in a year.

    A department without a row of its own inherits the target of its nearest ancestor that has one (see
    services.effective_target), so the union can set one figure for the enterprise and raise it where it wants.
    """

    __tablename__ = "stats_participation_targets"
    __table_args__ = (
        UniqueConstraint("department_id", "year", name="uq_stats_participation_targets_department_year"),
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique key (department_id, year) also serves lookups by department.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    rate: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
