"""Dirty marks for the statistics snapshot: every change to a fact the report counts leaves a row in stats_dirty
naming what changed, in the same transaction as the change (so a rolled-back change leaves none).

Statistics sit above every domain, so they listen rather than being called: after each flush, for the rows the
unit of work inserted, changed or deleted; and before each ORM bulk UPDATE / DELETE / INSERT (the conditional
updates the services use), for the rows its WHERE clause matches (read first, with the values they still have).
A mark names a thing (a suggestion, a person, a session, …); snapshot.expand_marks turns it into the departments
and rankings to recompute when the refresh runs, from the facts as they are then.
"""
from __future__ import annotations

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from blueprints.competitions.models import Competition, Enrolment, Project
from blueprints.contests.models import Contest, Entrant
from blueprints.core.models import Department, User
from blueprints.mentoring.models import MentoringPair
from blueprints.rewards.models import RewardLine
from blueprints.safety.models import HazardReport
from blueprints.stats.models import DirtyMark
from blueprints.suggestions.models import Suggestion, SuggestionCoauthor
from blueprints.training.models import Enrollment, TrainingSession
from blueprints.workshops.models import Workshop, WorkshopMember

# model → (mark kind, column) pairs: what a change to one of its rows touches.
TRACKED = {
    Suggestion: (("suggestion", "id"), ("dept", "department_id"), ("workshop", "workshop_id"),
                 ("person", "author_id")),
    SuggestionCoauthor: (("suggestion", "suggestion_id"), ("person", "user_id")),
    RewardLine: (("suggestion", "suggestion_id"), ("dept", "department_id")),
    Workshop: (("workshop", "id"), ("dept", "department_id")),
    WorkshopMember: (("person", "user_id"), ("workshop", "workshop_id")),
    TrainingSession: (("session", "id"),),
    Enrollment: (("session", "session_id"), ("person", "user_id")),
    User: (("mover", "id"), ("dept", "department_id")),
    HazardReport: (("dept", "department_id"),),
    Contest: (("contest", "id"), ("dept", "organiser_id")),
    Entrant: (("person", "user_id"),),
    MentoringPair: (("dept", "department_id"), ("apprentice", "apprentice_id")),
    Competition: (("competition", "id"),),
    Enrolment: (("unit", "unit_id"),),
    Project: (("dept", "owner_id"),),
}
# Columns whose change no figure reads (a login, an endorsement, a reminder sent): changing only these marks nothing.
IGNORED = {
    User: None,  # None: only the columns in COUNTED_USER_COLUMNS matter
    Suggestion: {"endorsement_count", "updated_at"},
    Enrollment: {"reminded_at"},
}
COUNTED_USER_COLUMNS = {"department_id", "active", "name", "employee_no"}
TREE_COLUMNS = {"path", "parent_id", "kind", "depth"}
NULL_DEPARTMENT_KINDS = {MentoringPair}  # a pair without a department still counts for the whole organisation


def _matters(model, changed: set[str]) -> bool:
    if model is User:
        return bool(changed & COUNTED_USER_COLUMNS)
    return not changed or bool(changed - IGNORED.get(model, set()))


def _marks_of(model, values: dict, found: set) -> None:
    for kind, column in TRACKED[model]:
        value = values.get(column)
        if value is None and kind == "dept" and model in NULL_DEPARTMENT_KINDS and column in values:
            value = 0
        if value is not None:
            found.add((kind, int(value)))


def _changed_columns(obj) -> tuple[set[str], dict]:
    """The columns of a flushed object that changed, and their previous values."""
    state = inspect(obj)
    changed, before = set(), {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            changed.add(attr.key)
            if history.deleted:
                before[attr.key] = history.deleted[0]
    return changed, before


def _current(obj) -> dict:
    state = inspect(obj)
    return {attr.key: state.dict.get(attr.key) for attr in state.mapper.column_attrs if attr.key in state.dict}


def _after_flush(session, _flush_context) -> None:
    found: set = set()
    for obj in session.new:
        if type(obj) in TRACKED:
            _marks_of(type(obj), _current(obj), found)
    for obj in session.dirty:
        model = type(obj)
        if model is Department:
            changed, _before = _changed_columns(obj)
            if changed & TREE_COLUMNS:
                found.add(("tree", 0))
        elif model in TRACKED and session.is_modified(obj):
            changed, before = _changed_columns(obj)
            if _matters(model, changed):
                _marks_of(model, _current(obj), found)
                _marks_of(model, before, found)
    for obj in session.deleted:
        if type(obj) is Department:
            found.add(("tree", 0))
        elif type(obj) in TRACKED:
            _marks_of(type(obj), _current(obj), found)
    _write(session, found)


def _write(session, found: set) -> None:
    if found:
        session.execute(insert(DirtyMark), [{"kind": kind, "key": key} for kind, key in sorted(found)])


def _bulk_marks(session, model, statement, parameters) -> set:
    """The marks of an ORM bulk statement: the rows its WHERE matches now, or the rows it inserts."""
    found: set = set()
    if statement.is_insert:
        for values in parameters if isinstance(parameters, list) else [parameters or {}]:
            _marks_of(model, values, found)
        return found
    if model is Department:
        changed = set() if statement.is_delete else {getattr(c, "key", str(c)) for c in statement._values or {}}
        return {("tree", 0)} if statement.is_delete or changed & TREE_COLUMNS else set()
    if statement.is_update:
        changed = {getattr(c, "key", str(c)) for c in (statement._values or {})}
        if not _matters(model, changed):
            return found
    columns = [getattr(model, column) for _kind, column in TRACKED[model]]
    query = select(*columns)
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    for row in session.execute(query):
        _marks_of(model, dict(row._mapping), found)
    return found


def _before_orm_execute(orm_execute_state) -> None:
    if orm_execute_state.is_select or not (orm_execute_state.is_update or orm_execute_state.is_delete
                                           or orm_execute_state.is_insert):
        return
    mapper = orm_execute_state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    if model is None or (model not in TRACKED and model is not Department):
        return
    session = orm_execute_state.session
    found = _bulk_marks(session, model, orm_execute_state.statement, orm_execute_state.parameters)
    _write(session, found)


def install() -> None:
    """Listen to every session (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _before_orm_execute)
