"""Business rules of suggestions: the status machine, who may do what, serial numbers, search, reviews and rewards.

Every function here only flushes; the view commits once. A refusal is a DomainError carrying a Chinese message id.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, url_for
from sqlalchemy import and_, false, func, literal, or_, select, update
from sqlalchemy.orm import selectinload

from blueprints.core import audit, counters
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Role, User
from blueprints.core.notify import notify, notify_many
from blueprints.core.people import resolve_people
from blueprints.core.settings import get_setting, register
from blueprints.core.types import FEN, utcnow
from blueprints.core.uploads import CheckedUpload, delete_stored, store
from blueprints.suggestions import search
from blueprints.suggestions.labels import ACTION_LABELS, RUBRIC, STATUS_LABELS
from blueprints.suggestions.models import (
    BENEFIT_MAX,
    CATEGORIES,
    COMMENT_MAX,
    GRADES,
    MAX_ATTACHMENTS,
    MAX_COAUTHORS,
    PROBLEM_MAX,
    PROPOSAL_MAX,
    SERIAL_SERIES,
    TITLE_MAX,
    AnswerTemplate,
    ReviewerNote,
    RewardShare,
    Suggestion,
    SuggestionAttachment,
    SuggestionCoauthor,
    SuggestionComment,
    SuggestionEndorsement,
    SuggestionEvent,
)
from blueprints.workshops.models import Workshop
from blueprints.workshops.queries import led_workshop_ids, reviewer_ids
from extensions import db

# --- Settings (edited by admins at /admin/settings) ---------------------------------------------------------

BLIND_REVIEW = "suggestions.blind_review"
REWARD_SETTING = {grade: f"suggestions.reward_{grade}" for grade in GRADES}
REWARD_DEFAULTS = {"first": 2000, "second": 1000, "third": 500, "excellence": 200}  # yuan, whole amounts
register(BLIND_REVIEW, False, N_("五小建议盲审：审核人在作出决定前看不到作者姓名和部门"), bool)
register(REWARD_SETTING["first"], REWARD_DEFAULTS["first"], N_("五小建议一等奖奖金（元）"), int)
register(REWARD_SETTING["second"], REWARD_DEFAULTS["second"], N_("五小建议二等奖奖金（元）"), int)
register(REWARD_SETTING["third"], REWARD_DEFAULTS["third"], N_("五小建议三等奖奖金（元）"), int)
register(REWARD_SETTING["excellence"], REWARD_DEFAULTS["excellence"], N_("五小建议优秀奖奖金（元）"), int)

# --- The status machine, written once -------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """An allowed move: from any of `sources` to `target`, made by the author, a reviewer or an admin."""

    action: str
    sources: tuple[str, ...]
    target: str
    actor: str  # "author" | "reviewer" | "admin"


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", ("draft",), "submitted", "author"),
    Transition("resubmit", ("returned",), "submitted", "author"),
    Transition("accept", ("submitted",), "accepted", "reviewer"),
    Transition("return", ("submitted",), "returned", "reviewer"),
    Transition("reject", ("submitted",), "rejected", "reviewer"),
    Transition("implement", ("accepted",), "implemented", "reviewer"),
    Transition("award", ("implemented",), "awarded", "admin"),
    Transition("withdraw", ("draft", "submitted", "returned"), "withdrawn", "author"),
)}
EDITABLE = ("draft", "returned")
REASSIGNABLE = ("submitted", "returned")
ENDORSABLE = ("submitted", "accepted", "implemented", "awarded")
ADOPTED = ("accepted", "implemented", "awarded")
DECISIONS = ("accept", "return", "reject", "implement")  # what a reviewer does from the queue

# Notification to the author (and co-authors) after each transition; msgids are translated for each reader.
TRANSITION_MESSAGES = {
    "submit": N_("建议《%(title)s》已提交，编号 %(serial)s，等待审核。"),
    "resubmit": N_("建议 %(serial)s《%(title)s》已重新提交，等待审核。"),
    "accept": N_("建议 %(serial)s《%(title)s》已被采纳，评分 %(total)s 分。"),
    "return": N_("建议 %(serial)s《%(title)s》被退回修改：%(comment)s"),
    "reject": N_("建议 %(serial)s《%(title)s》未被采纳：%(comment)s"),
    "implement": N_("建议 %(serial)s《%(title)s》已标记为实施。"),
    "withdraw": N_("建议《%(title)s》已撤回。"),
}
AWARD_MESSAGES = {
    "first": N_("建议 %(serial)s《%(title)s》荣获一等奖，奖金 %(amount)s 元。"),
    "second": N_("建议 %(serial)s《%(title)s》荣获二等奖，奖金 %(amount)s 元。"),
    "third": N_("建议 %(serial)s《%(title)s》荣获三等奖，奖金 %(amount)s 元。"),
    "excellence": N_("建议 %(serial)s《%(title)s》荣获优秀奖，奖金 %(amount)s 元。"),
}
ARRIVAL_MESSAGE = N_("新建议待审核：%(serial)s《%(title)s》")

# Suggested grade from the rubric total: the first threshold reached wins.
GRADE_THRESHOLDS = ((90, "first"), (80, "second"), (70, "third"), (60, "excellence"))
SHARE_TOTAL = 10000  # shares are kept in hundredths of a percent
MAX_REWARD = Decimal("1000000")
MAX_BENEFIT = Decimal("10000000000")
SERIAL_PATTERN = re.compile(r"^WX-(\d{4})-(\d+)$", re.I)


# --- Who may do what --------------------------------------------------------------------------------------------


def reviewed_workshop_ids(user) -> frozenset[int]:
    """Approved workshops whose suggestions this user reviews (active lead or deputy); cached for the request."""
    if user is None or not getattr(user, "is_authenticated", True):
        return frozenset()
    cache = g.setdefault("_reviewed_workshops", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(led_workshop_ids(user.id))
    return cache[user.id]


def reviewed_workshops(user) -> list[tuple[int, str]]:
    """(id, name) of the approved workshops the user reviews, in one query that also fills the cache above (the
    same rule as workshops.queries.led_workshop_ids: an active lead or deputy of an approved workshop)."""
    from blueprints.workshops.models import WorkshopMember

    rows = [tuple(r) for r in db.session.execute(
        select(Workshop.id, Workshop.name).join(WorkshopMember, WorkshopMember.workshop_id == Workshop.id)
        .where(WorkshopMember.user_id == user.id, WorkshopMember.status == "active",
               WorkshopMember.role.in_(("lead", "deputy")), Workshop.status == "approved")
        .order_by(Workshop.name))]
    if has_request_context():
        g.setdefault("_reviewed_workshops", {})[user.id] = frozenset(wid for wid, _ in rows)
    return rows


def is_review_user(user) -> bool:
    """Whether the user has a review queue at all: an admin, or a lead/deputy of an approved workshop."""
    return user.has_role("admin") or bool(reviewed_workshop_ids(user))


def is_participant(user, suggestion: Suggestion) -> bool:
    """The user is the author or a co-author (co-authors must be loaded, or `viewer_participant` set by a list)."""
    if user is None:
        return False
    if suggestion.author_id == user.id:
        return True
    if suggestion.viewer_participant is not None:
        return bool(suggestion.viewer_participant)
    return any(c.user_id == user.id for c in suggestion.coauthors)


def reviews_workshop(user, workshop_id: int | None) -> bool:
    """Admins review everything (including suggestions without a workshop); leads and deputies their workshops."""
    if user.has_role("admin"):
        return True
    return workshop_id is not None and workshop_id in reviewed_workshop_ids(user)


def is_reviewer(user, suggestion: Suggestion) -> bool:
    """May review this suggestion: reviews its workshop and is not one of its authors (no one judges their own)."""
    return (not suggestion.is_private and reviews_workshop(user, suggestion.workshop_id)
            and not is_participant(user, suggestion))


def can_view(user, suggestion: Suggestion) -> bool:
    """Everyone sees a suggestion once it was submitted; before that only its author and co-authors."""
    return not suggestion.is_private or is_participant(user, suggestion)


def can(user, action: str, suggestion: Suggestion) -> bool:
    """Whether `user` may make the transition `action` on `suggestion` now (asks the TRANSITIONS table)."""
    transition = TRANSITIONS.get(action)
    if transition is None or suggestion.status not in transition.sources:
        return False
    if transition.actor == "author":
        return user.id == suggestion.author_id
    if transition.actor == "reviewer":
        return is_reviewer(user, suggestion)
    return user.has_role("admin") and not is_participant(user, suggestion)


def can_edit(user, suggestion: Suggestion) -> bool:
    """Only the author edits, and only while the suggestion is a draft or was returned."""
    return suggestion.status in EDITABLE and user.id == suggestion.author_id


def can_reassign(user, suggestion: Suggestion) -> bool:
    """Admins send a suggestion that waits for review to another workshop (or to the union)."""
    return user.has_role("admin") and suggestion.status in REASSIGNABLE


def can_endorse(user, suggestion: Suggestion) -> bool:
    """Colleagues +1 a submitted or adopted suggestion; its own authors cannot."""
    return suggestion.status in ENDORSABLE and not is_participant(user, suggestion)


def can_comment(user, suggestion: Suggestion) -> bool:
    """Anyone who can see a submitted suggestion can comment, until it is withdrawn."""
    return not suggestion.is_private and suggestion.status != "withdrawn"


def can_see_notes(user, suggestion: Suggestion) -> bool:
    """Private reviewer notes are for the suggestion's reviewers only, never its authors."""
    return is_reviewer(user, suggestion)


