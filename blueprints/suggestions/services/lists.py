"""The list, the export and the duplicate hint: which suggestions a user sees, filtered, sorted and searched."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import false, or_, select
from sqlalchemy.orm import load_only

from blueprints.core.models import UNION_KINDS, Department, User
from blueprints.core.pagination import COUNT_CAP, Page, PageStatements, Reuse, keyset_page
from blueprints.core.scopes import ViewerParameters, path_under
from blueprints.suggestions import search
from blueprints.suggestions.labels import STATUS_LABELS
from blueprints.suggestions.models import CATEGORIES, TITLE_MAX, Suggestion
from blueprints.suggestions.queries import admin_clause, participant_expression, sees_everything, visible_clause
from blueprints.workshops.models import Workshop
from extensions import db

SORTS = {
    # key: (columns, descending)
    "new": ((Suggestion.listed_at, Suggestion.id), True),
    "old": ((Suggestion.listed_at, Suggestion.id), False),
    "endorsed": ((Suggestion.endorsement_count, Suggestion.id), True),
    "updated": ((Suggestion.updated_at, Suggestion.id), True),
}
SIMILAR_PROBES = 8  # two-character pieces looked up for the duplicate hint
SIMILAR_CANDIDATES = 50
# Function characters of Chinese titles, for the duplicate hint. A piece holding a particle straddles a word
# boundary ("装置的", "的合" in "…的合理化…") or is a function word itself, so it says nothing about the subject
# and would pair unrelated titles. The weak ones also begin real words (在线, 对比, 是否), so a piece goes only
# when both its characters are function characters ("是在", "为了").
PARTICLES = frozenset("的了和与及或之等")
WEAK_FILLERS = frozenset("在对是为把将从于")


@dataclass(frozen=True)
class DepartmentSubtree:
    """A department filter's root, looked up once: its path (None when the id names no department) and, for an
    enterprise or anything under one, the ids of its whole subtree.

    The ids are what keep the filter's cost the enterprise's and not the city's: given the few dozen ids of one of
    500 enterprises, a database reads that enterprise's suggestions through their department index and sorts them;
    given only the subtree's rule it walks the whole city's list and tests every row (BENCHMARKS, P4). A union
    above enterprises (a district, an industry) spans hundreds of enterprises, so it keeps the rule, with its path
    written out so that PostgreSQL reads the path prefix index.
    """

    path: str | None
    ids: tuple[int, ...] | None = None


def department_subtree(department_id: int) -> DepartmentSubtree:
    """The filter root's path, and its subtree's ids when it lies at or under enterprise level (one or two queries)."""
    root = db.session.execute(select(Department.path, Department.kind).where(Department.id == department_id)).first()
    if root is None:
        return DepartmentSubtree(None)
    if root.kind in UNION_KINDS:
        return DepartmentSubtree(root.path)
    ids = db.session.scalars(select(Department.id).where(path_under(Department.path, root.path))
                             .order_by(Department.id))
    return DepartmentSubtree(root.path, tuple(ids))


@dataclass
class ListFilters:
    """What the list and the export filter on (all optional)."""

    q: str = ""
    category: str | None = None
    status: str | None = None
    department_id: int | None = None
    workshop: str | None = None  # a workshop id, or "none" for the union's own
    year: int | None = None
    mine: bool = False
    sort: str = "new"
    _search: search.TextSearch | None = field(default=None, init=False, repr=False, compare=False)
    _planned: bool = field(default=False, init=False, repr=False, compare=False)
    _subtree: DepartmentSubtree | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def search(self) -> search.TextSearch | None:
        """The text search planned once per request (planning may probe the index)."""
        if not self._planned:
            self._search = search.plan(self.q)
            self._planned = True
        return self._search

    @property
    def subtree(self) -> DepartmentSubtree | None:
        """The department filter's subtree, looked up once per request (None: no department filter)."""
        if self.department_id and self._subtree is None:
            self._subtree = department_subtree(self.department_id)
        return self._subtree if self.department_id else None

    @property
    def walks_list_index(self) -> bool:
        """Whether the list's own index finds these rows, so its capped count reads them in the page's order: not
        for a text search or an enterprise's subtree, whose rows come from their own indexes."""
        return self.search is None and (self.subtree is None or self.subtree.ids is None)

    @property
    def text_only(self) -> bool:
        """True when the search box is the only filter, so the index probe alone tells the count."""
        return not (self.category or self.status or self.department_id or self.workshop or self.year or self.mine)

    def shape(self) -> tuple:
        """The filter values a statement is built from (the text search aside), as a cache key; the subtree is in
        it, so a department moved under another parent is never filtered by its old place."""
        return (self.q, self.category, self.status, self.subtree, self.workshop, self.year, self.mine, self.sort)

    @property
    def order(self) -> list:
        """ORDER BY clauses of the chosen sort."""
        columns, descending = SORTS[self.sort]
        return [column.desc() if descending else column.asc() for column in columns]


