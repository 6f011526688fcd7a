"""Approval along the union chain (SPEC §7): who holds admin over a workshop at which union level, and the city-level
recommendation of an approved enterprise-level workshop: the enterprise union recommends, the district or industry
union forwards or declines, the city (a whole-tree admin) approves or declines. Every step is a conditional UPDATE
(two admins deciding at once decide once), a dated step row, an audit row and notifications. Functions only flush.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from blueprints.core import audit, scopes
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.grants import admins_at
from blueprints.core.i18n import N_
from blueprints.core.models import Department, RoleGrant, User
from blueprints.core.notify import notify_many
from blueprints.core.org import CHAIN_UNIONS, ancestor_ids, union_above
from blueprints.core.states import Transition, machine
from blueprints.core.types import utcnow
from blueprints.workshops.labels import STATUS_LABELS
from blueprints.workshops.models import (
    OPEN_RECOMMENDATION_STATUSES,
    LevelChange,
    Recommendation,
    RecommendationStep,
    Workshop,
)
from blueprints.workshops.queries import admin_covers
from extensions import db

TO_LEVEL = "city"

# The recommendation's status machine. The actor word is the union level that decides in the source status.
CHAIN = machine(
    Transition("forward", ("recommended",), "forwarded", actor="union"),
    Transition("approve", ("forwarded",), "approved", actor="city"),
    Transition("decline", ("recommended", "forwarded"), "declined", actor="union|city", needs_reason=True),
)
DECIDER = {"recommended": "union", "forwarded": "city"}  # which level decides an open recommendation
RECOMMENDATION_LABELS = {
    "recommended": _l("待区县（产业）工会审核"),
    "forwarded": _l("待市总工会审定"),
    "approved": _l("已认定为市级"),
    "declined": _l("未获推荐"),
}
STEP_LABELS = {"recommend": _l("推荐"), "forward": _l("转报"), "approve": _l("认定"), "decline": _l("不予推荐")}

WRONG_STATE = N_("这条推荐当前是“%(status)s”，不能再%(step)s。")
WRONG_LEVEL = {
    "union": N_("这条推荐正等待区县（产业）工会审核，您所在的层级不能处理。"),
    "city": N_("这条推荐由市总工会审定，您所在的层级不能处理。"),
}
REASON_MISSING = N_("不予推荐时请填写原因。")
ALREADY_OPEN = N_("工作室“%(name)s”已经在推荐中了。")
AUDIT_ACTIONS = {"forward": "workshop.recommendation_forwarded", "approve": "workshop.recommendation_approved",
                 "decline": "workshop.recommendation_declined"}


# --- Levels -------------------------------------------------------------------------------------------------------


def _department(department_id: int | None) -> Department | None:
    return db.session.get(Department, department_id) if department_id is not None else None


def union_of(department: Department | None) -> Department | None:
    """The district or industry union above a node (core.org.union_above)."""
    return union_above(department)


def admin_level(user, workshop: Workshop) -> str | None:
    """The highest level at which the user holds admin over the workshop: "city" (a whole-tree admin), "union" (a
    grant on the district or industry union above it), "enterprise" (any other covering grant), or None."""
    scope = scopes.scope_of(user, "admin")
    if scope.everything:
        return "city"
    if not admin_covers(user, workshop):
        return None
    department = _department(workshop.department_id)
    on_union = db.session.scalar(
        select(RoleGrant.id).join(Department, Department.id == RoleGrant.department_id)
        .where(RoleGrant.user_id == user.id, RoleGrant.role == "admin",
               Department.id.in_(ancestor_ids(department.path)), Department.kind.in_(CHAIN_UNIONS)).limit(1))
    return "union" if on_union is not None else "enterprise"


# --- Reading ------------------------------------------------------------------------------------------------------


def open_recommendation(workshop_id: int) -> Recommendation | None:
    """The workshop's recommendation still on its way, if any."""
    return db.session.scalar(select(Recommendation).where(Recommendation.open_workshop_id == workshop_id))


def history(workshop_id: int) -> list[tuple[Recommendation, list]]:
    """Every recommendation of the workshop, newest first, each with its steps (step, actor name) in order: one
    query."""
    rows = db.session.execute(
        select(Recommendation, RecommendationStep, User.name)
        .outerjoin(RecommendationStep, RecommendationStep.recommendation_id == Recommendation.id)
        .outerjoin(User, User.id == RecommendationStep.actor_id)
        .where(Recommendation.workshop_id == workshop_id)
        .order_by(Recommendation.id.desc(), RecommendationStep.acted_at, RecommendationStep.id)).all()
    found: dict[int, tuple[Recommendation, list]] = {}
    for recommendation, step, name in rows:
        entry = found.setdefault(recommendation.id, (recommendation, []))
        if step is not None:
            entry[1].append((step, name))
    return list(found.values())


