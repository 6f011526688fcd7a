"""Demo data for suggestions: ~170 ideas in every status and category over this year and last, several waiting in
lead1's workshop, with history, scores, awards and ledger lines, comments, +1s, reviewer notes and answer templates.

Enterprises 2 and 3 of the demo federation get a handful each in their own workshop (their own random generator,
numbered after enterprise 1's, so the Part I serials stay as they were), decided by their own reviewers and awarded
by their own enterprise union.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from blueprints.core import counters as core_counters
from blueprints.core.demo import DemoContext
from blueprints.core.models import Notification
from blueprints.core.types import utcnow
from blueprints.suggestions import services
from blueprints.suggestions.models import (
    AnswerTemplate,
    ReviewerNote,
    RewardShare,
    Suggestion,
    SuggestionCoauthor,
    SuggestionComment,
    SuggestionEndorsement,
    SuggestionEvent,
)
from blueprints.workshops.models import Workshop, WorkshopMember
from blueprints.workshops.queries import reviewer_ids
from extensions import db

# --- What the ideas are about (combined into distinct, believable titles) -------------------------------------------

IDEAS = {
    "invention": ["自制{x}", "{x}的发明"],
    "creation": ["利用{x}", "{x}再利用"],
    "renovation": ["{x}改进", "{x}技术革新"],
    "design": ["{x}设计", "新型{x}设计"],
    "suggestion": ["关于{x}的建议", "建议{x}"],
    "rationalization": ["{x}", "{x}的合理化建议"],
}
SUBJECTS = {
    "invention": ["快速对刀仪", "焊缝打磨辅助支架", "电缆剥皮专用工具", "轴承拆卸拉马", "管道对中夹具", "阀门扳手加力杆",
                  "螺栓力矩标记笔架", "油桶搬运小车", "高压开关柜验电辅助杆", "钢丝绳润滑器"],
    "creation": ["废旧砂轮制作抛光轮", "边角料制作工具架", "报废轴承制作滚轮", "余热加热车间热水", "旧托盘改造物料架",
                 "冷却塔排水浇灌绿化", "废弃焊丝盘制作线缆盘", "旧电机改造试验台"],
    "renovation": ["数控车床冷却液回收装置", "龙门铣床润滑系统", "行车限位控制回路", "空压机余热回收", "锅炉给水泵密封结构",
                   "焊接机器人清枪装置", "砂型输送线防堵装置", "变电站巡检记录方式", "装配线拧紧工位", "铸造浇注包倾转机构",
                   "车床排屑装置", "调试台架接线方式"],
    "design": ["薄壁件装夹工装", "法兰钻孔定位模板", "电机吊装平衡梁", "配电柜接线标识牌", "焊接变位机快换夹具",
               "齿轮箱检修专用支架", "线路巡检工具包", "总装线物料配送车"],
    "suggestion": ["优化交接班记录", "车间照明分区控制", "推行工具定置管理", "优化设备点检路线", "更新安全警示标识",
                   "劳保用品按需发放", "设立班组技术问答角", "夜班设置巡检双人确认"],
    "rationalization": ["降低压缩空气泄漏损耗", "峰谷电价下调整生产排班", "减少刀具库存积压", "推行焊材定额领用",
                        "锅炉燃烧参数优化", "备品备件共享调剂", "缩短模具更换时间", "废油集中回收处置"],
}
ISSUES = ["全靠人工经验，效率低", "每班要停机处理两三次", "容易出现漏检", "存在磕碰和划伤隐患", "材料浪费比较大",
          "新员工上手慢", "夏季故障明显增多", "数据靠手工抄写，常有差错"]
LOSSES = ["每月多耗用约 3 吨冷却液", "每月停机约 6 小时", "去年因此返工 40 余件", "每年多支出费用约 2 万元",
          "每月多耗电约 8000 千瓦时", "每班多占用一名操作工"]
MEASURES = ["加装一套简易装置，用现有边角料制作", "改用标准化快换结构，并编写作业指导书", "调整工艺顺序，增加一道自检",
            "增加限位和报警，由电工班负责改造", "制作专用工装并在班组内推广", "建立台账，每周由班长检查"]
BENEFITS = ["预计每年节约成本约 3 万元", "单件加工时间缩短 15%", "基本消除该处安全隐患", "减少停机时间一半以上",
            "每年可节电约 5 万千瓦时", "减少返工，提高一次合格率约 2 个百分点"]
COMMENTS = ["我们班也遇到过同样的问题，支持！", "这个办法好，建议在二车间也推广。", "材料能用库里的旧件吗？",
            "上个月试过类似做法，效果不错。", "能不能把图纸也传上来？", "安全方面要再考虑一下防护。",
            "点个赞，期待早日实施。", "建议和设备科一起评估一下。"]
NOTES = ["实施成本需要设备科核实。", "作者班组已有初步试用数据，可以要求补充。", "与去年 WX 编号的那条思路接近，注意区分。",
         "建议现场看一下再定分。"]


# --- The fallback workshop (only when the workshops demo has not run) ------------------------------------------------


def _fallback_workshops(ctx: DemoContext) -> None:
    """FALLBACK for a branch without the workshops demo: an approved workshop led by lead1 with a deputy and
    members, so suggestions have a reviewing body. Skipped when ctx.workshops exists (the real demo ran)."""
    users = ctx.users
    now = utcnow()
    workshop = Workshop(name="王振华数控技能大师工作室", kind="master", level="city", lead_id=users["lead1"].id,
                        department_id=ctx.departments["BJHI-M1-JJ"].id, field="数控加工、工装夹具",
                        founded_on=date(2019, 5, 1), description="以数控加工工艺攻关和青工带教为主的技能大师工作室。",
                        status="approved", submitted_at=now - timedelta(days=400), decided_at=now - timedelta(days=390),
                        created_at=now - timedelta(days=410))
    db.session.add(workshop)
    db.session.flush()
    joined = now - timedelta(days=380)
    for employee_no, role in (("lead1", "lead"), ("worker2", "deputy"), ("worker1", "member"),
                              ("worker3", "member"), ("worker4", "member")):
        db.session.add(WorkshopMember(workshop_id=workshop.id, user_id=users[employee_no].id, role=role,
                                      status="active", requested_at=joined, joined_at=joined))
    db.session.flush()
    ctx.workshops = {"lead1": workshop}
    ctx.workshop_list = [workshop]


class _History:
    """Appends a suggestion's events one after another, each some hours after the previous one (never in the
    future)."""

    def __init__(self, suggestion: Suggestion, author_id: int, events: list, rng, now: datetime):
        self.suggestion, self.author_id, self.events, self.rng, self.now = suggestion, author_id, events, rng, now
        self.t = suggestion.created_at

    def step(self, action: str, from_status: str, to_status: str, comment: str = "", actor: int | None = None,
             hours: tuple[int, int] = (4, 240)) -> datetime:
        self.t = min(self.t + timedelta(hours=self.rng.randint(*hours)), self.now - timedelta(minutes=30))
        self.events.append(SuggestionEvent(suggestion_id=self.suggestion.id, actor_id=actor or self.author_id,
                                           action=action, from_status=from_status, to_status=to_status,
                                           comment=comment, created_at=self.t))
        return self.t


# --- Seeding ---------------------------------------------------------------------------------------------------------


def _titles(rng) -> list[tuple[str, str, str]]:
    """(category, title, subject) for every distinct combination, shuffled."""
    out = []
    for category, patterns in IDEAS.items():
        for subject in SUBJECTS[category]:
            for pattern in patterns:
                out.append((category, pattern.format(x=subject), subject))
    rng.shuffle(out)
    return out


def _text(rng, subject: str) -> tuple[str, str, str]:
    problem = f"目前{subject}相关作业{rng.choice(ISSUES)}，{rng.choice(LOSSES)}。"
    proposal = f"{rng.choice(MEASURES)}。\n具体做法：\n1. 先在本班组试用两周，记录数据；\n2. 效果确认后修订作业指导书；\n3. 向同类岗位推广。"
    benefit = f"{rng.choice(BENEFITS)}，同时减轻劳动强度。"
    return problem, proposal, benefit


# Status of each demo suggestion this year, in the order generated (counts per status).
PLAN_THIS_YEAR = ([("draft", 8), ("submitted", 26), ("returned", 8), ("accepted", 20), ("rejected", 12),
                   ("implemented", 14), ("awarded", 22), ("withdrawn", 7)])
PLAN_LAST_YEAR = ([("rejected", 6), ("implemented", 4), ("awarded", 14), ("withdrawn", 2)])


def _scores(rng, grade_hint: str | None) -> dict[str, int]:
    # Aim at a total band, then spread it over the four criteria within their maxima.
    band = {"first": (90, 97), "second": (80, 89), "third": (70, 79), "excellence": (60, 69)}.get(grade_hint, (48, 88))
    target = rng.randint(*band)
    maxima = [30, 30, 25, 15]
    scores = [round(target * m / 100) for m in maxima]
    scores[0] += target - sum(scores)
    scores = [max(0, min(m, s)) for s, m in zip(scores, maxima, strict=True)]
    return {"score_innovation": scores[0], "score_practicality": scores[1], "score_benefit": scores[2],
            "score_replicability": scores[3], "score_total": sum(scores)}


@dataclass
class _Cast:
    """Who and where the demo happens: the people, lead1's workshop and its team, and the reviewers of each
    approved workshop."""

    rng: object
    users: dict
    admin: object
    lead1: object
    lead_workshop: Workshop
    others: list
    reviewers_by_workshop: dict[int, list[int]]
    workers: list
    lead_team: set[int]
    now: datetime
    this_year: int
    # Running state while the ideas are planned.
    worker1_statuses: set[str] = field(default_factory=lambda: {"draft", "returned", "submitted", "awarded",
                                                                 "rejected"})
    waiting_in_lead: int = 0


@dataclass
class _Records:
    """Rows written for the demo suggestions after they exist (history, reactions, rewards)."""

    events: list = field(default_factory=list)
    endorsements: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    ledger: list = field(default_factory=list)
    submitted: list = field(default_factory=list)


def _cast(ctx: DemoContext) -> _Cast:
    users = ctx.users
    lead_workshop = ctx.workshops["lead1"]
    approved = [workshop for workshop in getattr(ctx, "workshop_list", [lead_workshop]) if workshop.status == "approved"]
    reviewers_by_workshop = {workshop.id: reviewer_ids(workshop.id) for workshop in approved}
    now = utcnow()
    return _Cast(rng=ctx.rng, users=users, admin=users["admin"], lead1=users["lead1"], lead_workshop=lead_workshop,
                 others=[workshop for workshop in approved if workshop.id != lead_workshop.id],
                 reviewers_by_workshop=reviewers_by_workshop,
                 workers=[user for no, user in users.items() if no.startswith("worker")],
                 lead_team=set(reviewers_by_workshop.get(lead_workshop.id, [])) | {users["lead1"].id},
                 now=now, this_year=services.competition_year(now))


def _plan(cast: _Cast) -> list[dict]:
    """One entry per demo suggestion: its final status, year and the window it was created in."""
    year_start = datetime(cast.this_year, 1, 3, 1, 0, tzinfo=UTC)
    last_year_start = datetime(cast.this_year - 1, 2, 1, 1, 0, tzinfo=UTC)
    windows = ((PLAN_THIS_YEAR, year_start, cast.now - timedelta(days=2), cast.this_year),
               (PLAN_LAST_YEAR, last_year_start, datetime(cast.this_year - 1, 11, 30, tzinfo=UTC),
                cast.this_year - 1))
    return [{"status": status, "year": year, "start": start, "end": end}
            for entries, start, end, year in windows for status, count in entries for _ in range(count)]


def _author_and_workshop(cast: _Cast, row: dict):
    """Who wrote it, when, and which workshop reviews it; worker1 gets one of each interesting status."""
    rng, status = cast.rng, row["status"]
    author = rng.choice(cast.workers)
    if status in cast.worker1_statuses and row["year"] == cast.this_year:
        author = cast.users["worker1"]
        cast.worker1_statuses.discard(status)
    span = (row["end"] - row["start"]).total_seconds()
    created = row["start"] + timedelta(seconds=rng.random() * span * 0.9)
    if status == "submitted":
        # Recent ones are still waiting; several sit in lead1's workshop.
        created = cast.now - timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 20))
    if status in ("submitted", "returned") and cast.waiting_in_lead < 12:
        cast.waiting_in_lead += 1
        while author.id in cast.lead_team and cast.waiting_in_lead != 3:
            author = rng.choice(cast.workers)
        if cast.waiting_in_lead == 3:
            author = cast.users["worker2"]  # the deputy's own idea: lead1 reviews it, the deputy stands aside
        return author, created, cast.lead_workshop
    pick = rng.random()
    workshop = cast.lead_workshop if pick < 0.45 else (rng.choice(cast.others) if cast.others and pick < 0.75
                                                       else None)
    return author, created, workshop


def _coauthors(cast: _Cast, author, workshop, status: str) -> list:
    """Zero to three colleagues; none of lead1's team on what waits in lead1's workshop (they review it)."""
    rng = cast.rng
    count = rng.choices((0, 1, 2, 3), weights=(50, 25, 15, 10))[0]
    coauthors = []
    while len(coauthors) < count:
        candidate = rng.choice(cast.workers)
        if candidate.id != author.id and candidate.id not in {user.id for user in coauthors} and not (
                workshop is cast.lead_workshop and status == "submitted" and candidate.id in cast.lead_team):
            coauthors.append(candidate)
    return coauthors


def _suggestions(cast: _Cast, ctx: DemoContext) -> list[tuple[Suggestion, dict]]:
    """The demo suggestions with their authors, workshops and co-authors (added and flushed)."""
    titles = _titles(cast.rng)
    team_names = {department.id: department.name for department in ctx.departments.values()}
    made = []
    for index, row in enumerate(_plan(cast)):
        category, title, subject = titles[index % len(titles)]
        status = row["status"]
        author, created, workshop = _author_and_workshop(cast, row)
        if index >= len(titles):
            # The same idea raised again elsewhere: named after the author's team, as people do.
            title = f"{title}（{team_names.get(author.department_id, '')}）"
        problem, proposal, benefit = _text(cast.rng, subject)
        suggestion = Suggestion(title=title[:100], category=category, problem=problem, proposal=proposal,
                                expected_benefit=benefit, author_id=author.id, department_id=author.department_id,
                                workshop_id=workshop.id if workshop else None, status=status, year=row["year"],
                                created_at=created, updated_at=created, listed_at=created)
        coauthors = _coauthors(cast, author, workshop, status)
        suggestion.coauthors = [SuggestionCoauthor(user_id=user.id, position=i) for i, user in enumerate(coauthors)]
        made.append((suggestion, {"workshop": workshop, "coauthors": coauthors}))
    db.session.add_all(suggestion for suggestion, _info in made)
    db.session.flush()
    return made


def _award(cast: _Cast, suggestion: Suggestion, step, people: list[int], records: _Records) -> None:
    """The admin grades it (now and then against the rubric, with a reason) and the ledger lines follow."""
    rng, admin = cast.rng, cast.admin
    suggested = services.suggested_grade(suggestion.score_total)
    grade, reason = suggested, None
    if suggested is None or rng.random() < 0.1:
        grade = "excellence" if suggested is None else suggested
        reason = "实施后效益显著，经工会研究予以奖励。"
    amount = Decimal(services.REWARD_DEFAULTS[grade]).quantize(Decimal("0.01"))
    awarded = step("award", "implemented", "awarded", reason or "", actor=admin.id, hours=(100, 600))
    suggestion.grade, suggestion.suggested_grade, suggestion.grade_reason = grade, suggested, reason
    suggestion.reward_amount, suggestion.awarded_at, suggestion.awarded_by_id = amount, awarded, admin.id
    shares = services.equal_shares(len(people))
    paid = awarded < cast.now - timedelta(days=45)
    for uid, share, part in zip(people, shares, services.split_reward(amount, shares), strict=True):
        records.ledger.append(RewardShare(kind="suggestion", suggestion_id=suggestion.id,
                                          department_id=suggestion.department_id, user_id=uid, share_bp=share,
                                          amount=part,
                                          approved_by_id=admin.id, status="paid" if paid else "pending",
                                          paid_on=(awarded + timedelta(days=20)).date() if paid else None,
                                          paid_by_id=admin.id if paid else None, created_at=awarded))


def _adopt(cast: _Cast, suggestion: Suggestion, step, reviewer: int, people: list[int], records: _Records) -> None:
    """Accepted (sometimes after a return), then maybe implemented and awarded."""
    rng, status = cast.rng, suggestion.status
    if rng.random() < 0.3:
        step("return", "submitted", "returned", "请补充图纸或现场照片。", actor=reviewer)
        step("resubmit", "returned", "submitted", hours=(20, 120))
    grade_hint = rng.choice(("first", "second", "second", "third", "third", "excellence", "excellence")) \
        if status == "awarded" else None
    for key, value in _scores(rng, grade_hint).items():
        setattr(suggestion, key, value)
    suggestion.decided_at = step("accept", "submitted", "accepted", "思路清楚，具备推广价值。", actor=reviewer)
    if status in ("implemented", "awarded"):
        done = step("implement", "accepted", "implemented", "已在班组投入使用。", actor=reviewer, hours=(200, 900))
        suggestion.implemented_on = done.date()
        suggestion.annual_benefit = Decimal(rng.randint(200000, 30000000)) / 100
    if status == "awarded":
        _award(cast, suggestion, step, people, records)


def _decide(cast: _Cast, suggestion: Suggestion, history: _History, reviewer: int, people: list[int],
            records: _Records) -> None:
    """What happened after the submission, by the suggestion's final status."""
    step, status = history.step, suggestion.status
    if status == "withdrawn":
        step("withdraw", "submitted", "withdrawn", "与班组另一条建议重复，撤回。")
    elif status == "returned":
        step("return", "submitted", "returned", "请补充改进前后的对比数据和成本估算。", actor=reviewer)
    elif status == "rejected":
        step("reject", "submitted", "rejected", "与现行工艺规程冲突，暂不采纳；欢迎结合规程修订后再提。",
             actor=reviewer)
        suggestion.decided_at = history.t
    elif status in ("accepted", "implemented", "awarded"):
        _adopt(cast, suggestion, step, reviewer, people, records)


