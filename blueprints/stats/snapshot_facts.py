"""The snapshot's facts: every figure of the report counted per department (its own facts only) and per period,
with the same SQL conditions as the live report (services, safety_figures, contest_figures, mentoring and
competitions queries), so the snapshot and the live page cannot define a figure differently.

Each family below is a few GROUP BY department queries for one year (or for today, period 0). `only` narrows a
department-id column to the departments being refreshed (None: all of them, for a rebuild). Results go into an
`Own` accumulator: {(period, department id): {key: integer}}; money is in fen. Department 0 collects what belongs
to no department (it counts only for the whole organisation).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import and_, case, distinct, exists, func, literal, or_, select, true, union_all
from sqlalchemy.orm import aliased

from blueprints.competitions.models import Competition, Enrolment, Project, competition_projects
from blueprints.contests.models import Contest, Entrant
from blueprints.contests.queries import RESULTS_OUT
from blueprints.core.clock import local_year, to_local
from blueprints.core.models import Department, User
from blueprints.mentoring.models import MentoringPair
from blueprints.rewards.models import RewardLine
from blueprints.safety.models import HazardReport
from blueprints.stats import services
from blueprints.stats.contest_figures import HELD as CONTEST_HELD
from blueprints.stats.safety_figures import CONFIRMED
from blueprints.suggestions.models import ADOPTED, RewardShare, Suggestion, SuggestionCoauthor
from blueprints.training.models import Enrollment, TrainingSession
from blueprints.workshops.models import Workshop, WorkshopMember
from extensions import db

TODAY = 0  # the period of the figures that describe today rather than a year

Own = dict[tuple[int, int], dict[str, int]]


def new_own() -> Own:
    """An empty accumulator."""
    return defaultdict(lambda: defaultdict(int))


def fen(amount) -> int:
    """A Money sum (Decimal yuan, or None) as integer fen."""
    return int((Decimal(amount or 0) * 100).to_integral_value())


class Narrow:
    """`only`: called with a department-id column, the refresh's filter on it (true() for a rebuild)."""

    def __init__(self, ids=None):
        self.ids = None if ids is None else sorted(ids)

    @property
    def everything(self) -> bool:
        return self.ids is None

    def __call__(self, column):
        return true() if self.ids is None else column.in_(self.ids)


def _add(own: Own, period: int, dept: int | None, key: str, value) -> None:
    if value:
        own[(period, dept or 0)][key] += int(value)


# --- Suggestions, rewards, workshops ---------------------------------------------------------------------------------


def suggestions(own: Own, scope, only) -> None:
    """Submitted, adopted, benefit; by local month and category; by category and status (one GROUP BY)."""
    month = services._month_of(Suggestion.listed_at, scope)
    benefit = func.sum(case((Suggestion.status.in_(services.IMPLEMENTED), Suggestion.annual_benefit)))
    stmt = (select(Suggestion.department_id, month, Suggestion.category, Suggestion.status,
                   func.count(Suggestion.id), benefit)
            .where(services.submitted_in(scope), Suggestion.department_id.is_not(None),
                   only(Suggestion.department_id))
            .group_by(Suggestion.department_id, month, Suggestion.category, Suggestion.status))
    year = scope.year
    for dept, m, category, status, n, money in db.session.execute(stmt):
        _add(own, year, dept, "sub", n)
        _add(own, year, dept, "adp", n if status in ADOPTED else 0)
        _add(own, year, dept, "ben", fen(money))
        if m is not None:
            _add(own, year, dept, f"sm.{int(m)}.{category}", n)
        _add(own, year, dept, f"scs.{category}.{status}", n)


