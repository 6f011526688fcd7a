"""Competition statistics (/stats/): who may see what, the participation targets, and every figure of the report.

Every figure is an aggregate computed in SQL (GROUP BY, conditional sums, the department path prefix for
subtrees); the number of queries does not depend on the number of departments. Functions here only read, except
set_target, which only flushes (the view commits).

Definitions (the README repeats them; tests/test_stats_figures.py checks each against a hand-built organisation):

- **Year** Y runs from 1 January Y 00:00 to 1 January Y+1 00:00 in the configured time zone (Asia/Shanghai), and
  month m likewise; the bounds are turned into UTC for the queries (so 31 December 23:30 in Shanghai is still Y).
- **Scope**: a department and every department below it (materialised path prefix), or the whole organisation.
  People are counted in their current department, suggestions in the department their author was in when
  submitting; what has no department is in no scope.
- **Head count**: active users in the scope today (core.people.head_counts).
- **Participant**: an active user in the scope who, in year Y, (a) wrote or co-wrote a suggestion submitted in Y,
  (b) was an active member (lead, deputy or member) of an approved workshop at some time in Y (a revoked workshop
  counts for the years up to its revocation), or (c) had a non-cancelled enrollment (confirmed or waitlisted) in
  a session starting in Y. **Participation rate** = participants / head count.
- **Target**: the rate the union set for the department and year, or else the nearest ancestor's. A department is
  **under target** when its rate is below the target. **Progress** = rate / target.
- **Suggestions submitted**: suggestions of competition year Y (the local year of their first submission, i.e.
  the year in their serial number) that were submitted and not withdrawn. **Adopted**: accepted, implemented or
  awarded. **Adoption rate** = adopted / submitted. **Per head** = submitted / head count.
- **Annual economic benefit**: the sum of the annual benefit recorded when the year's suggestions were
  implemented (implemented and awarded ones).
- **Rewards granted**: the sum of the rewards of suggestions awarded during Y (by award date, the ledger lines);
  **paid**: the part of those lines marked paid.
- **Workshops by level**: approved workshops of the scope's departments (approved before the end of Y), by their
  current level.
- **Sessions held**: sessions (not draft, not cancelled) that started during Y and before now, with at least one
  person-time from the scope. **Person-times (人次)**: confirmed enrollments in those sessions not marked absent,
  counted in the trainee's current department. **Hours (学时)**: the session durations summed over the
  person-times. **Pass rate**: passes / (passes + fails) among those person-times.
- **Innovation stars (创新之星)**: people (author or co-author) ranked by their adopted suggestions of year Y, then by
  the benefit of those suggestions.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import (
    String,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.exc import IntegrityError

from blueprints.core import audit, scopes
from blueprints.core.clock import local_year, local_zone
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from blueprints.core.settings import get_setting
from blueprints.core.types import Money, parse_int, utcnow
from blueprints.stats import safety_figures
from blueprints.stats.models import ParticipationTarget
from blueprints.suggestions.models import ADOPTED, CATEGORIES, RewardShare, Suggestion, SuggestionCoauthor
from blueprints.training.models import KINDS as TRAINING_KINDS
from blueprints.training.models import Enrollment, TrainingSession
from blueprints.workshops.models import LEVELS, Achievement, Workshop, WorkshopMember
from blueprints.workshops.queries import managed_workshop_ids
from extensions import db

YEAR_MIN, YEAR_MAX = 2000, 2100
TOTAL = 0  # the key of the scope's own row in the per-department queries (department ids start at 1)
IMPLEMENTED = ("implemented", "awarded")
HELD_STATUSES = ("open", "closed", "completed")
LEADERBOARD_SIZE = 10
TEAM_MIN_HEADS = 3  # a team needs this many people to be ranked, so 1 of 1 is not "100 %"
ZERO = Decimal("0.00")

# --- Who sees what ---------------------------------------------------------------------------------------------------

# The parts of the report and the roles that see each. A lead sees their workshop's view (and the public workshop
# rankings), HR sees the training part, union admins see everything and edit the targets.
PARTS = {
    "participation": ("admin",),  # KPI cards, department table with targets, participation chart, team ranking
    "suggestions": ("admin",),  # suggestions, benefit and rewards, monthly chart by category, category x status
    "workshops": ("admin", "lead"),  # workshops by level and the workshop ranking
    "stars": ("admin", "lead"),  # 创新之星
    "training": ("admin", "hr"),  # sessions, person-times, hours, pass rate, by month, kind and department
    "my_workshops": ("lead",),  # the workshops the lead (or deputy) runs
}


def can_view_stats(user) -> bool:
    """/stats/ is for union admins, workshop leads and HR."""
    return user.has_role("admin", "lead", "hr")


def visible_parts(user) -> frozenset[str]:
    """The parts of the report this user's roles show."""
    return frozenset(part for part, roles in PARTS.items() if user.has_role(*roles))


def can_pick_department(user) -> bool:
    """The department filter matters to the parts counted by department (admins' and HR's)."""
    return user.has_role("admin", "hr")


def can_edit_targets(user) -> bool:
    """Only union admins set participation targets."""
    return user.has_role("admin")


