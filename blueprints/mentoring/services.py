"""The rules of master–apprentice pairs: make a pair, check in, assess, complete or end early.

Every function checks, writes, audits and notifies, flushes only, and refuses with DomainError (nothing stored).
The status machine is `states.PAIR_MACHINE`; completion is one conditional UPDATE, so two HR completing at once
make one completion and one upgrade.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from blueprints.core import audit
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import SKILL_LEVELS, User
from blueprints.core.notify import notify, notify_many
from blueprints.core.people import parse_employee_nos, record_skill_change, resolve_people, skill_rank
from blueprints.core.scopes import scope_of
from blueprints.core.states import can_move
from blueprints.core.uploads import CheckedUpload, store
from blueprints.mentoring import queries
from blueprints.mentoring.models import (
    ASSESSMENT_KINDS,
    GRADES,
    MentoringAssessment,
    MentoringCheckin,
    MentoringPair,
    halfway_between,
)
from blueprints.mentoring.states import PAIR_MACHINE
from extensions import db

MAX_YEARS = 5  # a pair lasts at most this long
NOT_STAFF = N_("只有该师徒对子所在单位的培训管理员或工会管理员可以进行此操作。")
NOT_ACTIVE = N_("该师徒对子已经结束，不能再进行此操作。")


@dataclass
class PairData:
    """What the pair form sends (already shaped by the form)."""

    master_no: str
    apprentice_no: str
    starts_on: date | None
    ends_on: date | None
    target_level: str
    goals: str = ""
    workshop_id: int | None = None
    agreement: CheckedUpload | None = None


def link(pair: MentoringPair) -> str:
    return f"/mentoring/{pair.id}"


def _person(actor, raw: str, field: str) -> User:
    """One person by 工号 from the picker, inside the actor's HR/admin scope (someone outside counts as unknown)."""
    numbers = parse_employee_nos(raw)
    if len(numbers) != 1:
        raise DomainError(N_("请填写一个工号。"), field=field)
    found, _missing, inactive = resolve_people(numbers, scopes=(scope_of(actor, "admin"), scope_of(actor, "hr")))
    if inactive:
        raise DomainError(N_("工号 %(no)s 的账号已停用。"), field=field, no=numbers[0])
    if not found:
        raise DomainError(N_("在您的管理范围内没有找到工号 %(no)s。"), field=field, no=numbers[0])
    return found[0]


def _check_dates(data: PairData) -> None:
    if data.starts_on is None:
        raise DomainError(N_("请填写开始日期。"), field="starts_on")
    if data.ends_on is None:
        raise DomainError(N_("请填写结束日期。"), field="ends_on")
    if data.ends_on <= data.starts_on:
        raise DomainError(N_("结束日期必须晚于开始日期。"), field="ends_on")
    if (data.ends_on - data.starts_on).days > MAX_YEARS * 366:
        raise DomainError(N_("带徒期限最长 %(n)s 年。"), field="ends_on", n=MAX_YEARS)


def _check_workshop(actor, workshop_id: int | None) -> None:
    if workshop_id is None:
        return
    if workshop_id not in {wid for wid, _name in queries.workshop_choices(actor)}:
        raise DomainError(N_("请选择您管理范围内已认定的创新工作室。"), field="workshop_id")


