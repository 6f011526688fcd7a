"""Services for users and the department tree: create, edit, move, search, deactivate."""
from __future__ import annotations

import re
import secrets
import string
import unicodedata

from pypinyin import lazy_pinyin
from sqlalchemy import Select, and_, case, delete, distinct, false, func, or_, select, update

from blueprints.core import audit, person_index
from blueprints.core.errors import DomainError
from blueprints.core.grants import sync_role_grants
from blueprints.core.i18n import N_
from blueprints.core.models import (
    ROLE_KEYS,
    SKILL_LEVELS,
    SKILL_SOURCES,
    Department,
    PersonSearchKey,
    RoleGrant,
    SkillLevelChange,
    User,
)
from blueprints.core.org import check_children_fit, check_member_placement, check_placement, default_kind
from blueprints.core.pagination import COUNT_CAP, Page, capped_count, keyset_page
from blueprints.core.passwords import hash_password, set_password
from blueprints.core.scopes import Scope, covers_id, path_under, scope_of
from blueprints.core.sessions import end_all_sessions
from extensions import db

# The one rule for a 工号, used by the forms, the import and create_user/update_user.
EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
EMPLOYEE_NO_RULE = N_("工号只能包含字母、数字、下划线和横线，最多 32 个字符。")


def login_key(employee_no: str | None) -> str:
    """The 工号 as sign-in looks it up and counts attempts: NFKC (full-width letters fold to ASCII), trimmed, lower."""
    return unicodedata.normalize("NFKC", employee_no or "").strip().lower()


def check_employee_no(employee_no: str) -> str:
    """The 工号 without surrounding spaces; DomainError on field employee_no when empty or not EMPLOYEE_NO."""
    employee_no = (employee_no or "").strip()
    if not employee_no:
        raise DomainError(N_("请填写工号。"), field="employee_no")
    if not EMPLOYEE_NO.match(employee_no):
        raise DomainError(EMPLOYEE_NO_RULE, field="employee_no")
    return employee_no


def pinyin_key(name: str) -> str:
    """Full pinyin and initials of a name, lower case ("zhangsanfeng zsf"), for type-ahead search."""
    syllables = [s.lower() for s in lazy_pinyin(name) if s.strip()]
    initials = "".join(s[0] for s in syllables if s)
    return f"{''.join(syllables)} {initials}".strip()


def escape_like(term: str) -> str:
    r"""Escape LIKE wildcards so a typed % or _ matches itself (used with escape='\\')."""
    return term.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def person_search_clause(q: str, dense: bool | None = None):
    """Match a person by 工号 prefix, name substring or pinyin (full or initials) prefix, through the search index
    (core.person_index: one index range over the people's keys, never a scan of every user; `dense`: see there)."""
    return person_index.search_clause(q, dense)


def _user_filters(stmt: Select, department_id: int | None, role: str | None, active: bool | None,
                  scope: Scope | None) -> Select:
    """The user list's filters on a statement over User: scope, department subtree, role and status."""
    if scope is not None and not scope.everything:
        stmt = stmt.where(scope.department_clause(User.department_id))
    if department_id:
        dept = db.session.get(Department, department_id)
        if dept is not None:
            stmt = stmt.join(Department, User.department_id == Department.id).where(
                path_under(Department.path, dept.path))
    if role in ROLE_KEYS:
        stmt = stmt.where(User.role_mask.op("&")(int(ROLE_KEYS[role])) != 0)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt


def users_query(q: str = "", department_id: int | None = None, role: str | None = None,
                active: bool | None = None, scope: Scope | None = None, counting: bool = False,
                each_key: bool = False) -> Select:
    """The admin people list with its filters (department includes its subtree), inside `scope` when given.

    With `counting`, the same people as one column for a count: a search then reads the index's key range
    (person_index.matching_people), each person once, or with `each_key` once per matching key (users_count)."""
    filtered = bool((scope is not None and not scope.everything) or department_id or role in ROLE_KEYS
                    or active is not None)
    if counting and q.strip():
        # Every key names a user (a foreign key): join them only to filter.
        stmt = person_index.matching_keys(q) if each_key else person_index.matching_people(q)
        if filtered:
            stmt = stmt.join(User, User.id == PersonSearchKey.user_id)
    else:
        stmt = select(User.id) if counting else select(User)
        if q.strip():
            stmt = stmt.where(person_search_clause(q))
    return _user_filters(stmt, department_id, role, active, scope)