def rewards(own: Own, scope, only) -> None:
    """Rewards granted and paid for suggestions awarded during the year, by the suggestion's department."""
    stmt = (select(Suggestion.department_id, func.sum(RewardShare.amount),
                   func.sum(case((RewardShare.status == "paid", RewardShare.amount))),
                   func.count(distinct(Suggestion.id)))
            .join(Suggestion, Suggestion.id == RewardShare.suggestion_id)
            .where(Suggestion.awarded_at >= scope.start, Suggestion.awarded_at < scope.end,
                   Suggestion.department_id.is_not(None), only(Suggestion.department_id))
            .group_by(Suggestion.department_id))
    for dept, granted, paid, awards in db.session.execute(stmt):
        _add(own, scope.year, dept, "rg", fen(granted))
        _add(own, scope.year, dept, "rp", fen(paid))
        _add(own, scope.year, dept, "aw", awards)


def workshop_levels(own: Own, only) -> None:
    """Approved workshops by level and local year of approval (0: no date), in period TODAY: the report of year Y
    counts the approval years up to Y."""
    stmt = (select(Workshop.department_id, Workshop.level, Workshop.decided_at)
            .where(Workshop.status == "approved", Workshop.department_id.is_not(None), only(Workshop.department_id)))
    for dept, level, decided in db.session.execute(stmt):
        _add(own, TODAY, dept, f"wl.{level}.{local_year(decided) if decided is not None else 0}", 1)


# --- Participation and training --------------------------------------------------------------------------------------


def _people_filter(only: Narrow):
    """The people of the departments being refreshed (a subquery), or no filter."""
    people = select(User.id).where(only(User.department_id))
    return lambda column: true() if only.everything else column.in_(people)


def participation(own: Own, scope, only) -> None:
    """Active participants by current department, in all and by way of taking part (one query)."""
    mine = _people_filter(only)
    from blueprints.suggestions.models import SuggestionCoauthor as Coauthor

    tagged = union_all(
        select(Suggestion.author_id.label("user_id"), literal("s").label("source"))
        .where(services.submitted_in(scope), mine(Suggestion.author_id)),
        select(Coauthor.user_id, literal("s")).join(Suggestion, Suggestion.id == Coauthor.suggestion_id)
        .where(services.submitted_in(scope), mine(Coauthor.user_id)),
        select(WorkshopMember.user_id, literal("w")).join(Workshop, Workshop.id == WorkshopMember.workshop_id)
        .where(services._membership_in_year(scope), mine(WorkshopMember.user_id)),
        select(Enrollment.user_id, literal("t")).join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(services._enrolled_in_year(scope), mine(Enrollment.user_id)),
    ).subquery("tagged")

    def distinct_for(source):
        return func.count(distinct(case((tagged.c.source == source, tagged.c.user_id))))

    stmt = (select(User.department_id, func.count(distinct(tagged.c.user_id)), distinct_for("s"),
                   distinct_for("w"), distinct_for("t"))
            .select_from(tagged).join(User, and_(User.id == tagged.c.user_id, User.active.is_(True)))
            .where(User.department_id.is_not(None), only(User.department_id)).group_by(User.department_id))
    for dept, total, by_suggestion, by_workshop, by_training in db.session.execute(stmt):
        for key, n in (("pt", total), ("pt.s", by_suggestion), ("pt.w", by_workshop), ("pt.t", by_training)):
            _add(own, scope.year, dept, key, n)


def _training_base(stmt, scope, only):
    return (stmt.select_from(Enrollment)
            .join(TrainingSession, and_(TrainingSession.id == Enrollment.session_id, services.held_in(scope)))
            .join(User, User.id == Enrollment.user_id)
            .where(services.person_time(), User.department_id.is_not(None), only(User.department_id)))


