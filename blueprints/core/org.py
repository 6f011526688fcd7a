"""The organisation levels of the department tree (SPEC §7): which kind of node may sit under which, written once.

federation (the root) → district | industry unions → enterprises → branches → floors → teams. A portal that runs a
single enterprise has no federation root: its enterprises are top-level nodes. Once a federation root exists, a new
enterprise must sit under exactly one district or industry union.
"""
from __future__ import annotations

from sqlalchemy import exists, select

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import ORG_KINDS, UNION_KINDS, Department
from extensions import db

# The kinds each kind may be placed under (None: a top-level node).
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    "federation": (None,),
    "district": ("federation",),
    "industry": ("federation",),
    "enterprise": ("district", "industry", None),  # None only while the tree has no federation root
    "branch": ("enterprise", "branch"),
    "floor": ("enterprise", "branch"),
    "team": ("enterprise", "branch", "floor", "team"),
}
# The kind a new node gets when the caller does not say (the usual next level down).
DEFAULT_CHILD = {None: "enterprise", "federation": "district", "district": "enterprise", "industry": "enterprise",
                 "enterprise": "branch", "branch": "floor", "floor": "team", "team": "team"}
# Where people may belong: employees at enterprise level or below; union nodes hold union staff only.
WORKPLACE_KINDS = ("enterprise", "branch", "floor", "team")

WRONG_PLACE = N_("“%(kind)s”不能放在“%(parent)s”下面。")
NO_ROOT_PARENT = N_("“%(kind)s”必须放在上级组织下面。")
ENTERPRISE_NEEDS_UNION = N_("已建立市总工会后，企业必须归属一个区县（市）总工会或产业工会。")
ONE_FEDERATION = N_("只能有一个市总工会（根节点）。")


def federation_root() -> Department | None:
    """The federation node at the root of the tree, if the portal runs a federation."""
    return db.session.scalar(select(Department).where(Department.kind == "federation").limit(1))


def has_federation(exclude_id: int | None = None) -> bool:
    """Whether the tree has a federation root (other than `exclude_id`)."""
    stmt = select(Department.id).where(Department.kind == "federation")
    if exclude_id is not None:
        stmt = stmt.where(Department.id != exclude_id)
    return bool(db.session.scalar(select(exists(stmt))))


def default_kind(parent: Department | None) -> str:
    """The kind a node created under `parent` gets when none is chosen."""
    return DEFAULT_CHILD[parent.kind if parent is not None else None]


def check_placement(kind: str, parent: Department | None, node_id: int | None = None) -> None:
    """Refuse a node of `kind` under `parent` that breaks the levels (DomainError on the field concerned)."""
    from blueprints.core.labels import ORG_KIND_LABELS

    if kind not in ORG_KINDS:
        raise DomainError(N_("请选择组织层级。"), field="kind")
    parent_kind = parent.kind if parent is not None else None
    if kind == "federation" and has_federation(exclude_id=node_id):
        raise DomainError(ONE_FEDERATION, field="kind")
    if parent_kind not in ALLOWED_PARENTS[kind]:
        if parent is None:
            raise DomainError(NO_ROOT_PARENT, field="parent_id", kind=str(ORG_KIND_LABELS[kind]))
        raise DomainError(WRONG_PLACE, field="parent_id", kind=str(ORG_KIND_LABELS[kind]),
                          parent=str(ORG_KIND_LABELS[parent_kind]))
    if kind == "enterprise" and parent is None and has_federation(exclude_id=node_id):
        raise DomainError(ENTERPRISE_NEEDS_UNION, field="parent_id")


def is_union(department: Department | None) -> bool:
    """Whether the node is a union (federation, district or industry) rather than a workplace."""
    return department is not None and department.kind in UNION_KINDS


def enterprise_of(department: Department | None) -> Department | None:
    """The enterprise a node belongs to (itself, or its nearest enterprise ancestor); None above enterprise level."""
    if department is None or department.kind in UNION_KINDS:
        return None
    if department.kind == "enterprise":
        return department
    ids = [int(part) for part in department.path.strip("/").split("/") if part]
    return db.session.scalar(select(Department).where(Department.id.in_(ids), Department.kind == "enterprise")
                             .order_by(Department.depth.desc()).limit(1))


def check_member_placement(department_id: int | None, roles) -> None:
    """Employees belong at enterprise level or below; a union node holds only union staff (admin, hr, safety)."""
    if department_id is None:
        return
    kind = db.session.scalar(select(Department.kind).where(Department.id == department_id))
    if kind in UNION_KINDS and not set(roles) & {"admin", "hr", "safety"}:
        raise DomainError(N_("职工只能归属企业及以下的单位；工会机关只放工会工作人员。"), field="department_id")


def check_children_fit(node: Department, kind: str) -> None:
    """Changing a node's kind must keep every direct child placeable under it."""
    from blueprints.core.labels import ORG_KIND_LABELS

    child_kinds = set(db.session.scalars(select(Department.kind).where(Department.parent_id == node.id)))
    for child_kind in sorted(child_kinds):
        if kind not in ALLOWED_PARENTS[child_kind]:
            raise DomainError(WRONG_PLACE, field="kind", kind=str(ORG_KIND_LABELS[child_kind]),
                              parent=str(ORG_KIND_LABELS[kind]))


# The union level between an enterprise and the city, where recommendations are forwarded or declined.
CHAIN_UNIONS = ("district", "industry")


def ancestor_ids(path: str) -> list[int]:
    """The ids on a materialised path ("/1/4/17/" → [1, 4, 17]): the node and everything above it."""
    return [int(part) for part in path.strip("/").split("/") if part.isdigit()]


def union_above(department: Department | None) -> Department | None:
    """The district or industry union a node lies under (None without one): the level after an enterprise in a
    recommendation chain, shared by every domain that recommends upwards."""
    if department is None:
        return None
    return db.session.scalar(select(Department).where(Department.id.in_(ancestor_ids(department.path)),
                                                      Department.kind.in_(CHAIN_UNIONS))
                             .order_by(Department.depth.desc()).limit(1))