def _workshop_condition(workshop: str | None):
    """A workshop filter: "none" for the union's own suggestions, or a workshop id; None for no filter."""
    if workshop == "none":
        return Suggestion.workshop_id.is_(None)
    if workshop and workshop.isdigit():
        return Suggestion.workshop_id == int(workshop)
    return None


def _subtree_condition(subtree: DepartmentSubtree):
    """SQL: the suggestion was written in the subtree (see DepartmentSubtree for why two forms)."""
    if subtree.path is None:
        return false()
    if subtree.ids is not None:
        return Suggestion.department_id.in_(subtree.ids)
    inside = select(Department.id).where(path_under(Department.path, subtree.path))
    return Suggestion.department_id.in_(inside)


def filtered_statement(user, filters: ListFilters, base=None):
    """Apply the filters to `base` (a select of Suggestion joined as needed); only rows the user may see."""
    stmt = base if base is not None else select(Suggestion)
    stmt = stmt.where(visible_clause(user))
    if filters.search is not None:
        stmt = stmt.where(filters.search.condition)
    if filters.category in CATEGORIES:
        stmt = stmt.where(Suggestion.category == filters.category)
    if filters.status in STATUS_LABELS:
        stmt = stmt.where(Suggestion.status == filters.status)
    subtree = filters.subtree
    if subtree is not None:
        stmt = stmt.where(_subtree_condition(subtree))
    workshop = _workshop_condition(filters.workshop)
    if workshop is not None:
        stmt = stmt.where(workshop)
    if filters.year:
        stmt = stmt.where(Suggestion.year == filters.year)
    if filters.mine:
        stmt = stmt.where(participant_expression(user))
    return stmt


def _list_columns(user):
    """Suggestion, author name, department name, workshop name, whether it is the user's and in their admin scope:
    one row per line."""
    return (select(Suggestion, User.name.label("author_name"), Department.name.label("department_name"),
                   Workshop.name.label("workshop_name"), participant_expression(user).label("is_mine"),
                   admin_clause(user).label("in_scope"))
            .join(User, User.id == Suggestion.author_id)
            .outerjoin(Department, Department.id == Suggestion.department_id)
            .outerjoin(Workshop, Workshop.id == Suggestion.workshop_id))


def list_rows_statement(user, filters: ListFilters):
    """The list's one query with its display columns (the export and the review queue use it too)."""
    return filtered_statement(user, filters, _list_columns(user))


def _narrow_statement(user, filters: ListFilters):
    """The ids of the rows the user sees, filtered: keyset_page picks a page of them."""
    return filtered_statement(user, filters, select(Suggestion.id))


# What a list row shows or a per-row check reads (templates/suggestions/index.html, rows.list_look, the sort keys):
# the long texts (problem, proposal, benefit) and the scores stay in the database.
LIST_ROW_FIELDS = (Suggestion.id, Suggestion.serial, Suggestion.title, Suggestion.category, Suggestion.grade,
                   Suggestion.status, Suggestion.author_id, Suggestion.department_id, Suggestion.workshop_id,
                   Suggestion.year, Suggestion.created_at, Suggestion.updated_at, Suggestion.listed_at,
                   Suggestion.submitted_at, Suggestion.endorsement_count)


