"""The contests domain's published read API: who may see and run a contest, and the queries behind its pages,
panels, statistics and the personal record. Every scope condition of the domain is written here, once.

Who runs a contest: union admins (admin) and training staff (hr) whose scope covers the organising unit — both,
since a 技术比武 is organised by the union with the training department. A unit's own admin or HR nominates its
entrants and confirms its workers' applications. Judges and the chief judge are any users, chosen per contest.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, false, func, or_, select

from blueprints.contests.models import Contest, Entrant, Item, Judge, Objection, Quota, Score
from blueprints.core import pickers, scopes
from blueprints.core.models import Department, User
from blueprints.core.org import ancestor_ids
from blueprints.core.people import department_tree
from extensions import db

STAFF_ROLES = ("admin", "hr")
RESULTS_OUT = ("provisional", "final")


# --- Access rules -------------------------------------------------------------------------------------------------


def staff_covers(user, department_id: int | None) -> bool:
    """The user's admin or HR grants cover the node."""
    return any(user.has_role(role) and scopes.covers_id(user, role, department_id) for role in STAFF_ROLES)


def staff_unit_ids(user, unit_ids) -> set[int]:
    """Which of these units the user's admin or HR grants cover (one query)."""
    held = [scopes.scope_of(user, role) for role in STAFF_ROLES if user.has_role(role)]
    ids = set(unit_ids)
    if not held or not ids:
        return set()
    rows = db.session.execute(select(Department.id, Department.path).where(Department.id.in_(ids))).all()
    return {unit_id for unit_id, path in rows if any(scope.covers_path(path) for scope in held)}


def can_create(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*STAFF_ROLES))


def manages(user, contest: Contest) -> bool:
    """Admins and HR whose scope covers the organising unit run the contest."""
    return staff_covers(user, contest.organiser_id)


def judge_item_ids(user_id: int, contest_id: int) -> list[int]:
    return list(db.session.scalars(select(Judge.item_id).where(Judge.contest_id == contest_id,
                                                                Judge.user_id == user_id)))


def is_panel_member(user, contest: Contest) -> bool:
    """A judge of any item, or the chief judge."""
    if contest.chief_judge_id == user.id:
        return True
    return bool(db.session.scalar(select(exists().where(Judge.contest_id == contest.id, Judge.user_id == user.id))))


def is_blind(user, contest: Contest) -> bool:
    """Judges and the chief judge see contestant numbers, never names, until the results are provisional."""
    return contest.status not in RESULTS_OUT and is_panel_member(user, contest)


def entrant_of(user_id: int, contest_id: int) -> Entrant | None:
    return db.session.scalar(select(Entrant).where(Entrant.contest_id == contest_id, Entrant.user_id == user_id))


def _visible_clause(user):
    """SQL: contests the user may open (drafts only for those who run them)."""
    path = db.session.scalar(select(Department.path).where(Department.id == user.department_id)) \
        if user.department_id else None
    above = ancestor_ids(path) if path else []
    city = Contest.organiser_id.in_(select(Department.id).where(Department.kind == "federation"))
    staff = or_(*(scopes.scope_of(user, role).department_clause(Contest.organiser_id) for role in STAFF_ROLES))
    quota_staff = or_(*(Contest.id.in_(select(Quota.contest_id).where(
        scopes.scope_of(user, role).department_clause(Quota.unit_id))) for role in STAFF_ROLES))
    mine = or_(Contest.chief_judge_id == user.id,
               Contest.id.in_(select(Judge.contest_id).where(Judge.user_id == user.id)),
               Contest.id.in_(select(Entrant.contest_id).where(Entrant.user_id == user.id)))
    published = and_(Contest.status != "draft", or_(city, Contest.organiser_id.in_(above), quota_staff, mine))
    return or_(staff, published)


def can_view(user, contest: Contest) -> bool:
    return bool(db.session.scalar(select(exists().where(Contest.id == contest.id, _visible_clause(user)))))


