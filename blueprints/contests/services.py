"""The rules of skills contests (SPEC §9): setting up, entrants and the draw, judging, aggregation, results,
objections and prizes. Every function checks, writes, audits and notifies; it flushes, never commits, and refuses
with DomainError."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import url_for
from sqlalchemy import delete, func, select

from blueprints.contests import aggregation, queries
from blueprints.contests.models import (
    ITEM_KINDS,
    LEVELS,
    Contest,
    Entrant,
    Flag,
    Item,
    Judge,
    Objection,
    Quota,
    Score,
)
from blueprints.core import audit, notify
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import SKILL_LEVELS, Department, User
from blueprints.core.states import Transition, can_move, machine
from blueprints.core.types import utcnow
from extensions import db

TRANSITIONS = machine(
    Transition("open_registration", ("draft",), "registration", "organiser"),
    Transition("draw", ("registration",), "drawn", "organiser"),
    Transition("start_scoring", ("drawn",), "scoring", "organiser"),
    Transition("publish", ("scoring",), "provisional", "organiser"),
    Transition("rescore", ("provisional",), "scoring", "chief"),
    Transition("finalise", ("provisional",), "final", "organiser"),
)
MIN_JUDGES = 3
HUNDRED = Decimal(100)
EDITABLE = ("draft", "registration", "drawn")  # items' panels and the chief judge may change until scoring


def contest_link(contest: Contest, endpoint: str = "contests.detail") -> str:
    return url_for(endpoint, contest_id=contest.id)


def lock_contest(contest_id: int) -> Contest:
    """The contest row, locked for the rest of the transaction (quota checks, the draw, publication)."""
    return db.session.scalar(select(Contest).where(Contest.id == contest_id).with_for_update()
                             .execution_options(populate_existing=True))


# --- Setting up -------------------------------------------------------------------------------------------------


@dataclass
class ItemData:
    name: str
    kind: str
    weight: Decimal
    max_score: Decimal
    spread_limit: Decimal


@dataclass
class ContestData:
    name: str
    organiser_id: int | None
    competition_id: int | None
    trade: str
    level: str
    held_on: date
    venue: str
    description: str
    first_prizes: int
    second_prizes: int
    third_prizes: int
    titles: int
    items: list[ItemData]


def check_items(items: list[ItemData]) -> None:
    """At least one item; each with a maximum above 0 and a spread limit not below 0; weights summing to 100 %."""
    if not items:
        raise DomainError(N_("请至少设置一个比赛项目。"), field="items")
    names = [item.name for item in items]
    if len(set(names)) != len(names):
        raise DomainError(N_("项目名称不能重复。"), field="items")
    for item in items:
        if item.kind not in ITEM_KINDS:
            raise DomainError(N_("请选择项目类型（理论或实操）。"), field="items")
        if item.max_score <= 0 or item.weight <= 0 or item.spread_limit < 0:
            raise DomainError(N_("“%(name)s”：满分和权重必须大于 0，分差阈值不能小于 0。"), field="items",
                              name=item.name)
    total = sum((item.weight for item in items), Decimal(0))
    if total != HUNDRED:
        raise DomainError(N_("各项目权重之和必须等于 100%%，现在是 %(total)s%%。"), field="items", total=total)


def _check_setup(actor, data: ContestData) -> None:
    if data.organiser_id is None or not queries.staff_covers(actor, data.organiser_id):
        raise DomainError(N_("请选择您负责范围内的主办单位。"), field="organiser")
    if data.level not in LEVELS:
        raise DomainError(N_("请选择比武级别。"), field="level")
    if data.competition_id is not None and data.competition_id not in dict(queries.competition_choices(actor)):
        raise DomainError(N_("只能归入您范围内正在进行的竞赛。"), field="competition")
    check_items(data.items)


def _apply(contest: Contest, data: ContestData) -> None:
    for name in ("name", "organiser_id", "competition_id", "trade", "level", "held_on", "venue", "description",
                 "first_prizes", "second_prizes", "third_prizes", "titles"):
        setattr(contest, name, getattr(data, name))


def create_contest(actor, data: ContestData) -> Contest:
    """A new contest in draft, with its items."""
    _check_setup(actor, data)
    contest = Contest(status="draft", created_by_id=actor.id)
    _apply(contest, data)
    db.session.add(contest)
    db.session.flush()
    _replace_items(contest, data.items)
    audit.record("contest.created", contest, contest.name)
    return contest


def update_contest(contest: Contest, actor, data: ContestData) -> None:
    """Change a draft contest (its items too); once registration is open only the venue, date and text."""
    if contest.status not in ("draft", "registration"):
        raise DomainError(N_("比武已抽签，不能再修改设置。"))
    _check_setup(actor, data)
    if contest.status != "draft" and _items_changed(contest, data.items):
        raise DomainError(N_("报名开始后不能再修改比赛项目。"), field="items")
    _apply(contest, data)
    if contest.status == "draft":
        _replace_items(contest, data.items)
    audit.record("contest.updated", contest, contest.name)


def _items_changed(contest: Contest, items: list[ItemData]) -> bool:
    current = [(i.name, i.kind, i.weight, i.max_score, i.spread_limit) for i in queries.items_of(contest.id)]
    return current != [(i.name, i.kind, i.weight, i.max_score, i.spread_limit) for i in items]


def _replace_items(contest: Contest, items: list[ItemData]) -> None:
    existing = {item.name: item for item in queries.items_of(contest.id)}
    keep = set()
    for position, data in enumerate(items):
        item = existing.get(data.name) or Item(contest_id=contest.id, name=data.name)
        item.kind, item.weight, item.max_score = data.kind, data.weight, data.max_score
        item.spread_limit, item.position = data.spread_limit, position
        db.session.add(item)
        keep.add(data.name)
    for name, item in existing.items():
        if name not in keep:
            db.session.delete(item)
    db.session.flush()


def set_quota(contest: Contest, actor, unit_id: int | None, quota: int) -> None:
    """Give a unit under the organiser a quota of entrants (0 removes it, unless it already has entrants)."""
    if contest.status not in ("draft", "registration"):
        raise DomainError(N_("抽签后不能再调整名额。"), field="quota")
    if unit_id not in dict(queries.quota_unit_choices(contest)):
        raise DomainError(N_("请选择主办单位及其下级单位。"), field="unit")
    row = db.session.scalar(select(Quota).where(Quota.contest_id == contest.id, Quota.unit_id == unit_id))
    taken = db.session.scalar(select(func.count(Entrant.id)).where(
        Entrant.contest_id == contest.id, Entrant.unit_id == unit_id, Entrant.status == "confirmed"))
    if quota < taken:
        raise DomainError(N_("该单位已确认 %(n)s 名选手，名额不能少于这个数。"), field="quota", n=taken)
    if quota == 0 and row is not None:
        if db.session.scalar(select(func.count(Entrant.id)).where(Entrant.contest_id == contest.id,
                                                                 Entrant.unit_id == unit_id)):
            raise DomainError(N_("该单位已有报名，不能取消名额。"), field="quota")
        db.session.delete(row)
    elif quota > 0:
        row = row or Quota(contest_id=contest.id, unit_id=unit_id)
        row.quota = quota
        db.session.add(row)
    db.session.flush()
    audit.record("contest.quota_set", contest, f"unit={unit_id} quota={quota}")


def _refuse_entrant_as_judge(contest: Contest, users: list[User]) -> None:
    taken = set(db.session.scalars(select(Entrant.user_id).where(Entrant.contest_id == contest.id,
                                                                 Entrant.status != "refused")))
    clash = [u for u in users if u.id in taken]
    if clash:
        raise DomainError(N_("%(names)s 是本场比武的选手，不能担任评委。"), field="judges",
                          names="、".join(f"{u.name}（{u.employee_no}）" for u in clash))


def set_panel(contest: Contest, actor, item: Item, users: list[User]) -> None:
    """The judges of an item: at least three people, none of them an entrant; fixed once scoring starts."""
    if contest.status not in EDITABLE:
        raise DomainError(N_("评分开始后不能再调整评委。"), field="judges")
    if len(users) < MIN_JUDGES:
        raise DomainError(N_("每个项目至少需要 %(n)s 名评委。"), field="judges", n=MIN_JUDGES)
    _refuse_entrant_as_judge(contest, users)
    db.session.execute(delete(Judge).where(Judge.item_id == item.id))
    db.session.add_all(Judge(contest_id=contest.id, item_id=item.id, user_id=u.id) for u in users)
    db.session.flush()
    audit.record("contest.panel_set", contest, f"item={item.id} judges={','.join(str(u.id) for u in users)}")
    notify.notify_many([u.id for u in users], N_("您被聘为“%(contest)s”的评委（%(item)s）。"),
                       contest_link(contest), contest=contest.name, item=item.name)


def set_chief(contest: Contest, actor, user: User) -> None:
    """The chief judge (one person, not an entrant)."""
    if contest.status not in EDITABLE:
        raise DomainError(N_("评分开始后不能再更换裁判长。"), field="employee_no")
    _refuse_entrant_as_judge(contest, [user])
    contest.chief_judge_id = user.id
    db.session.flush()
    audit.record("contest.chief_set", contest, f"user={user.id}")
    notify.notify(user.id, N_("您被聘为“%(contest)s”的裁判长。"), contest_link(contest), contest=contest.name)


# --- Entrants ----------------------------------------------------------------------------------------------------


def _check_candidate(contest: Contest, person: User) -> Quota:
    if contest.status != "registration":
        raise DomainError(N_("比武不在报名阶段。"), field="employee_no")
    if not person.active:
        raise DomainError(N_("该账号已停用。"), field="employee_no")
    if queries.entrant_of(person.id, contest.id) is not None:
        raise DomainError(N_("%(name)s 已经报名了本场比武。"), field="employee_no", name=person.name)
    if person.id == contest.chief_judge_id or person.id in set(db.session.scalars(
            select(Judge.user_id).where(Judge.contest_id == contest.id))):
        raise DomainError(N_("%(name)s 是本场比武的评委，不能参赛。"), field="employee_no", name=person.name)
    quota = queries.quota_unit_for(contest.id, person.department_id)
    if quota is None:
        raise DomainError(N_("%(name)s 所在单位没有本场比武的名额。"), field="employee_no", name=person.name)
    return quota


def _check_room(contest: Contest, quota: Quota) -> None:
    taken = db.session.scalar(select(func.count(Entrant.id)).where(
        Entrant.contest_id == contest.id, Entrant.unit_id == quota.unit_id, Entrant.status == "confirmed"))
    if taken >= quota.quota:
        raise DomainError(N_("该单位的 %(n)s 个名额已满。"), field="employee_no", n=quota.quota)


def nominate(contest: Contest, actor, person: User) -> Entrant:
    """A unit's admin or HR puts one of its people in, within the unit's quota (confirmed at once)."""
    contest = lock_contest(contest.id)
    quota = _check_candidate(contest, person)
    if not queries.staff_covers(actor, quota.unit_id):
        raise DomainError(N_("只能推荐您负责范围内单位的职工。"), field="employee_no")
    _check_room(contest, quota)
    entrant = Entrant(contest_id=contest.id, user_id=person.id, unit_id=quota.unit_id, status="confirmed",
                      added_by_id=actor.id)
    db.session.add(entrant)
    db.session.flush()
    audit.record("contest.nominated", contest, f"user={person.id} unit={quota.unit_id}")
    notify.notify(person.id, N_("单位已推荐您参加“%(contest)s”。"), contest_link(contest), contest=contest.name)
    return entrant


def apply(contest: Contest, person: User) -> Entrant:
    """A worker applies; their unit's admin or HR confirms within the quota."""
    contest = lock_contest(contest.id)
    quota = _check_candidate(contest, person)
    _check_room(contest, quota)
    entrant = Entrant(contest_id=contest.id, user_id=person.id, unit_id=quota.unit_id, status="applied",
                      added_by_id=person.id)
    db.session.add(entrant)
    db.session.flush()
    audit.record("contest.applied", contest, f"user={person.id} unit={quota.unit_id}")
    return entrant


