"""Scopes: which part of the tree a user's scoped roles (admin, hr, safety) cover — the one place every domain asks.

A grant covers its node and everything below it, found through the materialised path (`Department.path`), so a scope
condition is a handful of indexed prefix comparisons and never a query per row. A grant without a node, or on the
federation root, covers everything. Answers are cached for the request.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import Boolean, ColumnElement, Integer, String, bindparam, case, false, func, literal, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from blueprints.core.models import SCOPED_ROLES, Department, RoleGrant
from extensions import db


class PathUnder(ColumnElement[bool]):
    """SQL: a materialised path column lies under `prefix` (a subtree root's path, which ends in "/").

    PostgreSQL reads `path LIKE '<prefix>' || '%'` from its pattern index (migration 0029). SQLite reads a LIKE from no
    index at all (its LIKE ignores case), so there it is the range [prefix, prefix || '~'), which holds exactly the
    paths that start with the prefix because a path is digits and slashes, all below "~": 0.03 ms instead of a
    2.5 ms scan of a city's 26,501 departments. Rendered when compiled, so a statement kept between requests (core
    pagination) is right on either database.
    """

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison already: never "= 1" where booleans are integers (SQLite)
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("prefix", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, prefix):
        self.column = column
        if isinstance(prefix, str):
            # Written into the SQL when it runs, not sent as a parameter: PostgreSQL's generic plan of a statement
            # it has prepared (psycopg prepares one after five runs) cannot read a pattern index for
            # `LIKE $1 || '%'` and scans every department instead (5.8 ms against 0.3 ms at 26,501).
            prefix = bindparam(None, prefix, type_=String, unique=True, literal_execute=True)
        # Otherwise an SQL expression: a shared statement's named parameter (ViewerParameters) or a column.
        self.prefix = prefix


@compiles(PathUnder)
def _path_under_like(element: PathUnder, compiler, **kw) -> str:
    return compiler.process(element.column.startswith(element.prefix), **kw)


@compiles(PathUnder, "sqlite")
def _path_under_range(element: PathUnder, compiler, **kw) -> str:
    column, prefix = compiler.process(element.column, **kw), compiler.process(element.prefix, **kw)
    return f"({column} >= {prefix} AND {column} < {prefix} || '~')"


def path_under(column, prefix) -> ColumnElement[bool]:
    """SQL: the path column lies in the subtree whose root has the path `prefix`, a string or an SQL expression
    (see PathUnder)."""
    return PathUnder(column, prefix)


@dataclass(frozen=True)
class Scope:
    """The subtrees one role of one user covers: everything, or the minimal set of subtree root paths."""

    role: str
    everything: bool = False
    paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the user holds no grant of this role."""
        return not self.everything and not self.paths

    def covers_path(self, path: str | None) -> bool:
        """Whether a node with this materialised path lies in the scope (a record without a node: only global)."""
        if self.everything:
            return True
        return bool(path) and any(path.startswith(root) for root in self.paths)

    def path_clause(self, path_column) -> ColumnElement[bool]:
        """SQL: the path column lies in the scope (a prefix test per subtree, on the indexed path)."""
        if self.everything:
            return true()
        if not self.paths:
            return false()
        return or_(*(path_under(path_column, root) for root in self.paths))

    def department_clause(self, department_id_column) -> ColumnElement[bool]:
        """SQL: a department id column points into the scope (for tables that carry a department_id)."""
        if self.everything:
            return true()
        if not self.paths:
            return false()
        return department_id_column.in_(select(Department.id).where(self.path_clause(Department.path)))


def _minimal(paths) -> tuple[str, ...]:
    """Drop every path that lies under another one (a grant on a plant adds nothing to one on its enterprise)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(root) for root in kept):
            kept.append(path)
    return tuple(sorted(kept))


def _load(user_id: int, role: str) -> Scope:
    rows = db.session.execute(
        select(RoleGrant.department_id, Department.path, Department.kind)
        .outerjoin(Department, Department.id == RoleGrant.department_id)
        .where(RoleGrant.user_id == user_id, RoleGrant.role == role)
    ).all()
    if any(department_id is None or kind == "federation" for department_id, _path, kind in rows):
        return Scope(role, everything=True)
    return Scope(role, paths=_minimal(path for _id, path, _kind in rows))


def grants_summary(user_id_column):
    """SQL: a user's grants as one text, "role path;role path" (path * for the whole tree), read by the user loader
    in the same query as the user, so a request's scopes cost no query of their own."""
    whole_tree = or_(RoleGrant.department_id.is_(None), Department.kind == "federation")
    item = RoleGrant.role + literal(" ") + case((whole_tree, literal("*")), else_=Department.path)
    if db.session.get_bind().dialect.name == "postgresql":
        joined = func.string_agg(item, literal(";"))
    else:
        joined = func.group_concat(item, literal(";"))
    return (select(joined).select_from(RoleGrant).outerjoin(Department, Department.id == RoleGrant.department_id)
            .where(RoleGrant.user_id == user_id_column).scalar_subquery())


