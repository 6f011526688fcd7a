"""Read queries of honours nominations, scoped in ONE place (`_in_scope`): an admin sees the nominations whose
subject (the unit or team, or the person's department) lies in their admin scope — the enterprise union its own,
the district or industry union its enterprises', the city everything. The personal record reads approved_for_person.
"""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from blueprints.core import pickers, scopes
from blueprints.core.models import Department, RoleGrant, User
from blueprints.core.org import CHAIN_UNIONS, WORKPLACE_KINDS
from blueprints.honours.models import Nomination, NominationStep
from extensions import db

CHOICES_LIMIT = 500


def _in_scope(user):
    """SQL: the nomination's subject node (joined as Department) lies in the user's admin scope."""
    return scopes.scope_of(user, "admin").path_clause(Department.path)


def covers(user, department: Department | None) -> bool:
    """Whether the user holds admin over a nomination's subject node."""
    return department is not None and scopes.covers(user, "admin", department)


def load(nomination_id: int) -> tuple[Nomination, Department, User | None] | None:
    """The nomination with its subject node and person (one query), or None."""
    row = db.session.execute(select(Nomination, Department, User)
                             .join(Department, Department.id == Nomination.department_id)
                             .outerjoin(User, User.id == Nomination.user_id)
                             .where(Nomination.id == nomination_id)).first()
    return (row[0], row[1], row[2]) if row is not None else None


def _rows():
    """Nomination, unit name, the enterprise it belongs to (a scalar subquery on the indexed path, per shown row),
    person name and 工号."""
    enterprise = aliased(Department)
    enterprise_name = (select(enterprise.name).where(enterprise.kind == "enterprise",
                                                     Department.path.startswith(enterprise.path))
                       .correlate(Department).limit(1).scalar_subquery())
    return (select(Nomination, Department.name.label("unit_name"), enterprise_name.label("enterprise_name"),
                   User.name.label("person_name"), User.employee_no.label("employee_no"))
            .join(Department, Department.id == Nomination.department_id)
            .outerjoin(User, User.id == Nomination.user_id))


def list_query(user, *, status: str | None = None, unit: Department | None = None, honour: str | None = None):
    """SELECT (nomination, unit name, person name, 工号) in the user's scope, filtered by status, honour and a unit
    (its whole subtree): one statement whatever the number of rows."""
    stmt = _rows().where(_in_scope(user))
    if status:
        stmt = stmt.where(Nomination.status == status)
    if unit is not None:
        stmt = stmt.where(Department.path.startswith(unit.path))
    if honour:
        stmt = stmt.where(Nomination.honour == honour)
    return stmt


def count_query(user, **filters):
    """The rows of list_query, counted without the display columns."""
    return list_query(user, **filters).with_only_columns(Nomination.id)


def _union_paths(user) -> list[str]:
    """The paths of the district or industry unions the user holds admin on."""
    return list(db.session.scalars(
        select(Department.path).join(RoleGrant, RoleGrant.department_id == Department.id)
        .where(RoleGrant.user_id == user.id, RoleGrant.role == "admin", Department.kind.in_(CHAIN_UNIONS))))


def waiting_query(user):
    """SELECT rows (as list_query) of the nominations waiting for the user's level: the city decides those
    forwarded, a district or industry union those nominated in its subtree."""
    stmt = _rows().order_by(Nomination.updated_at, Nomination.id)
    if scopes.scope_of(user, "admin").everything:
        return stmt.where(Nomination.status == "forwarded")
    paths = _union_paths(user)
    if not paths:
        return stmt.where(False)
    return stmt.where(Nomination.status == "nominated", or_(*(Department.path.startswith(p) for p in paths)))


def waiting(user, limit: int = 50) -> list:
    """The first rows of waiting_query."""
    return db.session.execute(waiting_query(user).limit(limit)).all()


def history(nomination_id: int) -> list:
    """The nomination's steps in order, each (step, actor name): one query."""
    return db.session.execute(
        select(NominationStep, User.name).outerjoin(User, User.id == NominationStep.actor_id)
        .where(NominationStep.nomination_id == nomination_id)
        .order_by(NominationStep.acted_at, NominationStep.id)).all()


def approved_for_person(user_id: int, limit: int = 50) -> list[Nomination]:
    """A person's approved honours, newest year first (the personal record)."""
    return list(db.session.scalars(select(Nomination).where(Nomination.user_id == user_id,
                                                            Nomination.status == "approved")
                                   .order_by(Nomination.year.desc(), Nomination.id.desc()).limit(limit)))


def unit_choices(user) -> list[tuple[int, str]]:
    """Workplace nodes (enterprise and below) in the user's admin scope, indented by depth, for the pickers."""
    rows = db.session.execute(select(Department.id, Department.name, Department.depth)
                              .where(Department.kind.in_(WORKPLACE_KINDS), _in_scope(user))
                              .order_by(Department.path).limit(CHOICES_LIMIT)).all()
    top = min((row.depth for row in rows), default=0)
    return [(row.id, "\u3000" * (row.depth - top) + row.name) for row in rows]


def unit_in_scope(user, department_id: int | None) -> Department | None:
    """A workplace node of the user's admin scope by id, or None."""
    if not department_id:
        return None
    department = db.session.get(Department, department_id)
    if department is None or department.kind not in WORKPLACE_KINDS or not covers(user, department):
        return None
    return department


def waiting_count(user) -> int:
    """How many nominations wait for the user's level."""
    return db.session.scalar(select(func.count()).select_from(waiting_query(user).order_by(None).subquery())) or 0


# The unit pickers of the nomination form and the list's filter (core.pickers): workplace nodes of the admin scope.
pickers.department_source("honour-units", lambda user, _params: and_(Department.kind.in_(WORKPLACE_KINDS),
                                                                      _in_scope(user)))