def decide_application(contest: Contest, actor, entrant_id: int | None, confirm: bool) -> Entrant:
    """The unit confirms an application (within its quota) or refuses it."""
    contest = lock_contest(contest.id)
    entrant = db.session.scalar(select(Entrant).where(Entrant.id == entrant_id, Entrant.contest_id == contest.id))
    if entrant is None or entrant.status != "applied" or not queries.staff_covers(actor, entrant.unit_id):
        raise DomainError(N_("找不到待确认的报名。"))
    if contest.status != "registration":
        raise DomainError(N_("比武不在报名阶段。"))
    if confirm:
        quota = db.session.scalar(select(Quota).where(Quota.contest_id == contest.id,
                                                      Quota.unit_id == entrant.unit_id))
        if quota is None:
            raise DomainError(N_("该单位没有本场比武的名额。"))
        _check_room(contest, quota)
    entrant.status = "confirmed" if confirm else "refused"
    db.session.flush()
    audit.record("contest.application_confirmed" if confirm else "contest.application_refused", contest,
                 f"user={entrant.user_id}")
    message = N_("您报名的“%(contest)s”已确认。") if confirm else N_("您报名的“%(contest)s”未获单位确认。")
    notify.notify(entrant.user_id, message, contest_link(contest), contest=contest.name)
    return entrant