def training(own: Own, scope, only) -> None:
    """Person-times, minutes, passes and fails by trainee's department, kind and local month; trainees (distinct
    people) by department and by kind. Sessions are counted once each: see session_entities."""
    minutes = func.coalesce(func.sum(services.session_minutes()), 0)
    month = services._month_of(TrainingSession.starts_at, scope)
    passed, failed = services._count_if(Enrollment.result == "pass"), services._count_if(Enrollment.result == "fail")
    stmt = _training_base(select(User.department_id, TrainingSession.kind, month, func.count(Enrollment.id),
                                 minutes, passed, failed), scope, only).group_by(User.department_id,
                                                                                  TrainingSession.kind, month)
    y = scope.year
    for dept, kind, m, n, total, n_pass, n_fail in db.session.execute(stmt):
        for key, value in (("tp", n), ("tmin", total), ("tps", n_pass), ("tfl", n_fail),
                           (f"tk.{kind}.pt", n), (f"tk.{kind}.min", total), (f"tk.{kind}.ps", n_pass),
                           (f"tk.{kind}.fl", n_fail)):
            _add(own, y, dept, key, value)
        if m is not None:
            _add(own, y, dept, f"tm.{int(m)}", n)
            _add(own, y, dept, f"tmm.{int(m)}", total)
    stmt = _training_base(select(User.department_id, TrainingSession.kind, func.count(distinct(User.id))),
                          scope, only).group_by(User.department_id, TrainingSession.kind)
    for dept, kind, n in db.session.execute(stmt):
        _add(own, y, dept, f"tk.{kind}.tr", n)
    stmt = _training_base(select(User.department_id, func.count(distinct(User.id))), scope, only) \
        .group_by(User.department_id)
    for dept, n in db.session.execute(stmt):
        _add(own, y, dept, "ttr", n)


def session_entities(scope, session_ids=None) -> dict[int, tuple[str, set[int]]]:
    """{session id: (kind, the trainees' departments)} of the sessions held in the year with a person-time."""
    stmt = (select(TrainingSession.id, TrainingSession.kind, User.department_id).distinct()
            .select_from(Enrollment)
            .join(TrainingSession, and_(TrainingSession.id == Enrollment.session_id, services.held_in(scope)))
            .join(User, User.id == Enrollment.user_id)
            .where(services.person_time(), User.department_id.is_not(None)))
    if session_ids is not None:
        stmt = stmt.where(TrainingSession.id.in_(sorted(session_ids)))
    found: dict[int, tuple[str, set[int]]] = {}
    for session_id, kind, dept in db.session.execute(stmt):
        found.setdefault(session_id, (kind, set()))[1].add(dept)
    return found


def head_counts(own: Own, only) -> None:
    """Active people by department, in period TODAY."""
    stmt = (select(User.department_id, func.count(User.id))
            .where(User.active.is_(True), User.department_id.is_not(None), only(User.department_id))
            .group_by(User.department_id))
    for dept, n in db.session.execute(stmt):
        _add(own, TODAY, dept, "hd", n)


# --- Part II: contests, hazards, mentoring, competitions -------------------------------------------------------------


def contests(own: Own, scope, only) -> None:
    """Contests held (by organiser), confirmed entrants and their prizes (by the entrant's department)."""
    start, end = scope.start.date(), scope.end.date()
    in_year = and_(Contest.held_on >= start, Contest.held_on < end, Contest.status.in_(CONTEST_HELD))
    y = scope.year
    for dept, n in db.session.execute(select(Contest.organiser_id, func.count(Contest.id))
                                      .where(in_year, only(Contest.organiser_id)).group_by(Contest.organiser_id)):
        _add(own, y, dept, "ch", n)
    out = Contest.status.in_(RESULTS_OUT)

    def prize(condition):
        return func.coalesce(func.sum(case((and_(out, condition), 1), else_=0)), 0)

    stmt = (select(User.department_id, func.count(Entrant.id), prize(Entrant.prize == "first"),
                   prize(Entrant.prize == "second"), prize(Entrant.prize == "third"), prize(Entrant.title.is_(True)))
            .join(Contest, Contest.id == Entrant.contest_id).join(User, User.id == Entrant.user_id)
            .where(in_year, Entrant.status == "confirmed", User.department_id.is_not(None), only(User.department_id))
            .group_by(User.department_id))
    for dept, *values in db.session.execute(stmt):
        for key, value in zip(("ce", "c1", "c2", "c3", "ct"), values, strict=True):
            _add(own, y, dept, key, value)