def report_scope(user) -> scopes.Scope:
    """The part of the tree the user's admin and HR grants cover: the departments the report may be about."""
    admin, hr = scopes.scope_of(user, "admin"), scopes.scope_of(user, "hr")
    if admin.everything or hr.everything:
        return scopes.Scope("stats", everything=True)
    return scopes.Scope("stats", paths=tuple(sorted(set(admin.paths) | set(hr.paths))))


def can_view_record(viewer, person) -> bool:
    """A personal record: the person, and the union admins and HR whose scope covers the person's department."""
    if viewer.id == person.id:
        return True
    return any(viewer.has_role(role) and scopes.covers_id(viewer, role, person.department_id)
               for role in ("admin", "hr"))


def can_look_up_records(user) -> bool:
    """Admins and HR can open anyone's record from the lookup page."""
    return user.has_role("admin", "hr")


def can_see_reward_amounts(viewer, person) -> bool:
    """Reward money on a record: the person and union admins (the suggestions domain's rule), not HR."""
    return viewer.id == person.id or viewer.has_role("admin")


# --- Year and scope --------------------------------------------------------------------------------------------------


def month_starts(year: int) -> list[datetime]:
    """13 aware UTC instants: local midnight of 1 January … 1 December of `year`, and 1 January of the next."""
    zone = local_zone()  # a zoneinfo zone: in datetime() a pytz zone would carry the LMT offset (+08:06)
    starts = [datetime(year, month, 1, tzinfo=zone) for month in range(1, 13)]
    starts.append(datetime(year + 1, 1, 1, tzinfo=zone))
    return [moment.astimezone(UTC) for moment in starts]


def default_year() -> int:
    """The competition year the admin set (site.competition_year)."""
    return int(get_setting("site.competition_year"))


def parse_year(raw) -> int:
    """The year asked for in the URL, or the current competition year when missing or absurd."""
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        return default_year()
    return year if YEAR_MIN <= year <= YEAR_MAX else default_year()


def year_choices(selected: int) -> list[int]:
    """The years offered in the picker, newest first: the last six up to this year, and the selected one."""
    newest = max(local_year(), default_year(), selected)
    return sorted(set(range(newest - 5, newest + 1)) | {selected}, reverse=True)


@dataclass(frozen=True)
class Scope:
    """What the report is about: a year and a department subtree (root None = the whole organisation)."""

    year: int
    root: Department | None
    start: datetime
    end: datetime
    months: tuple[datetime, ...]
    now: datetime

    @property
    def path(self) -> str:
        return self.root.path if self.root is not None else "/"

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)


def make_scope(year: int, root: Department | None = None, now: datetime | None = None) -> Scope:
    """A scope with the year's UTC bounds computed in the configured zone."""
    months = month_starts(year)
    return Scope(year=year, root=root, start=months[0], end=months[12], months=tuple(months), now=now or utcnow())


def default_root(tree: Sequence[Department], scope: scopes.Scope | None = None) -> Department | None:
    """The organisation's single top-level department when there is one (its target is the headline target); for a
    user whose grants cover part of the tree, the first node of their scope."""
    if scope is not None and not scope.everything:
        return next((d for d in tree if d.path in scope.paths), None)
    tops = [d for d in tree if d.parent_id is None]
    return tops[0] if len(tops) == 1 else None


def table_departments(tree: Sequence[Department], root: Department | None) -> list[Department]:
    """The rows of the department table: the root's children (or the top level), else the root alone."""
    if root is None:
        return [d for d in tree if d.parent_id is None]
    children = [d for d in tree if d.parent_id == root.id]
    return children or [root]


def has_children(tree: Sequence[Department]) -> set[int]:
    """Ids of the departments that have sub-departments (the table offers to drill into them)."""
    if isinstance(tree, ReportTree):
        return tree.parents
    return {d.parent_id for d in tree if d.parent_id is not None}


class ReportTree(list):
    """The few departments a report read from the snapshot needs, in tree order: the top-level nodes, the tops of the
    user's scope, the chosen node with its ancestors (breadcrumb, inherited targets) and its children (the table's
    lines); `parents` says which of them have children. A few dozen rows whatever the size of the city, where
    core.people.department_tree reads all of them (26,501 at 1M users). `line_count`: how many children the root
    has when only the first of them were read (report_tree's line_limit), else None."""

    parents: set[int]
    line_count: int | None = None


def report_candidates(raw_dept: str, scope: scopes.Scope | None) -> list[Department]:
    """The nodes the report's filters may settle on (one query): the top-level nodes, the tops of the scope and the
    node asked for."""
    clauses = [Department.parent_id.is_(None)]
    if scope is not None and scope.paths:
        clauses.append(Department.path.in_(scope.paths))
    if (asked := parse_int(raw_dept, low=1)) is not None:
        clauses.append(Department.id == asked)
    return list(db.session.scalars(select(Department).where(or_(*clauses))))