def _react(cast: _Cast, suggestion: Suggestion, submitted_at: datetime, people: list[int], workshop,
           records: _Records) -> None:
    """Colleagues +1 and comment on what is public; lead1 keeps private notes on some waiting ones."""
    rng, now = cast.rng, cast.now
    if suggestion.status in services.ENDORSABLE:
        fans = [user for user in rng.sample(cast.workers, rng.randint(0, 14)) if user.id not in set(people)]
        for fan in fans:
            records.endorsements.append(SuggestionEndorsement(
                suggestion_id=suggestion.id, user_id=fan.id,
                created_at=min(submitted_at + timedelta(hours=rng.randint(1, 200)), now)))
        suggestion.endorsement_count = len(fans)
        for _ in range(rng.choices((0, 1, 2, 3), weights=(45, 30, 15, 10))[0]):
            records.comments.append(SuggestionComment(
                suggestion_id=suggestion.id, author_id=rng.choice(cast.workers).id, body=rng.choice(COMMENTS),
                created_at=min(submitted_at + timedelta(hours=rng.randint(2, 300)), now)))
    if suggestion.status == "submitted" and workshop is cast.lead_workshop and rng.random() < 0.4:
        records.notes.append(ReviewerNote(suggestion_id=suggestion.id, author_id=cast.lead1.id,
                                          body=rng.choice(NOTES), created_at=min(submitted_at + timedelta(hours=5),
                                                                                 now)))


