"""Moves of the status machine: submit, withdraw, the reviewers' decisions and reassignment, each checked against
TRANSITIONS, recorded in the history and the audit log, and told to the people concerned."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from blueprints.core import audit
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.notify import notify, notify_many
from blueprints.core.types import utcnow
from blueprints.suggestions.labels import ACTION_LABELS, RUBRIC, STATUS_LABELS
from blueprints.suggestions.models import COMMENT_MAX, Suggestion
from blueprints.suggestions.queries import admins_covering, detail_link, workshop_name
from blueprints.suggestions.services import serials
from blueprints.suggestions.services.editing import check_complete, check_workshop
from blueprints.suggestions.services.events import record_event
from blueprints.suggestions.services.inputs import clean_comment, parse_money
from blueprints.suggestions.services.rules import REASSIGNABLE, TRANSITIONS, can, can_reassign
from blueprints.workshops.queries import reviewer_ids
from extensions import db

MAX_BENEFIT = Decimal("10000000000")

# Notification to the author (and co-authors) after each transition; msgids are translated for each reader.
TRANSITION_MESSAGES = {
    "submit": N_("建议《%(title)s》已提交，编号 %(serial)s，等待审核。"),
    "resubmit": N_("建议 %(serial)s《%(title)s》已重新提交，等待审核。"),
    "accept": N_("建议 %(serial)s《%(title)s》已被采纳，评分 %(total)s 分。"),
    "return": N_("建议 %(serial)s《%(title)s》被退回修改：%(comment)s"),
    "reject": N_("建议 %(serial)s《%(title)s》未被采纳：%(comment)s"),
    "implement": N_("建议 %(serial)s《%(title)s》已标记为实施。"),
    "withdraw": N_("建议《%(title)s》已撤回。"),
}
AWARD_MESSAGES = {
    "first": N_("建议 %(serial)s《%(title)s》荣获一等奖，奖金 %(amount)s 元。"),
    "second": N_("建议 %(serial)s《%(title)s》荣获二等奖，奖金 %(amount)s 元。"),
    "third": N_("建议 %(serial)s《%(title)s》荣获三等奖，奖金 %(amount)s 元。"),
    "excellence": N_("建议 %(serial)s《%(title)s》荣获优秀奖，奖金 %(amount)s 元。"),
}
ARRIVAL_MESSAGE = N_("新建议待审核：%(serial)s《%(title)s》")
CHANGED_MEANWHILE = N_("这条建议的状态刚刚被别人改变了，请刷新页面查看最新情况。")


def refusal_for_state(suggestion: Suggestion, action: str) -> DomainError:
    """The refusal of a move the suggestion's status does not allow."""
    return DomainError(N_("这条建议当前是“%(status)s”状态，不能%(action)s。"),
                       status=STATUS_LABELS[suggestion.status], action=ACTION_LABELS[action])


