"""Business rules of the hazard reports: reporting, triage, rectification, verification, rewards, reminders.

Every move is one conditional UPDATE on the report's status (from the move's sources to its target), so two officers
acting at once make one decision and the second is told the report has moved on. Services only flush.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from blueprints.core import audit
from blueprints.core.clock import local_today, local_year
from blueprints.core.counters import reserve
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department
from blueprints.core.notify import notify, notify_many
from blueprints.core.states import Transition, can_move, machine
from blueprints.core.types import FEN, utcnow
from blueprints.rewards.models import RewardLine
from blueprints.safety import queries
from blueprints.safety.models import (
    DESCRIPTION_MAX,
    GRADES,
    KINDS,
    PLACE_MAX,
    SERIAL_SERIES,
    TEXT_MAX,
    HazardEvent,
    HazardReport,
)
from blueprints.safety.photos import CheckedPhoto, store_photo
from blueprints.safety.settings import reward_setting
from extensions import db

# Actor words: "officer" (a safety officer whose scope covers the place), "rectifier" (the officer or a person of
# the responsible department).
TRANSITIONS = machine(
    Transition("confirm", ("reported",), "confirmed", "officer"),
    Transition("dismiss", ("reported",), "not_a_hazard", "officer", needs_reason=True),
    Transition("duplicate", ("reported",), "duplicate", "officer", needs_reason=True),
    Transition("assign", ("confirmed",), "rectifying", "officer"),
    Transition("close", ("rectifying",), "rectified", "rectifier"),
    Transition("verify", ("rectified",), "verified", "officer"),
    Transition("reopen", ("rectified",), "rectifying", "officer", needs_reason=True),
)


@dataclass
class ReportInput:
    """What a worker typed on the report form."""

    department_id: int | None
    place: str
    kind: str
    description: str
    proposed_severity: str
    competition_id: int | None = None


def can(user, action: str, hazard: HazardReport) -> bool:
    """Whether the user may make the move now (status and role; used by views and templates)."""
    rule = TRANSITIONS.get(action)
    if rule is None or not can_move(TRANSITIONS, action, hazard.status):
        return False
    if queries.is_officer(user, hazard):
        return True
    return rule.actor == "rectifier" and queries.is_rectifier(user, hazard)


def _text(value: str | None, limit: int, field: str, required: str | None = None) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(required, field=field)
    if len(text) > limit:
        raise DomainError(N_("内容过长：最多 %(n)s 个字。"), field=field, n=limit)
    return text


def _check_report(user, data: ReportInput) -> tuple[str, str, int | None]:
    if data.kind not in KINDS:
        raise DomainError(N_("请选择隐患类别。"), field="kind")
    if data.proposed_severity not in GRADES:
        raise DomainError(N_("请选择您估计的严重程度。"), field="proposed_severity")
    home = queries.home_path(user)
    path = db.session.scalar(select(Department.path).where(Department.id == data.department_id)) \
        if data.department_id else None
    if not home:
        raise DomainError(N_("您的账号不属于任何企业，不能报告隐患。"), field="department_id")
    if path is None or not path.startswith(home):
        raise DomainError(N_("请选择本企业的一个部门作为隐患地点。"), field="department_id")
    place = _text(data.place, PLACE_MAX, "place")
    description = _text(data.description, DESCRIPTION_MAX, "description", N_("请描述隐患的情况。"))
    competition_id = data.competition_id or None
    if competition_id is not None and competition_id not in {c.id for c in queries.running_ankang(user)}:
        raise DomainError(N_("只能归入正在进行的本企业可参加的安康杯竞赛。"), field="competition_id")
    return place, description, competition_id


def report(user, data: ReportInput, photos: list[CheckedPhoto]) -> HazardReport:
    """File a hazard report with its photos (checked by the caller with photos.read_photos) and tell the safety
    officers of the place (without naming the reporter)."""
    place, description, competition_id = _check_report(user, data)
    year = local_year()
    number = reserve(SERIAL_SERIES, year)[0]
    hazard = HazardReport(serial=f"YH-{year}-{number:04d}", reporter_id=user.id, department_id=data.department_id,
                          place=place, kind=data.kind, description=description,
                          proposed_severity=data.proposed_severity, competition_id=competition_id,
                          status="reported")
    db.session.add(hazard)
    db.session.flush()
    for photo in photos:
        store_photo(photo, hazard.id, "report")
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=user.id, action="report", from_status=None,
                               to_status="reported"))
    audit.record("safety.report", target=hazard, actor=user, detail=hazard.serial)
    notify_many(queries.officers_covering(hazard.department_id), N_("新的隐患报告 %(serial)s 待核实。"),
                link=f"/safety/hazards/{hazard.id}", serial=hazard.serial)
    return hazard


def _move(hazard: HazardReport, action: str, actor, comment: str = "", **values) -> None:
    """Make the move with one conditional UPDATE; refuse when the report has moved on meanwhile."""
    rule = TRANSITIONS[action]
    if not can(actor, action, hazard):
        raise DomainError(N_("该报告当前不能执行此操作（可能已被他人处理），请刷新页面。"))
    now = utcnow()
    done = db.session.execute(
        update(HazardReport).where(HazardReport.id == hazard.id, HazardReport.status.in_(rule.sources))
        .values(status=rule.target, updated_at=now, **values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise DomainError(N_("该报告已被他人处理，请刷新页面查看最新状态。"))
    source = hazard.status
    db.session.refresh(hazard)
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=actor.id, action=action, from_status=source,
                               to_status=rule.target, comment=comment, created_at=now))
    audit.record(f"safety.{action}", target=hazard, actor=actor, detail=f"{hazard.serial}: {comment}"[:500])


def reward_for(grade: str, department_id: int | None) -> Decimal:
    """The reward of a grade in yuan for a report of this place (the enterprise's own amount when it set one)."""
    return Decimal(reward_setting(grade, department_id)).quantize(FEN)


def confirm(hazard: HazardReport, actor, grade: str | None, comment: str = "") -> None:
    """Confirm the hazard with a grade and put the reporter's reward for that grade in the reward ledger."""
    if grade not in GRADES:
        raise DomainError(N_("确认隐患时必须选择隐患等级。"), field="grade")
    text = _text(comment, TEXT_MAX, "comment")
    amount = reward_for(grade, hazard.department_id)
    _move(hazard, "confirm", actor, text, grade=grade, triaged_by_id=actor.id, triaged_at=utcnow(),
          reward_amount=amount)
    if amount > 0:
        db.session.add(RewardLine(kind="hazard", hazard_id=hazard.id, department_id=hazard.department_id,
                                  reference=hazard.serial, subject=hazard.description[:80], user_id=hazard.reporter_id,
                                  share_bp=10000, amount=amount, approved_by_id=actor.id, status="pending"))
        audit.record("safety.reward_ledger", target=hazard, actor=actor, detail=f"{hazard.serial}: {amount}")
    notify(hazard.reporter_id, N_("您报告的隐患 %(serial)s 已确认，奖金 %(amount)s 元记入奖金台账。"),
           link=f"/safety/hazards/{hazard.id}", serial=hazard.serial, amount=f"{amount:,.2f}")


def dismiss(hazard: HazardReport, actor, reason: str) -> None:
    """Close the report as not a hazard, with a reason the reporter reads."""
    text = _text(reason, TEXT_MAX, "reason", N_("请填写判定为非隐患的理由。"))
    _move(hazard, "dismiss", actor, text, reason=text, triaged_by_id=actor.id, triaged_at=utcnow())
    notify(hazard.reporter_id, N_("您报告的 %(serial)s 经核实不属于隐患：%(reason)s"),
           link=f"/safety/hazards/{hazard.id}", serial=hazard.serial, reason=text[:100])


def mark_duplicate(hazard: HazardReport, actor, original_id: int | None, reason: str) -> None:
    """Close the report as a duplicate of another report of the officer's scope (not itself), with a reason."""
    text = _text(reason, TEXT_MAX, "reason", N_("请填写判定为重复报告的理由。"))
    if original_id is None:
        raise DomainError(N_("请选择重复的原报告。"), field="original_id")
    if original_id == hazard.id:
        raise DomainError(N_("不能把报告标记为与自身重复。"), field="original_id")
    original = db.session.get(HazardReport, original_id)
    if original is None or not queries.is_officer(actor, original):
        raise DomainError(N_("找不到这份原报告，或它不在您的管理范围内。"), field="original_id")
    _move(hazard, "duplicate", actor, text, reason=text, duplicate_of_id=original.id, triaged_by_id=actor.id,
          triaged_at=utcnow())
    notify(hazard.reporter_id, N_("您报告的 %(serial)s 与已有报告 %(original)s 重复。"),
           link=f"/safety/hazards/{hazard.id}", serial=hazard.serial, original=original.serial)


def assign(hazard: HazardReport, actor, department_id: int | None, measures: str, deadline: date | None) -> None:
    """Give a confirmed hazard its responsible department (in the officer's scope), measures and deadline."""
    if not queries.department_in_scope(actor, department_id):
        raise DomainError(N_("请选择您管理范围内的责任部门。"), field="department_id")
    text = _text(measures, TEXT_MAX, "measures", N_("请填写整改措施。"))
    if deadline is None:
        raise DomainError(N_("请填写整改期限。"), field="deadline")
    if deadline < local_today():
        raise DomainError(N_("整改期限不能早于今天。"), field="deadline")
    _move(hazard, "assign", actor, text, responsible_department_id=department_id, measures=text, deadline=deadline,
          reminded_for=None)


def close(hazard: HazardReport, actor, note: str, photos: list[CheckedPhoto]) -> None:
    """Record the finished rectification: at least one evidence photo and an optional note."""
    text = _text(note, TEXT_MAX, "note")
    if not photos:
        raise DomainError(N_("请上传至少一张整改完成的照片作为证据。"), field="photos")
    _move(hazard, "close", actor, text, rectification_note=text, rectified_at=utcnow())
    for photo in photos:
        store_photo(photo, hazard.id, "evidence")
    notify_many([uid for uid in queries.officers_covering(hazard.department_id) if uid != actor.id],
                N_("隐患 %(serial)s 已整改完成，待验收。"), link=f"/safety/hazards/{hazard.id}", serial=hazard.serial)


def verify(hazard: HazardReport, actor, comment: str = "") -> None:
    """Accept the rectification."""
    text = _text(comment, TEXT_MAX, "comment")
    _move(hazard, "verify", actor, text, verified_at=utcnow())
    notify(hazard.reporter_id, N_("您报告的隐患 %(serial)s 已整改并验收通过，感谢您的报告。"),
           link=f"/safety/hazards/{hazard.id}", serial=hazard.serial)


def reopen(hazard: HazardReport, actor, reason: str) -> None:
    """Send the rectification back (not accepted), with a reason."""
    text = _text(reason, TEXT_MAX, "comment", N_("请填写退回整改的理由。"))
    _move(hazard, "reopen", actor, text, rectified_at=None)


def remind_overdue() -> int:
    """Tell the safety officers of each overdue rectification once per deadline (a new deadline may be reminded
    again); safe to run as often as wanted. Returns how many reports were reminded."""
    due = db.session.execute(
        select(HazardReport.id, HazardReport.serial, HazardReport.department_id, HazardReport.deadline,
               HazardReport.triaged_by_id)
        .where(queries.overdue_clause(),
               (HazardReport.reminded_for.is_(None)) | (HazardReport.reminded_for != HazardReport.deadline))
        .order_by(HazardReport.id)).all()
    sent = 0
    for row in due:
        claimed = db.session.execute(
            update(HazardReport).where(HazardReport.id == row.id, HazardReport.deadline == row.deadline,
                                       (HazardReport.reminded_for.is_(None))
                                       | (HazardReport.reminded_for != row.deadline))
            .values(reminded_for=row.deadline).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue
        people = set(queries.officers_covering(row.department_id))
        if row.triaged_by_id:
            people.add(row.triaged_by_id)
        notify_many(sorted(people), N_("隐患 %(serial)s 已超过整改期限 %(deadline)s，请督促整改。"),
                    link=f"/safety/hazards/{row.id}", serial=row.serial, deadline=row.deadline.isoformat())
        sent += 1
    if sent:
        audit.record("safety.overdue_reminded", actor_label="system", detail=f"{sent} reports")
    return sent
