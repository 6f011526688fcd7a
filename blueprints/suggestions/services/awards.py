"""Awards and the reward ledger: the grade the rubric suggests, the reward split to the fen, and paying it out."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import aliased

from blueprints.core import audit
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from blueprints.core.notify import notify
from blueprints.core.people import escape_like
from blueprints.core.scopes import scope_of
from blueprints.core.types import FEN, utcnow
from blueprints.suggestions.models import GRADES, RewardShare, Suggestion
from blueprints.suggestions.queries import admin_clause
from blueprints.suggestions.services.inputs import clean_comment, parse_money
from blueprints.suggestions.services.transitions import people_ids, transition
from blueprints.suggestions.settings import reward_setting
from extensions import db

# Suggested grade from the rubric total: the first threshold reached wins.
GRADE_THRESHOLDS = ((90, "first"), (80, "second"), (70, "third"), (60, "excellence"))
SHARE_TOTAL = 10000  # shares are kept in hundredths of a percent
MAX_REWARD = Decimal("1000000")
LEDGER_ORDER = (RewardShare.created_at, RewardShare.id)  # the ledger page and export: newest first


def suggested_grade(total: int | None) -> str | None:
    """The grade the rubric total suggests: ≥90 first, ≥80 second, ≥70 third, ≥60 excellence, else none."""
    if total is None:
        return None
    for threshold, grade in GRADE_THRESHOLDS:
        if total >= threshold:
            return grade
    return None


def reward_for(grade: str, department_id: int | None = None) -> Decimal:
    """The reward of a grade in yuan, from the settings: the enterprise's own amount when it set one (the
    suggestion's department at submission decides which enterprise pays)."""
    return Decimal(reward_setting(grade, department_id)).quantize(FEN)


def equal_shares(n: int) -> list[int]:
    """n shares in hundredths of a percent summing to 100 %; the leftover goes to the first person (the author)."""
    base = SHARE_TOTAL // n
    shares = [base] * n
    shares[0] += SHARE_TOTAL - base * n
    return shares


