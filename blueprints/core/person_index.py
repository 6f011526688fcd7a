"""The people search index: look-up keys per person, so a search reads the keys that start with what was typed
instead of every user.

A person matches q (trimmed, lower-cased) when q is a substring of the name, a prefix of the pinyin or of any word
of it after a space ("zhangsanfeng zsf": full pinyin and initials), or a prefix of the 工号; letters compare
ASCII case-insensitively (SQLite's LIKE, which the search used before). The keys of a person are therefore every
suffix of the name, the pinyin and each of its tails after a space, and the 工号, all ASCII lower-cased; a match is
a key starting with q, one index range: key >= q AND key < successor(q).

The keys follow the users table by themselves: after every flush (people created, renamed, re-numbered or deleted
through the ORM) and around every bulk INSERT, UPDATE or DELETE of users sent through a session (the user import's
bulk insert, a test's delete). Migration 0023 fills them for the people already there.
"""
from __future__ import annotations

import math
import string

from sqlalchemy import and_, delete, event, exists, func, insert, inspect, select, true
from sqlalchemy.orm import Session, aliased

from blueprints.core.models import PersonSearchKey, User

KEYED_COLUMNS = {"name", "name_pinyin", "employee_no"}
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
CHUNK = 500  # ids or 工号 per IN (...) list
MAX_CODE_POINT = 0x10FFFF


def fold(text: str | None) -> str:
    """ASCII letters lower-cased, everything else as it is (what SQLite's LIKE ignores)."""
    return (text or "").translate(ASCII_LOWER)


def search_keys(name: str | None, name_pinyin: str | None, employee_no: str | None) -> set[str]:
    """Every key of one person (see the module docstring); never an empty one."""
    folded = fold(name)
    keys = {folded[i:] for i in range(len(folded))}
    pinyin = fold(name_pinyin)
    keys.add(pinyin)
    keys.update(pinyin[i + 1:] for i, char in enumerate(pinyin) if char == " ")
    keys.add(fold(employee_no))
    keys.discard("")
    return keys


def successor(term: str) -> str | None:
    """The smallest string greater than every string that starts with term (None: there is none)."""
    while term:
        code = ord(term[-1]) + 1
        if code <= MAX_CODE_POINT:
            if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters: skip them
                code = 0xE000
            return term[:-1] + chr(code)
        term = term[:-1]
    return None


def search_term(q: str) -> str:
    """What a search compares: the query trimmed and lower-cased."""
    return (q or "").strip().lower()


def key_range(term: str):
    """SQL: the keys that start with term."""
    upper = successor(term)
    lower = PersonSearchKey.key >= term
    return lower if upper is None else and_(lower, PersonSearchKey.key < upper)


def closest_key(term: str):
    """SQL, for a row of PersonSearchKey inside key_range(term): it is its person's smallest key starting with term.

    A list read down the key index with this condition shows each person once, at their closest match (伟伟 comes
    once for 伟, under its key 伟, not again under 伟伟), and a keyset page of it never repeats or skips anyone:
    the condition is checked per row read, through the (user_id, key) index."""
    other = aliased(PersonSearchKey)
    return ~exists(select(other.user_id).where(other.user_id == PersonSearchKey.user_id, other.key >= term,
                                               other.key < PersonSearchKey.key))


def keys_in_order(term: str):
    """SELECT (key, user_id) of the keys starting with term, in the key index's order (closest names first)."""
    return (select(PersonSearchKey.key, PersonSearchKey.user_id).where(key_range(term))
            .order_by(PersonSearchKey.key, PersonSearchKey.user_id))


def matching_ids(q: str):
    """SELECT of the ids of people matching q (a person may come more than once: one row per matching key)."""
    return select(PersonSearchKey.user_id).where(key_range(search_term(q)))


# A rare term: its people are fetched by id and sorted, about 3 µs per key in its range (SQLite, 1M people). A
# common one: the list walks the people in its own order and probes each one's keys, about 0.5 µs per person
# walked, stopping at the page's end, i.e. after page × people / matches people. The two meet near
# sqrt(4 × people) keys (a page of 10–20 rows, about two keys per match): 630 keys among 100,000 people, 2,000
# among a million (measured: 张伟 with 958 keys among 100,000 people, 0.55 ms walking against 1.75 ms fetching).
PROBE_KEYS = 5000  # the probe reads at most this many keys (an index-only range: a fraction of a millisecond)
MIN_DENSE = 50


def dense_threshold(people: int) -> int:
    """How many keys make a term common among `people` people (see above)."""
    return min(PROBE_KEYS, max(MIN_DENSE, math.isqrt(4 * max(people, 0))))


def is_dense(term: str) -> bool:
    """Whether term is common (dense_threshold): one statement counting its keys (bounded) and reading the largest
    user id (the index's last entry) as the number of people."""
    from extensions import db

    inside = select(PersonSearchKey.user_id).where(key_range(term)).limit(PROBE_KEYS).subquery()
    found, people = db.session.execute(select(select(func.count()).select_from(inside).scalar_subquery(),
                                              select(func.max(User.id)).scalar_subquery())).one()
    return (found or 0) >= dense_threshold(people or 0)


def search_clause(q: str, dense: bool | None = None):
    """SQL: User matches q (an empty query matches everyone, as LIKE '%%' did).

    A rare term becomes `users.id IN (ids of its keys)`, which the databases answer from the key range; a
    common one (is_dense) becomes a per-person EXISTS probe on (user_id, key), so a list sorted by
    工号 reads people in that order and stops after a page instead of sorting thousands of namesakes. `dense`
    says which when the caller already knows (the user list: from its capped count); None asks is_dense."""
    term = search_term(q)
    if not term:
        return true()
    if dense if dense is not None else is_dense(term):
        return exists(select(PersonSearchKey.user_id).where(PersonSearchKey.user_id == User.id, key_range(term)))
    return User.id.in_(select(PersonSearchKey.user_id).where(key_range(term)))


