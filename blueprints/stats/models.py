"""Statistics: the participation targets the union sets per department and competition year, and the snapshot's
tables (rollups per department and period, the rankings' rows, the dirty marks)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
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


class Rollup(db.Model):
    """The figures of one department and period in the statistics snapshot (blueprints/stats/snapshot.py).

    `subtree` False holds the department's own facts, True the sum over the department and everything below it
    (plus the distinct counts, which are not sums). Period `year` 0 holds the figures of today (head count, active
    pairs, workshops by level and approval year, competition coverage). Department 0 is the whole organisation
    (its own row: the facts of no department). `figures` maps a short key to an integer (money in fen);
    `heads` and `participants` repeat two of them as columns, for the team ranking's ORDER BY; on the own rows of
    a year, `heads` is the department's head count today and `team_rate` participants / heads when the department
    is a team the ranking counts (no sub-departments, at least TEAM_MIN_HEADS people), else NULL.
    """

    __tablename__ = "stats_rollups"
    __table_args__ = (Index("ix_stats_rollups_team_rank", "year", "subtree", "team_rate", "participants"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subtree: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    heads: Mapped[int] = mapped_column(Integer, default=0)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    team_rate: Mapped[float | None] = mapped_column(Float)


class RollupEntity(db.Model):
    """A thing counted once however many departments it touches (a training session, an apprentice who reached
    their target): the departments it counts in (ancestors included) and the keys it adds one to, per year."""

    __tablename__ = "stats_rollup_entities"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    keys: Mapped[list] = mapped_column(JSON, default=list)
    nodes: Mapped[list] = mapped_column(JSON, default=list)


class RollupPerson(db.Model):
    """A person's adopted suggestions of a year and their benefit (fen): the 创新之星 ranking reads these.

    The person's 工号 is copied here because it breaks the ranking's ties: with it in the rank index the top ten are
    its first ten entries, where ties of thousands (everyone with three adopted and no benefit) were read and sorted
    before. A 工号 change marks the person (marks.COUNTED_USER_COLUMNS), and the refresh rewrites their rows.
    """

    __tablename__ = "stats_rollup_people"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    adopted: Mapped[int] = mapped_column(Integer, default=0)
    benefit: Mapped[int] = mapped_column(BigInteger, default=0)
    employee_no: Mapped[str | None] = mapped_column(String(32))


# Read backwards: most adopted, most benefit, then 工号 ascending, the order of the ranking.
Index("ix_stats_rollup_people_rank", RollupPerson.year, RollupPerson.adopted, RollupPerson.benefit,
      RollupPerson.employee_no.desc())


class RollupWorkshop(db.Model):
    """A workshop's suggestions of a year (received, adopted, …, benefit in fen): the workshop ranking reads these."""

    __tablename__ = "stats_rollup_workshops"
    __table_args__ = (Index("ix_stats_rollup_workshops_rank", "year", "adopted", "benefit"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    workshop_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    received: Mapped[int] = mapped_column(Integer, default=0)
    adopted: Mapped[int] = mapped_column(Integer, default=0)
    implemented: Mapped[int] = mapped_column(Integer, default=0)
    awarded: Mapped[int] = mapped_column(Integer, default=0)
    waiting: Mapped[int] = mapped_column(Integer, default=0)
    benefit: Mapped[int] = mapped_column(BigInteger, default=0)


class SnapshotState(db.Model):
    """The snapshot's one row: when it was built and how fresh it is (the page's "as of"), and its years."""

    __tablename__ = "stats_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)


class DirtyMark(db.Model):
    """A change the snapshot has not taken in yet: `kind` names what changed (a department's facts, a session, an
    apprentice, a person, a workshop, the tree) and `key` its id. Written by the flush listeners (stats.marks),
    consumed by snapshot.refresh_dirty."""

    __tablename__ = "stats_dirty"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[int] = mapped_column(BigInteger, default=0)


# The snapshot's refresh asks for the earliest fact of each kind (snapshot._first_fact_year) every five minutes:
# MIN over an index is one seek, without one a scan of millions of rows. The columns belong to other domains; the
# indexes serve only the snapshot, so they are declared here (migration 0024).
def _first_fact_indexes() -> tuple[Index, ...]:
    from blueprints.contests.models import Contest
    from blueprints.mentoring.models import MentoringPair
    from blueprints.safety.models import HazardReport
    from blueprints.suggestions.models import Suggestion
    from blueprints.workshops.models import WorkshopMember

    return (Index("ix_suggestions_awarded_at", Suggestion.__table__.c.awarded_at),
            Index("ix_workshop_members_joined_at", WorkshopMember.__table__.c.joined_at),
            Index("ix_contests_held_on", Contest.__table__.c.held_on),
            Index("ix_mentoring_pairs_starts_on", MentoringPair.__table__.c.starts_on),
            Index("ix_mentoring_pairs_closed_on", MentoringPair.__table__.c.closed_on),
            Index("ix_hazard_reports_created_at", HazardReport.__table__.c.created_at))


FIRST_FACT_INDEXES = _first_fact_indexes()
