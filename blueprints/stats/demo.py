"""Demo data for the statistics: a year of past training (so the monthly chart has a history) and the union's
participation targets for this year and last, chosen so that some plants are under target and some over.

Runs last (after core, workshops, suggestions and training). The past sessions are completed, managed by hr1, with
attendance, results and certificates numbered on from the training demo's counter; worker1 is not on them, so the
training demo's story for worker1 stays as it is.
"""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from blueprints.core import counters as core_counters
from blueprints.core.clock import local_year
from blueprints.core.models import Department, User, YearlyCounter
from blueprints.core.org import enterprise_of
from blueprints.core.people import department_tree, head_counts
from blueprints.stats import services
from blueprints.stats.models import ParticipationTarget
from blueprints.training.models import CERTIFICATE_SERIES, Enrollment, TrainingSession
from extensions import db

# (title, kind, hours, capacity, instructor, location)
PAST_SESSIONS = [
    ("新员工安全生产三级教育", "safety", 4, 60, "安全环保部 陈工", "集团报告厅"),
    ("数控车削工艺岗位练兵", "drill", 6, 30, "王振华（高级技师）", "第一机械厂培训楼 301"),
    ("焊工技能提升班（中级）", "skills", 7, 25, "赵建军（焊接技师）", "第二机械厂焊接实训场"),
    ("电工技术比武（初赛）", "contest", 4, 40, "市总工会技能竞赛委员会", "设备检修中心电气实训室"),
    ("名师带徒：设备振动诊断", "mentoring", 3, 12, "设备检修技能大师工作室", "设备检修中心"),
    ("消防安全与应急疏散演练", "safety", 2, 80, "消防支队 周教官", "集团报告厅"),
    ("装配钳工岗位练兵", "drill", 5, 30, "质检中心 孙工", "第一机械厂装配车间"),
    ("锅炉运行节能操作培训", "skills", 4, 30, "热力节能工匠创新工作室", "动力分公司会议室"),
]
LAST_YEAR_SESSIONS = [
    ("安全生产月专题培训（上年）", "safety", 3, 80, "安全环保部 陈工", "集团报告厅"),
    ("数控编程技能培训（上年）", "skills", 7, 30, "王振华（高级技师）", "第一机械厂培训楼 301"),
    ("焊接技术比武（上年）", "contest", 6, 30, "市总工会技能竞赛委员会", "第二机械厂焊接实训场"),
    ("变电运维岗位练兵（上年）", "drill", 4, 25, "电力运维工匠创新工作室", "动力分公司供电车间"),
]