def matching_keys(q: str):
    """SELECT of the user id of every key matching q, in the key index's order (a person once per matching key)."""
    return select(PersonSearchKey.user_id.label("user_id")).where(key_range(search_term(q)))


def matching_people(q: str):
    """SELECT DISTINCT of the ids of the people matching q, driven by the key range."""
    return matching_keys(q).distinct()


def matches(q: str, name: str, name_pinyin: str, employee_no: str) -> bool:
    """The same rule in Python, as the search used to say it in SQL (LIKE): for tests and for checking."""
    term = search_term(q)
    pinyin = fold(name_pinyin)
    return (fold(employee_no).startswith(term) or term in fold(name) or pinyin.startswith(term)
            or f" {term}" in pinyin)


# --- Keeping the keys in step with the users table --------------------------------------------------------------


def _write_keys(session, rows) -> None:
    """Replace the keys of the people in rows: (id, name, name_pinyin, employee_no) each."""
    rows = list(rows)
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(PersonSearchKey).where(PersonSearchKey.user_id.in_(ids[start:start + CHUNK])))
    values = [{"key": key, "user_id": uid} for uid, name, pinyin, no in rows for key in search_keys(name, pinyin, no)]
    if values:
        session.execute(insert(PersonSearchKey), values)


def _drop_keys(session, ids) -> None:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(PersonSearchKey).where(PersonSearchKey.user_id.in_(ids[start:start + CHUNK])))


def reindex(session, ids=None) -> int:
    """Rebuild the keys of the given people (all when None) from the users table; returns how many."""
    stmt = select(User.id, User.name, User.name_pinyin, User.employee_no).order_by(User.id)
    if ids is not None:
        ids = list(ids)
        rows = []
        for start in range(0, len(ids), CHUNK):
            rows += session.execute(stmt.where(User.id.in_(ids[start:start + CHUNK]))).all()
        _write_keys(session, rows)
        return len(rows)
    session.execute(delete(PersonSearchKey))
    done, last = 0, 0
    while True:
        rows = session.execute(stmt.where(User.id > last).limit(5000)).all()
        if not rows:
            return done
        _write_keys(session, rows)
        done, last = done + len(rows), rows[-1][0]


def _keyed_changed(obj) -> bool:
    state = inspect(obj)
    return any(state.attrs[key].history.has_changes() for key in KEYED_COLUMNS)


def _after_flush(session, _flush_context) -> None:
    changed = [obj for obj in session.new if isinstance(obj, User)]
    changed += [obj for obj in session.dirty if isinstance(obj, User) and _keyed_changed(obj)]
    if changed:
        _write_keys(session, [(u.id, u.name, u.name_pinyin, u.employee_no) for u in changed])
    gone = [obj.id for obj in session.deleted if isinstance(obj, User)]
    if gone:
        _drop_keys(session, gone)


def _users_statement(orm_execute_state) -> bool:
    """Whether a statement sent through a session writes the users table (ORM or Core)."""
    if orm_execute_state.is_select:
        return False
    table = getattr(orm_execute_state.statement, "table", None)
    return table is not None and getattr(table, "name", None) == User.__tablename__


def _inserted_numbers(statement, parameters) -> list[str]:
    """The 工号 of the rows an INSERT writes: from its parameter list, its .values() or its multi-row .values()."""
    rows = list(parameters) if isinstance(parameters, list) else [parameters or {}]
    if getattr(statement, "_values", None):
        rows.append({getattr(column, "key", column): getattr(value, "value", value)
                     for column, value in statement._values.items()})
    for multi in getattr(statement, "_multi_values", ()) or ():
        rows += [{getattr(column, "key", column): value for column, value in row.items()} for row in multi]
    return [row["employee_no"] for row in rows if row.get("employee_no")]


def _after_bulk_insert(orm_execute_state):
    result = orm_execute_state.invoke_statement()
    numbers = _inserted_numbers(orm_execute_state.statement, orm_execute_state.parameters)
    session = orm_execute_state.session
    for start in range(0, len(numbers), CHUNK):
        rows = session.execute(select(User.id, User.name, User.name_pinyin, User.employee_no)
                               .where(User.employee_no.in_(numbers[start:start + CHUNK]))).all()
        _write_keys(session, rows)
    return result


def _around_bulk(orm_execute_state):
    """Bulk INSERT / UPDATE / DELETE of users: keep their keys in step (None: not one of those)."""
    if not _users_statement(orm_execute_state):
        return None
    statement = orm_execute_state.statement
    session = orm_execute_state.session
    if orm_execute_state.is_insert:
        return _after_bulk_insert(orm_execute_state)
    ids_query = select(User.id)
    if statement.whereclause is not None:
        ids_query = ids_query.where(statement.whereclause)
    if orm_execute_state.is_delete:
        _drop_keys(session, session.scalars(ids_query).all())
        return None
    changed = {getattr(column, "key", str(column)) for column in (statement._values or {})}
    if orm_execute_state.is_update and changed & KEYED_COLUMNS:
        ids = session.scalars(ids_query).all()
        result = orm_execute_state.invoke_statement()
        reindex(session, ids)
        return result
    return None


def install() -> None:
    """Listen to every session (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _around_bulk)