def hazards(own: Own, scope, only) -> None:
    """Hazard reports of the year by place: reported, waiting, confirmed, rectified, on time, rewards; by month."""
    rows = db.session.execute(
        select(HazardReport.id, HazardReport.department_id, HazardReport.status, HazardReport.created_at,
               HazardReport.rectified_at, HazardReport.deadline)
        .where(HazardReport.created_at >= scope.start, HazardReport.created_at < scope.end,
               only(HazardReport.department_id))).all()
    amounts: dict[int, list[int]] = {}
    ids = [row.id for row in rows]
    for chunk in range(0, len(ids), 500):
        for hazard_id, amount, status in db.session.execute(
                select(RewardLine.hazard_id, RewardLine.amount, RewardLine.status)
                .where(RewardLine.kind == "hazard", RewardLine.hazard_id.in_(ids[chunk:chunk + 500]))):
            granted = amounts.setdefault(hazard_id, [0, 0])
            granted[0] += fen(amount)
            granted[1] += fen(amount) if status == "paid" else 0
    y = scope.year
    for hazard in rows:
        dept, confirmed = hazard.department_id, hazard.status in CONFIRMED
        month = to_local(hazard.created_at).month
        rectified = hazard.rectified_at is not None and hazard.status in ("rectified", "verified")
        on_time = rectified and (hazard.deadline is None or to_local(hazard.rectified_at).date() <= hazard.deadline)
        granted, paid = amounts.get(hazard.id, (0, 0))
        for key, value in (("hr", 1), ("hw", hazard.status == "reported"), ("hc", confirmed), ("hx", rectified),
                           ("ho", on_time), ("hg", granted), ("hp", paid), (f"hm.{month}", 1),
                           (f"hcm.{month}", confirmed)):
            _add(own, y, dept, key, value)


def _pair_dept(column):
    return func.coalesce(column, 0)


def mentoring(own: Own, year: int, only) -> None:
    """Pairs started, completed and ended early in the calendar year, by the pair's department."""
    from datetime import date

    first, last = date(year, 1, 1), date(year, 12, 31)
    closed = MentoringPair.closed_on.between(first, last)
    stmt = (select(MentoringPair.department_id, services._count_if(MentoringPair.starts_on.between(first, last)),
                   services._count_if(and_(MentoringPair.status == "completed", closed)),
                   services._count_if(and_(MentoringPair.status == "ended", closed)))
            .where(_only_pairs(only)).group_by(MentoringPair.department_id))
    for dept, started, completed, ended in db.session.execute(stmt):
        for key, value in (("ms", started), ("mc", completed), ("me", ended)):
            _add(own, year, dept, key, value)


def _only_pairs(only: Narrow):
    """The refresh's departments; department 0 stands for the pairs without one."""
    if only.everything or 0 not in only.ids:
        return only(MentoringPair.department_id)
    return or_(only(MentoringPair.department_id), MentoringPair.department_id.is_(None))


def active_pairs(own: Own, only) -> None:
    """Pairs mentoring today, by department (period TODAY)."""
    stmt = (select(MentoringPair.department_id, func.count(MentoringPair.id))
            .where(MentoringPair.status == "active", _only_pairs(only)).group_by(MentoringPair.department_id))
    for dept, n in db.session.execute(stmt):
        _add(own, TODAY, dept, "ma", n)


def reached_entities(year: int, apprentice_ids=None) -> dict[int, set[int]]:
    """{apprentice id: departments (0: none) of their pairs completed in the year with the target reached}."""
    from datetime import date

    stmt = (select(MentoringPair.apprentice_id, _pair_dept(MentoringPair.department_id)).distinct()
            .where(MentoringPair.status == "completed", MentoringPair.target_reached.is_(True),
                   MentoringPair.closed_on.between(date(year, 1, 1), date(year, 12, 31))))
    if apprentice_ids is not None:
        stmt = stmt.where(MentoringPair.apprentice_id.in_(sorted(apprentice_ids)))
    found: dict[int, set[int]] = {}
    for apprentice, dept in db.session.execute(stmt):
        found.setdefault(apprentice, set()).add(dept)
    return found