def can_see_reward(user, suggestion: Suggestion) -> bool:
    """Reward amounts and shares: the people rewarded and the union admins."""
    return is_participant(user, suggestion) or user.has_role("admin")


def blind_review() -> bool:
    """Whether the blind-review setting is on."""
    return bool(get_setting(BLIND_REVIEW))


def identity_hidden(user, suggestion: Suggestion) -> bool:
    """Blind review: a reviewer sees no author, co-author or department while the suggestion waits for a decision."""
    if suggestion.status != "submitted" or not blind_review():
        return False
    return reviews_workshop(user, suggestion.workshop_id) and not is_participant(user, suggestion)


def allowed_actions(user, suggestion: Suggestion) -> list[str]:
    """The transitions the user may make now, in the table's order (for buttons)."""
    return [action for action in TRANSITIONS if can(user, action, suggestion)]


# --- Loading -------------------------------------------------------------------------------------------------------


def load_for_page(suggestion_id: int) -> Suggestion | None:
    """A suggestion with everything its detail page shows about people and files, in a fixed number of queries."""
    stmt = (select(Suggestion).where(Suggestion.id == suggestion_id)
            .options(selectinload(Suggestion.author),
                     selectinload(Suggestion.department),
                     selectinload(Suggestion.coauthors).selectinload(SuggestionCoauthor.user),
                     selectinload(Suggestion.attachments).selectinload(SuggestionAttachment.file)))
    return db.session.scalar(stmt)


def load_with_people(suggestion_id: int) -> Suggestion | None:
    """A suggestion with its co-authors loaded (enough for every permission check)."""
    stmt = (select(Suggestion).where(Suggestion.id == suggestion_id)
            .options(selectinload(Suggestion.coauthors)))
    return db.session.scalar(stmt)


def workshop_name(workshop_id: int | None) -> str | None:
    """The name of a workshop, or None."""
    if workshop_id is None:
        return None
    return db.session.scalar(select(Workshop.name).where(Workshop.id == workshop_id))


WORKSHOP_FILTER_CAP = 300


