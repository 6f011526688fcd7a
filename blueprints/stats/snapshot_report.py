"""The statistics report read from the snapshot: the same Report (services.Report) the live computation builds, from
the subtree rows of the scope and its table lines, and three ranking queries. Nothing here reads the facts, so the
page costs the same for a team and for the whole city. services.py and the figure modules stay the definitions;
tests/test_stats_snapshot.py holds both ways of computing equal."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, select, true

from blueprints.core import scopes
from blueprints.core.models import Department, User
from blueprints.stats import contest_figures, safety_figures, services
from blueprints.stats.models import Rollup, RollupPerson, RollupWorkshop
from blueprints.stats.snapshot import ALL
from blueprints.stats.snapshot_facts import TODAY
from blueprints.suggestions.models import CATEGORIES
from blueprints.training.models import KINDS as TRAINING_KINDS
from blueprints.workshops.models import LEVELS, Workshop
from extensions import db


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


LINE_KEYS = ("hd", "pt", "sub", "adp", "ben", "tp", "tmin", "ttr", "tps", "tfl", "ts", "hr", "hw", "hc", "hx", "ho",
             "hg", "hp")  # what a table line shows (_fill_row, _safety): read out of the JSON by the database


def _blobs(year: int, node: int, lines: list[int]) -> dict[tuple[int, int], dict]:
    """{(period, node): figures} of the subtree rows for the year and for today: the whole blob of the report's node,
    and only LINE_KEYS of its lines (a line's blob holds a hundred keys, the city has hundreds of lines). Two
    queries, each by primary key."""
    periods = [year, TODAY]
    found = {(period, dept): {} for period in periods for dept in (node, *lines)}
    for period, dept, figures in db.session.execute(
            select(Rollup.year, Rollup.department_id, Rollup.figures)
            .where(Rollup.year.in_(periods), Rollup.department_id == node, Rollup.subtree.is_(True))):
        found[(period, dept)] = figures or {}
    others = sorted(set(lines) - {node})
    # SQLite parses a JSON value once for all the keys taken from it; PostgreSQL's json type parses it again for
    # each ->> (18 times), so there the whole blob comes back and Python keeps the keys.
    in_sql = db.session.get_bind().dialect.name == "sqlite"
    columns = [Rollup.figures[k].as_integer() for k in LINE_KEYS] if in_sql else [Rollup.figures]
    for start in range(0, len(others), 500):
        for period, dept, *values in db.session.execute(
                select(Rollup.year, Rollup.department_id, *columns)
                .where(Rollup.year.in_(periods), Rollup.department_id.in_(others[start:start + 500]),
                       Rollup.subtree.is_(True))):
            blob = {} if in_sql else values[0] or {}
            pairs = zip(LINE_KEYS, values, strict=True) if in_sql else ((k, blob.get(k)) for k in LINE_KEYS)
            found[(period, dept)] = {k: v for k, v in pairs if v}
    return found


def _fill_row(row: services.DepartmentRow, year_blob: dict, today: dict, parts=None) -> None:
    """A table line's figures; like services.department_rows, only the parts the user sees (None: all)."""
    g = year_blob.get
    row.head_count = today.get("hd", 0)
    if parts is None or "participation" in parts:
        row.participants, row.submitted, row.adopted = g("pt", 0), g("sub", 0), g("adp", 0)
        row.benefit = yuan(g("ben", 0))
    if parts is None or "training" in parts:
        row.person_times, row.minutes, row.trainees = g("tp", 0), g("tmin", 0), g("ttr", 0)
        row.passed, row.failed, row.sessions = g("tps", 0), g("tfl", 0), g("ts", 0)


def _rows(scope, tree, blobs, targets, parts=None) -> tuple[list, services.DepartmentRow]:
    parents = services.has_children(tree)
    names = {d.id: d.name for d in tree}
    lines = services.table_departments(tree, scope.root)
    rows = []
    for d in lines:
        row = services.DepartmentRow(department=d, has_children=d.id in parents,
                                     target=services.effective_target(d, targets, names))
        _fill_row(row, blobs[(scope.year, d.id)], blobs[(TODAY, d.id)], parts)
        rows.append(row)
    node = scope.root.id if scope.root is not None else ALL
    total = services.DepartmentRow(department=scope.root, target=services.effective_target(scope.root, targets,
                                                                                           names))
    _fill_row(total, blobs[(scope.year, node)], blobs[(TODAY, node)], parts)
    return rows, total


def line(department: Department, year: int, tree) -> services.DepartmentRow:
    """One department's table line of the year (the target editor's), from its subtree rows; `tree` holds its
    ancestors (inherited targets) and children (services.report_tree)."""
    blobs = _blobs(year, department.id, [])
    row = services.DepartmentRow(department=department, has_children=department.id in services.has_children(tree),
                                 target=services.effective_target(department, services.targets_for(year),
                                                                  {d.id: d.name for d in tree}))
    _fill_row(row, blobs[(year, department.id)], blobs[(TODAY, department.id)])
    return row


def _suggestions(year: int, blob: dict) -> services.SuggestionFigures:
    figures = services.SuggestionFigures(by_month={c: [0] * 12 for c in CATEGORIES})
    for key, n in blob.items():
        parts = key.split(".")
        if parts[0] == "sm" and parts[2] in figures.by_month:
            figures.by_month[parts[2]][int(parts[1]) - 1] += n
        elif parts[0] == "scs":
            figures.by_category_status[(parts[1], parts[2])] = n
    figures.granted, figures.paid, figures.awards = yuan(blob.get("rg", 0)), yuan(blob.get("rp", 0)), \
        blob.get("aw", 0)
    return figures


def _levels(year: int, today: dict) -> dict[str, int]:
    levels = dict.fromkeys(LEVELS, 0)
    for key, n in today.items():
        parts = key.split(".")
        if parts[0] == "wl" and parts[1] in levels and int(parts[2]) <= year:
            levels[parts[1]] += n
    return levels


def _training(blob: dict) -> services.TrainingFigures:
    figures = services.TrainingFigures(by_kind={})
    for m in range(12):
        figures.person_times_by_month[m] = blob.get(f"tm.{m + 1}", 0)
        figures.minutes_by_month[m] = blob.get(f"tmm.{m + 1}", 0)
    for kind in TRAINING_KINDS:
        g = blob.get
        figures.by_kind[kind] = services.DepartmentRow(
            department=None, person_times=g(f"tk.{kind}.pt", 0), minutes=g(f"tk.{kind}.min", 0),
            sessions=g(f"tk.{kind}.s", 0), trainees=g(f"tk.{kind}.tr", 0), passed=g(f"tk.{kind}.ps", 0),
            failed=g(f"tk.{kind}.fl", 0))
    return figures


def _workshops_statement(scope, limit: int, heads: int | None):
    """The workshop ranking's query: the scope's approved workshops by the year's adopted suggestions, benefit and
    name, down the rank index for a wide scope (ties on adopted and benefit are few, so only their names are
    sorted) or from the scope's own rows for a narrow one."""
    r = RollupWorkshop
    inside, narrow = _subtree(scope, heads)
    adopted = r.adopted + 0 if narrow else r.adopted  # + 0: not the rank index's order (see _subtree)
    return (select(Workshop.id, Workshop.name, Workshop.level, r.received, r.adopted, r.implemented, r.awarded,
                   r.waiting, r.benefit)
            .join(r, and_(r.workshop_id == Workshop.id, r.year == scope.year))
            .join(Department, Department.id == Workshop.department_id)  # inner: no department, in no scope (live)
            .where(Workshop.status == "approved", inside)
            .order_by(adopted.desc(), r.benefit.desc(), Workshop.name).limit(limit))


def _workshop_ranking(scope, limit=services.LEADERBOARD_SIZE, heads: int | None = None) -> list[services.WorkshopRank]:
    """The scope's workshop ranking from the snapshot."""
    stmt = _workshops_statement(scope, limit, heads)
    return [services.WorkshopRank(*row[:3], received=row[3], adopted=row[4], implemented=row[5], awarded=row[6],
                                  waiting=row[7], benefit=yuan(row[8])) for row in db.session.execute(stmt)]


NARROW_HEADS = 20000  # a scope with fewer people ranks from its own rows rather than down the city-wide index


def _subtree(scope, heads: int | None):
    """(the scope's path condition, whether to read the scope's rows first). A ranking is read down its index,
    keeping the rows inside the scope: right for the city, where the first rows qualify, but a walk through most
    of the city's rows for a team. A narrow scope (its head count today, from the snapshot) takes its departments
    from the path index (core.scopes.path_under; a plain LIKE cannot use it on SQLite) and sorts its own few
    rows."""
    if scope.root is None:
        return true(), False
    path = scope.root.path
    if heads is None or heads > NARROW_HEADS:  # LIKE: no index on path, so the planner walks the ranking's index
        return Department.path.startswith(path), False
    return scopes.path_under(Department.path, path), True


def _stars_statement(scope, limit: int, heads: int | None):
    """The 创新之星 query: the year's people with an adopted suggestion, by adopted, benefit and 工号, down the rank
    index (RollupPerson) unless the scope is narrow enough to start from its departments."""
    p = RollupPerson
    inside, narrow = _subtree(scope, heads)
    adopted = p.adopted + 0 if narrow else p.adopted  # + 0: not the rank index's order (see _subtree)
    # An outer join with the department test on the person: the same rows (the foreign key always finds the
    # department), but SQLite 3.40 no longer builds a Bloom filter over all 26,501 departments for an inner join
    # first (2.5 ms of a whole city's page, for the 10 rows it shows).
    return (select(User.id, User.name, User.employee_no, Department.name, p.adopted, p.benefit)
            .join(User, User.id == p.user_id).outerjoin(Department, Department.id == User.department_id)
            .where(p.year == scope.year, p.adopted > 0, User.department_id.is_not(None), inside)
            .order_by(adopted.desc(), p.benefit.desc(), p.employee_no).limit(limit))


def _stars(scope, limit=services.LEADERBOARD_SIZE, heads: int | None = None) -> list[services.Star]:
    """The scope's 创新之星 from the snapshot."""
    stmt = _stars_statement(scope, limit, heads)
    return [services.Star(*row[:5], yuan(row[5])) for row in db.session.execute(stmt)]


def _teams(scope, tree, heads: int | None = None) -> list[services.TeamRank]:
    """Leaf departments of the scope with enough people, by participation rate: the own rows of the year carry the
    rate of each counted team (snapshot._own_rows), read down their index (one query, LIMIT)."""
    r = Rollup
    inside, narrow = _subtree(scope, heads)
    rate = r.team_rate + 0 if narrow else r.team_rate
    stmt = (select(Department, r.heads, r.participants)
            .join(r, and_(r.department_id == Department.id, r.year == scope.year, r.subtree.is_(False)))
            .where(r.team_rate.is_not(None), inside)
            .order_by(rate.desc(), r.participants.desc(), Department.code).limit(services.LEADERBOARD_SIZE))
    return [services.TeamRank(dept, n_heads, n) for dept, n_heads, n in db.session.execute(stmt)]


def _safety(user, scope, tree, blobs) -> safety_figures.SafetyFigures | None:
    admin = scopes.scope_of(user, "admin")
    if admin.empty:
        return None
    if not admin.covers_path(scope.path) and not (admin.everything and scope.root is None):
        return safety_figures.build(user, scope, tree)  # admin scope narrower than the report's: count live

    def row(department, blob):
        g = blob.get
        return safety_figures.SafetyRow(department, reported=g("hr", 0), waiting=g("hw", 0), confirmed=g("hc", 0),
                                        rectified=g("hx", 0), on_time=g("ho", 0), rewards=yuan(g("hg", 0)),
                                        paid=yuan(g("hp", 0)))

    node = scope.root.id if scope.root is not None else ALL
    total = blobs[(scope.year, node)]
    figures = safety_figures.SafetyFigures(
        rows=[row(d, blobs[(scope.year, d.id)]) for d in services.table_departments(tree, scope.root)],
        total=row(None, total))
    figures.reported_by_month = [total.get(f"hm.{m}", 0) for m in range(1, 13)]
    figures.confirmed_by_month = [total.get(f"hcm.{m}", 0) for m in range(1, 13)]
    return figures


def build_report(user, scope, tree, sort: str = "name", descending: bool = False) -> services.Report:
    """services.build_report, from the snapshot."""
    from blueprints.mentoring.queries import MentoringFigures

    parts = services.visible_parts(user)
    report = services.Report(scope=scope, parts=parts, tree=tree)
    lines = services.table_departments(tree, scope.root)
    node = scope.root.id if scope.root is not None else ALL
    blobs = _blobs(scope.year, node, [d.id for d in lines])
    blob, today = blobs[(scope.year, node)], blobs[(TODAY, node)]
    report.today = today  # for competition_figures (enterprises taking part, projects covered)
    if parts & {"participation", "training"}:
        targets = services.targets_for(scope.year) if "participation" in parts else {}
        rows, report.total = _rows(scope, tree, blobs, targets, parts)
        report.rows = services.sort_rows(rows, sort, descending)
        report.contests = contest_figures.ContestFigures(blob.get("ch", 0), blob.get("ce", 0), blob.get("c1", 0),
                                                         blob.get("c2", 0), blob.get("c3", 0), blob.get("ct", 0))
    if "participation" in parts:
        report.breakdown = services.ParticipationBreakdown(blob.get("pt", 0), blob.get("pt.s", 0),
                                                           blob.get("pt.w", 0), blob.get("pt.t", 0))
        report.teams = _teams(scope, tree, today.get("hd", 0))
    if "suggestions" in parts:
        report.suggestions = _suggestions(scope.year, blob)
    if "workshops" in parts:
        report.levels = _levels(scope.year, today)
        report.workshop_ranking = _workshop_ranking(scope, heads=today.get("hd", 0))
    if "stars" in parts:
        report.stars = _stars(scope, heads=today.get("hd", 0))
    if "training" in parts:
        report.training = _training(blob)
    if "my_workshops" in parts:
        report.mine = services.my_workshops(user, scope)
    if user.has_role("admin", "hr"):
        report.mentoring = MentoringFigures(today.get("ma", 0), blob.get("ms", 0), blob.get("mc", 0),
                                            blob.get("me", 0), blob.get("mr", 0))
    report.safety = _safety(user, scope, tree, blobs)
    return report