def open_in(history_rows) -> Recommendation | None:
    """The open recommendation among history()'s rows (saves the profile a query)."""
    return next((r for r, _steps in history_rows if r.open_workshop_id is not None), None)


def waiting_query(user):
    """SELECT (recommendation, workshop, department name, lead name) of the recommendations waiting for the user's
    level: the city sees those forwarded, a district or industry union those recommended in its subtree."""
    stmt = (select(Recommendation, Workshop, Department.name.label("department_name"), User.name.label("lead_name"))
            .join(Workshop, Workshop.id == Recommendation.workshop_id)
            .join(User, User.id == Workshop.lead_id)
            .outerjoin(Department, Department.id == Workshop.department_id)
            .order_by(Recommendation.updated_at, Recommendation.id))
    if scopes.scope_of(user, "admin").everything:
        return stmt.where(Recommendation.status == "forwarded")
    union_paths = list(db.session.scalars(
        select(Department.path).join(RoleGrant, RoleGrant.department_id == Department.id)
        .where(RoleGrant.user_id == user.id, RoleGrant.role == "admin", Department.kind.in_(CHAIN_UNIONS))))
    if not union_paths:
        return stmt.where(False)
    return stmt.where(Recommendation.status == "recommended",
                      or_(*(Department.path.startswith(path) for path in union_paths)))


def waiting_count(user) -> int:
    """How many recommendations wait for the user's level."""
    return db.session.scalar(select(func.count()).select_from(waiting_query(user).order_by(None).subquery())) or 0


def waiting(user) -> list:
    """The rows of waiting_query."""
    return db.session.execute(waiting_query(user)).all()


def can_recommend(user, workshop: Workshop, pending: Recommendation | None) -> bool:
    """An enterprise or union admin over an approved enterprise-level workshop with no recommendation on its way
    (`pending`: the open one, if any)."""
    return (workshop.status == "approved" and workshop.level == "enterprise" and pending is None
            and user.has_role("admin") and admin_level(user, workshop) in ("enterprise", "union"))


def can_decide(user, workshop: Workshop, recommendation: Recommendation | None) -> bool:
    """The open recommendation waits for the user's level."""
    return (recommendation is not None and recommendation.status in DECIDER and user.has_role("admin")
            and admin_level(user, workshop) == DECIDER[recommendation.status])


# --- Steps --------------------------------------------------------------------------------------------------------


def _step(recommendation: Recommendation, action: str, actor: User, reason: str, reached: str) -> None:
    db.session.add(RecommendationStep(recommendation_id=recommendation.id, action=action, actor_id=actor.id,
                                      acted_at=utcnow(), reason=reason, reached=reached))


