"""The recommendation chain (SPEC §7): an awarded suggestion recommended by its enterprise's union for
市级优秀职工创新成果, forwarded or declined by the district or industry union above it, approved or declined by the
city. Each step is one conditional UPDATE (two admins at once decide once), recorded with actor, time, level and
reason, audited, and told to the authors and the next level's admins."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.grants import admins_at
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from blueprints.core.notify import notify_many
from blueprints.core.org import enterprise_of, union_above
from blueprints.core.scopes import covers, scope_of
from blueprints.core.states import Transition, machine
from blueprints.core.types import utcnow
from blueprints.suggestions.labels import RECOMMENDATION_ACTION_LABELS, RECOMMENDATION_STATUS_LABELS
from blueprints.suggestions.models import RecommendationStep, Suggestion, SuggestionRecommendation
from blueprints.suggestions.queries import detail_link, in_admin_scope
from blueprints.suggestions.services.inputs import clean_comment
from blueprints.suggestions.services.transitions import people_ids
from extensions import db

# actor: the level that takes the step. "decline" is one word for the people; the table keeps one row per level.
STEPS = machine(
    Transition("forward", ("recommended",), "forwarded", "union"),
    Transition("union_decline", ("recommended",), "declined", "union", needs_reason=True),
    Transition("approve", ("forwarded",), "approved", "city"),
    Transition("city_decline", ("forwarded",), "declined", "city", needs_reason=True),
)
DECISIONS = ("forward", "decline", "approve")  # what the pages offer
WAITING = ("recommended", "forwarded")

MESSAGES = {
    "recommend": N_("建议 %(serial)s《%(title)s》已被推荐参评市级优秀职工创新成果。"),
    "forward": N_("建议 %(serial)s《%(title)s》已转报市总工会，参评市级优秀职工创新成果。"),
    "decline": N_("建议 %(serial)s《%(title)s》未获推荐为市级优秀职工创新成果：%(reason)s"),
    "approve": N_("建议 %(serial)s《%(title)s》已被评为市级优秀职工创新成果。"),
}
WAITING_MESSAGE = N_("有一条市级优秀职工创新成果推荐待您审核：%(serial)s《%(title)s》")
CHANGED_MEANWHILE = N_("这条推荐刚刚被别人处理了，请刷新页面查看最新情况。")
WRONG_LEVEL = N_("这一步应由%(level)s办理，您没有这一级的管理权限。")


def recommendation_of(suggestion_id: int) -> SuggestionRecommendation | None:
    """The suggestion's recommendation, if it was ever recommended."""
    return db.session.scalar(select(SuggestionRecommendation)
                             .where(SuggestionRecommendation.suggestion_id == suggestion_id))


def steps_of(recommendation: SuggestionRecommendation | None) -> list:
    """The recommendation's dated steps in order, each with the actor's name (for the suggestion page)."""
    if recommendation is None:
        return []
    actor = aliased(User)
    return db.session.execute(
        select(RecommendationStep, actor.name.label("actor_name"))
        .outerjoin(actor, actor.id == RecommendationStep.actor_id)
        .where(RecommendationStep.recommendation_id == recommendation.id)
        .order_by(RecommendationStep.created_at, RecommendationStep.id)).all()


def _may_act_at(user, level: str, recommendation: SuggestionRecommendation) -> bool:
    """Whether the user's admin grants reach the level a step belongs to (a higher level may act for a lower)."""
    if level == "city":
        return scope_of(user, "admin").everything
    if recommendation.union_id is None:
        return scope_of(user, "admin").everything
    return covers(user, "admin", db.session.get(Department, recommendation.union_id))


def can_recommend(user, suggestion: Suggestion) -> bool:
    """The admins of the suggestion's enterprise may recommend an awarded suggestion once."""
    return (suggestion.status == "awarded" and user.has_role("admin") and in_admin_scope(user, suggestion)
            and recommendation_of(suggestion.id) is None)


def decisions_for(user, recommendation: SuggestionRecommendation | None) -> list[str]:
    """The steps (forward, decline, approve) the user may take on the recommendation now."""
    if recommendation is None or recommendation.status not in WAITING or not user.has_role("admin"):
        return []
    level = "union" if recommendation.status == "recommended" else "city"
    if not _may_act_at(user, level, recommendation):
        return []
    return ["forward", "decline"] if level == "union" else ["approve", "decline"]


def _step(recommendation: SuggestionRecommendation, actor, action: str, level: str, reason: str) -> None:
    db.session.add(RecommendationStep(recommendation_id=recommendation.id, actor_id=actor.id, action=action,
                                      level=level, reason=reason))


def _tell(suggestion: Suggestion, actor, message: str, next_level: list[int], reason: str = "") -> None:
    """The authors hear every step; the next level's admins hear that something waits for them."""
    params = {"serial": suggestion.serial or "", "title": suggestion.title}
    notify_many(people_ids(suggestion), message, link=detail_link(suggestion), reason=reason or "—", **params)
    waiting = [uid for uid in next_level if uid != actor.id]
    if waiting:
        notify_many(waiting, WAITING_MESSAGE, link=detail_link(suggestion), **params)


