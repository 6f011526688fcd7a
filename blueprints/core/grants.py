"""Granting and revoking scoped roles (admin, hr, safety): only inside the granting admin's own scope, never wider.

The role bit on the user (`User.role_mask`) means "holds at least one grant of this role"; this module keeps it in
step, so navigation and role checks stay cheap while the scope module limits which records a grant reaches.
"""
from __future__ import annotations

from sqlalchemy import delete, exists, func, select

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import ROLE_KEYS, SCOPED_ROLES, Department, RoleGrant, User
from blueprints.core.scopes import forget_scopes, scope_of
from extensions import db

OUTSIDE_SCOPE = N_("只能在自己的管理范围内授权。")
UNKNOWN_ROLE = N_("这个角色不能按范围授予。")
ALREADY_GRANTED = N_("%(name)s 已经拥有这一授权。")
LAST_ROOT_ADMIN = N_("您是最后一位全市范围的管理员，不能取消自己的这一授权。")


def grants_of(user_id: int) -> list[tuple[RoleGrant, Department | None]]:
    """A person's grants with their scope nodes (None: the whole tree), by role then node."""
    return [tuple(row) for row in db.session.execute(
        select(RoleGrant, Department).outerjoin(Department, Department.id == RoleGrant.department_id)
        .where(RoleGrant.user_id == user_id).order_by(RoleGrant.role, Department.path))]


def _check_actor_covers(actor, department: Department | None) -> None:
    """The granting admin must hold admin over the node (a whole-tree grant needs a whole-tree admin)."""
    if actor is None:
        return  # commands and the migration act with the system's authority
    scope = scope_of(actor, "admin")
    if department is None and not scope.everything:
        raise DomainError(OUTSIDE_SCOPE, field="department_id")
    if department is not None and not scope.covers_path(department.path):
        raise DomainError(OUTSIDE_SCOPE, field="department_id")


def grant(user: User, role: str, department: Department | None, actor=None) -> RoleGrant:
    """Give `user` the scoped `role` over `department` (None: everything); audited."""
    if role not in SCOPED_ROLES:
        raise DomainError(UNKNOWN_ROLE, field="role")
    _check_actor_covers(actor, department)
    department_id = department.id if department is not None else None
    duplicate = select(RoleGrant.id).where(RoleGrant.user_id == user.id, RoleGrant.role == role,
                                           RoleGrant.department_id.is_(department_id) if department_id is None
                                           else RoleGrant.department_id == department_id)
    if db.session.scalar(select(exists(duplicate))):
        raise DomainError(ALREADY_GRANTED, field="role", name=user.name)
    row = RoleGrant(user_id=user.id, role=role, department_id=department_id,
                    granted_by_id=actor.id if actor is not None else None)
    db.session.add(row)
    user.role_mask = user.role_mask | ROLE_KEYS[role]
    db.session.flush()
    forget_scopes()
    audit.record("user.granted", target=user, actor=actor,
                 detail=f"{role} @ {department.code if department is not None else '*'}")
    return row


def _is_last_root_admin(row: RoleGrant) -> bool:
    """Whether `row` is the only whole-tree admin grant held by an active user."""
    if row.role != "admin":
        return False
    root_ids = select(Department.id).where(Department.kind == "federation")
    whole_tree = (RoleGrant.department_id.is_(None)) | RoleGrant.department_id.in_(root_ids)
    others = db.session.scalar(
        select(func.count(RoleGrant.id)).join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == "admin", whole_tree, RoleGrant.id != row.id, User.active.is_(True)))
    mine_is_whole = row.department_id is None or row.department_id in set(db.session.scalars(root_ids))
    return mine_is_whole and not others


def revoke(row: RoleGrant, actor=None) -> None:
    """Withdraw a grant (inside the actor's scope; never the last whole-tree admin's own); audited."""
    department = db.session.get(Department, row.department_id) if row.department_id is not None else None
    _check_actor_covers(actor, department)
    if _is_last_root_admin(row):
        raise DomainError(LAST_ROOT_ADMIN, field="role")
    user = db.session.get(User, row.user_id)
    db.session.execute(delete(RoleGrant).where(RoleGrant.id == row.id))
    remaining = db.session.scalar(select(exists().where(RoleGrant.user_id == user.id, RoleGrant.role == row.role)))
    if not remaining:
        user.role_mask = user.role_mask & ~ROLE_KEYS[row.role]
    db.session.flush()
    forget_scopes()
    audit.record("user.revoked", target=user, actor=actor,
                 detail=f"{row.role} @ {department.code if department is not None else '*'}")


def sync_role_grants(user: User, before: set[str], actor=None) -> None:
    """After the role boxes of a user changed: a newly ticked scoped role is granted over the actor's own scope
    (everything for a whole-tree admin or a command), an unticked one loses all its grants."""
    after = set(user.roles)
    for role in SCOPED_ROLES:
        if role in after and role not in before:
            _grant_over_actor_scope(user, role, actor)
        elif role in before and role not in after:
            db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role))
    forget_scopes()


def _grant_over_actor_scope(user: User, role: str, actor) -> None:
    scope = scope_of(actor, "admin") if actor is not None else None
    if scope is None or scope.everything:
        targets: list[Department | None] = [None]
    else:
        targets = list(db.session.scalars(select(Department).where(Department.path.in_(scope.paths))))
    for department in targets:
        db.session.add(RoleGrant(user_id=user.id, role=role,
                                 department_id=department.id if department is not None else None,
                                 granted_by_id=actor.id if actor is not None else None))
    db.session.flush()


def grant_whole_tree_to_role_holders() -> int:
    """Give a whole-tree grant to every user whose role bit says admin, hr or safety but who holds no grant of it
    (bulk-created demo accounts); returns how many grants were added."""
    added = 0
    for role in SCOPED_ROLES:
        bit = int(ROLE_KEYS[role])
        has_grant = exists().where(RoleGrant.user_id == User.id, RoleGrant.role == role)
        user_ids = list(db.session.scalars(select(User.id).where(User.role_mask.op("&")(bit) != 0, ~has_grant)))
        db.session.add_all(RoleGrant(user_id=user_id, role=role) for user_id in user_ids)
        added += len(user_ids)
    db.session.flush()
    forget_scopes()
    return added


def admins_at(department: Department | None, level: str) -> list[int]:
    """Active admins who act at `level` for a record of `department`: "city" — whole-tree grants; "union" — grants
    on the district or industry union above it; "any" — every admin covering it. One rule for every chain."""
    from sqlalchemy import or_

    from blueprints.core.org import CHAIN_UNIONS, ancestor_ids

    stmt = (select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id)
            .outerjoin(Department, Department.id == RoleGrant.department_id)
            .where(RoleGrant.role == "admin", User.active.is_(True)))
    whole_tree = or_(RoleGrant.department_id.is_(None), Department.kind == "federation")
    ancestors = ancestor_ids(department.path) if department is not None else []
    if level == "city":
        stmt = stmt.where(whole_tree)
    elif level == "union":
        stmt = stmt.where(Department.id.in_(ancestors), Department.kind.in_(CHAIN_UNIONS))
    else:
        stmt = stmt.where(or_(whole_tree, Department.id.in_(ancestors)))
    return list(dict.fromkeys(db.session.scalars(stmt.order_by(RoleGrant.user_id))))