def users_search_query(q: str, department_id: int | None = None, role: str | None = None,
                       active: bool | None = None, scope: Scope | None = None) -> Select:
    """The user list searched for q, closest matches first: rows of (User, key) read down the key index, each person
    once at their closest key (person_index.closest_key), to be paged by USER_SEARCH_ORDER.

    A name that is the term itself comes before the longer names containing it, and a 工号 fragment lists by 工号
    (its keys are the 工号). A page reads about as many keys as it shows, however many namesakes there are (张伟 is
    ten thousand people in a city), where an order by 工号 would walk the people until it had found a page."""
    term = person_index.search_term(q)
    stmt = (select(User, PersonSearchKey.key).join(PersonSearchKey, PersonSearchKey.user_id == User.id)
            .where(person_index.key_range(term), person_index.closest_key(term)))
    return _user_filters(stmt, department_id, role, active, scope)


USER_LIST_ORDER = (User.employee_no, User.id)
USER_SEARCH_ORDER = (PersonSearchKey.key, PersonSearchKey.user_id)


def user_list_page(q: str = "", department_id: int | None = None, role: str | None = None,
                   active: bool | None = None, scope: Scope | None = None, after: str | None = None,
                   before: str | None = None) -> Page:
    """One page of the admin people list with its capped count: by 工号, or closest matches first for a search
    (users_search_query); the items are Users either way."""
    total, capped = users_count(q, department_id, role, active, scope=scope)
    if person_index.search_term(q):
        page = keyset_page(users_search_query(q, department_id, role, active, scope), USER_SEARCH_ORDER,
                           descending=False, cursor=after, before=before, scalars=False,
                           key_of=lambda row: [row.key, row[0].id])
        page.items = [user for user, _key in page.items]
    else:
        page = keyset_page(users_query("", department_id, role, active, scope=scope), USER_LIST_ORDER,
                           descending=False, cursor=after, before=before)
    page.total, page.total_capped = total, capped
    return page


# A search's count reads at most this many matching keys first: most people match a term by one key, so the
# distinct people among them pass COUNT_CAP long before the key range ends (张伟: 10,000 keys at 1M people).
COUNT_SAMPLE_KEYS = 2 * (COUNT_CAP + 1)


def users_count(q: str = "", department_id: int | None = None, role: str | None = None, active: bool | None = None,
                scope: Scope | None = None) -> tuple[int, bool]:
    """The user list's count capped at COUNT_CAP: (count, whether it reached the cap).

    A search counts the distinct people among its first COUNT_SAMPLE_KEYS keys: over the cap, that is "1000+";
    with the key range read to its end, that is the count. Only when neither holds (people matching by many keys
    each) does it count distinct people down the whole range. PostgreSQL's DISTINCT hashes its whole input before
    a LIMIT applies, so counting the distinct people directly read all 23,708 keys of "zw" at 1M people."""
    if not person_index.search_term(q):
        return capped_count(users_query(q, department_id, role, active, scope=scope, counting=True), COUNT_CAP)
    keys = users_query(q, department_id, role, active, scope=scope, counting=True, each_key=True)
    sample = keys.limit(COUNT_SAMPLE_KEYS).subquery()
    read, found = db.session.execute(
        select(func.count(), func.count(distinct(sample.c.user_id))).select_from(sample)).one()
    if found > COUNT_CAP:
        return COUNT_CAP, True
    if read < COUNT_SAMPLE_KEYS:
        return found, False
    return capped_count(users_query(q, department_id, role, active, scope=scope, counting=True), COUNT_CAP)


def picker_clause(scopes):
    """SQL limiting the person picker to the union of the given scopes (None: no limit).

    Someone without any scoped role (a worker choosing co-authors or founding members) and a whole-tree admin or
    HR pick from everyone; a scoped admin or HR picks only people inside their admin and HR scopes.
    """
    held = [scope for scope in scopes if not scope.empty]
    if not held or any(scope.everything for scope in held):
        return None
    return or_(*(scope.department_clause(User.department_id) for scope in held))


PICKER_FEW_KEYS = 200  # up to this many matching keys, the picker sorts its people by 工号 (see find_people)


