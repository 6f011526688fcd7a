"""The statistics snapshot: every figure of /stats/ kept per (department, period), so the page reads a few rows
whatever the size of the organisation (QUALITY P10).

- **Own rows** hold a department's own facts (snapshot_facts); **subtree rows** hold the sum over the department and
  everything below it, so a report line or total is one row. Additive figures reach the ancestors by delta: a
  refresh recomputes the own rows of the departments a change touched and adds (new − old) to each ancestor on
  their paths (at most the tree's depth), plus department 0, the whole organisation.
- **Distinct counts** that cross departments (a training session with trainees from several units, an apprentice
  with pairs in two) are entities: each remembers the nodes it counts in and adds one there; a refresh diffs it.
  Participants and trainees are additive: a person has one department.
- **Rankings**: per person and per workshop and year (stats_rollup_people / _workshops), read with ORDER BY … LIMIT;
  the team ranking reads the own rows' `heads` and `participants` columns.
- Changes are recorded as dirty marks by stats.marks (flush and bulk-statement listeners). refresh_dirty() takes
  them in; rebuild() recomputes everything (`flask stats rebuild-snapshot`). Both take the write lock first, so two
  refreshes never add the same delta twice.
- Time alone changes one figure: a session counts as held once it has started, so a refresh also takes in the
  sessions that started since the previous one.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.orm import aliased

from blueprints.core.clock import local_year
from blueprints.core.models import Department, User
from blueprints.core.types import utcnow
from blueprints.mentoring.models import MentoringPair
from blueprints.safety.models import HazardReport
from blueprints.stats import services
from blueprints.stats import snapshot_facts as facts
from blueprints.stats.models import (
    DirtyMark,
    Rollup,
    RollupEntity,
    RollupPerson,
    RollupWorkshop,
    SnapshotState,
)
from blueprints.suggestions.models import Suggestion
from blueprints.training.models import Enrollment, TrainingSession
from blueprints.workshops.models import WorkshopMember
from extensions import db

ALL = 0  # the node of the whole organisation
REBUILD_ABOVE = 5000  # a refresh touching more departments than this rebuilds instead
CHUNK = 500
SESSION, REACHED = "session", "reached"


# --- Years and paths -------------------------------------------------------------------------------------------------


def _first_fact_year(newest: int) -> int:
    """The earliest year any fact of the report falls in (at most five years before the newest)."""
    from blueprints.contests.models import Contest

    years = [newest - 5]
    for column in (Suggestion.year,):
        if (found := db.session.scalar(select(func.min(column)))) is not None:
            years.append(int(found))
    for column in (TrainingSession.starts_at, HazardReport.created_at, WorkshopMember.joined_at,
                   Suggestion.awarded_at):
        if (found := db.session.scalar(select(func.min(column)))) is not None:
            years.append(local_year(found))
    for column in (Contest.held_on, MentoringPair.starts_on, MentoringPair.closed_on):
        if (found := db.session.scalar(select(func.min(column)))) is not None:
            years.append(found.year)
    return max(services.YEAR_MIN, min(years))


def _year_range(now: datetime) -> tuple[int, int]:
    """(first, last) years the snapshot holds: from the oldest fact to the newest year anyone may pick, or later
    when suggestions or sessions already belong to a later year."""
    newest = max(local_year(now), services.default_year())
    last = newest
    if (found := db.session.scalar(select(func.max(Suggestion.year)))) is not None:
        last = max(last, int(found))
    if (found := db.session.scalar(select(func.max(TrainingSession.starts_at)))) is not None:
        last = max(last, local_year(found))
    return _first_fact_year(newest), min(last, services.YEAR_MAX)


def ancestors_of(dept_ids=None) -> dict[int, list[int]]:
    """{department id: itself and its ancestors, then 0}, from the materialised paths; 0 → [0]."""
    stmt = select(Department.id, Department.path)
    if dept_ids is not None:
        stmt = stmt.where(Department.id.in_(sorted(d for d in dept_ids if d)))
    found = {ALL: [ALL]}
    for dept_id, path in db.session.execute(stmt):
        found[dept_id] = [int(part) for part in path.strip("/").split("/") if part][::-1] + [ALL]
    return found


def _nodes(depts, ancestors) -> list[int]:
    """Every node (ancestors included) a thing touching these departments counts in, sorted."""
    return sorted({node for dept in depts for node in ancestors.get(dept, [ALL])})


def _scope(year: int, now: datetime):
    return services.make_scope(year, None, now)


# --- Rebuild ---------------------------------------------------------------------------------------------------------


def _subtree_of(own, ancestors) -> dict[tuple[int, int], dict[str, int]]:
    """Sum every own row into its department's ancestors."""
    subtree: dict = defaultdict(lambda: defaultdict(int))
    for (period, dept), figures in own.items():
        for node in ancestors.get(dept, [ALL]):
            target = subtree[(period, node)]
            for key, value in figures.items():
                target[key] += value
    return subtree