def _live(cast: _Cast, suggestion: Suggestion, info: dict, records: _Records) -> None:
    """One suggestion's history and the fields each status implies, in time order."""
    rng, author_id, workshop = cast.rng, suggestion.author_id, info["workshop"]
    reviewers = list(cast.reviewers_by_workshop.get(workshop.id, [])) if workshop else []
    reviewer = rng.choice([uid for uid in reviewers if uid != author_id] or [cast.admin.id])
    history = _History(suggestion, author_id, records.events, rng, cast.now)
    records.events.append(SuggestionEvent(suggestion_id=suggestion.id, actor_id=author_id, action="create",
                                          from_status=None, to_status="draft", created_at=suggestion.created_at))
    status = suggestion.status
    if status == "draft" or (status == "withdrawn" and rng.random() < 0.4):
        if status == "withdrawn":
            history.step("withdraw", "draft", "withdrawn", "想法还不成熟，先撤回。")
        suggestion.updated_at = history.t
        return
    submitted_at = history.step("submit", "draft", "submitted", hours=(1, 30))
    suggestion.submitted_at = submitted_at
    suggestion.listed_at = submitted_at
    records.submitted.append(suggestion)
    people = [author_id] + [user.id for user in info["coauthors"]]
    _decide(cast, suggestion, history, reviewer, people, records)
    suggestion.updated_at = history.t
    _react(cast, suggestion, submitted_at, people, workshop, records)


