"""Chinese substring search of suggestions that stays fast at millions of rows.

Chinese has no spaces between words, so a search is a substring search. `LIKE '%…%'` reads every row; instead:

* Terms of three characters or more go through an index (migration 0006): FTS5 with the trigram tokenizer on
  SQLite, a pg_trgm GIN index on PostgreSQL. The index is probed first for at most PROBE_CAP ids. A rare term
  gives a short id list and the page fetches just those rows. A common term (more than PROBE_CAP hits) is
  cheaper the other way round: walk the list in its own order and test each row with LIKE, which finds a page
  of matches after a few hundred rows, and the count is known to be over the cap without counting.
* On PostgreSQL a GIN index cannot stop at a limit, so a common term is recognised first by reading the newest
  COMMON_WINDOW rows (see _matches_among_recent) and goes straight to the walk.
* One- and two-character terms cannot use a trigram index. They search the newest RECENT_WINDOW suggestions
  only, so the scan is bounded; the page says so and suggests typing a longer term.

Every path ends with the same LIKE test, so all of them return exactly the rows a plain scan would (within the
window for short terms).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, literal_column, or_, select, text, true
from sqlalchemy.types import Text

from blueprints.core.pagination import COUNT_CAP
from blueprints.core.people import escape_like
from blueprints.suggestions.models import Suggestion
from extensions import db

INDEXED_TERM_LENGTH = 3
PROBE_CAP = 2000
COMMON_WINDOW = 5_000  # PostgreSQL: a term in 1 of 100 of the newest rows is walked for, not looked up
COMMON_AMONG_RECENT = COMMON_WINDOW // 100
RECENT_WINDOW = 10_000
MAX_TERMS = 5
TEXT_COLUMNS = (Suggestion.title, Suggestion.problem, Suggestion.proposal, Suggestion.serial)


@dataclass
class TextSearch:
    """A planned search: its SQL condition and what the list page should say about it."""

    condition: object
    bounded: bool = False  # short terms only: searched the newest RECENT_WINDOW suggestions
    many: bool = False  # a common term: the list is walked in order instead of fetched by id
    over_cap: bool = False  # proven to match more rows than the count cap, so the count need not be run


def split_terms(q: str) -> list[str]:
    """The space-separated terms of a query (at most MAX_TERMS), lower-cased like the index."""
    return [term.lower() for term in q.split() if term][:MAX_TERMS]


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _has_case(term: str) -> bool:
    return term.lower() != term.upper()


def like_condition(term: str, title_only: bool = False):
    """The exact test: the term occurs in one of the searched columns (wildcards typed by the user escaped).

    Case is ignored, but ILIKE is only used when the term has letters with case: for Chinese and digits plain
    LIKE finds the same rows, and on PostgreSQL it is ten times cheaper. (SQLite's LIKE already ignores ASCII
    case, and its ILIKE would wrap every column in lower().)
    """
    pattern = f"%{escape_like(term)}%"
    columns = (Suggestion.title,) if title_only else TEXT_COLUMNS
    if _is_sqlite() or not _has_case(term):
        return or_(*(column.like(pattern, escape="\\") for column in columns))
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def recent_window_condition():
    """Only the newest RECENT_WINDOW suggestions by id: one index step to find the boundary, then a short scan."""
    boundary = (select(Suggestion.id).order_by(Suggestion.id.desc())
                .offset(RECENT_WINDOW - 1).limit(1).scalar_subquery())
    return Suggestion.id >= func.coalesce(boundary, 0)


def _fts_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression: every term as a quoted phrase (a trigram phrase is a substring match)."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


# The text the PostgreSQL trigram index covers; character for character the expression in migration 0006.
POSTGRES_SEARCH_TEXT = literal_column(
    "(coalesce(suggestions.title, '') || ' ' || coalesce(suggestions.problem, '') || ' ' || "
    "coalesce(suggestions.proposal, '') || ' ' || coalesce(suggestions.serial, ''))", Text)


def _indexed_like(term: str):
    """PostgreSQL: the term in the indexed text (the trigram index serves LIKE and ILIKE alike)."""
    pattern = f"%{escape_like(term)}%"
    if _has_case(term):
        return POSTGRES_SEARCH_TEXT.ilike(pattern, escape="\\")
    return POSTGRES_SEARCH_TEXT.like(pattern, escape="\\")


def probe_ids(terms: list[str], limit: int = PROBE_CAP + 1) -> list[int]:
    """Ids of suggestions containing every term, found through the index, at most `limit` of them."""
    if _is_sqlite():
        # One string of ids rather than one row per id: for a common term (2,001 hits) handing the rows to Python
        # cost 1.5 ms, the string 0.8 ms.
        joined = db.session.scalar(
            text("SELECT group_concat(rowid) FROM (SELECT rowid FROM suggestions_fts "
                 "WHERE suggestions_fts MATCH :query LIMIT :limit)"),
            {"query": _fts_query(terms), "limit": limit})
        return [int(rowid) for rowid in joined.split(",")] if joined else []
    stmt = (select(Suggestion.id).where(*(_indexed_like(term) for term in terms)).limit(limit))
    return list(db.session.scalars(stmt))


def plan(q: str) -> TextSearch | None:
    """Turn the search box into a condition on Suggestion; None when there is nothing to search for."""
    terms = split_terms(q)
    if not terms:
        return None
    exact = and_(true(), *(like_condition(term) for term in terms))
    long_terms = [term for term in terms if len(term) >= INDEXED_TERM_LENGTH]
    if not long_terms:
        return TextSearch(and_(recent_window_condition(), exact), bounded=True)
    if not _is_sqlite():
        recent = _matches_among_recent(long_terms)
        if recent >= COMMON_AMONG_RECENT:
            return TextSearch(exact, many=True, over_cap=recent > COUNT_CAP)
    ids = probe_ids(long_terms)
    if len(ids) > PROBE_CAP:
        return TextSearch(exact, many=True, over_cap=True)
    return TextSearch(and_(Suggestion.id.in_(ids), exact))


def _matches_among_recent(terms: list[str]) -> int:
    """PostgreSQL: how many of the newest COMMON_WINDOW suggestions contain every term (counting stops past the
    count cap).

    A GIN index cannot stop early: for a term in one suggestion of twenty it gathers 100,000 hits (0.12 s at two
    million rows) before LIMIT applies. A common term shows up among the newest rows, and reading those costs a
    few milliseconds, so common terms skip the index and walk the list instead. (FTS5 streams its hits, so
    SQLite needs no such check.)
    """
    boundary = (select(Suggestion.id).order_by(Suggestion.id.desc())
                .offset(COMMON_WINDOW - 1).limit(1).scalar_subquery())
    # The per-column test, not the indexed expression: the planner must read the newest rows, not the index.
    recent = (select(Suggestion.id)
              .where(Suggestion.id >= func.coalesce(boundary, 0), *(like_condition(term) for term in terms))
              .limit(COUNT_CAP + 1).subquery())
    return db.session.scalar(select(func.count()).select_from(recent)) or 0