def _entities(first: int, last: int, now: datetime, ancestors, sessions=None, apprentices=None) -> list[dict]:
    """The counted-once things of every year (all of them, or the given sessions and apprentices)."""
    rows = []
    for year in range(first, last + 1):
        if sessions is None or sessions:
            for session_id, (kind, depts) in facts.session_entities(_scope(year, now), sessions).items():
                rows.append({"kind": SESSION, "entity_id": session_id, "year": year,
                             "keys": ["ts", f"tk.{kind}.s"], "nodes": _nodes(depts, ancestors)})
        if apprentices is None or apprentices:
            for apprentice, depts in facts.reached_entities(year, apprentices).items():
                rows.append({"kind": REACHED, "entity_id": apprentice, "year": year, "keys": ["mr"],
                             "nodes": _nodes(depts, ancestors)})
    return rows


def _rollup_rows(table: dict, subtree: bool) -> list[dict]:
    return [{"year": period, "department_id": dept, "subtree": subtree, "heads": figures.get("hd", 0),
             "participants": figures.get("pt", 0), "figures": {k: v for k, v in figures.items() if v}}
            for (period, dept), figures in table.items() if any(figures.values())]


def _leaves(dept_ids=None) -> set[int]:
    """The departments without sub-departments (among the given ones): the teams the ranking may count."""
    child = aliased(Department)
    stmt = select(Department.id).where(~exists().where(child.parent_id == Department.id))
    if dept_ids is not None:
        stmt = stmt.where(Department.id.in_(sorted(dept_ids)))
    return set(db.session.scalars(stmt))


def _own_rows(own, first: int, last: int, leaves: set[int]) -> list[dict]:
    """The own rows; a team the ranking counts (a leaf with TEAM_MIN_HEADS people today) gets a row in every year,
    even without a figure, carrying today's head count and its rate for the ranking's index."""
    teams = {dept for (period, dept), figures in own.items()
             if period == facts.TODAY and dept in leaves and figures.get("hd", 0) >= services.TEAM_MIN_HEADS}
    for dept in teams:
        for year in range(first, last + 1):
            own[(year, dept)]
    rows = []
    for (period, dept), figures in own.items():
        heads = own.get((facts.TODAY, dept), {}).get("hd", 0)
        team = dept in teams and period != facts.TODAY
        if not team and not any(figures.values()):
            continue
        rows.append({"year": period, "department_id": dept, "subtree": False, "heads": heads,
                     "participants": figures.get("pt", 0), "figures": {k: v for k, v in figures.items() if v},
                     "team_rate": figures.get("pt", 0) / heads if team else None})
    return rows


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(model), rows[start:start + 5000])


def _ranking_rows(first: int, last: int, now: datetime, users=None, workshops=None):
    people, shops = [], []
    for year in range(first, last + 1):
        scope = _scope(year, now)
        if users is None or users:
            people += [{"year": year, "user_id": user, "adopted": adopted, "benefit": benefit, "employee_no": no}
                       for user, (adopted, benefit, no) in facts.people_rows(scope, users).items()]
        if workshops is None or workshops:
            shops += [{"year": year, "workshop_id": wid, "received": v[0], "adopted": v[1], "implemented": v[2],
                       "awarded": v[3], "waiting": v[4], "benefit": v[5]}
                      for wid, v in facts.workshop_rows(scope, workshops).items()]
    return people, shops


def _lock_state() -> SnapshotState | None:
    """The snapshot's row, locked for this transaction (PostgreSQL; SQLite holds the write lock already)."""
    return db.session.scalar(select(SnapshotState).where(SnapshotState.id == 1).with_for_update())