def _number(submitted: list[Suggestion]) -> None:
    """Serial numbers in submission order, per year, and each year's counter at its last number."""
    last: dict[int, int] = {}
    for suggestion in sorted(submitted, key=lambda row: (row.submitted_at, row.id)):
        year = services.competition_year(suggestion.submitted_at)
        last[year] = last.get(year, 0) + 1
        suggestion.year = year
        suggestion.serial = f"WX-{year}-{last[year]:04d}"
    for year, value in last.items():
        core_counters.set_last(services.SERIAL_SERIES, year, value)


DECISION_MESSAGES = {"accepted": "accept", "returned": "return", "rejected": "reject", "implemented": "implement"}


def _notifications(cast: _Cast, made: list[tuple[Suggestion, dict]], events: list) -> list[Notification]:
    """What a demo user would have received: decisions for authors, arrivals for reviewers."""
    notifications = []
    for suggestion, info in made:
        link = f"/suggestions/{suggestion.id}"
        if suggestion.status in ("accepted", "returned", "rejected", "awarded", "implemented") and suggestion.serial:
            message = (services.AWARD_MESSAGES[suggestion.grade] if suggestion.status == "awarded"
                       else services.TRANSITION_MESSAGES[DECISION_MESSAGES[suggestion.status]])
            last_comment = next((event.comment for event in reversed(events) if event.suggestion_id == suggestion.id), "")
            params = {"serial": suggestion.serial, "title": suggestion.title, "total": suggestion.score_total or "",
                      "comment": last_comment or "—", "amount": str(suggestion.reward_amount or "")}
            notifications.append(Notification(user_id=suggestion.author_id, message=message, params=params,
                                              link=link, created_at=suggestion.updated_at,
                                              read_at=suggestion.updated_at if suggestion.year < cast.this_year
                                              else None))
        if suggestion.status == "submitted":
            workshop = info["workshop"]
            for uid in cast.reviewers_by_workshop.get(workshop.id, []) if workshop else [cast.admin.id]:
                if uid != suggestion.author_id:
                    notifications.append(Notification(user_id=uid, message=services.ARRIVAL_MESSAGE,
                                                      params={"serial": suggestion.serial, "title": suggestion.title},
                                                      link=link, created_at=suggestion.submitted_at))
    return notifications


