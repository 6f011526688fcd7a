"""Read-only questions about master–apprentice pairs, with the one scope rule of the domain.

Who sees a pair: its master and its apprentice, and the HR and union admins whose scope covers the pair's
department (the apprentice's when the pair was made). Everyone else gets 404, like a pair that does not exist.
Every list, count, panel, statistic and record line below goes through `visible_clause` / `staff_clause`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, distinct, false, func, or_, select
from sqlalchemy.orm import aliased

from blueprints.core import pickers
from blueprints.core.clock import local_today
from blueprints.core.models import Department, StoredFile, User
from blueprints.core.scopes import Scope, covers_id, scope_of
from blueprints.mentoring.models import (
    CHECKIN_INTERVAL_DAYS,
    MentoringAssessment,
    MentoringCheckin,
    MentoringPair,
)
from blueprints.workshops.models import Workshop
from extensions import db

STAFF_ROLES = ("hr", "admin")
FINAL_DUE_DAYS = 14  # the final assessment is asked for from two weeks before the end
Master, Apprentice = aliased(User, name="master"), aliased(User, name="apprentice")


# --- Scope -----------------------------------------------------------------------------------------------------------


def is_party(user, pair: MentoringPair) -> bool:
    """The user is the pair's master or apprentice."""
    return user.id in (pair.master_id, pair.apprentice_id)


def is_staff(user, pair: MentoringPair) -> bool:
    """HR or a union admin whose scope covers the pair's department: they see, assess, complete and end it."""
    return any(user.has_role(role) and covers_id(user, role, pair.department_id) for role in STAFF_ROLES)


def can_view(user, pair: MentoringPair) -> bool:
    """The pair itself and the staff of its scope."""
    return is_party(user, pair) or is_staff(user, pair)


def staff_clause(user):
    """SQL: the pair's department lies in the user's HR or admin scope."""
    clauses = [scope.department_clause(MentoringPair.department_id)
               for scope in (scope_of(user, role) for role in STAFF_ROLES) if not scope.empty]
    return or_(*clauses) if clauses else false()


def visible_clause(user):
    """SQL twin of can_view."""
    return or_(MentoringPair.master_id == user.id, MentoringPair.apprentice_id == user.id, staff_clause(user))


def staff_scope(user) -> Scope:
    """The union of the user's HR and admin scopes (the people a pair may be made of, the pairs they manage)."""
    hr, admin = scope_of(user, "hr"), scope_of(user, "admin")
    if hr.everything or admin.everything:
        return Scope("mentoring", everything=True)
    return Scope("mentoring", paths=tuple(sorted(set(hr.paths) | set(admin.paths))))


def can_create(user) -> bool:
    """HR and union admins make pairs (inside their scope)."""
    return user.has_role(*STAFF_ROLES)


# --- Lists and the detail page ---------------------------------------------------------------------------------------


def pairs_list(user, status: str | None = None, q: str = ""):
    """SELECT of the pairs the user may see: (pair, master name, master 工号, apprentice name, apprentice 工号,
    department name), newest first; `status` and a name or 工号 filter."""
    from blueprints.core.people import escape_like

    stmt = (select(MentoringPair, Master.name.label("master_name"), Master.employee_no.label("master_no"),
                   Apprentice.name.label("apprentice_name"), Apprentice.employee_no.label("apprentice_no"),
                   Department.name.label("department_name"))
            .join(Master, Master.id == MentoringPair.master_id)
            .join(Apprentice, Apprentice.id == MentoringPair.apprentice_id)
            .outerjoin(Department, Department.id == MentoringPair.department_id)
            .where(visible_clause(user)))
    if status:
        stmt = stmt.where(MentoringPair.status == status)
    term = q.strip()
    if term:
        like = f"%{escape_like(term.lower())}%"
        stmt = stmt.where(or_(*(func.lower(column).like(like, escape="\\") for column in
                                (Master.name, Master.employee_no, Apprentice.name, Apprentice.employee_no))))
    return stmt


def load_pair(pair_id: int) -> MentoringPair | None:
    """The pair with its master, apprentice and department (one query), or None."""
    from sqlalchemy.orm import joinedload

    return db.session.scalar(select(MentoringPair).where(MentoringPair.id == pair_id)
                             .options(joinedload(MentoringPair.master), joinedload(MentoringPair.apprentice),
                                      joinedload(MentoringPair.department)))


@dataclass
class PairPage:
    """What the detail page shows besides the pair: workshop name, agreement, check-ins, assessments."""

    workshop_name: str | None = None
    agreement: StoredFile | None = None
    checkins: list = field(default_factory=list)  # (checkin, author name)
    assessments: dict = field(default_factory=dict)  # kind -> (assessment, assessor name)