def rebuild(now: datetime | None = None) -> SnapshotState:
    """Recompute the whole snapshot from the facts; flushes (the caller commits)."""
    now = now or utcnow()
    _lock_state()
    marks = list(db.session.scalars(select(DirtyMark.id)))
    first, last = _year_range(now)
    own = facts.new_own()
    only = facts.Narrow()
    for year in range(first, last + 1):
        facts.year_facts(own, _scope(year, now), only)
    facts.today_facts(own, only)
    ancestors = ancestors_of()
    subtree = _subtree_of(own, ancestors)
    entities = _entities(first, last, now, ancestors)
    for entity in entities:
        for node in entity["nodes"]:
            for key in entity["keys"]:
                subtree[(entity["year"], node)][key] += 1
    people, shops = _ranking_rows(first, last, now)
    for model in (Rollup, RollupEntity, RollupPerson, RollupWorkshop):
        db.session.execute(delete(model))
    _insert(Rollup, _own_rows(own, first, last, _leaves()) + _rollup_rows(subtree, True))
    _insert(RollupEntity, entities)
    _insert(RollupPerson, people)
    _insert(RollupWorkshop, shops)
    _delete_marks(marks)
    return _save_state(now, first, last, built=True)


def _save_state(now: datetime, first: int, last: int, built: bool = False) -> SnapshotState:
    state = db.session.get(SnapshotState, 1)
    if state is None:
        state = SnapshotState(id=1, built_at=now, as_of=now, first_year=first, last_year=last)
        db.session.add(state)
    state.as_of, state.first_year, state.last_year = now, first, last
    if built:
        state.built_at = now
    db.session.flush()
    return state


def _delete_marks(ids: list[int]) -> None:
    # By id, never "all" or "up to": a mark committed meanwhile by another transaction is kept for the next refresh.
    for start in range(0, len(ids), CHUNK):
        db.session.execute(delete(DirtyMark).where(DirtyMark.id.in_(ids[start:start + CHUNK])))


def state() -> SnapshotState | None:
    """The snapshot's row, or None before the first build."""
    return db.session.get(SnapshotState, 1)


def pending_changes() -> int:
    """How many changes wait for the next refresh (marks, not distinct facts)."""
    return db.session.scalar(select(func.count(DirtyMark.id))) or 0


# --- Refresh ---------------------------------------------------------------------------------------------------------


class Delta:
    """What a refresh adds to the subtree rows: {(period, node): {key: change}}."""

    def __init__(self):
        self.changes: dict = defaultdict(lambda: defaultdict(int))

    def add(self, period: int, nodes, figures: dict, sign: int) -> None:
        for node in nodes:
            target = self.changes[(period, node)]
            for key, value in figures.items():
                target[key] += sign * value

    def apply(self) -> None:
        """Add the changes to the stored subtree rows (creating missing ones), a chunk of rows at a time."""
        keys = sorted(k for k, figures in self.changes.items() if any(figures.values()))
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            # By the primary key's columns one by one: a row-value IN is a scan of the table on SQLite.
            stored = {(r.year, r.department_id): r for r in db.session.scalars(
                select(Rollup).where(Rollup.year.in_(sorted({k[0] for k in chunk})),
                                     Rollup.department_id.in_(sorted({k[1] for k in chunk})),
                                     Rollup.subtree.is_(True)))}
            for key in chunk:
                row = stored.get(key)
                if row is None:
                    row = Rollup(year=key[0], department_id=key[1], subtree=True, figures={})
                    db.session.add(row)
                figures = dict(row.figures or {})
                for name, change in self.changes[key].items():
                    figures[name] = figures.get(name, 0) + change
                row.figures = {k: v for k, v in figures.items() if v}
                row.heads, row.participants = row.figures.get("hd", 0), row.figures.get("pt", 0)
        db.session.flush()


def _read_marks() -> tuple[list[int], dict[str, set[int]]]:
    ids, marks = [], defaultdict(set)
    for mark_id, kind, key in db.session.execute(select(DirtyMark.id, DirtyMark.kind, DirtyMark.key)):
        ids.append(mark_id)
        marks[kind].add(int(key))
    return ids, marks