def _answer_templates(cast: _Cast) -> list[AnswerTemplate]:
    """lead1's own answer templates, and two the union shares with every reviewer."""
    lead1, admin = cast.lead1, cast.admin
    return [
        AnswerTemplate(owner_id=lead1.id, kind="return", title="补充对比数据",
                       body="请补充改进前后的对比数据（时间、材料、费用），以及试用情况，补充后重新提交。"),
        AnswerTemplate(owner_id=lead1.id, kind="return", title="补充图纸照片",
                       body="请上传装置的简图或现场照片，说明安装位置和尺寸。"),
        AnswerTemplate(owner_id=lead1.id, kind="reject", title="已有同类措施",
                       body="车间已在推行同类措施，本建议不再单独立项，感谢参与。"),
        AnswerTemplate(owner_id=admin.id, kind="return", title="描述不完整", shared=True,
                       body="建议内容不够具体：请写明现状、问题发生的频率和具体改进步骤后重新提交。"),
        AnswerTemplate(owner_id=admin.id, kind="reject", title="不属于五小范围", shared=True,
                       body="该建议属于管理制度或福利诉求，不在“五小”活动范围内，请通过工会意见箱反映。"),
    ]


def seed(ctx: DemoContext) -> None:
    """Add the suggestions demo (runs after core and workshops, before training)."""
    if not hasattr(ctx, "workshops"):
        _fallback_workshops(ctx)
    cast = _cast(ctx)
    made = _suggestions(cast, ctx)
    records = _Records()
    for suggestion, info in made:
        _live(cast, suggestion, info, records)
    _number(records.submitted)
    db.session.add_all(records.events + records.endorsements + records.comments + records.notes + records.ledger)
    db.session.add_all(_notifications(cast, made, records.events))
    db.session.add_all(_answer_templates(cast))
    db.session.flush()
    ctx.suggestions = [suggestion for suggestion, _info in made]
    _seed_federation(ctx)
    _seed_recommendation(ctx)


