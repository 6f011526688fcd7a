"""The city-level recommendation of an approved enterprise-level workshop (SPEC §7): the workshop's adapter to the
one recommendation chain in core.chain (levels, guarded steps, dated history, notifications, "waiting for my level").
Here: the workshop's tables, its texts, and what the city's approval does — the workshop takes city level, recorded
as a dated level change. Functions only flush.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from blueprints.core import chain as core_chain
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from blueprints.core.types import utcnow
from blueprints.workshops.labels import STATUS_LABELS
from blueprints.workshops.models import LevelChange, Recommendation, RecommendationStep, Workshop
from extensions import db

TO_LEVEL = "city"
CHAIN = core_chain.MOVES
DECIDER = core_chain.DECIDER
RECOMMENDATION_LABELS = {
    "recommended": _l("待区县（产业）工会审核"),
    "forwarded": _l("待市总工会审定"),
    "approved": _l("已认定为市级"),
    "declined": _l("未获推荐"),
}
STEP_LABELS = {"recommend": _l("推荐"), "forward": _l("转报"), "approve": _l("认定"), "decline": _l("不予推荐")}
ALREADY_OPEN = N_("工作室“%(name)s”已经在推荐中了。")


class WorkshopChain(core_chain.ChainAdapter):
    """Workshop → city level: `workshop_recommendations` (open_workshop_id keeps one open recommendation per
    workshop) and `workshop_recommendation_steps` (the level reached stored as an organisation kind)."""

    domain = "workshops"
    model = Recommendation
    step_model = RecommendationStep
    step_time = "acted_at"
    subject_key = "workshop_id"
    recommending_levels = ("enterprise", "union")  # the city changes a level directly, without a recommendation
    status_labels = RECOMMENDATION_LABELS
    step_labels = STEP_LABELS
    outside = N_("这个工作室不在您的管理范围内。")
    told = {
        "recommend": N_("您的工作室“%(name)s”已被推荐参评市级工作室。"),
        "forward": N_("工作室“%(name)s”的市级推荐已转报市总工会。"),
        "approve": N_("工作室“%(name)s”已被认定为市级工作室。"),
        "decline": N_("工作室“%(name)s”的市级推荐未获通过，原因：%(reason)s"),
    }
    waiting_message = {"recommend": N_("工作室“%(name)s”被推荐参评市级工作室，请审核。"),
                       "forward": N_("工作室“%(name)s”被推荐参评市级工作室，请审定。")}
    audit_actions = {"recommend": "workshop.recommended", "forward": "workshop.recommendation_forwarded",
                     "approve": "workshop.recommendation_approved", "decline": "workshop.recommendation_declined"}

    def department(self, subject: Workshop) -> Department | None:
        return db.session.get(Department, subject.department_id) if subject.department_id is not None else None

    def check_recommend(self, actor, subject: Workshop, level: str) -> None:
        if subject.status != "approved":
            raise DomainError(N_("工作室“%(name)s”当前是“%(status)s”状态，只有已批准的工作室可以推荐。"),
                              name=subject.name, status=STATUS_LABELS[subject.status])
        if subject.level != "enterprise":
            raise DomainError(N_("只有企业级工作室可以推荐参评市级。"))
        if level == "city":
            raise DomainError(N_("市总工会可以直接调整工作室的级别，无需推荐。"))
        if open_recommendation(subject.id) is not None:
            raise DomainError(ALREADY_OPEN, name=subject.name)

    def new_record(self, subject: Workshop, actor, status, level, enterprise, union) -> Recommendation:
        return Recommendation(workshop_id=subject.id, open_workshop_id=subject.id, status=status,
                              from_level=subject.level, to_level=TO_LEVEL, recommended_by_id=actor.id)

    def new_step(self, record, move, actor, reason, level, union) -> RecommendationStep:
        reached = union.kind if level == "union" and union is not None else "federation"
        return RecommendationStep(recommendation_id=record.id, action=move, actor_id=actor.id, acted_at=utcnow(),
                                  reason=reason, reached=reached)

    def moved_values(self, target: str, level: str) -> dict:
        return {} if target in core_chain.OPEN_STATUSES else {"open_workshop_id": None}

    def on_approve(self, actor, subject: Workshop, record: Recommendation, reason: str) -> None:
        """The workshop takes the recommended level, recorded as a dated level change."""
        raised = db.session.execute(update(Workshop).where(Workshop.id == subject.id, Workshop.status == "approved",
                                                           Workshop.level == record.from_level)
                                    .values(level=record.to_level)
                                    .execution_options(synchronize_session=False)).rowcount
        db.session.refresh(subject)
        if raised != 1:
            raise DomainError(N_("工作室“%(name)s”的状态或级别已经变化，不能再认定为市级。"), name=subject.name)
        db.session.add(LevelChange(workshop_id=subject.id, from_level=record.from_level, to_level=record.to_level,
                                   changed_on=local_today(), note=reason, changed_by_id=actor.id))

    def owners(self, subject: Workshop) -> list[int]:
        return [subject.lead_id]

    def params(self, subject: Workshop) -> dict:
        return {"name": subject.name}

    def link(self, subject: Workshop) -> str:
        return f"/workshops/{subject.id}"

    def waiting_link(self, subject: Workshop) -> str:
        return "/workshops/review"

    def audit_prefix(self, subject: Workshop) -> str:
        return f"{subject.level} -> {TO_LEVEL}: "

    def waiting_base(self):
        """(recommendation, workshop, department name, lead name), oldest first."""
        return (select(Recommendation, Workshop, Department.name.label("department_name"),
                       User.name.label("lead_name"))
                .join(Workshop, Workshop.id == Recommendation.workshop_id)
                .join(User, User.id == Workshop.lead_id)
                .outerjoin(Department, Department.id == Workshop.department_id)
                .order_by(Recommendation.updated_at, Recommendation.id))


ADAPTER = WorkshopChain()


def admin_level(user, workshop: Workshop) -> str | None:
    """The level at which the user holds admin over the workshop (core.chain.acting_level)."""
    return core_chain.acting_level(user, ADAPTER.department(workshop))


def open_recommendation(workshop_id: int) -> Recommendation | None:
    """The workshop's recommendation still on its way, if any."""
    return db.session.scalar(select(Recommendation).where(Recommendation.open_workshop_id == workshop_id))