def report_tree(candidates: Sequence[Department], root: Department | None, line_limit: int | None = None,
                last: bool = False) -> ReportTree:
    """The candidates with their ancestors, the root's children, and which of them have children (three queries),
    in the order of core.people.department_tree (parents first, siblings by code).

    With `line_limit`, only the root's first children by code (the `last` ones with `last`) and their count: the
    table sorted by name shows those, so the city's page reads ten of its five hundred enterprises."""
    found = {d.id: d for d in candidates}
    wanted = {int(part) for d in [*candidates, *([root] if root is not None else [])]
              for part in d.path.strip("/").split("/") if part} - set(found)
    clauses = [Department.id.in_(sorted(wanted))] if wanted else []
    line_count = None
    if root is not None and line_limit is None:
        clauses.append(Department.parent_id == root.id)
    elif root is not None:
        order = Department.code.desc() if last else Department.code
        found.update({d.id: d for d in db.session.scalars(
            select(Department).where(Department.parent_id == root.id).order_by(order).limit(line_limit))})
        line_count = db.session.scalar(select(func.count()).where(Department.parent_id == root.id))
    if clauses:
        found.update({d.id: d for d in db.session.scalars(select(Department).where(or_(*clauses)))})
    children: dict[int | None, list[Department]] = {}
    for d in sorted(found.values(), key=lambda d: d.code):
        children.setdefault(d.parent_id, []).append(d)
    tree = ReportTree()

    def walk(parent_id):
        for d in children.get(parent_id, []):
            tree.append(d)
            walk(d.id)

    walk(None)
    tree.parents = set(db.session.scalars(select(Department.parent_id).distinct()
                                          .where(Department.parent_id.in_(sorted(found)))))
    tree.line_count = line_count
    return tree


def ancestors(tree: Sequence[Department], department: Department | None) -> list[Department]:
    """The path from the top down to `department` (for the breadcrumb)."""
    if department is None:
        return []
    by_id = {d.id: d for d in tree}
    ids = [int(part) for part in department.path.strip("/").split("/") if part]
    return [by_id[i] for i in ids if i in by_id]


# --- SQL building blocks ---------------------------------------------------------------------------------------------


def _in_scope(department_column, scope: Scope):
    """department_column belongs to the scope's subtree."""
    return department_column.in_(select(Department.id).where(Department.path.startswith(scope.path)))


def submitted_in(scope: Scope):
    """A suggestion of the year that was submitted (has a serial) and not withdrawn."""
    return and_(Suggestion.year == scope.year, Suggestion.serial.is_not(None), Suggestion.status != "withdrawn")


def _membership_in_year(scope: Scope):
    """An active (or since departed) member of an approved workshop at some time during the year."""
    return and_(
        WorkshopMember.status.in_(("active", "left")),
        WorkshopMember.joined_at.is_not(None),
        WorkshopMember.joined_at < scope.end,
        or_(WorkshopMember.left_at.is_(None), WorkshopMember.left_at >= scope.start),
        or_(and_(Workshop.status == "approved", or_(Workshop.decided_at.is_(None), Workshop.decided_at < scope.end)),
            and_(Workshop.status == "revoked", Workshop.decided_at >= scope.start)),
    )


def _enrolled_in_year(scope: Scope):
    """A non-cancelled enrollment in a (not cancelled) session that starts during the year."""
    return and_(Enrollment.status != "cancelled", TrainingSession.status.notin_(("draft", "cancelled")),
                TrainingSession.starts_at >= scope.start, TrainingSession.starts_at < scope.end)


def held_in(scope: Scope):
    """A session that took place: published, not cancelled, started during the year and before now."""
    return and_(TrainingSession.status.in_(HELD_STATUSES), TrainingSession.starts_at >= scope.start,
                TrainingSession.starts_at < scope.end, TrainingSession.starts_at <= scope.now)


def person_time():
    """A confirmed trainee not marked absent."""
    return and_(Enrollment.status == "confirmed",
                or_(Enrollment.attendance.is_(None), Enrollment.attendance != "absent"))


def session_minutes():
    """A session's length in whole minutes, in SQL (each dialect has its own date arithmetic)."""
    if db.session.get_bind().dialect.name == "sqlite":
        days = func.julianday(TrainingSession.ends_at) - func.julianday(TrainingSession.starts_at)
        return func.round(days * 1440)
    return func.round(func.extract("epoch", TrainingSession.ends_at - TrainingSession.starts_at) / 60)


def _month_of(column, scope: Scope):
    """The local month (1-12) of an aware UTC column, from the month bounds (exact across any zone's DST)."""
    return case(*((column < scope.months[m], m) for m in range(1, 13)), else_=None)


def money_sum(expression):
    """SUM of a Money column (integer fen in the database) as Decimal yuan; 0.00 when nothing matches."""
    return type_coerce(func.coalesce(func.sum(expression), 0), Money)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def participant_ids(scope: Scope):
    """The ids of everyone who took part in the year (UNION: each once), whatever their department."""
    return union(
        select(Suggestion.author_id.label("user_id")).where(submitted_in(scope)),
        select(SuggestionCoauthor.user_id).join(Suggestion, Suggestion.id == SuggestionCoauthor.suggestion_id)
        .where(submitted_in(scope)),
        select(WorkshopMember.user_id).join(Workshop, Workshop.id == WorkshopMember.workshop_id)
        .where(_membership_in_year(scope)),
        select(Enrollment.user_id).join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(_enrolled_in_year(scope)),
    )


def _tagged_participation(scope: Scope):
    """(user id, how they took part) for every way of taking part (a person may appear under several)."""
    return union_all(
        select(Suggestion.author_id.label("user_id"), literal("suggestion", String).label("source"))
        .where(submitted_in(scope)),
        select(SuggestionCoauthor.user_id, literal("suggestion", String))
        .join(Suggestion, Suggestion.id == SuggestionCoauthor.suggestion_id).where(submitted_in(scope)),
        select(WorkshopMember.user_id, literal("workshop", String))
        .join(Workshop, Workshop.id == WorkshopMember.workshop_id).where(_membership_in_year(scope)),
        select(Enrollment.user_id, literal("training", String))
        .join(TrainingSession, TrainingSession.id == Enrollment.session_id).where(_enrolled_in_year(scope)),
    )