def competitions(own: Own, only) -> None:
    """Today: enterprises and those taking part in a running competition (at the enterprise), started key projects
    and those a competition covers (at the owner)."""
    unit = aliased(Department)
    taking_part = exists().where(Enrolment.unit_id == unit.id, unit.path.startswith(Department.path),
                                 Enrolment.status == "enrolled", Competition.id == Enrolment.competition_id,
                                 Competition.status == "running")
    for dept, part in db.session.execute(select(Department.id, taking_part)
                                         .where(Department.kind == "enterprise", only(Department.id))):
        _add(own, TODAY, dept, "en", 1)
        _add(own, TODAY, dept, "en.in", bool(part))
    covered = exists().where(competition_projects.c.project_id == Project.id,
                             Competition.id == competition_projects.c.competition_id, Competition.status != "draft")
    for dept, n, n_covered in db.session.execute(
            select(Project.owner_id, func.count(Project.id), func.count(Project.id).filter(covered))
            .where(Project.status == "started", only(Project.owner_id)).group_by(Project.owner_id)):
        _add(own, TODAY, dept, "pj", n)
        _add(own, TODAY, dept, "pj.c", n_covered)


# --- The rankings' rows ----------------------------------------------------------------------------------------------


def people_rows(scope, user_ids=None) -> dict[int, tuple[int, int, str]]:
    """{user id: (adopted suggestions of the year written or co-written, their benefit in fen, their 工号)}."""
    people = union_all(select(Suggestion.id.label("suggestion_id"), Suggestion.author_id.label("user_id")),
                       select(SuggestionCoauthor.suggestion_id, SuggestionCoauthor.user_id)).subquery("contributors")
    benefit = func.sum(case((Suggestion.status.in_(services.IMPLEMENTED), Suggestion.annual_benefit)))
    stmt = (select(people.c.user_id, func.count(Suggestion.id), benefit, User.employee_no)
            .join(Suggestion, Suggestion.id == people.c.suggestion_id)
            .join(User, User.id == people.c.user_id)
            .where(services.submitted_in(scope), Suggestion.status.in_(ADOPTED))
            .group_by(people.c.user_id, User.employee_no))
    if user_ids is not None:
        stmt = stmt.where(people.c.user_id.in_(sorted(user_ids)))
    return {user: (n, fen(money), no) for user, n, money, no in db.session.execute(stmt)}


def workshop_rows(scope, workshop_ids=None) -> dict[int, tuple[int, ...]]:
    """{workshop id: (received, adopted, implemented, awarded, waiting, benefit in fen)} of the year's suggestions."""
    columns = services._workshop_suggestion_columns()[:-1]
    benefit = func.sum(case((Suggestion.status.in_(services.IMPLEMENTED), Suggestion.annual_benefit)))
    stmt = (select(Suggestion.workshop_id, *columns, benefit)
            .where(Suggestion.workshop_id.is_not(None), services.submitted_in(scope))
            .group_by(Suggestion.workshop_id))
    if workshop_ids is not None:
        stmt = stmt.where(Suggestion.workshop_id.in_(sorted(workshop_ids)))
    return {wid: (*(int(v) for v in values), fen(money)) for wid, *values, money in db.session.execute(stmt)}


def year_facts(own: Own, scope, only) -> None:
    """Every family of one year."""
    suggestions(own, scope, only)
    rewards(own, scope, only)
    participation(own, scope, only)
    training(own, scope, only)
    contests(own, scope, only)
    hazards(own, scope, only)
    mentoring(own, scope.year, only)


def today_facts(own: Own, only) -> None:
    """Every family of period TODAY."""
    head_counts(own, only)
    workshop_levels(own, only)
    active_pairs(own, only)
    competitions(own, only)