# The suggestions of enterprises 2 and 3 (this year): (final status, category, title, subject) — their own trades'
# ideas, so a search for a Part I idea finds what it found before.
FEDERATION_PLAN = {
    "SBDJ": (("draft", "renovation", "绕线机张力控制改进", "绕线机张力控制"),
             ("submitted", "design", "定子嵌线专用压线板设计", "定子嵌线压线板"),
             ("submitted", "suggestion", "建议试验站增设接地确认牌", "试验站接地确认"),
             ("returned", "creation", "报废漆包线盘改制周转架", "报废漆包线盘"),
             ("accepted", "renovation", "浸漆烘箱温控回路改进", "浸漆烘箱温控"),
             ("rejected", "rationalization", "机加车间两班改三班的建议", "机加车间排班"),
             ("implemented", "invention", "自制端盖止口快速检具", "端盖止口检具"),
             ("awarded", "renovation", "转子动平衡工装技术革新", "转子动平衡工装"),
             ("awarded", "rationalization", "硅钢片边角料分类回收", "硅钢片边角料")),
    "LJJG": (("submitted", "design", "钢筋笼吊装平衡架设计", "钢筋笼吊装平衡架"),
             ("submitted", "suggestion", "建议临边防护栏杆刷反光漆", "临边防护栏杆"),
             ("accepted", "renovation", "混凝土布料机底座加固改进", "混凝土布料机底座"),
             ("rejected", "rationalization", "夜间浇筑改白班的建议", "浇筑作业排班"),
             ("implemented", "creation", "废旧模板改制安全通道踏板", "废旧模板"),
             ("awarded", "invention", "自制机电管线支吊架定位尺", "管线支吊架定位尺")),
}
FEDERATION_CAST = (("SBDJ", "e2admin", "e2worker"), ("LJJG", "e3admin", "e3worker"))