def _line_path(scope: Scope):
    """SQL: the path of the table line a department falls under, i.e. the scope's child on the department's path
    (a department directly at the scope gives the scope's own path, which no line of children has)."""
    prefix = len(scope.path)
    rest = func.substr(Department.path, prefix + 1)
    slash = func.instr(rest, "/") if db.session.get_bind().dialect.name == "sqlite" else func.strpos(rest, "/")
    return func.substr(Department.path, 1, prefix + slash)


def _by_line_and_total(build, scope: Scope):
    """build(key) is a select of aggregates ending with `key`: grouped by table line, plus the scope's total
    under the key "" in the same statement."""
    line = _line_path(scope)
    return union_all(build(line.label("key")).group_by(line), build(literal("", String).label("key")))


# --- Figures ---------------------------------------------------------------------------------------------------------


def percent(part, whole, places: str = "0.1") -> Decimal | None:
    """part / whole as a percentage rounded half up (None when whole is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def ratio(part, whole, places: str = "0.01") -> Decimal | None:
    """part / whole rounded half up (None when whole is 0)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def hours(minutes) -> Decimal:
    """Minutes as hours with one decimal."""
    return (Decimal(int(minutes or 0)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Target:
    """The target that applies to a department: the rate and the department that set it (itself or an ancestor)."""

    rate: int
    department_id: int
    department_name: str = ""

    def inherited_by(self, department_id: int) -> bool:
        return self.department_id != department_id


@dataclass
class DepartmentRow:
    """One line of the department table (or the scope's total line)."""

    department: Department | None
    head_count: int = 0
    participants: int = 0
    target: Target | None = None
    submitted: int = 0
    adopted: int = 0
    benefit: Decimal = ZERO
    person_times: int = 0
    minutes: int = 0
    trainees: int = 0
    passed: int = 0
    failed: int = 0
    sessions: int = 0
    has_children: bool = False

    @property
    def key(self) -> int:
        return self.department.id if self.department is not None else TOTAL

    @property
    def rate(self) -> Decimal | None:
        return percent(self.participants, self.head_count)

    @property
    def under_target(self) -> bool:
        """Exact comparison in integers (participants / head < target / 100), never on a rounded rate."""
        if self.target is None:
            return False
        return self.participants * 100 < self.target.rate * self.head_count

    @property
    def progress(self) -> Decimal | None:
        """How far the rate is towards the target, in percent (100 = reached)."""
        if self.target is None or self.target.rate == 0 or not self.head_count:
            return None
        return (Decimal(self.participants) * 100 * 100 / (Decimal(self.head_count) * self.target.rate)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def adoption_rate(self) -> Decimal | None:
        return percent(self.adopted, self.submitted)

    @property
    def per_head(self) -> Decimal | None:
        return ratio(self.submitted, self.head_count)

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    @property
    def pass_rate(self) -> Decimal | None:
        return percent(self.passed, self.passed + self.failed)

    @property
    def trainee_rate(self) -> Decimal | None:
        """Training coverage: people trained (at least one person-time) over the head count."""
        return percent(self.trainees, self.head_count)


def targets_for(year: int) -> dict[int, int]:
    """{department id: target rate} for the year (one query)."""
    rows = db.session.execute(select(ParticipationTarget.department_id, ParticipationTarget.rate)
                              .where(ParticipationTarget.year == year))
    return dict(rows.all())


def effective_target(department: Department | None, targets: dict[int, int],
                     names: dict[int, str] | None = None) -> Target | None:
    """The department's own target, or else its nearest ancestor's (walking its path upwards)."""
    if department is None:
        return None
    ids = [int(part) for part in department.path.strip("/").split("/") if part]
    for dept_id in reversed(ids):
        if dept_id in targets:
            return Target(targets[dept_id], dept_id, (names or {}).get(dept_id, ""))
    return None


def _participants_query(scope: Scope, people, key):
    """Active participants (`people`: participant_ids) of the scope's departments, grouped by `key`."""
    return (select(func.count(User.id), key).select_from(User)
            .join(Department, User.department_id == Department.id)
            .join(people, people.c.user_id == User.id)
            .where(User.active.is_(True), Department.path.startswith(scope.path)))


def _suggestions_query(scope: Scope, key):
    """Submitted, adopted and the annual benefit of the year's suggestions in the scope, grouped by `key`."""
    return (select(func.count(Suggestion.id), _count_if(Suggestion.status.in_(ADOPTED)),
                   money_sum(case((Suggestion.status.in_(IMPLEMENTED), Suggestion.annual_benefit))), key)
            .select_from(Suggestion).join(Department, Department.id == Suggestion.department_id)
            .where(submitted_in(scope), Department.path.startswith(scope.path)))


def _training_query(scope: Scope, key):
    """Person-times, minutes, trainees, passes, fails and sessions of the year's training, grouped by `key`."""
    return (select(func.count(Enrollment.id), func.coalesce(func.sum(session_minutes()), 0),
                   func.count(distinct(User.id)), _count_if(Enrollment.result == "pass"),
                   _count_if(Enrollment.result == "fail"), func.count(distinct(TrainingSession.id)), key)
            .select_from(Enrollment)
            .join(TrainingSession, and_(TrainingSession.id == Enrollment.session_id, held_in(scope)))
            .join(User, User.id == Enrollment.user_id)
            .join(Department, Department.id == User.department_id)
            .where(person_time(), Department.path.startswith(scope.path)))


def department_rows(scope: Scope, departments: Sequence[Department], *, tree: Sequence[Department],
                    counts: dict[int, int], targets: dict[int, int], training: bool = True,
                    participation: bool = True) -> tuple[list[DepartmentRow], DepartmentRow]:
    """The table lines for `departments` and the scope's total line: three GROUP BY queries, whatever the count."""
    parents = has_children(tree)
    names = {d.id: d.name for d in tree}
    rows = {d.id: DepartmentRow(department=d, head_count=counts.get(d.id, 0), has_children=d.id in parents,
                                target=effective_target(d, targets, names)) for d in departments}
    total = DepartmentRow(department=scope.root, target=effective_target(scope.root, targets, names),
                          head_count=scope_head_count(scope, tree, counts))
    # Each query reads the facts once and groups them twice in one statement: by the table line the department
    # falls under (the scope's child on the department's path) and for the whole scope. Joining every line to
    # its subtree instead would read the facts once per line: 500 lines x millions of rows at city scale.
    by_path = {d.path: rows[d.id] for d in departments if d.path != scope.path}
    line_of_scope = [rows[d.id] for d in departments if d.path == scope.path]

    def run(build):
        for *values, key in db.session.execute(_by_line_and_total(build, scope)):
            for row in ([total, *line_of_scope] if key == "" else [by_path.get(key)]):
                if row is not None:
                    yield row, values

    if participation:
        people = participant_ids(scope).subquery("participants")
        for row, (n,) in run(lambda key: _participants_query(scope, people, key)):
            row.participants = n
        for row, (submitted, n_adopted, benefit) in run(lambda key: _suggestions_query(scope, key)):
            row.submitted, row.adopted, row.benefit = submitted, int(n_adopted), benefit
    if training:
        for row, (person_times, minutes, trainees, passed, failed, sessions) in run(
                lambda key: _training_query(scope, key)):
            row.person_times, row.minutes, row.trainees = person_times, int(minutes), trainees
            row.passed, row.failed, row.sessions = int(passed), int(failed), sessions
    return [rows[d.id] for d in departments], total


def scope_head_count(scope: Scope, tree: Sequence[Department], counts: dict[int, int]) -> int:
    """Active people in the scope (the whole organisation: the sum over the top-level departments)."""
    if scope.root is not None:
        return counts.get(scope.root.id, 0)
    return sum(counts.get(d.id, 0) for d in tree if d.parent_id is None)


SORT_KEYS = {
    "name": lambda r: r.department.code if r.department else "",
    "head": lambda r: r.head_count,
    "participants": lambda r: r.participants,
    "rate": lambda r: r.rate,
    "target": lambda r: r.target.rate if r.target else None,
    "progress": lambda r: r.progress,
    "submitted": lambda r: r.submitted,
    "adopted": lambda r: r.adopted,
    "benefit": lambda r: r.benefit,
    "person_times": lambda r: r.person_times,
    "hours": lambda r: r.minutes,
    "pass_rate": lambda r: r.pass_rate,
}


def sort_rows(rows: list[DepartmentRow], key: str, descending: bool) -> list[DepartmentRow]:
    """Sort the table by a column; rows without a value (no target, no head count) always go last."""
    getter = SORT_KEYS.get(key, SORT_KEYS["name"])
    present = [r for r in rows if getter(r) is not None]
    missing = [r for r in rows if getter(r) is None]
    present.sort(key=lambda r: (getter(r), r.department.code if r.department else ""), reverse=descending)
    return present + missing


@dataclass
class ParticipationBreakdown:
    """How the scope's participants took part (a person may be counted under several ways)."""

    total: int = 0
    suggestion: int = 0
    workshop: int = 0
    training: int = 0


def participation_breakdown(scope: Scope) -> ParticipationBreakdown:
    """Distinct participants of the scope by way of taking part, in one query."""
    tagged = _tagged_participation(scope).subquery("tagged")

    def distinct_for(source: str):
        return func.count(distinct(case((tagged.c.source == source, tagged.c.user_id))))

    stmt = (select(func.count(distinct(tagged.c.user_id)), distinct_for("suggestion"), distinct_for("workshop"),
                   distinct_for("training"))
            .select_from(tagged)
            .join(User, and_(User.id == tagged.c.user_id, User.active.is_(True)))
            .join(Department, Department.id == User.department_id)
            .where(Department.path.startswith(scope.path)))
    return ParticipationBreakdown(*db.session.execute(stmt).one())


@dataclass
class SuggestionFigures:
    """The year's suggestions of the scope by month, category and status, and the rewards."""

    by_month: dict[str, list[int]] = field(default_factory=dict)  # category -> 12 counts
    by_category_status: dict[tuple[str, str], int] = field(default_factory=dict)
    granted: Decimal = ZERO
    paid: Decimal = ZERO
    awards: int = 0

    def category_total(self, category: str) -> int:
        return sum(n for (c, _status), n in self.by_category_status.items() if c == category)

    def status_total(self, status: str) -> int:
        return sum(n for (_c, s), n in self.by_category_status.items() if s == status)


def suggestion_figures(scope: Scope) -> SuggestionFigures:
    """Counts by local month, category and status (one GROUP BY), and the rewards granted and paid (one query)."""
    figures = SuggestionFigures(by_month={c: [0] * 12 for c in CATEGORIES})
    month = _month_of(Suggestion.listed_at, scope).label("month")
    stmt = (select(month, Suggestion.category, Suggestion.status, func.count(Suggestion.id))
            .where(submitted_in(scope), _in_scope(Suggestion.department_id, scope))
            .group_by(month, Suggestion.category, Suggestion.status))
    for m, category, status, n in db.session.execute(stmt):
        if m is not None and category in figures.by_month:
            figures.by_month[category][int(m) - 1] += n
        figures.by_category_status[(category, status)] = figures.by_category_status.get((category, status), 0) + n

    stmt = (select(money_sum(RewardShare.amount),
                   money_sum(case((RewardShare.status == "paid", RewardShare.amount))),
                   func.count(distinct(Suggestion.id)))
            .join(Suggestion, Suggestion.id == RewardShare.suggestion_id)
            .where(Suggestion.awarded_at >= scope.start, Suggestion.awarded_at < scope.end,
                   _in_scope(Suggestion.department_id, scope)))
    figures.granted, figures.paid, figures.awards = db.session.execute(stmt).one()
    return figures


def workshops_by_level(scope: Scope) -> dict[str, int]:
    """Approved workshops of the scope's departments (approved before the year's end), by level (one query)."""
    stmt = (select(Workshop.level, func.count(Workshop.id))
            .where(Workshop.status == "approved", or_(Workshop.decided_at.is_(None), Workshop.decided_at < scope.end),
                   _in_scope(Workshop.department_id, scope))
            .group_by(Workshop.level))
    found = dict(db.session.execute(stmt).all())
    return {level: found.get(level, 0) for level in LEVELS}


@dataclass
class WorkshopRank:
    """A line of the workshop ranking (or of a lead's own workshops)."""

    id: int
    name: str
    level: str
    received: int = 0
    adopted: int = 0
    implemented: int = 0
    awarded: int = 0
    waiting: int = 0
    benefit: Decimal = ZERO
    members: int = 0
    achievements: int = 0

    @property
    def adoption_rate(self) -> Decimal | None:
        return percent(self.adopted, self.received)


def _workshop_suggestion_columns():
    return (func.count(Suggestion.id), _count_if(Suggestion.status.in_(ADOPTED)),
            _count_if(Suggestion.status.in_(IMPLEMENTED)), _count_if(Suggestion.status == "awarded"),
            _count_if(Suggestion.status == "submitted"),
            money_sum(case((Suggestion.status.in_(IMPLEMENTED), Suggestion.annual_benefit))))


def workshop_ranking(scope: Scope, limit: int = LEADERBOARD_SIZE) -> list[WorkshopRank]:
    """Approved workshops of the scope ranked by the year's adopted suggestions, then benefit (one query)."""
    received, adopted, implemented, awarded, waiting, benefit = _workshop_suggestion_columns()
    stmt = (select(Workshop.id, Workshop.name, Workshop.level, received, adopted, implemented, awarded, waiting,
                   benefit)
            .join(Suggestion, and_(Suggestion.workshop_id == Workshop.id, submitted_in(scope)))
            .where(Workshop.status == "approved", _in_scope(Workshop.department_id, scope))
            .group_by(Workshop.id, Workshop.name, Workshop.level)
            .order_by(adopted.desc(), benefit.desc(), Workshop.name)
            .limit(limit))
    return [WorkshopRank(*row[:3], received=row[3], adopted=int(row[4]), implemented=int(row[5]),
                         awarded=int(row[6]), waiting=int(row[7]), benefit=row[8])
            for row in db.session.execute(stmt)]


@dataclass
class Star:
    """A line of the 创新之星 ranking."""

    user_id: int
    name: str
    employee_no: str
    department: str
    adopted: int
    benefit: Decimal


def innovation_stars(scope: Scope, limit: int = LEADERBOARD_SIZE) -> list[Star]:
    """People of the scope ranked by the year's adopted suggestions they wrote or co-wrote (one query)."""
    people = union_all(
        select(Suggestion.id.label("suggestion_id"), Suggestion.author_id.label("user_id")),
        select(SuggestionCoauthor.suggestion_id, SuggestionCoauthor.user_id),
    ).subquery("contributors")
    adopted = func.count(Suggestion.id)
    benefit = money_sum(case((Suggestion.status.in_(IMPLEMENTED), Suggestion.annual_benefit)))
    stmt = (select(User.id, User.name, User.employee_no, Department.name, adopted, benefit)
            .select_from(people)
            .join(Suggestion, Suggestion.id == people.c.suggestion_id)
            .join(User, User.id == people.c.user_id)
            .join(Department, Department.id == User.department_id)
            .where(submitted_in(scope), Suggestion.status.in_(ADOPTED), Department.path.startswith(scope.path))
            .group_by(User.id, User.name, User.employee_no, Department.name)
            .order_by(adopted.desc(), benefit.desc(), User.employee_no)
            .limit(limit))
    return [Star(*row) for row in db.session.execute(stmt)]


@dataclass
class TeamRank:
    """A line of the team participation ranking."""

    department: Department
    head_count: int
    participants: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.participants, self.head_count)


def team_ranking(scope: Scope, tree: Sequence[Department], counts: dict[int, int],
                 limit: int = LEADERBOARD_SIZE) -> list[TeamRank]:
    """Teams (departments without sub-departments) of the scope with at least TEAM_MIN_HEADS people, ranked by
    participation rate: participants counted per department in one GROUP BY."""
    people = participant_ids(scope).subquery("participants")
    stmt = (select(User.department_id, func.count(User.id))
            .join(people, people.c.user_id == User.id)
            .join(Department, Department.id == User.department_id)
            .where(User.active.is_(True), Department.path.startswith(scope.path))
            .group_by(User.department_id))
    found = dict(db.session.execute(stmt).all())
    parents = has_children(tree)
    teams = [TeamRank(d, counts.get(d.id, 0), found.get(d.id, 0)) for d in tree
             if d.id not in parents and d.path.startswith(scope.path) and counts.get(d.id, 0) >= TEAM_MIN_HEADS]
    teams.sort(key=lambda t: (-Fraction(t.participants, t.head_count), -t.participants, t.department.code))
    return teams[:limit]


@dataclass
class TrainingFigures:
    """The year's training of the scope by month and by kind (the totals are on the department total line)."""

    person_times_by_month: list[int] = field(default_factory=lambda: [0] * 12)
    minutes_by_month: list[int] = field(default_factory=lambda: [0] * 12)
    by_kind: dict[str, DepartmentRow] = field(default_factory=dict)


def training_figures(scope: Scope) -> TrainingFigures:
    """Person-times and hours by local month of the session start, and by kind (two GROUP BYs)."""
    figures = TrainingFigures(by_kind={kind: DepartmentRow(department=None) for kind in TRAINING_KINDS})
    minutes = func.coalesce(func.sum(session_minutes()), 0)

    def scoped(stmt):
        return (stmt.join(TrainingSession, and_(TrainingSession.id == Enrollment.session_id, held_in(scope)))
                .join(User, User.id == Enrollment.user_id)
                .join(Department, Department.id == User.department_id)
                .where(person_time(), Department.path.startswith(scope.path)))

    month = _month_of(TrainingSession.starts_at, scope).label("month")
    stmt = scoped(select(month, func.count(Enrollment.id), minutes).select_from(Enrollment)).group_by(month)
    for m, person_times, total in db.session.execute(stmt):
        if m is not None:
            figures.person_times_by_month[int(m) - 1] = person_times
            figures.minutes_by_month[int(m) - 1] = int(total)

    stmt = scoped(select(TrainingSession.kind, func.count(Enrollment.id), minutes,
                         func.count(distinct(TrainingSession.id)), func.count(distinct(User.id)),
                         _count_if(Enrollment.result == "pass"), _count_if(Enrollment.result == "fail"))
                  .select_from(Enrollment)).group_by(TrainingSession.kind)
    for kind, person_times, total, sessions, trainees, passed, failed in db.session.execute(stmt):
        figures.by_kind[kind] = DepartmentRow(department=None, person_times=person_times, minutes=int(total),
                                              sessions=sessions, trainees=trainees, passed=int(passed),
                                              failed=int(failed))
    return figures


# --- A lead's own workshops ------------------------------------------------------------------------------------------


@dataclass
class MyWorkshops:
    """The workshops a lead or deputy runs, their figures for the year and their suggestions by month."""

    workshops: list[WorkshopRank]
    by_month: dict[str, list[int]]


def my_workshops(user, scope: Scope) -> MyWorkshops:
    """Figures of the approved workshops the user leads or deputises (three queries)."""
    ids = managed_workshop_ids(user.id)
    if not ids:
        return MyWorkshops([], {})
    members = (select(func.count(WorkshopMember.id)).where(WorkshopMember.workshop_id == Workshop.id,
                                                          WorkshopMember.status == "active")
               .correlate(Workshop).scalar_subquery())
    achievements = (select(func.count(Achievement.id))
                    .where(Achievement.workshop_id == Workshop.id, Achievement.achieved_on >= scope.first_day,
                           Achievement.achieved_on <= scope.last_day)
                    .correlate(Workshop).scalar_subquery())
    ranks = {row.id: WorkshopRank(row.id, row.name, row.level, members=row.members, achievements=row.achievements)
             for row in db.session.execute(
                 select(Workshop.id, Workshop.name, Workshop.level, members.label("members"),
                        achievements.label("achievements")).where(Workshop.id.in_(ids)).order_by(Workshop.name))}
    stmt = (select(Suggestion.workshop_id, *_workshop_suggestion_columns())
            .where(Suggestion.workshop_id.in_(ids), submitted_in(scope)).group_by(Suggestion.workshop_id))
    for wid, received, adopted, implemented, awarded, waiting, benefit in db.session.execute(stmt):
        rank = ranks[wid]
        rank.received, rank.adopted, rank.implemented = received, int(adopted), int(implemented)
        rank.awarded, rank.waiting, rank.benefit = int(awarded), int(waiting), benefit
    by_month = {c: [0] * 12 for c in CATEGORIES}
    month = _month_of(Suggestion.listed_at, scope).label("month")
    stmt = (select(month, Suggestion.category, func.count(Suggestion.id))
            .where(Suggestion.workshop_id.in_(ids), submitted_in(scope)).group_by(month, Suggestion.category))
    for m, category, n in db.session.execute(stmt):
        if m is not None and category in by_month:
            by_month[category][int(m) - 1] += n
    return MyWorkshops(list(ranks.values()), by_month)


# --- The whole report ------------------------------------------------------------------------------------------------


@dataclass
class Report:
    """Everything /stats/ shows for one user, year and scope (parts the user may not see stay None)."""

    scope: Scope
    parts: frozenset[str]
    tree: list[Department]
    rows: list[DepartmentRow] = field(default_factory=list)
    total: DepartmentRow | None = None
    breakdown: ParticipationBreakdown | None = None
    suggestions: SuggestionFigures | None = None
    levels: dict[str, int] | None = None
    workshop_ranking: list[WorkshopRank] | None = None
    stars: list[Star] | None = None
    teams: list[TeamRank] | None = None
    training: TrainingFigures | None = None
    mine: MyWorkshops | None = None
    mentoring: object | None = None  # mentoring.queries.MentoringFigures (stats.mentoring_figures)
    safety: object | None = None  # safety_figures.SafetyFigures, for union admins

    @property
    def workshop_total(self) -> int:
        return sum((self.levels or {}).values())

    @property
    def line_count(self) -> int:
        """How many lines the department table has in all (the page may have read only the first few)."""
        return getattr(self.tree, "line_count", None) or len(self.rows)


def build_report(user, scope: Scope, tree: list[Department], sort: str = "name", descending: bool = False) -> Report:
    """Compute the parts of the report this user may see, with a bounded number of queries."""
    from blueprints.core.people import head_counts

    parts = visible_parts(user)
    report = Report(scope=scope, parts=parts, tree=tree)
    counted = parts & {"participation", "training"}
    if counted:
        counts = head_counts()
        targets = targets_for(scope.year) if "participation" in parts else {}
        rows, total = department_rows(scope, table_departments(tree, scope.root), tree=tree, counts=counts,
                                      targets=targets, training="training" in parts,
                                      participation="participation" in parts)
        report.rows, report.total = sort_rows(rows, sort, descending), total
    if "participation" in parts:
        report.breakdown = participation_breakdown(scope)
        report.teams = team_ranking(scope, tree, counts)
    if "suggestions" in parts:
        report.suggestions = suggestion_figures(scope)
    if "workshops" in parts:
        report.levels = workshops_by_level(scope)
        report.workshop_ranking = workshop_ranking(scope)
    if "stars" in parts:
        report.stars = innovation_stars(scope)
    if "training" in parts:
        report.training = training_figures(scope)
    if "my_workshops" in parts:
        report.mine = my_workshops(user, scope)
    from blueprints.stats.mentoring_figures import for_report as mentoring_for_report
    report.mentoring = mentoring_for_report(user, scope)
    report.safety = safety_figures.build(user, scope, tree)
    return report


# --- Targets ---------------------------------------------------------------------------------------------------------


RATE_HELP = N_("目标参与率请填写 0 到 100 之间的整数（百分比），留空表示沿用上级单位的目标。")


def parse_rate(raw: str | None) -> int | None:
    """A typed target: "" clears it (inherit), "85" or "85%" sets it; anything else is refused with the reason."""
    text = (raw or "").strip().rstrip("%％").strip()
    if not text:
        return None
    value = parse_int(text, low=0) if len(text) <= 3 else None  # "①" passes isdigit() but not int()
    if value is None:
        raise DomainError(RATE_HELP, field="rate")
    if value > 100:
        raise DomainError(N_("目标参与率不能超过 %(max)s%%。"), field="rate", max=100)
    return value


def set_target(department: Department, year: int, rate: int | None, actor) -> tuple[int | None, int | None]:
    """Set (or with None remove) a department's target for a year; returns (before, after). Flushes only."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DomainError(N_("年度无效。"), field="year")
    if rate is not None and not 0 <= rate <= 100:
        raise DomainError(N_("目标参与率不能超过 %(max)s%%。"), field="rate", max=100)
    row = db.session.scalar(select(ParticipationTarget).where(ParticipationTarget.department_id == department.id,
                                                              ParticipationTarget.year == year))
    before = row.rate if row is not None else None
    if rate is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        try:
            # Two admins saving the same new target at once (PostgreSQL): the unique key keeps one row.
            with db.session.begin_nested():
                db.session.add(ParticipationTarget(department_id=department.id, year=year, rate=rate,
                                                   updated_by_id=actor.id, updated_at=utcnow()))
        except IntegrityError:
            row = db.session.scalar(select(ParticipationTarget).where(
                ParticipationTarget.department_id == department.id, ParticipationTarget.year == year))
    if row is not None and rate is not None:
        row.rate, row.updated_by_id, row.updated_at = rate, actor.id, utcnow()
    db.session.flush()
    if before != rate:
        audit.record("stats.target_set", target=department, actor=actor,
                     detail=f"{department.code} {year}: {'-' if before is None else before} -> "
                            f"{'-' if rate is None else rate}")
    return before, rate
