"""Honours nominations (先进推荐, SPEC §8): a unit, team or person nominated for an honour at a level, with evidence
taken from the records, moving up the union chain; each step dated with actor, reason and the level reached."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.core.types import UTCDateTime, utcnow
from extensions import db

# 五一劳动奖状, 五一劳动奖章, 工人先锋号, 劳动模范, 技术能手, 优秀创新成果, other (named in honour_name)
HONOURS = ("labour_award", "labour_medal", "pioneer", "model_worker", "skill_master", "innovation", "other")
# The level of the honour asked for: district or industry union, city, province, national.
LEVELS = ("union", "city", "province", "national")
SUBJECT_KINDS = ("unit", "team", "person")
STATUSES = ("nominated", "forwarded", "approved", "declined")
OPEN_STATUSES = ("nominated", "forwarded")


class Nomination(db.Model):
    """One nomination: the subject (a department node, and the person for a personal honour), the honour, the
    level, the evidence lines as edited, and where it stands on the chain."""

    __tablename__ = "honour_nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    honour: Mapped[str] = mapped_column(String(20))
    honour_name: Mapped[str] = mapped_column(String(60), default="")  # the honour's name when honour == "other"
    level: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    subject_kind: Mapped[str] = mapped_column(String(10))
    # The unit or team nominated, or the person's department when nominated: the scope of the nomination.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # "<honour>:<year>:<department>:<person>" while open, NULL once decided: the unique index keeps one open
    # nomination of a subject for an honour and year, so two admins nominating at once store it once.
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="nominated", index=True)
    summary: Mapped[str] = mapped_column(Text, default="")  # 主要事迹
    evidence: Mapped[str] = mapped_column(Text, default="")  # one line per fact, as the nominator edited them
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def evidence_lines(self) -> list[str]:
        """The stored evidence, one fact a line, blank lines left out."""
        return [line.strip() for line in (self.evidence or "").splitlines() if line.strip()]


class NominationStep(db.Model):
    """One dated step of a nomination: who did what (nominate, forward, approve, decline), why, and the union level
    now holding it (an organisation kind)."""

    __tablename__ = "honour_nomination_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("honour_nominations.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    reached: Mapped[str] = mapped_column(String(16))