def _federation_cast(ctx: DemoContext, code: str, admin_no: str, prefix: str) -> _Cast:
    workshop = ctx.federation_workshops[code]
    workers = [user for no, user in ctx.users.items() if no.startswith(prefix)]
    reviewers = reviewer_ids(workshop.id)
    now = utcnow()
    return _Cast(rng=ctx.federation_rng, users=ctx.users, admin=ctx.users[admin_no],
                 lead1=next(user for user in workers if user.id == workshop.lead_id), lead_workshop=workshop,
                 others=[], reviewers_by_workshop={workshop.id: reviewers}, workers=workers,
                 lead_team=set(reviewers), now=now, this_year=services.competition_year(now),
                 worker1_statuses=set())


def _seed_federation(ctx: DemoContext) -> None:
    """A few suggestions in enterprises 2 and 3, so their lists and statistics are not empty."""
    if not getattr(ctx, "federation_workshops", None):
        return
    rng = ctx.federation_rng
    records = _Records()
    casts = []
    for code, admin_no, prefix in FEDERATION_CAST:
        cast = _federation_cast(ctx, code, admin_no, prefix)
        authors = [user for user in cast.workers if user.id not in cast.lead_team]
        start = datetime(cast.this_year, 1, 3, 1, 0, tzinfo=UTC)
        made = []
        for status, category, title, subject in FEDERATION_PLAN[code]:
            author = rng.choice(authors)
            created = (cast.now - timedelta(days=rng.randint(2, 20)) if status == "submitted"
                       else start + (cast.now - timedelta(days=2) - start) * rng.random() * 0.9)
            problem, proposal, benefit = _text(rng, subject)
            suggestion = Suggestion(title=title[:100], category=category, problem=problem, proposal=proposal,
                                    expected_benefit=benefit, author_id=author.id,
                                    department_id=author.department_id, workshop_id=cast.lead_workshop.id,
                                    status=status, year=cast.this_year, created_at=created, updated_at=created,
                                    listed_at=created)
            made.append((suggestion, {"workshop": cast.lead_workshop, "coauthors": []}))
        db.session.add_all(suggestion for suggestion, _info in made)
        db.session.flush()
        for suggestion, info in made:
            _live(cast, suggestion, info, records)
        casts.append((cast, made))
    # Numbered on from enterprise 1's serials, in submission order.
    for suggestion in sorted(records.submitted, key=lambda row: (row.submitted_at, row.id)):
        year = services.competition_year(suggestion.submitted_at)
        suggestion.year = year
        suggestion.serial = f"WX-{year}-{core_counters.reserve(services.SERIAL_SERIES, year)[0]:04d}"
    for cast, made in casts:
        db.session.add_all(_notifications(cast, made, records.events))
    db.session.add_all(records.events + records.endorsements + records.comments + records.notes + records.ledger)
    db.session.flush()