# --- Pages ----------------------------------------------------------------------------------------------------------


def load_contest(contest_id: int) -> Contest | None:
    from sqlalchemy.orm import joinedload

    return db.session.scalar(select(Contest).options(joinedload(Contest.organiser), joinedload(Contest.chief_judge))
                             .where(Contest.id == contest_id))


def contest_list(user, status: str | None = None):
    """The contests the user may see, newest first, with the organiser's name and the number of entrants."""
    entrants = (select(func.count(Entrant.id)).where(Entrant.contest_id == Contest.id, Entrant.status == "confirmed")
                .correlate(Contest).scalar_subquery())
    stmt = (select(Contest, Department.name, entrants.label("entrants"))
            .join(Department, Department.id == Contest.organiser_id).where(_visible_clause(user))
            .order_by(Contest.held_on.desc(), Contest.id.desc()))
    if status:
        stmt = stmt.where(Contest.status == status)
    return stmt


def items_of(contest_id: int) -> list[Item]:
    return list(db.session.scalars(select(Item).where(Item.contest_id == contest_id)
                                   .order_by(Item.position, Item.id)))


def quotas_of(contest_id: int) -> list[tuple[Quota, str, int, int]]:
    """Each quota with its unit's name, confirmed entrants and waiting applications."""
    confirmed = (select(func.count(Entrant.id)).where(Entrant.contest_id == Quota.contest_id,
                                                      Entrant.unit_id == Quota.unit_id, Entrant.status == "confirmed")
                 .correlate(Quota).scalar_subquery())
    waiting = (select(func.count(Entrant.id)).where(Entrant.contest_id == Quota.contest_id,
                                                    Entrant.unit_id == Quota.unit_id, Entrant.status == "applied")
               .correlate(Quota).scalar_subquery())
    return [tuple(row) for row in db.session.execute(
        select(Quota, Department.name, confirmed, waiting).join(Department, Department.id == Quota.unit_id)
        .where(Quota.contest_id == contest_id).order_by(Department.path))]


def entrants_of(contest_id: int, statuses=("applied", "confirmed")) -> list[tuple[Entrant, User, str]]:
    """Entrants with their person and unit name (names: never for a blind viewer — the views decide)."""
    return [tuple(row) for row in db.session.execute(
        select(Entrant, User, Department.name).join(User, User.id == Entrant.user_id)
        .join(Department, Department.id == Entrant.unit_id)
        .where(Entrant.contest_id == contest_id, Entrant.status.in_(statuses))
        .order_by(Entrant.number.is_(None), Entrant.number, User.employee_no))]


def numbered_entrants(contest_id: int) -> list[Entrant]:
    """Confirmed entrants with their contestant numbers (no names: what a judge's sheet lists)."""
    return list(db.session.scalars(select(Entrant).where(Entrant.contest_id == contest_id,
                                                          Entrant.status == "confirmed", Entrant.number.is_not(None))
                                   .order_by(Entrant.number)))


def panels_of(contest_id: int) -> dict[int, list[tuple[Judge, User]]]:
    """Each item's judges with their person."""
    panels: dict[int, list[tuple[Judge, User]]] = {}
    for judge, person in db.session.execute(select(Judge, User).join(User, User.id == Judge.user_id)
                                            .where(Judge.contest_id == contest_id)
                                            .order_by(Judge.item_id, User.employee_no)):
        panels.setdefault(judge.item_id, []).append((judge, person))
    return panels


def scores_of(contest_id: int) -> list[tuple[Score, Judge]]:
    return [tuple(row) for row in db.session.execute(
        select(Score, Judge).join(Judge, Judge.id == Score.judge_id).where(Judge.contest_id == contest_id))]


def objections_of(contest_id: int) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.contest_id == contest_id)
                                   .order_by(Objection.created_at, Objection.id)))