def _dressing(user):
    """How to add the display columns to a page of ids (keyset_page's rows_for)."""
    def rows_for(page_ids):
        return (_list_columns(user).join(page_ids, page_ids.c.id == Suggestion.id)
                .options(load_only(*LIST_ROW_FIELDS)))

    return rows_for


# The list's page statements, built once per kind of viewer, set of filters and direction (core.pagination).
PAGE_STATEMENTS = PageStatements()


def list_page(user, filters: ListFilters, cursor: str | None = None, before: str | None = None) -> Page:
    """One page of the list as the user sees it (rows of list_rows_statement's columns), with its capped count.

    The statements are built for a ViewerParameters stand-in, so they are shared by every viewer of the
    same shape and filters; a text search is planned per request, so its statements are built every time.
    """
    viewer = ViewerParameters(user)
    columns, descending = SORTS[filters.sort]
    # A common search term with no other filter: the index probe already proved there are more than the cap.
    # Only for a whole-tree admin: the probe counts every suggestion, not just the ones the viewer may see.
    over_cap = (filters.search is not None and filters.search.over_cap and filters.text_only
                and sees_everything(user))
    key = ("suggestions.list", viewer.shape, filters.shape()) if filters.search is None else None
    page = keyset_page(lambda: _narrow_statement(viewer, filters), list(columns), descending=descending,
                       cursor=cursor, before=before, count=not over_cap, scalars=False, rows_for=_dressing(viewer),
                       reuse=Reuse(viewer.params, PAGE_STATEMENTS, key), count_in_order=filters.walks_list_index)
    if over_cap:
        page.total, page.total_capped = COUNT_CAP, True
    return page


def export_rows(user, filters: ListFilters, limit: int):
    """The filtered list for a spreadsheet, streamed in the chosen order (at most `limit` rows), is_mine marked."""
    stmt = list_rows_statement(user, filters).order_by(*filters.order).limit(limit)
    for row in db.session.execute(stmt.execution_options(yield_per=500)):
        row[0].viewer_participant = bool(row.is_mine)
        row[0].viewer_in_scope = bool(row.in_scope)
        yield row


def is_filler_pair(pair: str) -> bool:
    """Whether a two-character piece of a title carries no meaning of its own (see PARTICLES)."""
    return any(char in PARTICLES for char in pair) or all(char in PARTICLES | WEAK_FILLERS for char in pair)


def title_pieces(text: str) -> list[str]:
    """The two-character pieces of a title the duplicate hint compares, in order, without filler pieces."""
    compact = re.sub(r"\s+", "", text)
    if len(compact) < 2:
        return [compact] if compact else []
    pairs = (compact[i:i + 2] for i in range(len(compact) - 1))
    return list(dict.fromkeys(pair for pair in pairs if not is_filler_pair(pair)))


def similar_suggestions(title: str, user, exclude_id: int | None = None, limit: int = 5) -> list[Suggestion]:
    """The duplicate hint: up to `limit` visible suggestions whose titles share the most two-character pieces
    with `title` (Chinese has no spaces to split words on). Bounded: a few LIKE terms over the newest
    search.RECENT_WINDOW suggestions, at most SIMILAR_CANDIDATES candidates."""
    title = title.strip()[:TITLE_MAX]
    grams = title_pieces(title)
    if len(title) < 2 or not grams:
        return []
    # A few pieces, looked up among the newest suggestions only: one small query however large the table.
    condition = or_(*(search.like_condition(gram, title_only=True) for gram in grams[:SIMILAR_PROBES]))
    stmt = (select(Suggestion).where(condition, search.recent_window_condition(), visible_clause(user),
                                     Suggestion.status != "withdrawn")
            .order_by(Suggestion.listed_at.desc()).limit(SIMILAR_CANDIDATES))
    if exclude_id:
        stmt = stmt.where(Suggestion.id != exclude_id)
    wanted = set(grams)
    scored = []
    for suggestion in db.session.scalars(stmt):
        theirs = set(title_pieces(suggestion.title))
        overlap = len(wanted & theirs) / max(1, len(wanted | theirs))
        scored.append((overlap, suggestion.listed_at, suggestion))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [suggestion for score, _listed, suggestion in scored[:limit] if score > 0]