def _seed_recommendation(ctx: DemoContext) -> None:
    """Enterprise 1's union (e1admin) recommended its latest first-prize suggestion (or latest award) for
    市级优秀职工创新成果 a few days ago; it waits for 松北区总工会 (d1admin), made through the chain itself."""
    from sqlalchemy import select, update
    from sqlalchemy.orm import selectinload

    from blueprints.suggestions.models import RecommendationStep, Suggestion, SuggestionRecommendation
    from blueprints.suggestions.services import recommendations

    if "e1admin" not in ctx.users:
        return
    ids = [s.id for s in getattr(ctx, "suggestions", []) if s.status == "awarded" and s.awarded_at is not None]
    if not ids:
        return
    suggestion = db.session.scalar(
        select(Suggestion).options(selectinload(Suggestion.coauthors)).where(Suggestion.id.in_(ids))
        .order_by((Suggestion.grade == "first").desc(), Suggestion.awarded_at.desc(), Suggestion.id).limit(1))
    record = recommendations.recommend(suggestion, ctx.users["e1admin"],
                                       "经企业工会评审，该成果推广价值大，推荐参评市级优秀职工创新成果。")
    when = max(utcnow() - timedelta(days=3, hours=2), suggestion.awarded_at + timedelta(hours=1))
    db.session.execute(update(RecommendationStep).where(RecommendationStep.recommendation_id == record.id)
                       .values(created_at=when))
    db.session.execute(update(SuggestionRecommendation).where(SuggestionRecommendation.id == record.id)
                       .values(created_at=when, updated_at=when))
    db.session.flush()