def find_people(q: str, limit: int = 10, active_only: bool = True, scopes=()) -> list[tuple[User, str | None]]:
    """Type-ahead: up to `limit` people matching q, with their department name (limited by picker_clause).

    A term with few keys (PICKER_FEW_KEYS, read in one index range) lists its people by 工号. A common one (张伟 is
    ten thousand people in a city) lists the closest names first, down the key index: a name that is the term
    itself before the longer names containing it, then by id, each person once (as the searched user list). It
    stops after a page instead of sorting every namesake, and the first rows are the likeliest choice when someone
    types a whole name."""
    term = person_index.search_term(q)
    if not term:
        return []
    conditions = [User.active.is_(True)] if active_only else []
    if (limit_clause := picker_clause(scopes)) is not None:
        conditions.append(limit_clause)
    base = select(User, Department.name).outerjoin(Department, User.department_id == Department.id)
    keyed = db.session.execute(person_index.keys_in_order(term).limit(PICKER_FEW_KEYS + 1)).all()
    if len(keyed) <= PICKER_FEW_KEYS:
        ids = sorted({user_id for _key, user_id in keyed})
        stmt = base.where(User.id.in_(ids), *conditions).order_by(User.employee_no).limit(limit)
        return [(user, dept) for user, dept in db.session.execute(stmt).all()]
    stmt = (base.join(PersonSearchKey, PersonSearchKey.user_id == User.id)
            .where(person_index.key_range(term), person_index.closest_key(term), *conditions)
            .order_by(*USER_SEARCH_ORDER).limit(limit))
    return [(user, dept) for user, dept in db.session.execute(stmt).all()]


def temporary_password(length: int = 12) -> str:
    """A random password for a reset; the user must replace it at the next login."""
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def _check_user_fields(employee_no: str, skill_level: str, roles, exclude_id: int | None = None) -> None:
    taken = db.session.scalar(select(User.id).where(func.lower(User.employee_no) == employee_no.lower()))
    if taken is not None and taken != exclude_id:
        raise DomainError(N_("工号 %(no)s 已被使用。"), field="employee_no", no=employee_no)
    if skill_level not in SKILL_LEVELS:
        raise DomainError(N_("技能等级无效。"), field="skill_level")
    if not set(roles) <= set(ROLE_KEYS):
        raise DomainError(N_("角色无效。"), field="roles")


def create_user(*, employee_no: str, name: str, department_id: int | None, job_title: str = "",
                skill_level: str = "无", phone: str | None = None, email: str | None = None,
                roles=("worker",), password: str | None = None, actor=None) -> tuple[User, str | None]:
    """Create a user; without a password a temporary one is generated and returned (must be changed)."""
    employee_no = check_employee_no(employee_no)
    _check_user_fields(employee_no, skill_level, roles)
    check_department_in_scope(actor, department_id)
    check_member_placement(department_id, roles)
    temp = None
    if password is None:
        temp = password = temporary_password()
    user = User(employee_no=employee_no, name=name.strip(), name_pinyin=pinyin_key(name),
                department_id=department_id, job_title=job_title or "", skill_level=skill_level,
                phone=phone or None, email=email or None, must_change_password=temp is not None,
                password_hash=hash_password(password))
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    sync_role_grants(user, set(), actor)
    audit.record("user.created", target=user, actor=actor, detail=f"roles={','.join(sorted(roles))}")
    return user, temp


def update_user(user: User, *, employee_no: str, name: str, department_id: int | None, job_title: str,
                skill_level: str, phone: str | None, email: str | None, roles, actor=None) -> None:
    """Edit a user's profile and roles; a role change is audited with before and after."""
    employee_no = check_employee_no(employee_no)
    _check_user_fields(employee_no, skill_level, roles, exclude_id=user.id)
    if actor is not None and actor.id == user.id and "admin" not in roles:
        raise DomainError(N_("不能取消自己的管理员角色，请让另一位管理员操作。"), field="roles")
    check_manages(actor, user)
    lock_row(user)  # two admins saving at once: the second sees the first's roles, so "before" is true
    before = sorted(user.roles)
    if department_id != user.department_id:
        check_department_in_scope(actor, department_id)
        check_member_placement(department_id, roles)
    user.employee_no = employee_no
    user.name = name.strip()
    user.name_pinyin = pinyin_key(name)
    user.department_id = department_id
    user.job_title = job_title or ""
    if skill_level != user.skill_level:
        record_skill_change(user, skill_level, source="admin", actor=actor)
    user.phone = phone or None
    user.email = email or None
    user.set_roles(roles)
    sync_role_grants(user, set(before), actor)
    after = sorted(user.roles)
    audit.record("user.updated", target=user, actor=actor)
    if before != after:
        audit.record("user.roles_changed", target=user, actor=actor,
                     detail=f"{','.join(before)} -> {','.join(after)}")