def home_enterprise_path(department_id_column):
    """SQL: the path of the enterprise a department lies in (NULL above enterprise level or without one), for the
    user loader: a viewer's own enterprise, known without a query of its own."""
    from sqlalchemy.orm import aliased

    own, enterprise = aliased(Department), aliased(Department)
    # Correlated to the caller's row (the user), however deep: the inner select names only its own table.
    own_path = select(own.path).where(own.id == department_id_column).correlate_except(own).scalar_subquery()
    # The candidates are the department's ancestors, read by id from its path ("/1/23/456/"): a handful of primary
    # key look-ups. Comparing the path with every enterprise's read all of them on every page (500 in a city).
    return (select(enterprise.path).where(enterprise.kind == "enterprise", _path_ids_contain(enterprise.id, own_path))
            .correlate_except(enterprise).order_by((enterprise.depth + 0).desc()).limit(1).scalar_subquery())


def _path_ids_contain(id_column, path):
    """SQL: id_column is one of the ids written in a department path ("/1/23/456/")."""
    from sqlalchemy import ARRAY, Integer, any_, cast

    if db.session.get_bind().dialect.name == "postgresql":
        return id_column == any_(cast(func.string_to_array(func.btrim(path, "/"), "/"), ARRAY(Integer)))
    inner = func.trim(path, "/")
    ids = func.json_each(literal("[") + func.replace(inner, "/", ",") + literal("]")).table_valued("value")
    return id_column.in_(select(ids.c.value))


def federation_exists():
    """SQL: the tree has a federation root (a portal of one enterprise has none)."""
    from sqlalchemy import exists

    return exists().where(Department.kind == "federation")


def prime(user_id: int, summary: str | None) -> None:
    """Fill the request's scope cache of a user from grants_summary's text (every scoped role, empty ones too)."""
    if not has_request_context():
        return
    paths: dict[str, list[str]] = {role: [] for role in SCOPED_ROLES}
    for item in (summary or "").split(";"):
        role, _, path = item.partition(" ")
        if role in paths and path:
            paths[role].append(path)
    cache = g.setdefault("_scopes", {})
    for role, found in paths.items():
        cache[(user_id, role)] = (Scope(role, everything=True) if "*" in found
                                  else Scope(role, paths=_minimal(found)))


class ViewerParameters:
    """A stand-in for a viewer whose id, department and scope paths are named bind parameters, so a statement built
    for it (by the same clause functions as for the real user) fits every viewer of the same `shape` and can be built
    once and run with `params` (core.pagination.PageStatements). Only the attributes below exist: a clause that reads
    anything else fails loudly here instead of quietly baking one viewer's value into a shared statement.
    """

    is_authenticated = True

    def __init__(self, user, roles: tuple[str, ...] = ("admin",)):
        self.params: dict = {"viewer_id": user.id}
        self.id = bindparam("viewer_id", type_=Integer, required=True)
        self.department_id = None
        if user.department_id is not None:
            self.params["viewer_department"] = user.department_id
            self.department_id = bindparam("viewer_department", type_=Integer, required=True)
        self._scopes: dict[str, Scope] = {}
        for role in roles:
            real = scope_of(user, role)
            names = [f"viewer_{role}_path_{i}" for i in range(len(real.paths))]
            self.params.update(zip(names, real.paths, strict=True))
            self._scopes[role] = Scope(role, everything=real.everything,
                                       paths=tuple(bindparam(name, type_=String, required=True) for name in names))
        # Everything a statement's structure depends on; the values above are only parameters.
        self.shape = (user.department_id is None,
                      tuple((role, scope.everything, len(scope.paths)) for role, scope in self._scopes.items()))

    def scope(self, role: str) -> Scope:
        """The role's scope with parameters for paths (a role not asked for at construction is a programming error)."""
        return self._scopes[role]


def scope_of(user, role: str) -> Scope:
    """The scope of `user`'s grants of `role` (empty for anonymous users and those without such a grant)."""
    if isinstance(user, ViewerParameters):
        return user.scope(role)
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_role(role):
        return Scope(role)
    if not has_request_context():
        return _load(user.id, role)
    cache = g.setdefault("_scopes", {})
    key = (user.id, role)
    if key not in cache:
        cache[key] = _load(user.id, role)
    return cache[key]


def forget_scopes() -> None:
    """Drop the request's cached scopes (after a grant changes)."""
    if has_request_context():
        g.pop("_scopes", None)


def covers(user, role: str, department: Department | None) -> bool:
    """Whether `user` holds `role` over `department` (a record without a department: only a global grant)."""
    return scope_of(user, role).covers_path(department.path if department is not None else None)


def covers_id(user, role: str, department_id: int | None) -> bool:
    """`covers` for a department id (one indexed lookup unless the scope is global or empty)."""
    scope = scope_of(user, role)
    if scope.everything or scope.empty:
        return scope.everything
    if department_id is None:
        return False
    path = db.session.scalar(select(Department.path).where(Department.id == department_id))
    return scope.covers_path(path)


def scope_nodes(user, role: str) -> list[Department]:
    """The nodes at the top of the user's scope, for the pickers (a global scope: the root or the top-level nodes)."""
    scope = scope_of(user, role)
    if scope.empty:
        return []
    stmt = select(Department)
    if scope.everything:
        stmt = stmt.where(Department.parent_id.is_(None))
    else:
        stmt = stmt.where(Department.path.in_(scope.paths))
    return list(db.session.scalars(stmt.order_by(Department.path)))