def pair_page(pair: MentoringPair) -> PairPage:
    """The detail page's rows in three queries."""
    page = PairPage()
    if pair.workshop_id is not None:
        page.workshop_name = db.session.scalar(select(Workshop.name).where(Workshop.id == pair.workshop_id))
    if pair.agreement_file_id is not None:
        page.agreement = db.session.get(StoredFile, pair.agreement_file_id)
    page.checkins = db.session.execute(
        select(MentoringCheckin, User.name).join(User, User.id == MentoringCheckin.author_id)
        .where(MentoringCheckin.pair_id == pair.id)
        .order_by(MentoringCheckin.written_on.desc(), MentoringCheckin.id.desc())).all()
    rows = db.session.execute(
        select(MentoringAssessment, User.name).outerjoin(User, User.id == MentoringAssessment.assessed_by_id)
        .where(MentoringAssessment.pair_id == pair.id)).all()
    page.assessments = {row[0].kind: (row[0], row[1]) for row in rows}
    return page


def workshop_choices(user) -> list[tuple[int, str]]:
    """Approved workshops of the user's HR or admin scope, by name, for the pair form."""
    scope = staff_scope(user)
    stmt = (select(Workshop.id, Workshop.name).where(Workshop.status == "approved")
            .where(scope.department_clause(Workshop.department_id)).order_by(Workshop.name).limit(500))
    return [(row.id, row.name) for row in db.session.execute(stmt)]


def active_pair_of_apprentice(user_id: int, exclude_id: int | None = None) -> int | None:
    """The id of the apprentice's active pair, if any."""
    stmt = select(MentoringPair.id).where(MentoringPair.apprentice_id == user_id, MentoringPair.status == "active")
    if exclude_id is not None:
        stmt = stmt.where(MentoringPair.id != exclude_id)
    return db.session.scalar(stmt.limit(1))


# --- Next steps (my space) -------------------------------------------------------------------------------------------


def next_checkin_due(pair: MentoringPair, last_written: date | None) -> date:
    """When the person's next check-in falls due: CHECKIN_INTERVAL_DAYS after their last one (or the start)."""
    return (last_written or pair.starts_on) + timedelta(days=CHECKIN_INTERVAL_DAYS)


def pending_assessment(pair: MentoringPair, kinds: set[str], today: date) -> str | None:
    """The step the staff owe an active pair today: "midterm" (from the midpoint), "final" (from two weeks before
    the end, once the mid-term is in), "complete" (the final is in); None when nothing is due yet."""
    if "final" in kinds:
        return "complete"
    if "midterm" not in kinds:
        return "midterm" if today >= pair.midterm_on else None
    return "final" if today >= pair.ends_on - timedelta(days=FINAL_DUE_DAYS) else None


def my_pairs(user) -> list:
    """The user's active pairs as master or apprentice, with what falls due next (two queries)."""
    last = (select(func.max(MentoringCheckin.written_on)).where(MentoringCheckin.pair_id == MentoringPair.id,
                                                                MentoringCheckin.author_id == user.id)
            .correlate(MentoringPair).scalar_subquery())
    rows = db.session.execute(
        select(MentoringPair, Master.name, Apprentice.name, last.label("last"))
        .join(Master, Master.id == MentoringPair.master_id)
        .join(Apprentice, Apprentice.id == MentoringPair.apprentice_id)
        .where(MentoringPair.status == "active",
               or_(MentoringPair.master_id == user.id, MentoringPair.apprentice_id == user.id))
        .order_by(MentoringPair.starts_on, MentoringPair.id).limit(10)).all()
    kinds = _assessment_kinds([row[0].id for row in rows])
    today = local_today()
    return [{"pair": pair, "master": master, "apprentice": apprentice,
             "role": "master" if pair.master_id == user.id else "apprentice",
             "checkin_due": next_checkin_due(pair, last_on), "today": today,
             "assessment": pending_assessment(pair, kinds.get(pair.id, set()), today)}
            for pair, master, apprentice, last_on in rows]


def _assessment_kinds(pair_ids: list[int]) -> dict[int, set[str]]:
    if not pair_ids:
        return {}
    kinds: dict[int, set[str]] = {}
    for pair_id, kind in db.session.execute(select(MentoringAssessment.pair_id, MentoringAssessment.kind)
                                            .where(MentoringAssessment.pair_id.in_(pair_ids))):
        kinds.setdefault(pair_id, set()).add(kind)
    return kinds


def staff_todo(user, limit: int = 8) -> tuple[list, int]:
    """Active pairs of the user's HR/admin scope owing an assessment or a completion today: (rows, how many in all).

    Due in SQL (no per-pair query): no mid-term and the midpoint reached; or a mid-term, no final and the end two
    weeks away; or a final recorded and the pair still active.
    """
    today = local_today()
    kinds = (select(MentoringAssessment.pair_id, MentoringAssessment.kind)).subquery()
    has = {kind: select(kinds.c.pair_id).where(kinds.c.kind == kind).scalar_subquery() for kind in ("midterm", "final")}
    due = or_(
        MentoringPair.id.in_(has["final"]),
        and_(MentoringPair.id.in_(has["midterm"]), MentoringPair.ends_on <= today + timedelta(days=FINAL_DUE_DAYS)),
        and_(MentoringPair.id.not_in(has["midterm"]), MentoringPair.midterm_on <= today),
    )
    base = select(MentoringPair.id).where(MentoringPair.status == "active", staff_clause(user), due)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    if not total:
        return [], 0
    rows = db.session.execute(
        select(MentoringPair, Master.name, Apprentice.name)
        .join(Master, Master.id == MentoringPair.master_id)
        .join(Apprentice, Apprentice.id == MentoringPair.apprentice_id)
        .where(MentoringPair.id.in_(base)).order_by(MentoringPair.ends_on, MentoringPair.id).limit(limit)).all()
    found = _assessment_kinds([row[0].id for row in rows])
    return [{"pair": pair, "master": master, "apprentice": apprentice,
             "assessment": pending_assessment(pair, found.get(pair.id, set()), today)}
            for pair, master, apprentice in rows], total