# --- The status machine ----------------------------------------------------------------------------------------


def allowed_actions(contest: Contest, user) -> list[str]:
    """The moves this user may make now (organiser's moves for those who run it; the chief judge's for them)."""
    manager = queries.manages(user, contest)
    chief = contest.chief_judge_id == user.id
    return [action for action, rule in TRANSITIONS.items() if rule.allows(contest.status)
            and ((rule.actor == "organiser" and manager) or (rule.actor == "chief" and (chief or manager)))]


def move(contest: Contest, actor, action: str, objections_until: date | None = None) -> None:
    """Take the contest one step along draft → registration → drawn → scoring → provisional → final."""
    contest = lock_contest(contest.id)
    if not can_move(TRANSITIONS, action, contest.status):
        raise DomainError(N_("比武当前状态下不能进行这个操作。"))
    if action not in allowed_actions(contest, actor):
        raise DomainError(N_("您不能进行这个操作。"))
    STEPS[action](contest, actor, objections_until)
    before = contest.status
    contest.status = TRANSITIONS[action].target
    db.session.flush()
    audit.record(f"contest.{action}", contest, f"{before} → {contest.status}")


def _open_registration(contest: Contest, actor, _until) -> None:
    check_items([ItemData(i.name, i.kind, i.weight, i.max_score, i.spread_limit)
                 for i in queries.items_of(contest.id)])
    if not db.session.scalar(select(func.count(Quota.id)).where(Quota.contest_id == contest.id)):
        raise DomainError(N_("请先为参赛单位分配名额。"))