def filter_options(department_id: int | None = None, workshop: str | None = None
                   ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The list's filter choices in one query: the top of the department tree (capped, indented) and approved
    workshops by name (the first WORKSHOP_FILTER_CAP), each with the one currently filtered on."""
    from sqlalchemy import union_all

    from blueprints.core.people import filter_departments_select, indented_tree

    departments = filter_departments_select(department_id).subquery()
    rows = db.session.execute(union_all(
        select(literal("d").label("kind"), departments.c.id, departments.c.name, departments.c.code,
               departments.c.parent_id, departments.c.depth),
        select(literal("w").label("kind"), Workshop.id, Workshop.name, Workshop.name, literal(None), literal(0))
        .where(_workshop_filter_shown(workshop)))).all()
    ordered = indented_tree(r for r in rows if r.kind == "d")
    workshops = sorted(((r.id, r.name) for r in rows if r.kind == "w"), key=lambda item: item[1])
    return ordered, workshops


def _workshop_filter_shown(workshop: str | None):
    """Approved workshops for a filter box: the first WORKSHOP_FILTER_CAP by name, and the one filtered on."""
    first = (select(Workshop.id).where(Workshop.status == "approved").order_by(Workshop.name)
             .limit(WORKSHOP_FILTER_CAP))
    shown = Workshop.id.in_(first.scalar_subquery())
    if workshop and str(workshop).isdigit():
        shown = or_(shown, Workshop.id == int(workshop))
    return and_(Workshop.status == "approved", shown)


def workshop_filter_choices(workshop: str | None = None) -> list[tuple[int, str]]:
    """(id, name) for a workshop filter box, capped like the department box (see _workshop_filter_shown)."""
    return [tuple(row) for row in db.session.execute(
        select(Workshop.id, Workshop.name).where(_workshop_filter_shown(workshop)).order_by(Workshop.name))]


def approved_workshops() -> list[tuple[int, str]]:
    """(id, name) of every approved workshop, by name: the ones that can receive suggestions."""
    return [tuple(row) for row in db.session.execute(
        select(Workshop.id, Workshop.name).where(Workshop.status == "approved").order_by(Workshop.name))]


def detail_link(suggestion: Suggestion) -> str:
    """The detail page's path (also outside a request, e.g. in the demo seeder)."""
    if has_request_context():
        return url_for("suggestions.detail", suggestion_id=suggestion.id)
    return f"/suggestions/{suggestion.id}"


# --- Serial numbers ------------------------------------------------------------------------------------------------


def local_today() -> date:
    """Today's date in the configured time zone (what "today" means to the people using the portal)."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def competition_year(moment: datetime | None = None) -> int:
    """The calendar year of a moment in the configured time zone (a submission at 00:30 on 1 January counts for
    the new year in Shanghai, although it is still the old year in UTC)."""
    moment = moment or utcnow()
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).year


def _dialect_insert(model):
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def allocate_serial(year: int) -> str:
    """Hand out the next WX-<year>-<sequence> from the year's counter (rolled back with a failed submission)."""
    (value,) = counters.reserve(SERIAL_SERIES, year)
    return f"WX-{year}-{value:04d}"


# --- Search ----------------------------------------------------------------------------------------------------------


def visible_clause(user):
    """SQL for "the user may see it": submitted once, or theirs (as author or co-author)."""
    own_coauthored = select(SuggestionCoauthor.suggestion_id).where(SuggestionCoauthor.user_id == user.id)
    return or_(Suggestion.serial.is_not(None), Suggestion.author_id == user.id,
               Suggestion.id.in_(own_coauthored))


def participant_expression(user):
    """SQL boolean: the user is the author or a co-author of the row's suggestion (for lists, no N+1)."""
    coauthor = (select(literal(1)).where(SuggestionCoauthor.suggestion_id == Suggestion.id,
                                         SuggestionCoauthor.user_id == user.id).exists())
    return or_(Suggestion.author_id == user.id, coauthor)


def _bigrams(text: str) -> list[str]:
    compact = re.sub(r"\s+", "", text)
    if len(compact) < 2:
        return [compact] if compact else []
    return list(dict.fromkeys(compact[i:i + 2] for i in range(len(compact) - 1)))


def similar_suggestions(title: str, user, exclude_id: int | None = None, limit: int = 5) -> list[Suggestion]:
    """The duplicate hint: up to `limit` visible suggestions whose titles share the most two-character pieces
    with `title` (Chinese has no spaces to split words on). Bounded: a few LIKE terms over the newest
    search.RECENT_WINDOW suggestions, at most 50 candidates."""
    title = title.strip()[:TITLE_MAX]
    grams = _bigrams(title)
    if len(title) < 2 or not grams:
        return []
    # At most eight pieces, looked up among the newest suggestions only: one small query however large the table.
    probes = grams[:8]
    condition = or_(*(search.like_condition(gram, title_only=True) for gram in probes))
    stmt = (select(Suggestion).where(condition, search.recent_window_condition(), visible_clause(user),
                                     Suggestion.status != "withdrawn")
            .order_by(Suggestion.listed_at.desc()).limit(50))
    if exclude_id:
        stmt = stmt.where(Suggestion.id != exclude_id)
    wanted = set(grams)
    scored = []
    for suggestion in db.session.scalars(stmt):
        theirs = set(_bigrams(suggestion.title))
        overlap = len(wanted & theirs) / max(1, len(wanted | theirs))
        scored.append((overlap, suggestion.listed_at, suggestion))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [s for score, _, s in scored[:limit] if score > 0]


# --- Lists --------------------------------------------------------------------------------------------------------


SORTS = {
    # key: (columns, descending)
    "new": ((Suggestion.listed_at, Suggestion.id), True),
    "old": ((Suggestion.listed_at, Suggestion.id), False),
    "endorsed": ((Suggestion.endorsement_count, Suggestion.id), True),
    "updated": ((Suggestion.updated_at, Suggestion.id), True),
}


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

    @property
    def search(self) -> search.TextSearch | None:
        """The text search planned once per request (planning may probe the index)."""
        if not self._planned:
            self._search = search.plan(self.q)
            self._planned = True
        return self._search

    @property
    def text_only(self) -> bool:
        """True when the search box is the only filter, so the index probe alone tells the count."""
        return not (self.category or self.status or self.department_id or self.workshop or self.year or self.mine)


def filtered_statement(user, filters: ListFilters, base=None):
    """Apply the filters to `base` (a select of Suggestion joined as needed); only rows the user may see."""
    from blueprints.core.models import Department

    stmt = base if base is not None else select(Suggestion)
    stmt = stmt.where(visible_clause(user))
    if filters.search is not None:
        stmt = stmt.where(filters.search.condition)
    if filters.category in CATEGORIES:
        stmt = stmt.where(Suggestion.category == filters.category)
    if filters.status in STATUS_LABELS:
        stmt = stmt.where(Suggestion.status == filters.status)
    if filters.department_id:
        root_path = select(Department.path).where(Department.id == filters.department_id).scalar_subquery()
        subtree = select(Department.id).where(Department.path.startswith(root_path))
        stmt = stmt.where(Suggestion.department_id.in_(subtree))
    if filters.workshop == "none":
        stmt = stmt.where(Suggestion.workshop_id.is_(None))
    elif filters.workshop and filters.workshop.isdigit():
        stmt = stmt.where(Suggestion.workshop_id == int(filters.workshop))
    if filters.year:
        stmt = stmt.where(Suggestion.year == filters.year)
    if filters.mine:
        stmt = stmt.where(participant_expression(user))
    return stmt


def _list_columns(user):
    """Suggestion, author name, department name, workshop name, whether it is the user's: one row per line."""
    from blueprints.core.models import Department

    return (select(Suggestion, User.name.label("author_name"), Department.name.label("department_name"),
                   Workshop.name.label("workshop_name"), participant_expression(user).label("is_mine"))
            .join(User, User.id == Suggestion.author_id)
            .outerjoin(Department, Department.id == Suggestion.department_id)
            .outerjoin(Workshop, Workshop.id == Suggestion.workshop_id))


def list_rows_statement(user, filters: ListFilters):
    """The list's one query with its display columns (the export streams it)."""
    return filtered_statement(user, filters, _list_columns(user))


def list_page_statements(user, filters: ListFilters):
    """For keyset_page: the narrow statement that picks a page of ids, and how to dress those ids for display."""
    narrow = filtered_statement(user, filters, select(Suggestion.id))

    def rows_for(page_ids):
        return _list_columns(user).join(page_ids, page_ids.c.id == Suggestion.id)

    return narrow, rows_for


def mark_participation(rows) -> None:
    """Copy the list query's is_mine column onto each suggestion, so permission checks need no extra query."""
    for row in rows:
        row[0].viewer_participant = bool(row.is_mine)


# --- Creating and editing --------------------------------------------------------------------------------------------


@dataclass
class SuggestionInput:
    """What the author typed in the form."""

    title: str
    category: str
    problem: str = ""
    proposal: str = ""
    expected_benefit: str = ""
    workshop_id: int | None = None
    coauthor_nos: Sequence[str] = ()
    client_token: str | None = None


def _check_text(data: SuggestionInput) -> None:
    if not data.title.strip():
        raise DomainError(N_("请填写标题。"), field="title")
    limits = (("title", TITLE_MAX), ("problem", PROBLEM_MAX), ("proposal", PROPOSAL_MAX),
              ("expected_benefit", BENEFIT_MAX))
    for name, limit in limits:
        if len(getattr(data, name) or "") > limit:
            raise DomainError(N_("内容过长：最多 %(n)s 个字。"), field=name, n=limit)
    if data.category not in CATEGORIES:
        raise DomainError(N_("请选择类别。"), field="category")


def check_complete(suggestion: Suggestion) -> None:
    """A suggestion needs its problem, proposal and expected benefit before it can be submitted."""
    for name, message in (("problem", N_("提交前请填写现状与问题。")),
                          ("proposal", N_("提交前请填写改进措施。")),
                          ("expected_benefit", N_("提交前请填写预期效益。"))):
        if not (getattr(suggestion, name) or "").strip():
            raise DomainError(message, field=name)


def _check_workshop(workshop_id: int | None) -> None:
    if workshop_id is None:
        return
    status = db.session.scalar(select(Workshop.status).where(Workshop.id == workshop_id))
    if status != "approved":
        raise DomainError(N_("只有已批准的创新工作室可以接收建议，请重新选择。"), field="workshop_id")


def resolve_coauthors(author, employee_nos: Sequence[str]) -> list[User]:
    """Co-authors by 工号: at most five, all existing and active, and not the author."""
    nos = list(dict.fromkeys(no.strip() for no in employee_nos if no.strip()))
    if len(nos) > MAX_COAUTHORS:
        raise DomainError(N_("合作者最多 %(n)s 人。"), field="coauthors", n=MAX_COAUTHORS)
    users, missing, inactive = resolve_people(nos)
    if missing:
        raise DomainError(N_("找不到这些工号：%(nos)s。"), field="coauthors", nos="、".join(missing))
    if inactive:
        raise DomainError(N_("这些人员的账号已停用，不能作为合作者：%(nos)s。"), field="coauthors",
                          nos="、".join(inactive))
    if any(u.id == author.id for u in users):
        raise DomainError(N_("您是作者，不必再把自己列为合作者。"), field="coauthors")
    return users


def created_from_form(author, client_token: str | None) -> Suggestion | None:
    """The suggestion this author already created from the same opened form (a double submit), if any."""
    if not client_token:
        return None
    return db.session.scalar(select(Suggestion).where(Suggestion.author_id == author.id,
                                                      Suggestion.client_token == client_token))


def save_suggestion(suggestion: Suggestion | None, author, data: SuggestionInput, uploads: Sequence[CheckedUpload],
                    remove_attachment_ids: Iterable[int] = ()) -> Suggestion:
    """Create a draft, or edit a draft or returned suggestion; the author's files are added or removed too."""
    _check_text(data)
    _check_workshop(data.workshop_id)
    coauthors = resolve_coauthors(author, data.coauthor_nos)
    if suggestion is None:
        now = utcnow()
        suggestion = Suggestion(author_id=author.id, department_id=author.department_id, status="draft",
                                year=competition_year(now), created_at=now, listed_at=now, title="",
                                category=data.category, client_token=(data.client_token or None))
        suggestion.coauthors = []
        suggestion.attachments = []
        db.session.add(suggestion)
        created = True
    else:
        if not can_edit(author, suggestion):
            raise DomainError(N_("这条建议当前是“%(status)s”状态，不能修改。"),
                              status=STATUS_LABELS[suggestion.status])
        created = False
    removing = [a for a in suggestion.attachments if a.id in set(remove_attachment_ids)]
    if len(suggestion.attachments) - len(removing) + len(uploads) > MAX_ATTACHMENTS:
        raise DomainError(N_("附件最多 %(n)s 个，请先删除一些再上传。"), field="files", n=MAX_ATTACHMENTS)

    suggestion.title = data.title.strip()
    suggestion.category = data.category
    suggestion.problem = data.problem.strip()
    suggestion.proposal = data.proposal.strip()
    suggestion.expected_benefit = data.expected_benefit.strip()
    suggestion.workshop_id = data.workshop_id
    _set_coauthors(suggestion, coauthors)
    for attachment in removing:
        suggestion.attachments.remove(attachment)
        delete_stored(attachment.file)
    for upload in uploads:
        stored = store(upload, author.id)
        suggestion.attachments.append(SuggestionAttachment(file=stored))
    db.session.flush()
    if created:
        _event(suggestion, author, "create", None, "draft")
        audit.record("suggestion.created", target=suggestion, actor=author, detail=suggestion.title)
    else:
        audit.record("suggestion.edited", target=suggestion, actor=author,
                     detail=f"removed={len(removing)} added={len(uploads)}")
    return suggestion


def _set_coauthors(suggestion: Suggestion, users: Sequence[User]) -> None:
    wanted = [u.id for u in users]
    keep = {c.user_id: c for c in suggestion.coauthors if c.user_id in wanted}
    for coauthor in list(suggestion.coauthors):
        if coauthor.user_id not in keep:
            suggestion.coauthors.remove(coauthor)
    for position, user_id in enumerate(wanted):
        if user_id in keep:
            keep[user_id].position = position
        else:
            suggestion.coauthors.append(SuggestionCoauthor(user_id=user_id, position=position))


# --- Transitions -----------------------------------------------------------------------------------------------------


def _event(suggestion: Suggestion, actor, action: str, from_status: str | None, to_status: str,
           comment: str = "") -> SuggestionEvent:
    event = SuggestionEvent(suggestion_id=suggestion.id, actor_id=actor.id if actor else None, action=action,
                            from_status=from_status, to_status=to_status, comment=comment or "")
    db.session.add(event)
    return event


def _refuse_state(suggestion: Suggestion, action: str) -> DomainError:
    return DomainError(N_("这条建议当前是“%(status)s”状态，不能%(action)s。"),
                       status=STATUS_LABELS[suggestion.status], action=ACTION_LABELS[action])


def transition(suggestion: Suggestion, action: str, actor, comment: str = "", **values) -> None:
    """Make one move of the status machine: check it, change the row atomically, record, audit and notify.

    The row changes with `UPDATE … WHERE status = <the status we saw>`: if someone else moved it meanwhile (two
    reviewers, a double click), nothing changes and the caller gets a clear refusal instead of a silent overwrite.
    """
    rule = TRANSITIONS[action]
    if not can(actor, action, suggestion):
        if suggestion.status not in rule.sources:
            raise _refuse_state(suggestion, action)
        raise DomainError(N_("您没有权限对这条建议执行“%(action)s”。"), action=ACTION_LABELS[action])
    from_status = suggestion.status
    now = utcnow()
    values = {"status": rule.target, "updated_at": now, **values}
    result = db.session.execute(
        update(Suggestion).where(Suggestion.id == suggestion.id, Suggestion.status == from_status)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(suggestion)
        raise DomainError(N_("这条建议的状态刚刚被别人改变了，请刷新页面查看最新情况。"))
    from sqlalchemy.orm.attributes import set_committed_value

    for key, value in values.items():
        set_committed_value(suggestion, key, value)
    _event(suggestion, actor, action, from_status, rule.target, comment)
    audit.record(f"suggestion.{action}", target=suggestion, actor=actor,
                 detail=f"{suggestion.serial or ''} {from_status}->{rule.target} {comment}".strip())
    _notify_people(suggestion, action, actor, comment)


def _people_ids(suggestion: Suggestion) -> list[int]:
    return [suggestion.author_id] + [c.user_id for c in suggestion.coauthors]


def _notify_people(suggestion: Suggestion, action: str, actor, comment: str) -> None:
    params = {"serial": suggestion.serial or "", "title": suggestion.title, "comment": comment or "—",
              "total": suggestion.score_total if suggestion.score_total is not None else ""}
    if action == "award":
        message = AWARD_MESSAGES[suggestion.grade]
        params["amount"] = f"{suggestion.reward_amount:,.2f}"  # thousands separated, like money on the pages
    else:
        message = TRANSITION_MESSAGES[action]
    # The author always hears (a submission receipt carries the serial); co-authors hear what others did.
    recipients = [suggestion.author_id] + [c.user_id for c in suggestion.coauthors if c.user_id != actor.id]
    notify_many(recipients, message, link=detail_link(suggestion), **params)


def _reviewers_of(workshop_id: int | None) -> list[int]:
    ids = reviewer_ids(workshop_id) if workshop_id is not None else []
    if not ids:
        # The union reviews suggestions without a workshop, and those whose workshop has no reviewer left.
        ids = list(db.session.scalars(select(User.id).where(
            User.role_mask.op("&")(int(Role.ADMIN)) != 0, User.active.is_(True))))
    return ids


def _notify_reviewers(suggestion: Suggestion, exclude: Iterable[int] = ()) -> None:
    skip = set(exclude) | set(_people_ids(suggestion))
    ids = [uid for uid in _reviewers_of(suggestion.workshop_id) if uid not in skip]
    notify_many(ids, ARRIVAL_MESSAGE, link=detail_link(suggestion), serial=suggestion.serial, title=suggestion.title)


def submit(suggestion: Suggestion, actor) -> None:
    """Submit a draft (it gets its serial number now) or resubmit a returned suggestion; reviewers are told."""
    action = "resubmit" if suggestion.status == "returned" else "submit"
    if not can(actor, action, suggestion):
        if suggestion.status not in ("draft", "returned"):
            raise _refuse_state(suggestion, "submit")
        raise DomainError(N_("只有作者本人可以提交这条建议。"))
    check_complete(suggestion)
    _check_workshop(suggestion.workshop_id)
    values = {}
    if action == "submit":
        now = utcnow()
        year = competition_year(now)
        values = {"serial": allocate_serial(year), "year": year, "submitted_at": now, "listed_at": now,
                  "department_id": actor.department_id}
    transition(suggestion, action, actor, **values)
    _notify_reviewers(suggestion)


def withdraw(suggestion: Suggestion, actor, comment: str = "") -> None:
    """The author takes the suggestion back (from draft, submitted or returned); its serial is never reused."""
    transition(suggestion, "withdraw", actor, comment=comment.strip()[:COMMENT_MAX])


def _clean_comment(comment: str | None, required_message: str | None = None, field_name: str = "comment") -> str:
    text = (comment or "").strip()
    if required_message and not text:
        raise DomainError(required_message, field=field_name)
    if len(text) > COMMENT_MAX:
        raise DomainError(N_("内容过长：最多 %(n)s 个字。"), field=field_name, n=COMMENT_MAX)
    return text


def check_scores(scores: dict[str, int | None]) -> dict[str, int]:
    """Every rubric score present and within its range; returns them with the total."""
    checked = {}
    for name, label, maximum in RUBRIC:
        value = scores.get(name)
        if value is None:
            raise DomainError(N_("请填写“%(label)s”的评分。"), field=name, label=label)
        if not 0 <= int(value) <= maximum:
            raise DomainError(N_("“%(label)s”的评分必须在 0 到 %(max)s 之间。"), field=name, label=label,
                              max=maximum)
        checked[name] = int(value)
    checked["score_total"] = sum(checked.values())
    return checked


def accept(suggestion: Suggestion, actor, scores: dict[str, int | None], comment: str = "") -> None:
    """Adopt a suggestion with the rubric scores (the total is computed here, never typed)."""
    values = check_scores(scores)
    text = _clean_comment(comment)
    transition(suggestion, "accept", actor, comment=text, decided_at=utcnow(), **values)


def return_for_changes(suggestion: Suggestion, actor, comment: str) -> None:
    """Send a suggestion back to its author with a comment saying what to change."""
    text = _clean_comment(comment, N_("退回时请写明需要修改的地方。"))
    transition(suggestion, "return", actor, comment=text)


def reject(suggestion: Suggestion, actor, reason: str) -> None:
    """Decline a suggestion, with the reason the author will read."""
    text = _clean_comment(reason, N_("不予采纳时请写明理由。"))
    transition(suggestion, "reject", actor, comment=text, decided_at=utcnow())


def parse_money(raw, field_name: str, maximum: Decimal) -> Decimal:
    """A yuan amount typed by a person: a non-negative decimal with at most two places, below `maximum`."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw or "").strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        if not text:
            raise DomainError(N_("请填写金额。"), field=field_name)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise DomainError(N_("请填写有效的金额，例如 12000.50。"), field=field_name) from None
    if not value.is_finite():
        raise DomainError(N_("请填写有效的金额，例如 12000.50。"), field=field_name)
    if value < 0:
        raise DomainError(N_("金额不能为负数。"), field=field_name)
    if value >= maximum:  # before quantize, which cannot hold 1E+30 to the fen
        raise DomainError(N_("金额过大，请核对。"), field=field_name)
    if value != value.quantize(FEN):
        raise DomainError(N_("金额最多保留两位小数（到分）。"), field=field_name)
    return value.quantize(FEN)


def implement(suggestion: Suggestion, actor, implemented_on: date | None, annual_benefit, comment: str = "") -> None:
    """Record that an adopted suggestion was put into practice, with the date and the annual benefit in yuan."""
    if implemented_on is None:
        raise DomainError(N_("请填写实施日期。"), field="implemented_on")
    if implemented_on > local_today():
        raise DomainError(N_("实施日期不能晚于今天。"), field="implemented_on")
    benefit = parse_money(annual_benefit, "annual_benefit", MAX_BENEFIT)
    text = _clean_comment(comment)
    transition(suggestion, "implement", actor, comment=text, implemented_on=implemented_on, annual_benefit=benefit)


def reassign(suggestion: Suggestion, actor, workshop_id: int | None) -> None:
    """Admins send a waiting suggestion to another approved workshop (or to the union); its new reviewers hear."""
    if not can_reassign(actor, suggestion):
        raise _refuse_state(suggestion, "reassign")
    if workshop_id == suggestion.workshop_id:
        raise DomainError(N_("这条建议已经由该工作室审核。"), field="workshop_id")
    _check_workshop(workshop_id)
    old = suggestion.workshop_id
    suggestion.workshop_id = workshop_id
    name = workshop_name(workshop_id)
    _event(suggestion, actor, "reassign", suggestion.status, suggestion.status,
           comment=name or "")
    audit.record("suggestion.reassign", target=suggestion, actor=actor, detail=f"workshop {old} -> {workshop_id}")
    db.session.flush()
    if name:
        notify(suggestion.author_id, N_("建议 %(serial)s《%(title)s》已改由“%(workshop)s”审核。"),
               link=detail_link(suggestion), serial=suggestion.serial, title=suggestion.title, workshop=name)
    else:
        notify(suggestion.author_id, N_("建议 %(serial)s《%(title)s》已改由工会直接审核。"),
               link=detail_link(suggestion), serial=suggestion.serial, title=suggestion.title)
    if suggestion.status == "submitted":
        _notify_reviewers(suggestion, exclude=[actor.id])


# --- Awards and the reward ledger ------------------------------------------------------------------------------------


def suggested_grade(total: int | None) -> str | None:
    """The grade the rubric total suggests: ≥90 first, ≥80 second, ≥70 third, ≥60 excellence, else none."""
    if total is None:
        return None
    for threshold, grade in GRADE_THRESHOLDS:
        if total >= threshold:
            return grade
    return None


def reward_for(grade: str) -> Decimal:
    """The reward of a grade in yuan, from the settings."""
    return Decimal(int(get_setting(REWARD_SETTING[grade]))).quantize(FEN)


def equal_shares(n: int) -> list[int]:
    """n shares in hundredths of a percent summing to 100 %; the leftover goes to the first person (the author)."""
    base = SHARE_TOTAL // n
    shares = [base] * n
    shares[0] += SHARE_TOTAL - base * n
    return shares


def split_reward(amount: Decimal, shares: Sequence[int]) -> list[Decimal]:
    """Split `amount` by `shares` (hundredths of a percent, summing to 10000) to the fen: every part is rounded
    down and the leftover fen go to the first person (the author), so the parts always add up to the amount."""
    if sum(shares) != SHARE_TOTAL:
        raise ValueError("shares must sum to 10000")
    fen = int((amount * 100).to_integral_value())
    parts = [fen * share // SHARE_TOTAL for share in shares]
    parts[0] += fen - sum(parts)
    return [(Decimal(p) / 100).quantize(FEN) for p in parts]


def parse_share(raw: str | None) -> int:
    """A percentage typed by a person ("33.33") as hundredths of a percent; raises ValueError when not one."""
    text = (raw or "").strip().rstrip("%").strip()
    value = Decimal(text)
    if not value.is_finite() or value < 0 or value > 100 or value != value.quantize(Decimal("0.01"),
                                                                                  rounding=ROUND_DOWN):
        raise ValueError(text)
    return int(value * 100)


def award(suggestion: Suggestion, actor, grade: str, amount, shares: dict[int, int], reason: str = "") -> None:
    """Grade and reward an implemented suggestion and write the ledger lines, one per author and co-author.

    Choosing another grade than the rubric suggests, or another amount than the grade's setting, needs a reason.
    """
    if grade not in GRADES:
        raise DomainError(N_("请选择奖励等级。"), field="grade")
    value = parse_money(amount, "amount", MAX_REWARD)
    if value <= 0:
        raise DomainError(N_("奖金必须大于 0。"), field="amount")
    suggested = suggested_grade(suggestion.score_total)
    text = _clean_comment(reason)
    if (grade != suggested or value != reward_for(grade)) and not text:
        raise DomainError(N_("所选等级或金额与建议值不同，请填写调整理由。"), field="reason")
    people = _people_ids(suggestion)
    if set(shares) != set(people):
        raise DomainError(N_("奖金分配必须包含作者和全部合作者。"), field="shares")
    ordered = [shares[uid] for uid in people]
    if any(s < 0 for s in ordered) or sum(ordered) != SHARE_TOTAL:
        raise DomainError(N_("各人分配比例之和必须正好是 100%%，现在是 %(sum)s%%。"), field="shares",
                          sum=_percent(sum(ordered)))
    amounts = split_reward(value, ordered)
    now = utcnow()
    transition(suggestion, "award", actor, comment=text, grade=grade, suggested_grade=suggested,
               grade_reason=text or None, reward_amount=value, awarded_at=now, awarded_by_id=actor.id)
    db.session.add_all(RewardShare(suggestion_id=suggestion.id, user_id=uid, share_bp=share, amount=part,
                                   approved_by_id=actor.id, status="pending", created_at=now)
                       for uid, share, part in zip(people, ordered, amounts, strict=True))
    audit.record("suggestion.reward_ledger", target=suggestion, actor=actor,
                 detail="; ".join(f"user {uid}: {part}" for uid, part in zip(people, amounts, strict=True)))


def _percent(bp: int) -> str:
    return f"{Decimal(bp) / 100:.2f}".rstrip("0").rstrip(".")


def mark_paid(share_ids: Iterable[int], actor, paid_on: date) -> tuple[int, int]:
    """Mark pending ledger lines paid on `paid_on`; returns (paid now, skipped because already paid or unknown)."""
    ids = list(dict.fromkeys(int(i) for i in share_ids))
    if not ids:
        raise DomainError(N_("请先勾选要标记为已发放的记录。"))
    if paid_on > local_today():
        raise DomainError(N_("发放日期不能晚于今天。"), field="paid_on")
    rows = db.session.execute(
        select(RewardShare.id, RewardShare.user_id, RewardShare.amount, Suggestion.id.label("suggestion_id"),
               Suggestion.serial)
        .join(Suggestion, Suggestion.id == RewardShare.suggestion_id)
        .where(RewardShare.id.in_(ids), RewardShare.status == "pending")).all()
    if not rows:
        return 0, len(ids)
    result = db.session.execute(
        update(RewardShare).where(RewardShare.id.in_([r.id for r in rows]), RewardShare.status == "pending")
        .values(status="paid", paid_on=paid_on, paid_by_id=actor.id).execution_options(synchronize_session=False))
    for row in rows:
        notify(row.user_id, N_("您在建议 %(serial)s 中的奖金 %(amount)s 元已发放。"),
               link=f"/suggestions/{row.suggestion_id}",
               serial=row.serial, amount=f"{row.amount:,.2f}")
    audit.record("suggestion.reward_paid", actor=actor,
                 detail=f"ledger ids {','.join(str(r.id) for r in rows)} paid on {paid_on.isoformat()}")
    return result.rowcount, len(ids) - result.rowcount


# --- Conversation: comments, endorsements, reviewer notes ------------------------------------------------------------


def add_comment(suggestion: Suggestion, actor, body: str) -> SuggestionComment:
    """A public comment; the author hears about it (unless it is theirs)."""
    if not can_comment(actor, suggestion):
        raise DomainError(N_("这条建议现在不能评论。"))
    text = _clean_comment(body, N_("请填写评论内容。"), "body")
    comment = SuggestionComment(suggestion_id=suggestion.id, author_id=actor.id, body=text)
    db.session.add(comment)
    if actor.id != suggestion.author_id:
        notify(suggestion.author_id, N_("%(name)s 评论了您的建议 %(serial)s《%(title)s》。"),
               link=detail_link(suggestion) + "#comments", name=actor.name, serial=suggestion.serial,
               title=suggestion.title)
    return comment


def toggle_endorsement(suggestion: Suggestion, actor) -> bool:
    """+1 or take the +1 back; returns whether the user now endorses it. The count is recounted from the rows, so
    two quick clicks or two tabs can never count a person twice."""
    endorsed = db.session.scalar(select(SuggestionEndorsement.user_id).where(
        SuggestionEndorsement.suggestion_id == suggestion.id, SuggestionEndorsement.user_id == actor.id))
    if endorsed is None:
        if not can_endorse(actor, suggestion):
            raise DomainError(N_("这条建议现在不能点赞。"))
        db.session.execute(_dialect_insert(SuggestionEndorsement)
                           .values(suggestion_id=suggestion.id, user_id=actor.id, created_at=utcnow())
                           .on_conflict_do_nothing())
        now_endorsed = True
    else:
        from sqlalchemy import delete

        db.session.execute(delete(SuggestionEndorsement).where(
            SuggestionEndorsement.suggestion_id == suggestion.id, SuggestionEndorsement.user_id == actor.id))
        now_endorsed = False
    recount = (select(func.count()).select_from(SuggestionEndorsement)
               .where(SuggestionEndorsement.suggestion_id == suggestion.id).scalar_subquery())
    db.session.execute(update(Suggestion).where(Suggestion.id == suggestion.id)
                       .values(endorsement_count=recount).execution_options(synchronize_session=False))
    db.session.expire(suggestion, ["endorsement_count"])
    return now_endorsed


def has_endorsed(suggestion: Suggestion, user) -> bool:
    """Whether the user has +1'd the suggestion."""
    return db.session.scalar(select(SuggestionEndorsement.user_id).where(
        SuggestionEndorsement.suggestion_id == suggestion.id, SuggestionEndorsement.user_id == user.id)) is not None


def add_note(suggestion: Suggestion, actor, body: str) -> ReviewerNote:
    """A private note for the suggestion's reviewers."""
    if not can_see_notes(actor, suggestion):
        raise DomainError(N_("只有这条建议的审核人可以写审核备注。"))
    text = _clean_comment(body, N_("请填写备注内容。"), "body")
    note = ReviewerNote(suggestion_id=suggestion.id, author_id=actor.id, body=text)
    db.session.add(note)
    return note


# --- Answer templates and bulk decisions ------------------------------------------------------------------------------


def templates_for(user, kind: str | None = None) -> list[AnswerTemplate]:
    """The answer templates a reviewer can use: their own and the shared ones."""
    stmt = select(AnswerTemplate).where(or_(AnswerTemplate.owner_id == user.id, AnswerTemplate.shared.is_(True)))
    if kind:
        stmt = stmt.where(AnswerTemplate.kind == kind)
    return list(db.session.scalars(stmt.order_by(AnswerTemplate.kind, AnswerTemplate.title)))


def usable_template(user, template_id: int | None, kind: str) -> AnswerTemplate | None:
    """A template the user may use for `kind`, or None."""
    if not template_id:
        return None
    template = db.session.get(AnswerTemplate, template_id)
    if template is None or template.kind != kind or not (template.shared or template.owner_id == user.id):
        return None
    return template


def create_template(owner, kind: str, title: str, body: str, shared: bool = False) -> AnswerTemplate:
    """Save a standard answer; only admins share one with every reviewer."""
    if kind not in ("return", "reject"):
        raise DomainError(N_("请选择模板用途。"), field="kind")
    title = title.strip()
    if not title:
        raise DomainError(N_("请填写模板名称。"), field="title")
    text = _clean_comment(body, N_("请填写模板内容。"), "body")
    if db.session.scalar(select(AnswerTemplate.id).where(AnswerTemplate.owner_id == owner.id,
                                                         AnswerTemplate.title == title)):
        raise DomainError(N_("您已经有一个叫“%(title)s”的模板了。"), field="title", title=title)
    template = AnswerTemplate(owner_id=owner.id, kind=kind, title=title[:50], body=text,
                              shared=bool(shared and owner.has_role("admin")))
    db.session.add(template)
    return template


def delete_template(template: AnswerTemplate, actor) -> None:
    """Delete a template: its owner may, and admins may delete shared ones."""
    if template.owner_id != actor.id and not (template.shared and actor.has_role("admin")):
        raise DomainError(N_("只能删除自己的模板。"))
    db.session.delete(template)


@dataclass
class BulkResult:
    """What a bulk decision did: serials done, and (serial, reason) skipped."""

    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def bulk_decide(ids: Iterable[int], actor, action: str, template: AnswerTemplate, extra: str = "") -> BulkResult:
    """Return or reject the selected suggestions with one template's text; those that cannot be are skipped with
    the reason, and the rest still go through."""
    if action not in ("return", "reject"):
        raise DomainError(N_("批量操作只能是退回或不予采纳。"), field="action")
    if template is None or template.kind != action:
        raise DomainError(N_("请选择一个与操作相符的答复模板。"), field="template_id")
    wanted = list(dict.fromkeys(int(i) for i in ids))[:200]
    if not wanted:
        raise DomainError(N_("请先勾选要处理的建议。"))
    comment = template.body + (("\n" + extra.strip()) if extra.strip() else "")
    rows = db.session.scalars(select(Suggestion).where(Suggestion.id.in_(wanted))
                              .options(selectinload(Suggestion.coauthors))).all()
    result = BulkResult()
    for suggestion in sorted(rows, key=lambda s: wanted.index(s.id)):
        label = suggestion.serial or str(suggestion.id)
        if not can(actor, action, suggestion):
            reason = (str(_refuse_state(suggestion, action)) if is_reviewer(actor, suggestion)
                      else str(DomainError(N_("您不是这条建议的审核人"))))
            result.skipped.append((label, reason))
            continue
        try:
            if action == "return":
                return_for_changes(suggestion, actor, comment)
            else:
                reject(suggestion, actor, comment)
        except DomainError as error:
            result.skipped.append((label, str(error)))
        else:
            result.done.append(label)
    return result


# --- Review queue ----------------------------------------------------------------------------------------------------


QUEUE_STATUSES = ("submitted", "accepted", "implemented", "returned")


def review_scope(user, workshop: str | None = None):
    """SQL for the suggestions in the user's review queue (admins: all; leads and deputies: their workshops)."""
    condition = Suggestion.serial.is_not(None)
    if not user.has_role("admin"):
        ids = reviewed_workshop_ids(user)
        condition = and_(condition, Suggestion.workshop_id.in_(ids) if ids else false())
    if workshop == "none":
        condition = and_(condition, Suggestion.workshop_id.is_(None))
    elif workshop and workshop.isdigit():
        condition = and_(condition, Suggestion.workshop_id == int(workshop))
    return condition


def queue_counts(user, workshop: str | None = None, cap: int = 1000) -> dict[str, int]:
    """How many suggestions wait in each queue status, each count stopping at cap + 1, in one round trip."""
    scope = review_scope(user, workshop)
    columns = []
    for status in QUEUE_STATUSES:
        limited = select(literal(1)).where(scope, Suggestion.status == status).limit(cap + 1).subquery()
        columns.append(select(func.count()).select_from(limited).scalar_subquery().label(status))
    row = db.session.execute(select(*columns)).one()
    return dict(zip(QUEUE_STATUSES, row, strict=True))


def pending_review_count(user) -> int:
    """Suggestions waiting for this reviewer's decision (capped), for My space."""
    limited = (select(literal(1)).where(review_scope(user), Suggestion.status == "submitted",
                                        Suggestion.author_id != user.id).limit(1001).subquery())
    return db.session.scalar(select(func.count()).select_from(limited)) or 0