# --- Statistics (the statistics page, its workbook, personal records) -----------------------------------------------


@dataclass
class MentoringFigures:
    """Pairs of a part of the tree: active now, started, completed and ended early in the year, the completion
    rate (completed ÷ pairs closed in the year) and the apprentices who reached their target in the year."""

    active: int = 0
    started: int = 0
    completed: int = 0
    ended: int = 0
    reached: int = 0

    @property
    def closed(self) -> int:
        return self.completed + self.ended

    @property
    def completion_rate(self) -> int | None:
        """Whole percent, None when no pair closed in the year."""
        return round(100 * self.completed / self.closed) if self.closed else None


def figures(scope: Scope, root_path: str, year: int) -> MentoringFigures:
    """The figures of the pairs whose department lies in `scope` and under `root_path` ("/" = all), in one query."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    closed_in_year = MentoringPair.closed_on.between(first, last)
    completed = and_(MentoringPair.status == "completed", closed_in_year)

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    reached = func.count(distinct(case((and_(completed, MentoringPair.target_reached.is_(True)),
                                        MentoringPair.apprentice_id))))
    stmt = (select(count_if(MentoringPair.status == "active"),
                   count_if(MentoringPair.starts_on.between(first, last)),
                   count_if(completed),
                   count_if(and_(MentoringPair.status == "ended", closed_in_year)),
                   reached)
            .select_from(MentoringPair).outerjoin(Department, Department.id == MentoringPair.department_id)
            .where(scope.department_clause(MentoringPair.department_id)))
    if root_path and root_path != "/":
        stmt = stmt.where(Department.path.startswith(root_path))
    active, started, n_completed, ended, n_reached = db.session.execute(stmt).one()
    return MentoringFigures(int(active), int(started), int(n_completed), int(ended), int(n_reached))


@dataclass
class PersonMentoring:
    """A person's pairs on their record (as the viewer may see them) and their skill-level history."""

    pairs: list = field(default_factory=list)  # (pair, master name, apprentice name)
    credited: int = 0  # pairs the person mastered to completion with the target reached
    history: list = field(default_factory=list)  # SkillLevelChange rows


def person_mentoring(person_id: int, viewer) -> PersonMentoring:
    """The record's mentoring section: the person's pairs the viewer may see, and the skill history (two queries)."""
    from blueprints.core.people import skill_history

    rows = db.session.execute(
        select(MentoringPair, Master.name, Apprentice.name)
        .join(Master, Master.id == MentoringPair.master_id)
        .join(Apprentice, Apprentice.id == MentoringPair.apprentice_id)
        .where(or_(MentoringPair.master_id == person_id, MentoringPair.apprentice_id == person_id),
               visible_clause(viewer))
        .order_by(MentoringPair.starts_on.desc(), MentoringPair.id.desc()).limit(50)).all()
    credited = sum(1 for pair, _m, _a in rows
                   if pair.master_id == person_id and pair.status == "completed" and pair.target_reached)
    return PersonMentoring(pairs=rows, credited=credited, history=skill_history(person_id))


def credited_pairs(user_id: int | None = None, path: str | None = None) -> list:
    """Completed pairs with the target reached, of a master (`user_id`) or of a unit's subtree (`path`), with the
    apprentice's name: the honours evidence (one query)."""
    stmt = (select(MentoringPair, Master.name, Apprentice.name)
            .join(Master, Master.id == MentoringPair.master_id)
            .join(Apprentice, Apprentice.id == MentoringPair.apprentice_id)
            .where(MentoringPair.status == "completed", MentoringPair.target_reached.is_(True)))
    if user_id is not None:
        stmt = stmt.where(MentoringPair.master_id == user_id)
    elif path:
        stmt = stmt.join(Department, Department.id == MentoringPair.department_id).where(
            Department.path.startswith(path))
    else:
        return []
    return db.session.execute(stmt.order_by(MentoringPair.closed_on.desc(), MentoringPair.id.desc())
                              .limit(50)).all()


# The pair form's workshop picker (core.pickers): approved workshops of the user's HR or admin scope.
pickers.register(pickers.Source("mentoring-workshops", Workshop, lambda user, _params: and_(
    Workshop.status == "approved", staff_scope(user).department_clause(Workshop.department_id))))