def _past_sessions(ctx, specs, moments, hr_id: int, workers: list, regulars: list,
                   counters: dict[int, int]) -> None:
    """Completed sessions at the given moments with their trainees, results and certificates (bulk inserts).
    Most trainees are `regulars` (people who take part anyway), as in a real plant, so the participation rate
    stays believable."""
    rng = ctx.rng
    hr = db.session.get(User, hr_id)
    enterprise = enterprise_of(db.session.get(Department, hr.department_id)) if hr.department_id else None
    organiser_id = enterprise.id if enterprise is not None else None  # hr1's enterprise organised them
    enrollments = []
    for (title, kind, hours, capacity, instructor, location), starts in zip(specs, moments, strict=False):
        ends = starts + timedelta(hours=hours)
        n = rng.randint(capacity * 2 // 3, capacity)
        newcomers = rng.sample(workers, max(1, n // 12))
        seen = {p.id for p in newcomers}
        people = newcomers + [p for p in rng.sample(regulars, min(len(regulars), n)) if p.id not in seen]
        people = people[:n]
        session = TrainingSession(
            title=title, kind=kind, description="往期培训，已结束。", instructor=instructor, location=location,
            starts_at=starts, ends_at=ends, signup_deadline=starts - timedelta(days=2), capacity=capacity,
            confirmed_count=len(people), waitlist_count=0, skill_levels=[], status="completed", manager_id=hr_id,
            created_by_id=hr_id, created_at=starts - timedelta(days=20), updated_at=ends + timedelta(days=1),
            organiser_id=organiser_id)
        db.session.add(session)
        db.session.flush()
        year = local_year(starts)
        for person in people:
            present = rng.random() > 0.08
            score = rng.randint(55, 99) if present else None
            passed = present and score >= 60
            row = {"session_id": session.id, "user_id": person.id, "status": "confirmed", "waitlist_position": None,
                   "enrolled_by_id": hr_id if rng.random() < 0.3 else person.id,
                   "created_at": starts - timedelta(days=rng.randint(3, 18)), "confirmed_at": None,
                   "attendance": "present" if present else "absent", "result": "pass" if passed else (
                       "fail" if present else None), "score": score, "certificate_no": None, "certified_at": None,
                   "cancelled_at": None, "cancelled_by_id": None}
            row["confirmed_at"] = row["created_at"]
            if passed:
                counters[year] = counters.get(year, 0) + 1
                row.update(certificate_no=f"PX-{year}-{counters[year]:05d}", certified_at=ends + timedelta(days=1))
            enrollments.append(row)
    if enrollments:
        db.session.execute(insert(Enrollment), enrollments)


def _spread(start: datetime, end: datetime, n: int, hour_utc: int = 1) -> list[datetime]:
    """n moments spread evenly between start and end, at 09:00 Beijing time (01:00 UTC)."""
    span = (end - start) / n
    return [(start + span * (i + 0.5)).replace(hour=hour_utc, minute=0, second=0, microsecond=0) for i in range(n)]


def _seed_training_history(ctx) -> None:
    now = datetime.now(UTC)
    this_year = local_year(now)
    hr_id = ctx.users["hr1"].id
    workers = [ctx.users[f"worker{n}"] for n in range(2, 301)]
    taking_part = set(db.session.scalars(services.participant_ids(services.make_scope(this_year))))
    regulars = [w for w in workers if w.id in taking_part] or workers
    counters = {row.year: row.last for row in db.session.scalars(
        select(YearlyCounter).where(YearlyCounter.series == CERTIFICATE_SERIES))}
    before = dict(counters)
    year_start = services.month_starts(this_year)[0]
    latest = now - timedelta(days=75)  # the training demo's own completed sessions fill the last two months
    if latest - year_start > timedelta(days=60):
        _past_sessions(ctx, PAST_SESSIONS, _spread(year_start + timedelta(days=10), latest, len(PAST_SESSIONS)),
                       hr_id, workers, regulars, counters)
    last_start = services.month_starts(this_year - 1)[0]
    _past_sessions(ctx, LAST_YEAR_SESSIONS,
                   _spread(last_start + timedelta(days=40), last_start + timedelta(days=320), len(LAST_YEAR_SESSIONS)),
                   hr_id, workers, regulars, counters)
    for year, last in counters.items():
        if last != before.get(year):
            core_counters.set_last(CERTIFICATE_SERIES, year, last)
    db.session.flush()


def _round_to_five(value: float, up: bool) -> int:
    return int(min(100, max(0, (math.ceil(value / 5) if up else math.floor(value / 5)) * 5)))


def _seed_targets(ctx) -> None:
    """The enterprise's target, a team's, and each plant's own, from the figures as they stand after the other
    demos: some plants end up under target and some over."""
    admin_id = ctx.users["admin"].id
    year = services.default_year()
    enterprise = ctx.departments["BJHI"]
    rows = [ParticipationTarget(department_id=enterprise.id, year=year, rate=80, updated_by_id=admin_id),
            ParticipationTarget(department_id=enterprise.id, year=year - 1, rate=70, updated_by_id=admin_id),
            ParticipationTarget(department_id=ctx.departments["BJHI-M1-JJ-1"].id, year=year, rate=95,
                                updated_by_id=admin_id)]
    tree = department_tree()
    plants = [d for d in tree if d.parent_id == enterprise.id and d.code in ("BJHI-M1", "BJHI-M2", "BJHI-PW",
                                                                              "BJHI-MT")]
    scope = services.make_scope(year, enterprise)
    figures, _total = services.department_rows(scope, plants, tree=tree, counts=head_counts(), targets={},
                                               training=False)
    # The two plants taking part least get a target a little above their rate, the others one a little below.
    for index, row in enumerate(sorted(figures, key=lambda r: r.rate or 0)):
        rate = float(row.rate or 0)
        under = index < 2
        target = _round_to_five(rate + 3 if under else rate - 3, up=under)
        rows.append(ParticipationTarget(department_id=row.department.id, year=year, rate=target,
                                        updated_by_id=admin_id))
    db.session.add_all(rows)
    db.session.flush()


def seed(ctx) -> None:
    """Past training and participation targets (a few bulk inserts and three GROUP BY queries); then the statistics
    snapshot, built over every domain's demo data (stats seeds last), so `make run` shows "数据截至"."""
    from blueprints.stats import snapshot

    _seed_training_history(ctx)
    _seed_targets(ctx)
    snapshot.rebuild()