OUTSIDE_ADMIN_SCOPE = N_("只能选择您管理范围内的单位。")


def check_department_in_scope(actor, department_id: int | None, field: str = "department_id") -> None:
    """An admin places people and nodes only inside their admin scope (no department: whole-tree admins only)."""
    if actor is not None and not covers_id(actor, "admin", department_id):  # None: a command, the system's authority
        raise DomainError(OUTSIDE_ADMIN_SCOPE, field=field)


WIDER_GRANTS = N_("%(name)s 拥有超出您管理范围的授权，只能由范围更大的管理员操作。")


def check_manages(actor, user: User) -> None:
    """A scoped admin changes a person's account only when every grant the person holds lies inside the admin's
    own scope (an enterprise admin cannot reset a city admin's password who happens to sit in their enterprise)."""
    if actor is None:
        return
    scope = scope_of(actor, "admin")
    if scope.everything:
        return
    paths = db.session.execute(select(RoleGrant.department_id, Department.path)
                               .outerjoin(Department, Department.id == RoleGrant.department_id)
                               .where(RoleGrant.user_id == user.id)).all()
    if any(not scope.covers_path(path) for _id, path in paths):
        raise DomainError(WIDER_GRANTS, name=user.name)


def lock_row(obj) -> None:
    """Reload a row under a row lock (PostgreSQL FOR UPDATE; SQLite's write transaction already serialises),
    so a check-then-change sees what a simultaneous request committed."""
    db.session.refresh(obj, with_for_update=True)


def set_active(user: User, active: bool, actor=None) -> None:
    """Deactivate (ending every live session at once) or reactivate a user; their records stay."""
    if actor is not None and actor.id == user.id and not active:
        raise DomainError(N_("不能停用自己的账号。"))
    check_manages(actor, user)
    lock_row(user)
    if user.active == active:
        # Another admin (or another tab) got there first; that change was audited, this one changes nothing.
        raise DomainError(N_("%(name)s 的账号已经是启用状态。") if active else N_("%(name)s 的账号已经是停用状态。"),
                          name=user.name)
    user.active = active
    if not active:
        end_all_sessions(user)
    audit.record("user.activated" if active else "user.deactivated", target=user, actor=actor)


def set_locale(user: User, locale: str) -> None:
    """Remember the user's interface language (one of LANGUAGES, checked by the caller)."""
    user.locale = locale


def reset_password(user: User, actor=None) -> str:
    """Give the user a temporary password they must change at the next login; returns it once."""
    check_manages(actor, user)
    temp = temporary_password()
    set_password(user, temp, must_change=True)
    audit.record("user.password_reset", target=user, actor=actor)
    return temp


# --- Departments -------------------------------------------------------------------------------------------


def department_tree(scope: Scope | None = None) -> list[Department]:
    """Every department (inside `scope` when given) in tree order: parents before children, siblings by code."""
    stmt = select(Department).order_by(Department.code)
    if scope is not None:
        stmt = stmt.where(scope.path_clause(Department.path))
    rows = db.session.scalars(stmt).all()
    present = {dept.id for dept in rows}
    children: dict[int | None, list[Department]] = {}
    for dept in rows:  # the top of a scoped subtree has its parent outside: it starts the walk
        children.setdefault(dept.parent_id if dept.parent_id in present else None, []).append(dept)
    ordered: list[Department] = []

    def walk(parent_id):
        for dept in children.get(parent_id, []):
            ordered.append(dept)
            walk(dept.id)

    walk(None)
    return ordered