def transition(suggestion: Suggestion, action: str, actor, comment: str = "", **values) -> None:
    """Make one move of the status machine: check it, change the row atomically, record, audit and notify.

    The row changes with `UPDATE … WHERE status = <the status we saw>`: if someone else moved it meanwhile (two
    reviewers, a double click), nothing changes and the caller gets a clear refusal instead of a silent overwrite.
    """
    rule = TRANSITIONS[action]
    if not can(actor, action, suggestion):
        if not rule.allows(suggestion.status):
            raise refusal_for_state(suggestion, action)
        raise DomainError(N_("您没有权限对这条建议执行“%(action)s”。"), action=ACTION_LABELS[action])
    from_status = suggestion.status
    now = utcnow()
    values = {"status": rule.target, "updated_at": now, **values}
    result = db.session.execute(
        update(Suggestion).where(Suggestion.id == suggestion.id, Suggestion.status == from_status)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(suggestion)
        raise DomainError(CHANGED_MEANWHILE)
    for key, value in values.items():
        set_committed_value(suggestion, key, value)
    record_event(suggestion, actor, action, from_status, rule.target, comment)
    audit.record(f"suggestion.{action}", target=suggestion, actor=actor,
                 detail=f"{suggestion.serial or ''} {from_status}->{rule.target} {comment}".strip())
    _notify_people(suggestion, action, actor, comment)


def people_ids(suggestion: Suggestion) -> list[int]:
    """The author, then the co-authors in order (co-authors must be loaded)."""
    return [suggestion.author_id] + [coauthor.user_id for coauthor in suggestion.coauthors]


def _notify_people(suggestion: Suggestion, action: str, actor, comment: str) -> None:
    """Tell the author and co-authors about a move (each reads it in their own language)."""
    params = {"serial": suggestion.serial or "", "title": suggestion.title, "comment": comment or "—",
              "total": suggestion.score_total if suggestion.score_total is not None else ""}
    if action == "award":
        message = AWARD_MESSAGES[suggestion.grade]
        params["amount"] = f"{suggestion.reward_amount:,.2f}"  # thousands separated, like money on the pages
    else:
        message = TRANSITION_MESSAGES[action]
    # The author always hears (a submission receipt carries the serial); co-authors hear what others did.
    recipients = [suggestion.author_id] + [coauthor.user_id for coauthor in suggestion.coauthors
                                           if coauthor.user_id != actor.id]
    notify_many(recipients, message, link=detail_link(suggestion), **params)


def _reviewers_of(suggestion: Suggestion) -> list[int]:
    """Who reviews a suggestion: its workshop's lead and deputies, else the admins whose scope holds it."""
    workshop_id = suggestion.workshop_id
    ids = reviewer_ids(workshop_id) if workshop_id is not None else []
    if not ids:
        # The union reviews suggestions without a workshop, and those whose workshop has no reviewer left.
        ids = admins_covering(suggestion)
    return ids


def _notify_reviewers(suggestion: Suggestion, exclude: Iterable[int] = ()) -> None:
    """Tell the reviewers a suggestion arrived (never its own authors)."""
    skip = set(exclude) | set(people_ids(suggestion))
    ids = [uid for uid in _reviewers_of(suggestion) if uid not in skip]
    notify_many(ids, ARRIVAL_MESSAGE, link=detail_link(suggestion), serial=suggestion.serial, title=suggestion.title)


def submit(suggestion: Suggestion, actor) -> None:
    """Submit a draft (it gets its serial number now) or resubmit a returned suggestion; reviewers are told."""
    action = "resubmit" if suggestion.status == "returned" else "submit"
    if not can(actor, action, suggestion):
        if suggestion.status not in ("draft", "returned"):
            raise refusal_for_state(suggestion, "submit")
        raise DomainError(N_("只有作者本人可以提交这条建议。"))
    check_complete(suggestion)
    check_workshop(suggestion.workshop_id)
    values = {}
    if action == "submit":
        now = utcnow()
        year = serials.competition_year(now)
        values = {"serial": serials.allocate_serial(year), "year": year, "submitted_at": now, "listed_at": now,
                  "department_id": actor.department_id}
    transition(suggestion, action, actor, **values)
    _notify_reviewers(suggestion)


def withdraw(suggestion: Suggestion, actor, comment: str = "") -> None:
    """The author takes the suggestion back (from draft, submitted or returned); its serial is never reused."""
    transition(suggestion, "withdraw", actor, comment=comment.strip()[:COMMENT_MAX])


def check_scores(scores: dict[str, int | None]) -> dict[str, int]:
    """Every rubric score present and within its range; returns them with the total."""
    checked = {}
    for name, label, maximum in RUBRIC:
        value = scores.get(name)
        if value is None:
            raise DomainError(N_("请填写“%(label)s”的评分。"), field=name, label=label)
        if not 0 <= int(value) <= maximum:
            raise DomainError(N_("“%(label)s”的评分必须在 0 到 %(max)s 之间。"), field=name, label=label,
                              max=maximum)
        checked[name] = int(value)
    checked["score_total"] = sum(checked.values())
    return checked


def accept(suggestion: Suggestion, actor, scores: dict[str, int | None], comment: str = "") -> None:
    """Adopt a suggestion with the rubric scores (the total is computed here, never typed)."""
    values = check_scores(scores)
    text = clean_comment(comment)
    transition(suggestion, "accept", actor, comment=text, decided_at=utcnow(), **values)


def return_for_changes(suggestion: Suggestion, actor, comment: str) -> None:
    """Send a suggestion back to its author with a comment saying what to change."""
    text = clean_comment(comment, N_("退回时请写明需要修改的地方。"))
    transition(suggestion, "return", actor, comment=text)


def reject(suggestion: Suggestion, actor, reason: str) -> None:
    """Decline a suggestion, with the reason the author will read."""
    text = clean_comment(reason, N_("不予采纳时请写明理由。"))
    transition(suggestion, "reject", actor, comment=text, decided_at=utcnow())


def implement(suggestion: Suggestion, actor, implemented_on: date | None, annual_benefit, comment: str = "") -> None:
    """Record that an adopted suggestion was put into practice, with the date and the annual benefit in yuan."""
    if implemented_on is None:
        raise DomainError(N_("请填写实施日期。"), field="implemented_on")
    if implemented_on > local_today():
        raise DomainError(N_("实施日期不能晚于今天。"), field="implemented_on")
    benefit = parse_money(annual_benefit, "annual_benefit", MAX_BENEFIT)
    text = clean_comment(comment)
    transition(suggestion, "implement", actor, comment=text, implemented_on=implemented_on, annual_benefit=benefit)


def reassign(suggestion: Suggestion, actor, workshop_id: int | None) -> None:
    """Admins send a waiting suggestion to another approved workshop (or to the union); its new reviewers hear."""
    if not can_reassign(actor, suggestion):
        raise refusal_for_state(suggestion, "reassign")
    if workshop_id == suggestion.workshop_id:
        raise DomainError(N_("这条建议已经由该工作室审核。"), field="workshop_id")
    check_workshop(workshop_id)
    old = suggestion.workshop_id
    # Conditional like a transition: when another admin moved it meanwhile, this request changes, records and
    # tells nothing (two admins choosing the same workshop at once must not announce it twice).
    result = db.session.execute(
        update(Suggestion).where(Suggestion.id == suggestion.id, Suggestion.status.in_(REASSIGNABLE),
                                 Suggestion.workshop_id.is_not_distinct_from(old))
        .values(workshop_id=workshop_id, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(suggestion)
        raise DomainError(CHANGED_MEANWHILE)
    set_committed_value(suggestion, "workshop_id", workshop_id)
    name = workshop_name(workshop_id)
    record_event(suggestion, actor, "reassign", suggestion.status, suggestion.status,
           comment=name or "")
    audit.record("suggestion.reassign", target=suggestion, actor=actor, detail=f"workshop {old} -> {workshop_id}")
    db.session.flush()
    if name:
        notify(suggestion.author_id, N_("建议 %(serial)s《%(title)s》已改由“%(workshop)s”审核。"),
               link=detail_link(suggestion), serial=suggestion.serial, title=suggestion.title, workshop=name)
    else:
        notify(suggestion.author_id, N_("建议 %(serial)s《%(title)s》已改由工会直接审核。"),
               link=detail_link(suggestion), serial=suggestion.serial, title=suggestion.title)
    if suggestion.status == "submitted":
        _notify_reviewers(suggestion, exclude=[actor.id])