def split_reward(amount: Decimal, shares: Sequence[int]) -> list[Decimal]:
    """Split `amount` by `shares` (hundredths of a percent, summing to 10000) to the fen: every part is rounded
    down and the leftover fen go to the first person (the author), so the parts always add up to the amount."""
    if sum(shares) != SHARE_TOTAL:
        raise ValueError("shares must sum to 10000")
    fen = int((amount * 100).to_integral_value())
    parts = [fen * share // SHARE_TOTAL for share in shares]
    parts[0] += fen - sum(parts)
    return [(Decimal(p) / 100).quantize(FEN) for p in parts]


def parse_share(raw: str | None) -> int:
    """A percentage typed by a person ("33.33") as hundredths of a percent; raises ValueError when not one."""
    text = (raw or "").strip().rstrip("%").strip()
    value = Decimal(text)
    if not value.is_finite() or value < 0 or value > 100 or value != value.quantize(Decimal("0.01"),
                                                                                  rounding=ROUND_DOWN):
        raise ValueError(text)
    return int(value * 100)


def award(suggestion: Suggestion, actor, grade: str, amount, shares: dict[int, int], reason: str = "") -> None:
    """Grade and reward an implemented suggestion and write the ledger lines, one per author and co-author.

    Choosing another grade than the rubric suggests, or another amount than the grade's setting, needs a reason.
    """
    if grade not in GRADES:
        raise DomainError(N_("请选择奖励等级。"), field="grade")
    value = parse_money(amount, "amount", MAX_REWARD)
    if value <= 0:
        raise DomainError(N_("奖金必须大于 0。"), field="amount")
    suggested = suggested_grade(suggestion.score_total)
    text = clean_comment(reason)
    if (grade != suggested or value != reward_for(grade, suggestion.department_id)) and not text:
        raise DomainError(N_("所选等级或金额与建议值不同，请填写调整理由。"), field="reason")
    people = people_ids(suggestion)
    if set(shares) != set(people):
        raise DomainError(N_("奖金分配必须包含作者和全部合作者。"), field="shares")
    ordered = [shares[uid] for uid in people]
    if any(share < 0 for share in ordered) or sum(ordered) != SHARE_TOTAL:
        raise DomainError(N_("各人分配比例之和必须正好是 100%%，现在是 %(sum)s%%。"), field="shares",
                          sum=percent(sum(ordered)))
    amounts = split_reward(value, ordered)
    now = utcnow()
    transition(suggestion, "award", actor, comment=text, grade=grade, suggested_grade=suggested,
               grade_reason=text or None, reward_amount=value, awarded_at=now, awarded_by_id=actor.id)
    db.session.add_all(RewardShare(kind="suggestion", suggestion_id=suggestion.id,
                                   department_id=suggestion.department_id, user_id=uid, share_bp=share, amount=part,
                                   approved_by_id=actor.id, status="pending", created_at=now)
                       for uid, share, part in zip(people, ordered, amounts, strict=True))
    audit.record("suggestion.reward_ledger", target=suggestion, actor=actor,
                 detail="; ".join(f"user {uid}: {part}" for uid, part in zip(people, amounts, strict=True)))


def percent(bp: int) -> str:
    """Hundredths of a percent as a person writes the percentage: 3333 -> "33.33", 5000 -> "50"."""
    return f"{Decimal(bp) / 100:.2f}".rstrip("0").rstrip(".")


def amount_refusal(raw) -> str | None:
    """Why a typed reward amount cannot be used, in the user's language; None when it can (for the live preview)."""
    try:
        parse_money(raw, "amount", MAX_REWARD)
    except DomainError as error:
        return str(error)
    return None


def mark_paid(share_ids: Iterable[int], actor, paid_on: date) -> tuple[int, int]:
    """Mark pending ledger lines paid on `paid_on`; returns (paid now, skipped because already paid or unknown)."""
    ids = list(dict.fromkeys(int(i) for i in share_ids))
    if not ids:
        raise DomainError(N_("请先勾选要标记为已发放的记录。"))
    if lines_out_of_scope(actor, ids):
        raise DomainError(N_("所选记录中有不属于您管理范围的奖金，未做任何处理。"))
    if paid_on > local_today():
        raise DomainError(N_("发放日期不能晚于今天。"), field="paid_on")
    rows = db.session.execute(
        select(RewardShare.id, RewardShare.user_id, RewardShare.amount, RewardShare.kind, RewardShare.hazard_id,
               RewardShare.reference, Suggestion.id.label("suggestion_id"), Suggestion.serial)
        .outerjoin(Suggestion, Suggestion.id == RewardShare.suggestion_id)
        .where(RewardShare.id.in_(ids), RewardShare.status == "pending", ledger_clause(actor))
        .order_by(RewardShare.id)).all()
    if not rows:
        return 0, len(ids)
    # Another admin may be paying the same lines right now: only the lines this UPDATE changed are told and
    # audited, so a line paid once is announced once (QUALITY §13).
    changed = set(db.session.scalars(
        update(RewardShare).where(RewardShare.id.in_([row.id for row in rows]), RewardShare.status == "pending")
        .values(status="paid", paid_on=paid_on, paid_by_id=actor.id).returning(RewardShare.id)
        .execution_options(synchronize_session=False)))
    paid = [row for row in rows if row.id in changed]
    for row in paid:
        if row.kind == "suggestion":
            notify(row.user_id, N_("您在建议 %(serial)s 中的奖金 %(amount)s 元已发放。"),
                   link=f"/suggestions/{row.suggestion_id}",
                   serial=row.serial, amount=f"{row.amount:,.2f}")
        else:
            notify(row.user_id, N_("您报告的隐患 %(serial)s 的奖金 %(amount)s 元已发放。"),
                   link=f"/safety/hazards/{row.hazard_id}", serial=row.reference, amount=f"{row.amount:,.2f}")
    if paid:
        audit.record("suggestion.reward_paid", actor=actor,
                     detail=f"ledger ids {','.join(str(row.id) for row in paid)} paid on {paid_on.isoformat()}")
    return len(paid), len(ids) - len(paid)


def lines_out_of_scope(actor, share_ids: Iterable[int]) -> list[int]:
    """The ids among `share_ids` of existing ledger lines outside the actor's admin scope (ledger_clause)."""
    ids = list(share_ids)
    if not ids:
        return []
    return list(db.session.scalars(
        select(RewardShare.id).outerjoin(Suggestion, Suggestion.id == RewardShare.suggestion_id)
        .where(RewardShare.id.in_(ids), ~ledger_clause(actor)).order_by(RewardShare.id)))


def ledger_clause(actor):
    """SQL (over the ledger outer-joined to suggestions): the line lies in the actor's admin scope — a suggestion's
    line like its suggestion (admin_clause), any other line by the unit that pays it (SPEC §7: each enterprise keeps
    its own ledger)."""
    scope = scope_of(actor, "admin")
    if scope.everything or scope.empty:
        return admin_clause(actor)
    return or_(and_(RewardShare.kind == "suggestion", admin_clause(actor)),
               and_(RewardShare.kind != "suggestion", scope.department_clause(RewardShare.department_id)))


# --- The ledger page ------------------------------------------------------------------------------------------------


@dataclass
class LedgerFilters:
    """What the ledger page filters on."""

    status: str = ""
    q: str = ""
    year: int | None = None
    kind: str = ""


def _enterprise_name(suggestion_department):
    """SQL: the name of the enterprise the suggestion's department belongs to (core.org.enterprise_of, per row)."""
    enterprise = aliased(Department)
    return (select(enterprise.name)
            .where(enterprise.kind == "enterprise", suggestion_department.path.startswith(enterprise.path))
            .order_by(enterprise.depth.desc()).limit(1).correlate(suggestion_department).scalar_subquery())


def ledger_statement(actor, filters: LedgerFilters):
    """Ledger lines of every kind with what they pay for, person, department, enterprise and approver, in one
    query; only the lines in the actor's admin scope (each enterprise keeps its own ledger, ledger_clause)."""
    approver = aliased(User)
    origin = aliased(Department)
    serial = func.coalesce(Suggestion.serial, RewardShare.reference)
    stmt = (select(RewardShare, serial.label("serial"), func.coalesce(Suggestion.title, RewardShare.subject)
                   .label("title"), Suggestion.grade,
                   func.coalesce(Suggestion.awarded_at, RewardShare.created_at).label("awarded_at"),
                   User.name.label("name"), User.employee_no.label("employee_no"),
                   Department.name.label("department_name"), approver.name.label("approver_name"),
                   _enterprise_name(origin).label("enterprise_name"))
            .outerjoin(Suggestion, Suggestion.id == RewardShare.suggestion_id)
            .join(User, User.id == RewardShare.user_id)
            .outerjoin(Department, Department.id == User.department_id)
            .outerjoin(origin, origin.id == func.coalesce(Suggestion.department_id, RewardShare.department_id))
            .outerjoin(approver, approver.id == RewardShare.approved_by_id)
            .where(ledger_clause(actor)))
    if filters.status:
        stmt = stmt.where(RewardShare.status == filters.status)
    if filters.kind:
        stmt = stmt.where(RewardShare.kind == filters.kind)
    if filters.year:
        stmt = stmt.where(or_(Suggestion.year == filters.year,
                              and_(RewardShare.kind != "suggestion",
                                   func.extract("year", RewardShare.created_at) == filters.year)))
    text = filters.q.strip()
    if text:
        pattern = f"%{escape_like(text)}%"
        stmt = stmt.where(User.name.ilike(pattern, escape="\\") | User.employee_no.ilike(pattern, escape="\\")
                          | serial.ilike(pattern, escape="\\"))
    return stmt


def ledger_export_rows(actor, filters: LedgerFilters, limit: int):
    """The filtered ledger for a spreadsheet, newest first, streamed (at most `limit` rows), in the actor's scope."""
    stmt = ledger_statement(actor, filters).order_by(*(column.desc() for column in LEDGER_ORDER)).limit(limit)
    yield from db.session.execute(stmt.execution_options(yield_per=500))