def create_pair(actor, data: PairData) -> MentoringPair:
    """HR or a union admin pairs a master with an apprentice of their scope. Refused: master = apprentice, the end
    not after the start, a target not above the apprentice's level, an apprentice already in an active pair."""
    if not queries.can_create(actor):
        raise DomainError(NOT_STAFF)
    master = _person(actor, data.master_no, "master_no")
    apprentice = _person(actor, data.apprentice_no, "apprentice_no")
    if master.id == apprentice.id:
        raise DomainError(N_("师傅和徒弟不能是同一个人。"), field="apprentice_no")
    _check_dates(data)
    if data.target_level not in SKILL_LEVELS:
        raise DomainError(N_("请选择目标技能等级。"), field="target_level")
    if skill_rank(data.target_level) <= skill_rank(apprentice.skill_level):
        raise DomainError(N_("目标等级必须高于徒弟现在的技能等级（%(level)s）。"), field="target_level",
                          level=apprentice.skill_level)
    _check_workshop(actor, data.workshop_id)
    if queries.active_pair_of_apprentice(apprentice.id) is not None:
        raise DomainError(N_("%(name)s 已经有一位正在带徒的师傅，一名徒弟同一时间只能有一对师徒关系。"),
                          field="apprentice_no", name=apprentice.name)
    pair = MentoringPair(master_id=master.id, apprentice_id=apprentice.id, department_id=apprentice.department_id,
                         workshop_id=data.workshop_id, starts_on=data.starts_on, ends_on=data.ends_on,
                         midterm_on=halfway_between(data.starts_on, data.ends_on), goals=data.goals or "",
                         start_level=apprentice.skill_level, target_level=data.target_level, status="active",
                         created_by_id=actor.id)
    if data.agreement is not None:
        pair.agreement_file_id = _stored_id(data.agreement, actor)
    try:
        with db.session.begin_nested():  # two HR pairing the same apprentice at once: the partial unique index
            db.session.add(pair)
    except IntegrityError:
        raise DomainError(N_("%(name)s 已经有一位正在带徒的师傅，一名徒弟同一时间只能有一对师徒关系。"),
                          field="apprentice_no", name=apprentice.name) from None
    audit.record("mentoring.created", target=pair, actor=actor,
                 detail=f"master user {master.id}, apprentice user {apprentice.id}, "
                        f"{apprentice.skill_level} -> {data.target_level}")
    notify(master.id, N_("您已被确定为 %(name)s 的师傅，请按期填写带徒记录。"), link=link(pair), name=apprentice.name)
    notify(apprentice.id, N_("您已与师傅 %(name)s 结成师徒对子，请按期填写学习记录。"), link=link(pair),
           name=master.name)
    return pair


def _stored_id(upload: CheckedUpload, actor) -> int:
    row = store(upload, actor.id)
    db.session.flush()
    return row.id


def add_checkin(actor, pair: MentoringPair, written_on: date | None, body: str) -> MentoringCheckin:
    """The master or the apprentice writes a dated check-in while the pair is active."""
    if not queries.is_party(actor, pair):
        raise DomainError(N_("只有师傅和徒弟本人可以填写带徒记录。"))
    if pair.status != "active":
        raise DomainError(NOT_ACTIVE)
    written_on = written_on or local_today()
    if written_on > local_today():
        raise DomainError(N_("记录日期不能晚于今天。"), field="written_on")
    if written_on < pair.starts_on:
        raise DomainError(N_("记录日期不能早于带徒开始日期（%(day)s）。"), field="written_on",
                          day=pair.starts_on.isoformat())
    if not (body or "").strip():
        raise DomainError(N_("请填写记录内容。"), field="body")
    checkin = MentoringCheckin(pair_id=pair.id, author_id=actor.id, written_on=written_on, body=body.strip())
    db.session.add(checkin)
    other = pair.apprentice_id if actor.id == pair.master_id else pair.master_id
    notify(other, N_("%(name)s 填写了一条带徒记录。"), link=link(pair), name=actor.name)
    audit.record("mentoring.checkin", target=pair, actor=actor, detail=written_on.isoformat())
    return checkin


@dataclass
class AssessmentData:
    kind: str
    score: int | None
    grade: str
    comment: str = ""
    target_reached: bool | None = None


def record_assessment(actor, pair: MentoringPair, data: AssessmentData) -> MentoringAssessment:
    """HR or a union admin of the pair's scope records the mid-term, then the final assessment (each once)."""
    if not queries.is_staff(actor, pair):
        raise DomainError(NOT_STAFF)
    if pair.status != "active":
        raise DomainError(NOT_ACTIVE)
    if data.kind not in ASSESSMENT_KINDS:
        raise DomainError(N_("考核类型无效。"), field="kind")
    if data.score is None or not 0 <= data.score <= 100:
        raise DomainError(N_("考核分数应为 0 到 100 之间的整数。"), field="score")
    if data.grade not in GRADES:
        raise DomainError(N_("请选择考核等级。"), field="grade")
    done = set(db.session.scalars(select(MentoringAssessment.kind).where(MentoringAssessment.pair_id == pair.id)))
    if data.kind in done:
        raise DomainError(N_("该考核已经登记过了。"), field="kind")
    if data.kind == "final" and "midterm" not in done:
        raise DomainError(N_("请先登记中期考核，再登记结业考核。"), field="kind")
    if data.kind == "final" and data.target_reached is None:
        raise DomainError(N_("请说明徒弟是否达到了目标技能等级。"), field="target_reached")
    row = MentoringAssessment(pair_id=pair.id, kind=data.kind, score=data.score, grade=data.grade,
                              comment=(data.comment or "").strip(), assessed_on=local_today(),
                              assessed_by_id=actor.id,
                              target_reached=data.target_reached if data.kind == "final" else None)
    try:
        with db.session.begin_nested():  # two staff recording the same assessment at once: one row
            db.session.add(row)
    except IntegrityError:
        raise DomainError(N_("该考核已经登记过了。"), field="kind") from None
    audit.record(f"mentoring.{data.kind}", target=pair, actor=actor, detail=f"score={data.score} grade={data.grade}")
    message = N_("师徒对子的中期考核已登记。") if data.kind == "midterm" else N_("师徒对子的结业考核已登记。")
    notify_many((pair.master_id, pair.apprentice_id), message, link=link(pair))
    return row