def recommend(suggestion: Suggestion, actor, note: str = "") -> SuggestionRecommendation:
    """Recommend an awarded suggestion of the actor's enterprise for 市级优秀职工创新成果 (co-authors loaded)."""
    if suggestion.status != "awarded":
        raise DomainError(N_("只有已评奖的建议才能推荐参评市级优秀职工创新成果。"))
    if not (actor.has_role("admin") and in_admin_scope(actor, suggestion)):
        raise DomainError(N_("只有建议所在企业的工会管理员可以推荐。"))
    if recommendation_of(suggestion.id) is not None:
        raise DomainError(N_("这条建议已经推荐过了。"))
    department = db.session.get(Department, suggestion.department_id) if suggestion.department_id else None
    enterprise = enterprise_of(department)
    if enterprise is None:
        raise DomainError(N_("这条建议不属于任何企业，不能推荐。"))
    text = clean_comment(note, field_name="reason")
    union = union_above(enterprise)
    # Without a union above it (a portal without a federation), the recommendation goes straight to the city.
    status, level = ("recommended", "union") if union is not None else ("forwarded", "city")
    recommendation = SuggestionRecommendation(
        suggestion_id=suggestion.id, enterprise_id=enterprise.id, union_id=union.id if union else None,
        status=status, level=level, recommended_by_id=actor.id)
    db.session.add(recommendation)
    db.session.flush()
    _step(recommendation, actor, "recommend", level, text)
    audit.record("suggestion.recommend", target=suggestion, actor=actor,
                 detail=f"{suggestion.serial} -> {level} {text}".strip())
    _tell(suggestion, actor, MESSAGES["recommend"],
          admins_at(enterprise, "union" if union is not None else "city"))
    return recommendation


def decide(suggestion: Suggestion, recommendation: SuggestionRecommendation, actor, decision: str,
           reason: str = "") -> None:
    """Forward, decline or approve a waiting recommendation at the actor's level (co-authors loaded)."""
    if decision not in DECISIONS:
        raise DomainError(N_("未知的操作。"))
    if recommendation.status not in WAITING:
        raise DomainError(N_("这条推荐当前是“%(status)s”，不能再%(action)s。"),
                          status=RECOMMENDATION_STATUS_LABELS[recommendation.status],
                          action=RECOMMENDATION_ACTION_LABELS[decision])
    level = "union" if recommendation.status == "recommended" else "city"
    action = f"{level}_decline" if decision == "decline" else decision
    rule = STEPS.get(action)
    if rule is None or not rule.allows(recommendation.status):
        raise DomainError(N_("这条推荐当前是“%(status)s”，不能再%(action)s。"),
                          status=RECOMMENDATION_STATUS_LABELS[recommendation.status],
                          action=RECOMMENDATION_ACTION_LABELS[decision])
    if not _may_act_at(actor, level, recommendation):
        from blueprints.suggestions.labels import RECOMMENDATION_LEVEL_LABELS

        raise DomainError(WRONG_LEVEL, level=str(RECOMMENDATION_LEVEL_LABELS[level]))
    text = clean_comment(reason, N_("请填写不予推荐的理由。") if rule.needs_reason else None, field_name="reason")
    reached = "city" if action == "forward" else level
    changed = db.session.execute(
        update(SuggestionRecommendation)
        .where(SuggestionRecommendation.id == recommendation.id,
               SuggestionRecommendation.status == recommendation.status)
        .values(status=rule.target, level=reached, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.expire(recommendation)
        raise DomainError(CHANGED_MEANWHILE)
    _step(recommendation, actor, decision, reached, text)
    audit.record(f"suggestion.recommend_{decision}", target=suggestion, actor=actor,
                 detail=f"{suggestion.serial} {recommendation.status}->{rule.target} {text}".strip())
    db.session.expire(recommendation)
    _tell(suggestion, actor, MESSAGES[decision], admins_at(None, "city") if action == "forward" else [], text)


def waiting_statement(user):
    """The recommendations waiting for the user's level, oldest first: the city sees what was forwarded to it;
    a district or industry union's admins what their enterprises recommended."""
    scope = scope_of(user, "admin")
    stmt = (select(SuggestionRecommendation, Suggestion.serial, Suggestion.title, Suggestion.grade,
                   Department.name.label("enterprise_name"))
            .join(Suggestion, Suggestion.id == SuggestionRecommendation.suggestion_id)
            .join(Department, Department.id == SuggestionRecommendation.enterprise_id))
    if scope.everything:
        return stmt.where(SuggestionRecommendation.status == "forwarded")
    return stmt.where(SuggestionRecommendation.status == "recommended",
                      scope.department_clause(SuggestionRecommendation.union_id))