def _draw(contest: Contest, actor, _until) -> None:
    """Give every confirmed entrant a random contestant number 1..n (each number audited)."""
    if db.session.scalar(select(func.count(Entrant.id)).where(Entrant.contest_id == contest.id,
                                                              Entrant.status == "applied")):
        raise DomainError(N_("还有待单位确认的报名，请先处理后再抽签。"))
    entrants = list(db.session.scalars(select(Entrant).where(Entrant.contest_id == contest.id,
                                                              Entrant.status == "confirmed").order_by(Entrant.id)))
    if not entrants:
        raise DomainError(N_("还没有确认参赛的选手，不能抽签。"))
    numbers = list(range(1, len(entrants) + 1))
    secrets.SystemRandom().shuffle(numbers)
    for entrant, number in zip(entrants, numbers, strict=True):
        entrant.number = number
        audit.record("contest.number_drawn", contest, f"entrant={entrant.id} user={entrant.user_id} number={number}")
    db.session.flush()
    notify.notify_each((e.user_id, N_("“%(contest)s”抽签完成，您的参赛号是 %(number)s 号。"), contest_link(contest),
                        {"contest": contest.name, "number": e.number}) for e in entrants)


def _start_scoring(contest: Contest, actor, _until) -> None:
    if contest.chief_judge_id is None:
        raise DomainError(N_("请先指定裁判长。"))
    panels = queries.panels_of(contest.id)
    for item in queries.items_of(contest.id):
        if len(panels.get(item.id, [])) < MIN_JUDGES:
            raise DomainError(N_("项目“%(item)s”至少需要 %(n)s 名评委。"), item=item.name, n=MIN_JUDGES)
    judges = {judge.user_id for panel in panels.values() for judge, _person in panel}
    notify.notify_many(judges, N_("“%(contest)s”开始评分，请打开评分表。"), contest_link(contest, "contests.judge"),
                       contest=contest.name)