def _close(actor, pair: MentoringPair, action: str, **values) -> None:
    """Move an active pair by one conditional UPDATE: a pair another request already closed is refused."""
    if not queries.is_staff(actor, pair):
        raise DomainError(NOT_STAFF)
    rule = PAIR_MACHINE[action]
    if not can_move(PAIR_MACHINE, action, pair.status):
        raise DomainError(NOT_ACTIVE)
    result = db.session.execute(
        update(MentoringPair).where(MentoringPair.id == pair.id, MentoringPair.status.in_(rule.sources))
        .values(status=rule.target, closed_on=local_today(), closed_by_id=actor.id, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise DomainError(NOT_ACTIVE)
    db.session.refresh(pair)


def complete(actor, pair: MentoringPair) -> bool:
    """Completion (出师) after the final assessment. When it found the target reached, the apprentice's level rises
    to the target (dated history, never lowered) and the master is credited. Returns whether the target was
    reached."""
    final = db.session.scalar(select(MentoringAssessment).where(MentoringAssessment.pair_id == pair.id,
                                                                MentoringAssessment.kind == "final"))
    if pair.status == "active" and final is None:
        raise DomainError(N_("请先登记结业考核，再确认出师。"))
    reached = bool(final.target_reached) if final is not None else False
    _close(actor, pair, "complete", target_reached=reached)
    audit.record("mentoring.completed", target=pair, actor=actor,
                 detail=f"active -> completed, target {'reached' if reached else 'not reached'}")
    if reached:
        apprentice = db.session.get(User, pair.apprentice_id)
        if skill_rank(apprentice.skill_level) < skill_rank(pair.target_level):
            record_skill_change(apprentice, pair.target_level, source="mentoring", source_id=pair.id, actor=actor,
                                reason=N_("名师带徒出师，达到目标等级"))
        notify(pair.apprentice_id, N_("恭喜出师！您的技能等级已更新为 %(level)s。"), link=link(pair),
               level=pair.target_level)
        notify(pair.master_id, N_("您带的徒弟 %(name)s 已出师并达到目标等级。"), link=link(pair),
               name=apprentice.name)
    else:
        notify_many((pair.master_id, pair.apprentice_id), N_("师徒对子已结业（未达到目标等级）。"), link=link(pair))
    return reached


def end_early(actor, pair: MentoringPair, reason: str) -> None:
    """HR or a union admin ends an active pair before completion, with a reason; the apprentice may then be paired
    again."""
    if not (reason or "").strip():
        raise DomainError(N_("请填写提前结束的原因。"), field="reason")
    _close(actor, pair, "end", close_reason=reason.strip())
    audit.record("mentoring.ended", target=pair, actor=actor, detail=f"active -> ended: {reason.strip()}")
    notify_many((pair.master_id, pair.apprentice_id), N_("师徒对子已提前结束。"), link=link(pair))


def checked_agreement(files) -> CheckedUpload | None:
    """The agreement from the form's file field: at most one file, checked like every upload (field "agreement")."""
    from blueprints.core.uploads import check_upload

    present = [f for f in files if f and f.filename]
    if len(present) > 1:
        raise DomainError(N_("师徒协议只能上传一个文件。"), field="agreement")
    if not present:
        return None
    try:
        upload = check_upload(present[0].filename, present[0].read())
    except DomainError as error:
        raise DomainError(error.message, field="agreement", **error.params) from None
    if upload.kind not in ("pdf", "jpg", "png", "docx"):
        raise DomainError(N_("师徒协议只能是 PDF、JPG、PNG 或 DOCX 文件。"), field="agreement")
    return upload
