"""Chinese substring search of suggestions that stays fast at millions of rows.

Chinese has no spaces between words, so a search is a substring search. `LIKE '%…%'` reads every row; instead:

* Terms of three characters or more go through an index (migration 0006): FTS5 with the trigram tokenizer on
  SQLite, a pg_trgm GIN index on PostgreSQL. The index is probed first for at most PROBE_CAP ids.
  A rare term gives a short id list and the page fetches just those rows. A common term (more than PROBE_CAP
  hits) is cheaper the other way round: walk the list in its own order and test each row with LIKE, which finds
  a page of matches after a few hundred rows, and the count is known to be over the cap without counting.
* One- and two-character terms cannot use a trigram index. They search the newest RECENT_WINDOW suggestions
  only, so the scan is bounded; the page says so and suggests typing a longer term.

Every path ends with the same LIKE test, so all three return exactly the rows a plain scan would (within the
window for short terms).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, literal_column, or_, select, text, true
from sqlalchemy.types import Text

from blueprints.core.people import escape_like
from blueprints.suggestions.models import Suggestion
from extensions import db

INDEXED_TERM_LENGTH = 3
PROBE_CAP = 2000
RECENT_WINDOW = 10_000
MAX_TERMS = 5
TEXT_COLUMNS = (Suggestion.title, Suggestion.problem, Suggestion.proposal, Suggestion.serial)


@dataclass
class TextSearch:
    """A planned search: its SQL condition and what the list page should say about it."""

    condition: object
    bounded: bool = False  # short terms only: searched the newest RECENT_WINDOW suggestions
    many: bool = False  # the index found more than PROBE_CAP rows, so more than the count cap


def split_terms(q: str) -> list[str]:
    """The space-separated terms of a query (at most MAX_TERMS), lower-cased like the index."""
    return [term.lower() for term in q.split() if term][:MAX_TERMS]


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def like_condition(term: str, title_only: bool = False):
    """The exact test: the term occurs in one of the searched columns (wildcards typed by the user escaped).

    SQLite's LIKE already ignores ASCII case, and ILIKE would wrap every column in lower(), doubling the cost.
    """
    pattern = f"%{escape_like(term)}%"
    columns = (Suggestion.title,) if title_only else TEXT_COLUMNS
    if _is_sqlite():
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


def probe_ids(terms: list[str], limit: int = PROBE_CAP + 1) -> list[int]:
    """Ids of suggestions containing every term, found through the index, at most `limit` of them."""
    if _is_sqlite():
        rows = db.session.execute(
            text("SELECT rowid FROM suggestions_fts WHERE suggestions_fts MATCH :query LIMIT :limit"),
            {"query": _fts_query(terms), "limit": limit})
        return [row[0] for row in rows]
    stmt = (select(Suggestion.id)
            .where(*(POSTGRES_SEARCH_TEXT.ilike(f"%{escape_like(term)}%", escape="\\") for term in terms))
            .limit(limit))
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
    ids = probe_ids(long_terms)
    if len(ids) > PROBE_CAP:
        return TextSearch(exact, many=True)
    return TextSearch(and_(Suggestion.id.in_(ids), exact))