def _publish(contest: Contest, actor, objections_until: date | None) -> None:
    if objections_until is None or objections_until < local_today():
        raise DomainError(N_("请填写异议截止日期（不早于今天）。"), field="objections_until")
    sheets = db.session.scalar(select(func.count(Judge.id)).where(Judge.contest_id == contest.id,
                                                                  Judge.status != "submitted"))
    if sheets:
        raise DomainError(N_("还有 %(n)s 张评分表未提交，不能公示成绩。"), n=sheets)
    if open_flags(contest):
        raise DomainError(N_("还有分差超限的成绩等待裁判长处理，不能公示。"))
    contest.objections_until = objections_until
    _store_results(contest)
    entrants = [e.user_id for e in queries.numbered_entrants(contest.id)]
    notify.notify_many(entrants, N_("“%(contest)s”成绩已公示，异议截止到 %(date)s。"),
                       contest_link(contest, "contests.results"), contest=contest.name, date=str(objections_until))


def _rescore(contest: Contest, actor, _until) -> None:
    """Back to scoring after an objection: the chief judge reopens the sheets concerned."""


def _finalise(contest: Contest, actor, _until) -> None:
    if db.session.scalar(select(func.count(Objection.id)).where(Objection.contest_id == contest.id,
                                                                Objection.status == "open")):
        raise DomainError(N_("还有未答复的异议，不能确认最终成绩。"))
    winners = [e for e in queries.numbered_entrants(contest.id) if e.prize or e.title]
    for entrant in winners:
        entrant.certificate_no = f"JS{contest.held_on.year}-{contest.id:04d}-{entrant.rank:03d}-{entrant.number:03d}"
    db.session.flush()
    notify.notify_each((e.user_id, N_("“%(contest)s”最终成绩已确认，您获得了奖项，可以打印证书。"),
                        url_for("contests.certificate", contest_id=contest.id), {"contest": contest.name})
                       for e in winners)


STEPS = {"open_registration": _open_registration, "draw": _draw, "start_scoring": _start_scoring,
         "publish": _publish, "rescore": _rescore, "finalise": _finalise}


# --- Judging --------------------------------------------------------------------------------------------------------


def judge_row(contest: Contest, user, item_id: int | None) -> tuple[Item, Judge]:
    """The item and the user's place on its panel; anyone else is refused."""
    item = db.session.scalar(select(Item).where(Item.id == item_id, Item.contest_id == contest.id))
    judge = item and db.session.scalar(select(Judge).where(Judge.item_id == item.id, Judge.user_id == user.id)
                                       .with_for_update().execution_options(populate_existing=True))
    if item is None or judge is None:
        raise DomainError(N_("您不是这个项目的评委。"))
    return item, judge