def department_names(ids) -> dict[int, str]:
    """Department id → name for the given ids (None and repeats ignored), in one query."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())


def department_choices(blank: str | None = None, outside: Department | None = None,
                       scope: Scope | None = None) -> list[tuple[int | str, str]]:
    """(id, indented name) pairs for a select box, in tree order; without `outside` and its subtree when given
    (a department cannot move under itself); inside `scope` when given (and then no blank unless it is global)."""
    if scope is not None and not scope.everything:
        blank = None
    choices: list[tuple[int | str, str]] = [("", blank)] if blank is not None else []
    choices += [(d.id, "\u3000" * d.depth + d.name) for d in department_tree(scope)
                if outside is None or not d.path.startswith(outside.path)]
    return choices


FILTER_DEPARTMENT_CAP = 300


def filter_departments_select(selected_id: int | None = None) -> Select:
    """Departments offered in a filter box: the top levels of the tree, as many whole levels as fit in
    FILTER_DEPARTMENT_CAP (but at least two), plus the department currently filtered on.

    A city tree has tens of thousands of teams; a select box of them all would weigh megabytes on every list
    page. Filtering on a plant or an enterprise includes every team below it, so the top levels are enough.
    """
    per_level = (select(Department.depth.label("depth"),
                        func.sum(func.count()).over(order_by=Department.depth).label("running"))
                 .group_by(Department.depth).subquery())
    fitting = select(func.coalesce(func.max(per_level.c.depth), 0)).where(
        per_level.c.running <= FILTER_DEPARTMENT_CAP).scalar_subquery()
    # The top two levels always: a city's 500 enterprises are a long list, but the only useful one. (One
    # comparison, not an OR, so the depth index answers it.)
    shown = Department.depth <= case((fitting > 1, fitting), else_=1)
    if selected_id:
        shown = or_(shown, Department.id == selected_id)
    return select(Department.id, Department.name, Department.code, Department.parent_id,
                  Department.depth).where(shown)


def indented_tree(rows) -> list[tuple[int, str]]:
    """(id, indented name) in tree order from rows with id, name, code, parent_id, depth; a row whose parent
    is not among them (a deep department being filtered on) comes last."""
    rows = sorted(rows, key=lambda r: r.code)
    present = {r.id for r in rows}
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id if row.parent_id in present else None, []).append(row)
    ordered: list[tuple[int, str]] = []

    def walk(parent_id):
        for row in children.get(parent_id, []):
            ordered.append((row.id, "\u3000" * row.depth + row.name))
            walk(row.id)

    walk(None)
    return ordered


def department_filter_choices(selected_id: int | None = None, scope: Scope | None = None) -> list[tuple[int, str]]:
    """(id, indented name) for a department filter box, capped (see filter_departments_select); a narrower
    `scope` offers its subtree tops and two levels below them (at most FILTER_DEPARTMENT_CAP)."""
    if scope is None or scope.everything:
        return indented_tree(db.session.execute(filter_departments_select(selected_id)).all())
    return indented_tree(db.session.execute(scope_top_levels(scope, selected_id)).all())


def scope_top_levels(scope: Scope, selected_id: int | None = None, levels: int = 2) -> Select:
    """The nodes at the top of a scope and `levels` levels below them (capped), plus the selected one if inside."""
    tops = [and_(Department.path.startswith(root), Department.depth <= root.count("/") - 2 + levels)
            for root in scope.paths]
    shown = or_(*tops) if tops else false()
    if selected_id:
        shown = or_(shown, and_(Department.id == selected_id, scope.path_clause(Department.path)))
    return (select(Department.id, Department.name, Department.code, Department.parent_id, Department.depth)
            .where(shown).order_by(Department.depth, Department.code).limit(FILTER_DEPARTMENT_CAP))


def grant_scope_choices(scope: Scope) -> list[tuple[int | str, str]]:
    """Nodes a grant may be given over, for the grant form: inside the admin's own scope, at most
    FILTER_DEPARTMENT_CAP (its tops and two levels below); a whole-tree admin may also give the whole tree."""
    from flask_babel import gettext

    if scope.empty:
        return []
    if scope.everything:
        return [("", gettext("全部（整个组织）"))] + department_filter_choices()
    return department_filter_choices(scope=scope)


def user_names(ids) -> dict[int, str]:
    """User id → name for the given ids (None and repeats ignored), in one query."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def head_counts() -> dict[int, int]:
    """Active users in each department and below it: one GROUP BY per department, summed up each path.

    Joining every department to its subtree in SQL compares every pair of departments, which at city scale
    (26,000 departments) is 700 million path comparisons; the paths already name every ancestor.
    """
    stmt = (select(Department.path, func.count(User.id))
            .join(User, and_(User.department_id == Department.id, User.active.is_(True)))
            .group_by(Department.id, Department.path))
    totals: dict[int, int] = {}
    for path, n in db.session.execute(stmt):
        for ancestor in path.strip("/").split("/"):
            if ancestor:
                totals[int(ancestor)] = totals.get(int(ancestor), 0) + n
    return totals