def organiser_choices(user) -> list[tuple[int, str]]:
    """The units a new contest may be organised by: the nodes of the user's admin and HR scopes, in tree order."""
    held = [scopes.scope_of(user, role) for role in STAFF_ROLES]
    return [(d.id, "\u3000" * d.depth + d.name) for d in department_tree()
            if any(scope.covers_path(d.path) for scope in held)]


def quota_unit_choices(contest: Contest) -> list[tuple[int, str]]:
    """Units that may get a quota: the organiser and the nodes below it (above team level)."""
    organiser = db.session.get(Department, contest.organiser_id)
    return [(d.id, "\u3000" * d.depth + d.name) for d in department_tree()
            if organiser is not None and d.path.startswith(organiser.path) and d.kind != "team"]


def competition_choices(user) -> list[tuple[int, str]]:
    """Running competitions whose organiser lies in the user's admin or HR scope."""
    from blueprints.competitions.models import Competition

    staff = or_(*(scopes.scope_of(user, role).department_clause(Competition.organiser_id) for role in STAFF_ROLES))
    return [(c.id, c.name) for c in db.session.scalars(
        select(Competition).where(Competition.status == "running", staff).order_by(Competition.name))]


def quota_unit_for(contest_id: int, department_id: int | None) -> Quota | None:
    """The deepest unit with a quota that contains the person's department."""
    if department_id is None:
        return None
    path = db.session.scalar(select(Department.path).where(Department.id == department_id))
    ids = ancestor_ids(path or "")
    return db.session.scalar(select(Quota).join(Department, Department.id == Quota.unit_id)
                             .where(Quota.contest_id == contest_id, Quota.unit_id.in_(ids))
                             .order_by(Department.depth.desc()).limit(1))


def my_prizes(user_id: int) -> list[tuple[Entrant, Contest]]:
    """A person's ranked results of contests whose results are out (provisional or final), newest first."""
    return [tuple(row) for row in db.session.execute(
        select(Entrant, Contest).join(Contest, Contest.id == Entrant.contest_id)
        .where(Entrant.user_id == user_id, Entrant.rank.is_not(None), Contest.status.in_(RESULTS_OUT))
        .order_by(Contest.held_on.desc(), Contest.id.desc()))]


def sheets_waiting(user_id: int) -> list[tuple[Contest, Item, Judge]]:
    """A judge's open sheets of contests in scoring."""
    return [tuple(row) for row in db.session.execute(
        select(Contest, Item, Judge).join(Item, Item.id == Judge.item_id).join(Contest, Contest.id == Judge.contest_id)
        .where(Judge.user_id == user_id, Judge.status == "open", Contest.status == "scoring")
        .order_by(Contest.held_on, Item.position))]


def chief_of_scoring(user_id: int) -> list[Contest]:
    return list(db.session.scalars(select(Contest).where(Contest.chief_judge_id == user_id,
                                                         Contest.status.in_(("scoring", "provisional")))))


def my_entries(user_id: int) -> list[tuple[Entrant, Contest]]:
    """A person's entries of contests not yet final."""
    return [tuple(row) for row in db.session.execute(
        select(Entrant, Contest).join(Contest, Contest.id == Entrant.contest_id)
        .where(Entrant.user_id == user_id, Entrant.status != "refused", Contest.status != "final")
        .order_by(Contest.held_on))]


def _quota_units(user, params):
    """The quota form's units (core.pickers): the organiser's subtree above team level, for a manager of the
    contest named in the parameters (anyone else is offered nothing)."""
    contest_id = pickers.as_id(params.get("contest"))
    contest = db.session.get(Contest, contest_id) if contest_id else None
    if contest is None or not manages(user, contest):
        return false()
    organiser_path = select(Department.path).where(Department.id == contest.organiser_id).scalar_subquery()
    return and_(Department.path.startswith(organiser_path), Department.kind != "team")


pickers.department_source("contest-quota-units", _quota_units, params=("contest",))