def parse_score(raw: str, item: Item) -> Decimal | None:
    """A typed score: blank is None; otherwise a number with at most two decimals between 0 and the maximum."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value.as_tuple().exponent < -2:
        raise DomainError(N_("“%(value)s”不是有效的分数（最多两位小数）。"), value=text[:20])
    if value < 0 or value > item.max_score:
        raise DomainError(N_("分数必须在 0 到 %(max)s 之间，“%(value)s”超出范围。"), max=item.max_score,
                          value=text[:20])
    return value


def save_scores(contest: Contest, user, item_id: int | None, raw: dict[int, str], submit: bool = False) -> int:
    """Save a judge's scores of an item (a draft until submitted); submitting needs every contestant's score and
    locks the sheet. Returns how many scores the sheet holds."""
    if contest.status != "scoring":
        raise DomainError(N_("比武不在评分阶段。"))
    item, judge = judge_row(contest, user, item_id)
    if judge.status == "submitted":
        raise DomainError(N_("您的评分表已提交并锁定；如需修改，请联系裁判长退回。"))
    entrants = {e.id: e for e in queries.numbered_entrants(contest.id)}
    values = {}
    for entrant_id, text in raw.items():
        if entrant_id not in entrants:
            continue
        try:
            values[entrant_id] = parse_score(text, item)
        except DomainError as error:
            raise DomainError(N_("%(number)s 号：%(problem)s"), number=entrants[entrant_id].number,
                              problem=str(error)) from None
    existing = {s.entrant_id: s for s in db.session.scalars(select(Score).where(Score.judge_id == judge.id))}
    for entrant_id, value in values.items():
        row = existing.get(entrant_id)
        if value is None:
            if row is not None:
                db.session.delete(row)
                existing.pop(entrant_id)
            continue
        if row is None:
            row = existing[entrant_id] = Score(judge_id=judge.id, item_id=item.id, entrant_id=entrant_id, score=value)
            db.session.add(row)
        row.score = value
    if submit:
        missing = sorted(entrants[e].number for e in entrants if e not in existing)
        if missing:
            raise DomainError(N_("还有选手没有分数（%(numbers)s 号），不能提交。"),
                              numbers="、".join(str(n) for n in missing[:20]))
        judge.status, judge.submitted_at = "submitted", utcnow()
    db.session.flush()
    if submit:
        audit.record("contest.sheet_submitted", contest, f"item={item.id} judge={user.id}")
    return len(existing)


def import_scores(contest: Contest, user, item_id: int | None, filename: str, data: bytes) -> int:
    """A theory sheet from .xlsx (columns 参赛号, 成绩): every row valid or nothing saved, errors by row number."""
    from blueprints.core.spreadsheets import map_columns, read_table

    item, _judge = judge_row(contest, user, item_id)
    if item.kind != "theory":
        raise DomainError(N_("只有理论项目可以导入成绩。"), field="file")
    rows = read_table(filename, data)
    columns = map_columns(rows[0], {"number": ("参赛号", "number", "contestant"), "score": ("成绩", "score")},
                          ("number", "score"))
    by_number = {e.number: e.id for e in queries.numbered_entrants(contest.id)}
    values, problems = {}, []
    for line, row in enumerate(rows[1:], start=2):
        number = row[columns["number"]] if columns["number"] < len(row) else ""
        score = row[columns["score"]] if columns["score"] < len(row) else ""
        entrant_id = by_number.get(int(number)) if number.isascii() and number.isdigit() and len(number) < 7 else None
        if entrant_id is None:
            problems.append(str(DomainError(N_("第 %(row)s 行：没有 %(number)s 号选手。"), row=line,
                                            number=number[:10])))
            continue
        try:
            if parse_score(score, item) is None:
                raise DomainError(N_("没有填写成绩。"))
        except DomainError as error:
            problems.append(str(DomainError(N_("第 %(row)s 行：%(problem)s"), row=line, problem=str(error))))
            continue
        values[entrant_id] = score
    if problems:
        raise DomainError(N_("导入失败，没有保存任何成绩：%(problems)s"), field="file",
                          problems="；".join(problems[:20]))
    saved = save_scores(contest, user, item.id, values)
    audit.record("contest.scores_imported", contest, f"item={item.id} judge={user.id} rows={len(values)}")
    return saved


def _check_chief(contest: Contest, user) -> None:
    if contest.chief_judge_id != user.id:
        raise DomainError(N_("只有裁判长可以进行这个操作。"))
    if contest.status != "scoring":
        raise DomainError(N_("比武不在评分阶段。"))


def reopen_sheet(contest: Contest, user, judge_id: int | None) -> Judge:
    """The chief judge unlocks a submitted sheet for its judge (audited)."""
    _check_chief(contest, user)
    judge = db.session.scalar(select(Judge).where(Judge.id == judge_id, Judge.contest_id == contest.id))
    if judge is None or judge.status != "submitted":
        raise DomainError(N_("这张评分表没有提交，无需退回。"))
    _reopen(contest, judge)
    return judge


def _reopen(contest: Contest, judge: Judge) -> None:
    judge.status, judge.submitted_at = "open", None
    db.session.flush()
    audit.record("contest.sheet_reopened", contest, f"item={judge.item_id} judge={judge.user_id}")
    notify.notify(judge.user_id, N_("裁判长退回了您在“%(contest)s”的评分表，请复核后重新提交。"),
                  contest_link(contest, "contests.judge"), contest=contest.name)


@dataclass
class FlagRow:
    """A spread above an item's limit among submitted scores, with whether the chief judge confirmed it."""

    item: Item
    entrant: Entrant
    scores: list[Decimal]
    spread: Decimal
    confirmed: bool