def _check_department_code(code: str, exclude_id: int | None = None) -> None:
    taken = db.session.scalar(select(Department.id).where(Department.code == code))
    if taken is not None and taken != exclude_id:
        raise DomainError(N_("部门编码 %(code)s 已存在。"), field="code", code=code)


def create_department(code: str, name: str, parent: Department | None, actor=None, *, kind: str | None = None,
                      industry: str | None = None) -> Department:
    """Add a node under `parent` (or at the top); its kind defaults to the usual next level down (core.org)."""
    code = code.strip()
    check_department_in_scope(actor, parent.id if parent is not None else None, field="parent_id")
    _check_department_code(code)
    kind = kind or default_kind(parent)
    check_placement(kind, parent)
    dept = Department(code=code, name=name.strip(), parent_id=parent.id if parent else None, kind=kind,
                      industry=(industry or "").strip() or None, depth=(parent.depth + 1) if parent else 0, path="/")
    db.session.add(dept)
    db.session.flush()
    dept.path = f"{parent.path if parent else '/'}{dept.id}/"
    audit.record("department.created", target=dept, actor=actor, detail=dept.code)
    return dept


def update_department(dept: Department, code: str, name: str, parent: Department | None, actor=None, *,
                      kind: str | None = None, industry: str | None = None) -> None:
    """Rename, re-level and/or move a node; moving rewrites the paths of its whole subtree."""
    code = code.strip()
    _check_department_code(code, exclude_id=dept.id)
    # The subtree's paths are rewritten from dept.path: read it under a row lock, so a move made meanwhile by
    # another admin is seen (and the new parent's path too, in case it moved).
    for row in sorted((d for d in (dept, parent) if d is not None), key=lambda d: d.id):
        lock_row(row)  # in id order, so two admins moving two departments under each other cannot deadlock
    if parent is not None and parent.path.startswith(dept.path):
        raise DomainError(N_("不能把部门移动到它自己或它的下级部门下面。"), field="parent_id")
    if (parent.id if parent is not None else None) != dept.parent_id:
        check_department_in_scope(actor, parent.id if parent is not None else None, field="parent_id")
    kind = kind or dept.kind
    check_placement(kind, parent, node_id=dept.id)
    if kind != dept.kind:
        check_children_fit(dept, kind)
    dept.kind = kind
    if industry is not None:
        dept.industry = industry.strip() or None
    dept.code = code
    dept.name = name.strip()
    new_parent_id = parent.id if parent else None
    if new_parent_id != dept.parent_id:
        old_path = dept.path
        new_path = f"{parent.path if parent else '/'}{dept.id}/"
        depth_shift = ((parent.depth + 1) if parent else 0) - dept.depth
        db.session.execute(
            update(Department)
            .where(Department.path.startswith(old_path))
            .values(path=func.replace(Department.path, old_path, new_path),
                    depth=Department.depth + depth_shift)
            .execution_options(synchronize_session=False)
        )
        dept.parent_id = new_parent_id
        db.session.flush()
        db.session.refresh(dept)
        audit.record("department.moved", target=dept, actor=actor, detail=f"{old_path} -> {new_path}")
    audit.record("department.updated", target=dept, actor=actor, detail=dept.code)


def _blocking_references(dept_id: int) -> int:
    """Rows of other tables that still point at the department through a foreign key the database would refuse to
    break (no ON DELETE rule): found through the metadata, so a table a domain adds later is counted too."""
    departments = Department.__table__
    total = 0
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is not departments or fk.ondelete or fk.parent is departments.c.parent_id:
                continue
            if table is User.__table__:
                continue  # people are counted (and named) on their own
            total += db.session.scalar(select(func.count()).select_from(table).where(fk.parent == dept_id)) or 0
    return total