def recommend(actor: User, workshop: Workshop, reason: str = "") -> Recommendation:
    """The enterprise union recommends an approved enterprise-level workshop for city level. A union admin who
    recommends it themselves sends it straight to the city, and so does an enterprise under no union."""
    if workshop.status != "approved":
        raise DomainError(N_("工作室“%(name)s”当前是“%(status)s”状态，只有已批准的工作室可以推荐。"),
                          name=workshop.name, status=STATUS_LABELS[workshop.status])
    if workshop.level != "enterprise":
        raise DomainError(N_("只有企业级工作室可以推荐参评市级。"))
    level = admin_level(actor, workshop)
    if level == "city":
        raise DomainError(N_("市总工会可以直接调整工作室的级别，无需推荐。"))
    if level is None:
        raise DomainError(N_("这个工作室不在您的管理范围内。"))
    union = union_of(_department(workshop.department_id))
    skips_union = level == "union" or union is None
    if open_recommendation(workshop.id) is not None:
        raise DomainError(ALREADY_OPEN, name=workshop.name)
    recommendation = Recommendation(workshop_id=workshop.id, open_workshop_id=workshop.id,
                                    status="forwarded" if skips_union else "recommended",
                                    from_level=workshop.level, to_level=TO_LEVEL, recommended_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(recommendation)
            db.session.flush()
    except IntegrityError:
        # Another admin recommended it a moment ago: the unique open_workshop_id keeps one.
        raise DomainError(ALREADY_OPEN, name=workshop.name) from None
    reached = "federation" if skips_union else union.kind
    _step(recommendation, "recommend", actor, (reason or "").strip(), reached)
    db.session.flush()
    audit.record("workshop.recommended", target=workshop, actor=actor,
                 detail=f"{workshop.level} -> {TO_LEVEL}; at {reached}")
    link = f"/workshops/{workshop.id}"
    notify_many([workshop.lead_id], N_("您的工作室“%(name)s”已被推荐参评市级工作室。"), link=link, name=workshop.name)
    deciders = admins_at(_department(workshop.department_id), "city" if skips_union else "union")
    notify_many([uid for uid in deciders if uid != actor.id], N_("工作室“%(name)s”被推荐参评市级工作室，请审核。"),
                link="/workshops/review", name=workshop.name)
    return recommendation


def decide(actor: User, workshop: Workshop, recommendation: Recommendation, move: str, reason: str = "") -> None:
    """Forward, approve or decline an open recommendation, at the level it waits for."""
    rule = CHAIN[move]
    source = recommendation.status
    if not rule.allows(source):
        raise DomainError(WRONG_STATE, status=str(RECOMMENDATION_LABELS[source]), step=str(STEP_LABELS[move]))
    needed = DECIDER[source]
    if admin_level(actor, workshop) != needed:
        raise DomainError(WRONG_LEVEL[needed])
    reason = (reason or "").strip()
    if rule.needs_reason and not reason:
        raise DomainError(REASON_MISSING, field="reason")
    values = {"status": rule.target, "updated_at": utcnow()}
    if rule.target not in OPEN_RECOMMENDATION_STATUSES:
        values["open_workshop_id"] = None
    # Conditional on the status read: of two admins deciding at once, one moves the row.
    moved = db.session.execute(update(Recommendation).where(Recommendation.id == recommendation.id,
                                                            Recommendation.status == source)
                               .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(recommendation)
    if moved != 1:
        raise DomainError(WRONG_STATE, status=str(RECOMMENDATION_LABELS[recommendation.status]),
                          step=str(STEP_LABELS[move]))
    if move == "approve":
        _raise_level(actor, workshop, recommendation, reason)
    union = union_of(_department(workshop.department_id))
    reached = union.kind if needed == "union" and union is not None and move == "decline" else "federation"
    _step(recommendation, move, actor, reason, reached)
    db.session.flush()
    audit.record(AUDIT_ACTIONS[move], target=workshop, actor=actor,
                 detail=f"{source} -> {rule.target}" + (f"; reason: {reason}" if reason else ""))
    _tell(actor, workshop, recommendation, move, reason)


def close_on_revoke(actor: User, workshop: Workshop, reason: str) -> None:
    """A revoked workshop's open recommendation ends declined, with the revocation's reason as its last step."""
    recommendation = open_recommendation(workshop.id)
    if recommendation is None:
        return
    source = recommendation.status
    closed = db.session.execute(update(Recommendation).where(Recommendation.id == recommendation.id,
                                                             Recommendation.status == source)
                                .values(status="declined", open_workshop_id=None, updated_at=utcnow())
                                .execution_options(synchronize_session=False)).rowcount
    if closed != 1:
        return  # decided a moment ago by someone else
    union = union_of(_department(workshop.department_id))
    reached = union.kind if source == "recommended" and union is not None else "federation"
    _step(recommendation, "decline", actor, reason, reached)
    db.session.flush()
    audit.record(AUDIT_ACTIONS["decline"], target=workshop, actor=actor, detail=f"{source} -> declined; revoked")


def _raise_level(actor: User, workshop: Workshop, recommendation: Recommendation, reason: str) -> None:
    """The city's approval: the workshop takes the recommended level, recorded as a dated level change."""
    raised = db.session.execute(update(Workshop).where(Workshop.id == workshop.id, Workshop.status == "approved",
                                                       Workshop.level == recommendation.from_level)
                                .values(level=recommendation.to_level)
                                .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(workshop)
    if raised != 1:
        raise DomainError(N_("工作室“%(name)s”的状态或级别已经变化，不能再认定为市级。"), name=workshop.name)
    db.session.add(LevelChange(workshop_id=workshop.id, from_level=recommendation.from_level,
                               to_level=recommendation.to_level, changed_on=local_today(),
                               note=reason, changed_by_id=actor.id))


def _tell(actor: User, workshop: Workshop, recommendation: Recommendation, move: str, reason: str) -> None:
    """The lead and everyone who acted before hear of the step; a forward also tells the city's admins."""
    link = f"/workshops/{workshop.id}"
    earlier = db.session.scalars(select(RecommendationStep.actor_id).where(
        RecommendationStep.recommendation_id == recommendation.id, RecommendationStep.actor_id.is_not(None)))
    concerned = [uid for uid in [workshop.lead_id, *earlier] if uid != actor.id]
    if move == "forward":
        notify_many(concerned, N_("工作室“%(name)s”的市级推荐已转报市总工会。"), link=link, name=workshop.name)
        city = [uid for uid in admins_at(_department(workshop.department_id), "city") if uid != actor.id]
        notify_many(city, N_("工作室“%(name)s”被推荐参评市级工作室，请审定。"), link="/workshops/review",
                    name=workshop.name)
    elif move == "approve":
        notify_many(concerned, N_("工作室“%(name)s”已被认定为市级工作室。"), link=link, name=workshop.name)
    else:
        notify_many(concerned, N_("工作室“%(name)s”的市级推荐未获通过，原因：%(reason)s"), link=link,
                    name=workshop.name, reason=reason)