def flags_of(contest: Contest) -> list[FlagRow]:
    """Every flagged item score of the contest (submitted sheets only)."""
    items = {i.id: i for i in queries.items_of(contest.id)}
    entrants = {e.id: e for e in queries.numbered_entrants(contest.id)}
    scores: dict[tuple[int, int], list[Decimal]] = {}
    for score, judge in queries.scores_of(contest.id):
        if judge.status == "submitted":
            scores.setdefault((score.item_id, score.entrant_id), []).append(score.score)
    confirmed = {(f.item_id, f.entrant_id): f.spread for f in db.session.scalars(
        select(Flag).join(Item, Item.id == Flag.item_id).where(Item.contest_id == contest.id))}
    rows = []
    for (item_id, entrant_id), values in sorted(scores.items(), key=lambda kv: (kv[0][0], entrants[kv[0][1]].number)):
        item = items[item_id]
        if aggregation.is_flagged(values, item.spread_limit):
            spread = aggregation.spread(values)
            rows.append(FlagRow(item, entrants[entrant_id], sorted(values), spread,
                                confirmed.get((item_id, entrant_id)) == spread))
    return rows


def open_flags(contest: Contest) -> list[FlagRow]:
    return [row for row in flags_of(contest) if not row.confirmed]


def resolve_flag(contest: Contest, user, item_id: int | None, entrant_id: int | None, decision: str) -> None:
    """The chief judge confirms a flagged score as it is, or asks the item's judges to score again (reopens)."""
    _check_chief(contest, user)
    row = next((f for f in flags_of(contest) if f.item.id == item_id and f.entrant.id == entrant_id), None)
    if row is None or decision not in ("confirm", "rescore"):
        raise DomainError(N_("找不到这条分差超限的成绩。"))
    db.session.execute(delete(Flag).where(Flag.item_id == item_id, Flag.entrant_id == entrant_id))
    if decision == "confirm":
        db.session.add(Flag(item_id=item_id, entrant_id=entrant_id, spread=row.spread, decided_by_id=user.id))
        db.session.flush()
        audit.record("contest.flag_confirmed", contest, f"item={item_id} number={row.entrant.number}")
        return
    for judge in db.session.scalars(select(Judge).where(Judge.item_id == item_id, Judge.status == "submitted")):
        _reopen(contest, judge)
    audit.record("contest.flag_rescore", contest, f"item={item_id} number={row.entrant.number}")


# --- Results ------------------------------------------------------------------------------------------------------


def standings(contest: Contest) -> list[aggregation.Standing]:
    """The ranking from the submitted scores, as §9 computes it (nothing stored)."""
    items = queries.items_of(contest.id)
    rules = [aggregation.ItemRule(i.id, i.kind, i.weight, i.max_score) for i in items]
    scores: dict[tuple[int, int], list[Decimal]] = {}
    for score, judge in queries.scores_of(contest.id):
        if judge.status == "submitted":
            scores.setdefault((score.entrant_id, score.item_id), []).append(score.score)
    rows = [aggregation.standing(e.id, {i.id: aggregation.item_score(scores.get((e.id, i.id), [])) for i in items},
                                 rules) for e in queries.numbered_entrants(contest.id)]
    return aggregation.rank(rows, contest.first_prizes, contest.second_prizes, contest.third_prizes, contest.titles)