def _started_since(since: datetime, now: datetime, marks) -> None:
    """Sessions that started since the last refresh are now held: mark them and their trainees' departments."""
    started = select(TrainingSession.id).where(TrainingSession.starts_at > since, TrainingSession.starts_at <= now)
    for session_id, dept in db.session.execute(
            select(Enrollment.session_id, User.department_id).join(User, User.id == Enrollment.user_id)
            .where(Enrollment.session_id.in_(started))):
        marks["session"].add(session_id)
        if dept is not None:
            marks["dept"].add(dept)


def _refresh_own(depts: set[int], first: int, last: int, now: datetime, delta: Delta) -> None:
    """Recompute the own rows of these departments for every period, and record old → new in the delta."""
    ancestors = ancestors_of(depts)
    for start in range(0, len(depts), CHUNK):
        chunk = sorted(depts)[start:start + CHUNK]
        own = facts.new_own()
        only = facts.Narrow(chunk)
        for year in range(first, last + 1):
            facts.year_facts(own, _scope(year, now), only)
        facts.today_facts(own, only)
        # Every period (the primary key starts with it): the own rows of these departments, by index.
        mine = (Rollup.year.in_([facts.TODAY, *range(first, last + 1)]), Rollup.subtree.is_(False),
                Rollup.department_id.in_(chunk))
        for row in db.session.scalars(select(Rollup).where(*mine)):
            delta.add(row.year, ancestors.get(row.department_id, [ALL]), row.figures or {}, -1)
        db.session.execute(delete(Rollup).where(*mine))
        for (period, dept), figures in own.items():
            delta.add(period, ancestors.get(dept, [ALL]), figures, +1)
        _insert(Rollup, _own_rows(own, first, last, _leaves(chunk)))


def _refresh_entities(kind: str, ids: set[int], first: int, last: int, now: datetime, delta: Delta) -> None:
    """Replace the entities of these sessions or apprentices, taking their old counts off and the new ones on."""
    for start in range(0, len(ids), CHUNK):
        chunk = sorted(ids)[start:start + CHUNK]
        for row in db.session.scalars(select(RollupEntity).where(RollupEntity.kind == kind,
                                                                   RollupEntity.entity_id.in_(chunk))):
            delta.add(row.year, row.nodes, dict.fromkeys(row.keys, 1), -1)
        db.session.execute(delete(RollupEntity).where(RollupEntity.kind == kind, RollupEntity.entity_id.in_(chunk)))
        rows = _entities_with_paths(kind, chunk, first, last, now)
        for row in rows:
            delta.add(row["year"], row["nodes"], dict.fromkeys(row["keys"], 1), +1)
        _insert(RollupEntity, rows)


def _entities_with_paths(kind: str, ids: list[int], first: int, last: int, now: datetime) -> list[dict]:
    """The entities of these sessions or apprentices in every year, with the nodes they count in."""
    per_year = {}
    depts: set[int] = set()
    for year in range(first, last + 1):
        if kind == SESSION:
            per_year[year] = facts.session_entities(_scope(year, now), set(ids))
            depts |= {d for _kind, found in per_year[year].values() for d in found}
        else:
            per_year[year] = facts.reached_entities(year, set(ids))
            depts |= {d for found in per_year[year].values() for d in found}
    ancestors = ancestors_of(depts)
    rows = []
    for year, found in per_year.items():
        for entity_id, value in found.items():
            keys, where = (["ts", f"tk.{value[0]}.s"], value[1]) if kind == SESSION else (["mr"], value)
            rows.append({"kind": kind, "entity_id": entity_id, "year": year, "keys": keys,
                         "nodes": _nodes(where, ancestors)})
    return rows


def _refresh_rankings(users: set[int], workshops: set[int], first: int, last: int, now: datetime) -> None:
    for start in range(0, max(len(users), len(workshops)), CHUNK):
        some_users = set(sorted(users)[start:start + CHUNK])
        some_shops = set(sorted(workshops)[start:start + CHUNK])
        people, shops = _ranking_rows(first, last, now, some_users, some_shops)
        if some_users:
            db.session.execute(delete(RollupPerson).where(RollupPerson.user_id.in_(sorted(some_users))))
        if some_shops:
            db.session.execute(delete(RollupWorkshop).where(RollupWorkshop.workshop_id.in_(sorted(some_shops))))
        _insert(RollupPerson, people)
        _insert(RollupWorkshop, shops)