def delete_department(dept: Department, actor=None) -> None:
    """Delete an empty department; refuse while it has people (active or not), sub-departments or records."""
    people = db.session.scalar(select(func.count(User.id)).where(User.department_id == dept.id)) or 0
    if people:
        raise DomainError(N_("“%(name)s”还有 %(n)s 名人员，请先把他们调到其他部门再删除。"), name=dept.name, n=people)
    children = db.session.scalar(select(func.count(Department.id)).where(Department.parent_id == dept.id)) or 0
    if children:
        raise DomainError(N_("“%(name)s”还有 %(n)s 个下级部门，请先移走或删除它们。"), name=dept.name, n=children)
    records = _blocking_references(dept.id)
    if records:
        raise DomainError(N_("“%(name)s”还有 %(n)s 条业务记录或授权与它关联，不能删除；可以改名或移动它。"),
                          name=dept.name, n=records)
    audit.record("department.deleted", target=dept, actor=actor, detail=f"{dept.code} {dept.name}")
    db.session.execute(delete(Department).where(Department.id == dept.id))


def parse_employee_nos(text: str | None, *, repeats: bool = False) -> list[str]:
    """Split typed or pasted 工号 on commas, spaces, semicolons and Chinese punctuation; keep order, no repeats
    (unless repeats=True, for an answer that says which 工号 was listed twice)."""
    parts = [p.strip() for p in re.split(r"[\s,;，；、]+", text or "") if p.strip()]
    return parts if repeats else list(dict.fromkeys(parts))


def resolve_people(employee_nos: list[str], scopes=()) -> tuple[list[User], list[str], list[str]]:
    """Look up 工号 in bulk: (active users in the given order, unknown 工号, inactive 工号); with `scopes`, people
    the picker would not offer (picker_clause) count as unknown."""
    if not employee_nos:
        return [], [], []
    found: dict[str, User] = {}
    lowered = [no.lower() for no in employee_nos]
    limit_clause = picker_clause(scopes)
    for start in range(0, len(lowered), 500):
        chunk = lowered[start:start + 500]
        stmt = select(User).where(func.lower(User.employee_no).in_(chunk))
        if limit_clause is not None:
            stmt = stmt.where(limit_clause)
        for user in db.session.scalars(stmt):
            found[user.employee_no.lower()] = user
    users, missing, inactive = [], [], []
    for no in employee_nos:
        user = found.get(no.lower())
        if user is None:
            missing.append(no)
        elif not user.active:
            inactive.append(no)
        else:
            users.append(user)
    return users, missing, inactive


# --- Skill levels (技能等级) with their dated history ---------------------------------------------------------------


def skill_rank(level: str | None) -> int:
    """The level's place in SKILL_LEVELS (0 = 无); an unknown level ranks -1."""
    return SKILL_LEVELS.index(level) if level in SKILL_LEVELS else -1


def record_skill_change(user: User, to_level: str, *, source: str, actor=None, reason: str = "",
                        source_id: int | None = None, on=None) -> SkillLevelChange | None:
    """Set a person's skill level and keep the dated change (SkillLevelChange); the one way any domain changes a
    level (an admin's edit, a completed mentoring pair, a contest's upgrade). Nothing happens when the level is
    already `to_level`. Flushes only; audited as skill_level.changed."""
    from blueprints.core.clock import local_today

    if to_level not in SKILL_LEVELS:
        raise DomainError(N_("技能等级无效。"), field="skill_level")
    if source not in SKILL_SOURCES:
        raise ValueError(f"unknown skill-level source {source!r}")
    before = user.skill_level
    if before == to_level:
        return None
    change = SkillLevelChange(user_id=user.id, from_level=before or "无", to_level=to_level,
                              changed_on=on or local_today(), reason=(reason or "")[:500], source=source,
                              source_id=source_id, changed_by_id=actor.id if actor is not None else None)
    user.skill_level = to_level
    db.session.add(change)
    audit.record("skill_level.changed", target=user, actor=actor,
                 detail=f"{before} -> {to_level} ({source}{f' {source_id}' if source_id else ''})")
    return change


def skill_history(user_id: int, limit: int = 50) -> list[SkillLevelChange]:
    """A person's skill-level changes, newest first (one query)."""
    return list(db.session.scalars(select(SkillLevelChange).where(SkillLevelChange.user_id == user_id)
                                   .order_by(SkillLevelChange.changed_on.desc(), SkillLevelChange.id.desc())
                                   .limit(limit)))