def _store_results(contest: Contest) -> None:
    """Write total, rank, prize and title on each entrant; a change to an earlier publication is audited."""
    entrants = {e.id: e for e in queries.numbered_entrants(contest.id)}
    for row in standings(contest):
        entrant = entrants[row.entrant_id]
        before = (entrant.total, entrant.rank, entrant.prize, entrant.title)
        after = (row.total, row.rank, row.prize, row.title)
        if entrant.rank is not None and before != after:
            audit.record("contest.result_changed", contest,
                         f"number={entrant.number} total {before[0]}→{after[0]} rank {before[1]}→{after[1]}")
        entrant.total, entrant.rank, entrant.prize, entrant.title = after
    db.session.flush()


def object_to(contest: Contest, user, reason: str) -> Objection:
    """An entrant objects to the provisional results, with a reason, inside the window."""
    entrant = queries.entrant_of(user.id, contest.id)
    if entrant is None or entrant.number is None:
        raise DomainError(N_("只有本场比武的选手可以提出异议。"), field="reason")
    if contest.status != "provisional" or (contest.objections_until and local_today() > contest.objections_until):
        raise DomainError(N_("异议期已结束。"), field="reason")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("请写明异议的理由。"), field="reason")
    if db.session.scalar(select(func.count(Objection.id)).where(Objection.entrant_id == entrant.id,
                                                                Objection.status == "open")):
        raise DomainError(N_("您已有一条异议在等待答复。"), field="reason")
    objection = Objection(contest_id=contest.id, entrant_id=entrant.id, reason=reason)
    db.session.add(objection)
    db.session.flush()
    audit.record("contest.objection", contest, f"number={entrant.number}")
    if contest.chief_judge_id:
        notify.notify(contest.chief_judge_id, N_("“%(contest)s”收到一条成绩异议，请答复。"),
                      contest_link(contest, "contests.results"), contest=contest.name)
    return objection


def answer_objection(contest: Contest, user, objection_id: int | None, answer: str) -> Objection:
    """The chief judge answers an objection (audited; the entrant is told)."""
    if contest.chief_judge_id != user.id:
        raise DomainError(N_("只有裁判长可以答复异议。"), field="answer")
    objection = db.session.scalar(select(Objection).where(Objection.id == objection_id,
                                                          Objection.contest_id == contest.id))
    if objection is None or objection.status != "open" or contest.status not in ("provisional", "scoring"):
        raise DomainError(N_("找不到待答复的异议。"), field="answer")
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(N_("请填写答复。"), field="answer")
    objection.answer, objection.status = answer, "answered"
    objection.answered_by_id, objection.answered_at = user.id, utcnow()
    db.session.flush()
    audit.record("contest.objection_answered", contest, f"objection={objection.id}")
    person = db.session.scalar(select(Entrant.user_id).where(Entrant.id == objection.entrant_id))
    notify.notify(person, N_("裁判长已答复您对“%(contest)s”成绩的异议。"), contest_link(contest, "contests.results"),
                  contest=contest.name)
    return objection


def recommend_upgrade(contest: Contest, actor, entrant_id: int | None, level: str) -> Entrant:
    """Record (or clear, with "") a skill-level upgrade recommendation on a ranked result."""
    if not (queries.manages(actor, contest) or contest.chief_judge_id == actor.id):
        raise DomainError(N_("您不能进行这个操作。"), field="level")
    entrant = db.session.scalar(select(Entrant).where(Entrant.id == entrant_id, Entrant.contest_id == contest.id))
    if entrant is None or entrant.rank is None or contest.status not in ("provisional", "final"):
        raise DomainError(N_("只能对已公示的成绩提出晋级建议。"), field="level")
    if level and level not in SKILL_LEVELS[1:]:
        raise DomainError(N_("请选择技能等级。"), field="level")
    entrant.upgrade_to = level or None
    db.session.flush()
    audit.record("contest.upgrade_recommended", contest, f"number={entrant.number} level={level or '-'}")
    return entrant


def unit_name(unit_id: int) -> str:
    return db.session.scalar(select(Department.name).where(Department.id == unit_id)) or ""