def refresh_dirty(now: datetime | None = None) -> SnapshotState:
    """Take in every change marked since the last refresh (or build the snapshot when there is none, or when the
    tree changed or a new year began); flushes (the caller commits)."""
    now = now or utcnow()
    current = _lock_state()
    if current is None:
        return rebuild(now)
    ids, marks = _read_marks()
    first, last = _year_range(now)
    if marks.get("tree") or (first, last) != (current.first_year, current.last_year):
        return rebuild(now)
    _started_since(current.as_of, now, marks)
    _expand(marks)
    if len(marks["dept"]) > REBUILD_ABOVE:
        return rebuild(now)
    delta = Delta()
    _refresh_own(marks.get("dept", set()), first, last, now, delta)
    _refresh_entities(SESSION, marks.get("session", set()), first, last, now, delta)
    _refresh_entities(REACHED, marks.get("apprentice", set()), first, last, now, delta)
    delta.apply()
    _refresh_rankings(marks.get("user", set()), marks.get("workshop", set()), first, last, now)
    _delete_marks(ids)
    return _save_state(now, first, last)


def _expand(marks) -> None:
    """Turn the things marked into the departments, sessions, people and workshops to recompute (from the facts
    as they are now: a person's department is their current one; a move marked the old one itself)."""
    from blueprints.competitions.models import Project
    from blueprints.contests.models import Contest, Entrant
    from blueprints.suggestions.models import SuggestionCoauthor
    from blueprints.workshops.models import Workshop

    def each(ids, stmt_of):
        ids = sorted(ids)
        for start in range(0, len(ids), CHUNK):
            yield from db.session.execute(stmt_of(ids[start:start + CHUNK]))

    for row in each(marks["suggestion"], lambda c: select(Suggestion.department_id, Suggestion.workshop_id,
                                                          Suggestion.author_id).where(Suggestion.id.in_(c))):
        marks["dept"].add(row[0]) if row[0] else None
        marks["workshop"].add(row[1]) if row[1] else None
        marks["person"].add(row[2])
    for (user_id,) in each(marks["suggestion"], lambda c: select(SuggestionCoauthor.user_id)
                           .where(SuggestionCoauthor.suggestion_id.in_(c))):
        marks["person"].add(user_id)
    for dept, in each(marks["workshop"], lambda c: select(Workshop.department_id).where(Workshop.id.in_(c))):
        marks["dept"].add(dept) if dept else None
    for user_id, in each(marks["workshop"], lambda c: select(WorkshopMember.user_id)
                         .where(WorkshopMember.workshop_id.in_(c))):
        marks["person"].add(user_id)
    marks["person"] |= marks["mover"]
    for session_id, in each(marks["mover"], lambda c: select(Enrollment.session_id).where(Enrollment.user_id.in_(c))):
        marks["session"].add(session_id)
    for user_id, in each(marks["session"], lambda c: select(Enrollment.user_id).where(Enrollment.session_id.in_(c))):
        marks["person"].add(user_id)
    for user_id, in each(marks["contest"], lambda c: select(Entrant.user_id).where(Entrant.contest_id.in_(c))):
        marks["person"].add(user_id)
    for dept, in each(marks["contest"], lambda c: select(Contest.organiser_id).where(Contest.id.in_(c))):
        marks["dept"].add(dept)
    for dept, in each(marks["person"], lambda c: select(User.department_id).where(User.id.in_(c))):
        marks["dept"].add(dept) if dept else None
    marks["user"] |= marks["person"]
    if marks["competition"]:
        marks["dept"] |= set(db.session.scalars(select(Department.id).where(Department.kind == "enterprise")))
        marks["dept"] |= set(db.session.scalars(select(Project.owner_id)))
    for ancestors in ancestors_of(marks["unit"]).values():
        marks["dept"] |= set(ancestors)


# --- Entry points ----------------------------------------------------------------------------------------------------


def source(year: int) -> SnapshotState | None:
    """The snapshot to read the year's report from, or None to compute it live: before the first build (a new
    installation is small; `flask stats rebuild-snapshot` or the refresh button builds it), and for a year the
    snapshot does not hold (older than its facts, or later than any year offered)."""
    found = state()
    if found is None or not found.first_year <= year <= found.last_year:
        return None
    return found


def refresh_now() -> SnapshotState:
    """The refresh the admin's button and the five-minute schedule ask for (the job stats.refresh in stats/jobs.py).
    Flushes; the caller commits."""
    return refresh_dirty()
