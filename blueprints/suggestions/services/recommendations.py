"""The recommendation of an awarded suggestion for 市级优秀职工创新成果 (SPEC §7): the suggestion's adapter to the one
recommendation chain in core.chain (levels, guarded steps, dated history, notifications, "waiting for my level").
Here: the suggestion's tables (one recommendation per suggestion; a declined one stays declined), its texts, and the
people told — the authors. The city's approval is the mark itself: the recommendation's status `approved` is what
the pages show as 已评为市级优秀职工创新成果."""
from __future__ import annotations

from sqlalchemy import select

from blueprints.core import chain as core_chain
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department
from blueprints.core.org import enterprise_of
from blueprints.suggestions.labels import RECOMMENDATION_ACTION_LABELS, RECOMMENDATION_STATUS_LABELS
from blueprints.suggestions.models import RecommendationStep, Suggestion, SuggestionRecommendation
from blueprints.suggestions.queries import detail_link
from blueprints.suggestions.services.inputs import clean_comment
from blueprints.suggestions.services.transitions import people_ids
from extensions import db

DECISIONS = ("forward", "decline", "approve")  # what the pages offer
WAITING_MESSAGE = N_("有一条市级优秀职工创新成果推荐待您审核：%(serial)s《%(title)s》")


class SuggestionChain(core_chain.ChainAdapter):
    """Awarded suggestion → 市级优秀职工创新成果: `suggestion_recommendations` (unique per suggestion, with the
    enterprise and union recorded) and `suggestion_recommendation_steps` (the level reached as union/city)."""

    domain = "suggestions"
    model = SuggestionRecommendation
    step_model = RecommendationStep
    step_time = "created_at"
    subject_key = "suggestion_id"
    status_labels = RECOMMENDATION_STATUS_LABELS
    step_labels = RECOMMENDATION_ACTION_LABELS
    outside = N_("只有建议所在企业的工会管理员可以推荐。")
    wrong_level = {"union": N_("这一步应由区县（产业）工会办理，您没有这一级的管理权限。"),
                   "city": N_("这一步应由市总工会办理，您没有这一级的管理权限。")}
    told = {
        "recommend": N_("建议 %(serial)s《%(title)s》已被推荐参评市级优秀职工创新成果。"),
        "forward": N_("建议 %(serial)s《%(title)s》已转报市总工会，参评市级优秀职工创新成果。"),
        "decline": N_("建议 %(serial)s《%(title)s》未获推荐为市级优秀职工创新成果：%(reason)s"),
        "approve": N_("建议 %(serial)s《%(title)s》已被评为市级优秀职工创新成果。"),
    }
    waiting_message = {"recommend": WAITING_MESSAGE, "forward": WAITING_MESSAGE}
    audit_actions = {"recommend": "suggestion.recommend", "forward": "suggestion.recommend_forward",
                     "approve": "suggestion.recommend_approve", "decline": "suggestion.recommend_decline"}

    def department(self, subject: Suggestion) -> Department | None:
        return db.session.get(Department, subject.department_id) if subject.department_id is not None else None

    def check_recommend(self, actor, subject: Suggestion, level: str) -> None:
        if subject.status != "awarded":
            raise DomainError(N_("只有已评奖的建议才能推荐参评市级优秀职工创新成果。"))
        if recommendation_of(subject.id) is not None:
            raise DomainError(N_("这条建议已经推荐过了。"))
        if subject.department_id is None or enterprise_of(self.department(subject)) is None:
            raise DomainError(N_("这条建议不属于任何企业，不能推荐。"))

    def new_record(self, subject: Suggestion, actor, status, level, enterprise, union) -> SuggestionRecommendation:
        return SuggestionRecommendation(suggestion_id=subject.id, enterprise_id=enterprise.id,
                                        union_id=union.id if union is not None else None, status=status, level=level,
                                        recommended_by_id=actor.id)

    def new_step(self, record, move, actor, reason, level, union) -> RecommendationStep:
        return RecommendationStep(recommendation_id=record.id, actor_id=actor.id, action=move, level=level,
                                  reason=reason)

    def moved_values(self, target: str, level: str) -> dict:
        return {"level": level}

    def owners(self, subject: Suggestion) -> list[int]:
        return people_ids(subject)

    def params(self, subject: Suggestion) -> dict:
        return {"serial": subject.serial or "", "title": subject.title}

    def link(self, subject: Suggestion) -> str:
        return detail_link(subject)

    def audit_prefix(self, subject: Suggestion) -> str:
        return f"{subject.serial} "

    def clean_reason(self, text: str | None, required: bool) -> str:
        return clean_comment(text, N_("请填写不予推荐的理由。") if required else None, field_name="reason")

    def waiting_base(self):
        """(recommendation, serial, title, grade, enterprise name); the enterprise is the node filtered by level."""
        return (select(SuggestionRecommendation, Suggestion.serial, Suggestion.title, Suggestion.grade,
                       Department.name.label("enterprise_name"))
                .join(Suggestion, Suggestion.id == SuggestionRecommendation.suggestion_id)
                .join(Department, Department.id == SuggestionRecommendation.enterprise_id))


ADAPTER = SuggestionChain()


def recommendation_of(suggestion_id: int) -> SuggestionRecommendation | None:
    """The suggestion's recommendation, if it was ever recommended."""
    return db.session.scalar(select(SuggestionRecommendation)
                             .where(SuggestionRecommendation.suggestion_id == suggestion_id))


def recommendation_with_steps(suggestion_id: int) -> tuple[SuggestionRecommendation | None, list]:
    """The recommendation and its dated (step, actor name) rows in order: one query (core.chain.history)."""
    found = core_chain.history(ADAPTER, suggestion_id)
    return found[0] if found else (None, [])


def steps_of(recommendation: SuggestionRecommendation | None) -> list:
    """The recommendation's dated steps in order, each with the actor's name."""
    if recommendation is None:
        return []
    return recommendation_with_steps(recommendation.suggestion_id)[1]


def can_recommend(user, suggestion: Suggestion) -> bool:
    """The admins of the suggestion's enterprise (or above) may recommend an awarded suggestion once."""
    return suggestion.status == "awarded" and core_chain.can_recommend(ADAPTER, user, suggestion)


def decisions_for(user, recommendation: SuggestionRecommendation | None, suggestion: Suggestion | None = None
                  ) -> list[str]:
    """The steps (forward, decline, approve) the user may take on the recommendation now."""
    if recommendation is None:
        return []
    if suggestion is None:
        suggestion = db.session.get(Suggestion, recommendation.suggestion_id)
    return list(core_chain.moves_for(ADAPTER, user, suggestion, recommendation))


def recommend(suggestion: Suggestion, actor, note: str = "") -> SuggestionRecommendation:
    """Recommend an awarded suggestion for 市级优秀职工创新成果 (co-authors loaded)."""
    return core_chain.recommend(ADAPTER, actor, suggestion, note)


def decide(suggestion: Suggestion, recommendation: SuggestionRecommendation, actor, decision: str,
           reason: str = "") -> None:
    """Forward, decline or approve a waiting recommendation at the actor's level (co-authors loaded)."""
    core_chain.decide(ADAPTER, actor, suggestion, recommendation, decision, reason)


def waiting_statement(user):
    """The recommendations waiting for the user's level (core.chain.waiting_statement)."""
    return core_chain.waiting_statement(ADAPTER, user)


def waiting_count(user) -> int:
    """How many recommendations wait for the user's level (my space)."""
    return core_chain.waiting_count(ADAPTER, user)