def history(workshop_id: int) -> list[tuple[Recommendation, list]]:
    """Every recommendation of the workshop, newest first, with its (step, actor name) rows: one query."""
    return core_chain.history(ADAPTER, workshop_id)


open_in = core_chain.open_in


def waiting_query(user):
    """SELECT (recommendation, workshop, department name, lead name) of those waiting for the user's level."""
    return core_chain.waiting_statement(ADAPTER, user)


def waiting_count(user) -> int:
    """How many recommendations wait for the user's level."""
    return core_chain.waiting_count(ADAPTER, user)


def waiting(user) -> list:
    """The rows of waiting_query."""
    return db.session.execute(waiting_query(user)).all()


def can_recommend(user, workshop: Workshop, pending: Recommendation | None) -> bool:
    """An enterprise or union admin over an approved enterprise-level workshop with no recommendation on its way."""
    return (pending is None and workshop.status == "approved" and workshop.level == "enterprise"
            and user.has_role("admin") and admin_level(user, workshop) in ADAPTER.recommending_levels)


def can_decide(user, workshop: Workshop, recommendation: Recommendation | None) -> bool:
    """The open recommendation waits for the user's level."""
    return bool(core_chain.moves_for(ADAPTER, user, workshop, recommendation))


def recommend(actor: User, workshop: Workshop, reason: str = "") -> Recommendation:
    """Recommend an approved enterprise-level workshop for city level (core.chain.recommend)."""
    return core_chain.recommend(ADAPTER, actor, workshop, reason)


def decide(actor: User, workshop: Workshop, recommendation: Recommendation, move: str, reason: str = "") -> None:
    """Forward, approve or decline an open recommendation, at the level it waits for."""
    core_chain.decide(ADAPTER, actor, workshop, recommendation, move, reason)


def close_on_revoke(actor: User, workshop: Workshop, reason: str) -> None:
    """A revoked workshop's open recommendation ends declined, with the revocation's reason as its last step."""
    recommendation = open_recommendation(workshop.id)
    if recommendation is not None:
        core_chain.close(ADAPTER, actor, workshop, recommendation, reason)
