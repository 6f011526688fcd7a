"""Demo data for competitions (SPEC §14): the city's running 五小竞赛 and 安康杯 with enterprises 1–3 enrolled; a
六比一创 of 市建设交通物流工会 on enterprise 3's key projects (seeded by the projects demo, when present) with monthly
reports in every state and one overdue; a closed district competition with provisional results, its objection
window open and one objection waiting for an answer. A few of enterprise 1's suggestions are filed under the
五小竞赛. Dates follow today (local), so the demo looks the same whenever it is seeded."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert, select, update

from blueprints.competitions.models import (
    Competition,
    Enrolment,
    Indicator,
    Objection,
    Project,
    Report,
    ReportFigure,
    ScoreCell,
    competition_projects,
)
from blueprints.competitions.queries import periods
from blueprints.core.clock import local_today
from blueprints.core.models import Department
from blueprints.core.types import utcnow
from extensions import db

WUXIAO_INDICATORS = [("提交五小建议", "项", 30, 30, "suggestions_submitted"),
                     ("采纳五小建议", "项", 40, 40, "suggestions_adopted"),
                     ("创新成果推广应用", "项", 30, 30, "reported")]
ANKANG_INDICATORS = [("安全培训人次", "人次", 40, 40, "training_person_times"),
                     ("隐患排查整改", "项", 40, 40, "reported"),
                     ("安全活动开展", "次", 20, 20, "reported")]
LIUBI_INDICATORS = [("工程进度完成率", "%", 40, 40, "reported"), ("质量验收合格项", "项", 30, 30, "reported"),
                    ("技术创新项", "项", 30, 30, "reported")]
ENERGY_INDICATORS = [("节能量", "吨标煤", 50, 50, "reported"), ("节能合理化建议", "项", 50, 50, "reported")]


def _competition(name, kind, organiser, year, starts, ends, status, frequency, indicators, creator, rules=""):
    competition = Competition(name=name, kind=kind, organiser_id=organiser.id, year=year, starts_on=starts,
                              ends_on=ends, report_frequency=frequency, rules=rules, status=status,
                              created_by_id=creator.id)
    db.session.add(competition)
    db.session.flush()
    rows = []
    for position, (iname, unit, weight, top, source) in enumerate(indicators):
        rows.append(Indicator(competition_id=competition.id, name=iname, unit=unit, weight=Decimal(weight),
                              max_score=Decimal(top), source=source, position=position))
    db.session.add_all(rows)
    db.session.flush()
    competition.demo_indicators = rows
    return competition


def _enrol(competition, units, by):
    db.session.execute(insert(Enrolment), [{"competition_id": competition.id, "unit_id": u.id, "status": "enrolled",
                                            "enrolled_by_id": by.id, "enrolled_at": utcnow()} for u in units])


def _report(competition, unit, period, status, by, figures, narrative, comment=""):
    report = Report(competition_id=competition.id, unit_id=unit.id, period_start=period[0], period_end=period[1],
                    status=status, narrative=narrative, comment=comment, created_by_id=by.id,
                    submitted_at=utcnow() if status != "draft" else None,
                    decided_at=utcnow() if status in ("accepted", "returned") else None)
    db.session.add(report)
    db.session.flush()
    db.session.add_all(ReportFigure(report_id=report.id, indicator_id=i.id, value=Decimal(v))
                       for i, v in zip(competition.demo_indicators, figures, strict=False) if i.source == "reported")


def _city(ctx, today: date) -> None:
    root, admin = ctx.departments["HRB"], ctx.users["admin"]
    enterprises = [ctx.departments[c] for c in ("BJHI", "SBDJ", "LJJG")]
    year = today.year
    wuxiao = _competition(f"{year}年全市职工“五小”竞赛", "wuxiao", root, year, date(year, 1, 1), date(year, 12, 31),
                          "running", "quarterly", WUXIAO_INDICATORS, admin,
                          "围绕小发明、小创造、小革新、小设计、小建议，各企业每季度报送创新成果推广应用情况。")
    ankang = _competition(f"{year}年“安康杯”竞赛", "ankang", root, year, date(year, 3, 1), date(year, 12, 31),
                          "running", "monthly", ANKANG_INDICATORS, admin,
                          "以班组安全建设为重点，开展隐患排查整改、安全培训和群众性安全活动。")
    for competition in (wuxiao, ankang):
        _enrol(competition, enterprises, admin)
    for enterprise, reporter in zip(enterprises[:2], (ctx.users["e1admin"], ctx.users["e2admin"]), strict=True):
        for n, period in enumerate(p for p in periods(wuxiao) if p[1] + timedelta(days=10) < today):
            _report(wuxiao, enterprise, period, "accepted", reporter, [0, 0, 3 + n], "推广应用数控冷却液回收等成果。")
        for n, period in enumerate(p for p in periods(ankang) if p[1] + timedelta(days=10) < today):
            _report(ankang, enterprise, period, "accepted", reporter, [0, 6 + n % 4, 2 + n % 3],
                    "班组安全隐患排查，组织应急演练。")
    ids = db.session.scalars(select(db.metadata.tables["suggestions"].c.id).join(
        Department, Department.id == db.metadata.tables["suggestions"].c.department_id)
        .where(Department.path.startswith(enterprises[0].path),
               db.metadata.tables["suggestions"].c.submitted_at.is_not(None)).limit(8)).all()
    if ids:
        table = db.metadata.tables["suggestions"]
        db.session.execute(update(table).where(table.c.id.in_(ids)).values(competition_id=wuxiao.id))


def _liubi(ctx, today: date) -> None:
    union, i1admin, e3admin = ctx.departments["HRB-JJW"], ctx.users["i1admin"], ctx.users["e3admin"]
    starts = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for _ in range(3):
        starts = (starts - timedelta(days=1)).replace(day=1)
    ends = date(starts.year + 1, starts.month, 1) - timedelta(days=1)
    competition = _competition("重点项目“六比一创”劳动竞赛", "liubi_yichuang", union, starts.year, starts, ends,
                               "running", "monthly", LIUBI_INDICATORS, i1admin,
                               "比安全、比质量、比进度、比效益、比技术、比管理，创一流工程。各项目部每月 10 日前报送上月进度。")
    projects = db.session.scalars(select(Project.id).join(Department, Department.id == Project.owner_id)
                                  .where(Department.path.startswith(ctx.departments["LJJG"].path))
                                  .order_by(Project.id)).all()
    if projects:
        db.session.execute(insert(competition_projects), [{"competition_id": competition.id, "project_id": p}
                                                          for p in projects[:2]])
    site_a, site_b = ctx.departments["LJJG-P1-A"], ctx.departments["LJJG-P1-B"]
    _enrol(competition, [site_a, site_b], e3admin)
    months = periods(competition)
    # Site A: accepted, accepted, returned, submitted, and a draft for the current month.
    plan_a = [("accepted", ""), ("accepted", ""), ("returned", "质量验收合格项与监理签认单不一致，请核对后重报。"),
              ("submitted", ""), ("draft", "")]
    for (status, comment), period in zip(plan_a, months, strict=False):
        _report(competition, site_a, period, status, e3admin, [92, 14, 2], "主体结构按计划推进，开展钢筋绑扎技能比武。",
                comment)
    # Site B: accepted first month; the second month is missing (overdue); the third submitted.
    _report(competition, site_b, months[0], "accepted", e3admin, [88, 10, 1], "盾构区间掘进 320 米。")
    _report(competition, site_b, months[2], "submitted", e3admin, [90, 12, 3], "车站机电安装进场。")


def _closed(ctx, today: date) -> None:
    district, d1admin = ctx.departments["HRB-SB"], ctx.users["d1admin"]
    year = today.year
    competition = _competition(f"{year}年上半年节能减排劳动竞赛", "energy", district, year, date(year, 1, 1),
                               date(year, 6, 30), "closed", "quarterly", ENERGY_INDICATORS, d1admin,
                               "各企业节能量以能源计量台账为准。")
    units = [ctx.departments["BJHI"], ctx.departments["SBDJ"]]
    _enrol(competition, units, d1admin)
    scores = {units[0].id: (46, 42), units[1].id: (40, 45)}
    db.session.add_all(ScoreCell(competition_id=competition.id, unit_id=unit_id, indicator_id=i.id,
                                 score=Decimal(values[n]), scored_by_id=d1admin.id)
                       for unit_id, values in scores.items() for n, i in enumerate(competition.demo_indicators))
    competition.results_published_at, competition.objections_until = utcnow(), today + timedelta(days=7)
    db.session.add(Objection(competition_id=competition.id, unit_id=units[1].id, status="open",
                             raised_by_id=ctx.users["e2admin"].id,
                             reason="我公司二季度节能技改项目的节能量（120 吨标煤）未计入，请复核。"))


def seed(ctx) -> None:
    """Add the demo competitions (a handful of inserts)."""
    if "HRB" not in ctx.departments:
        return
    today = local_today()
    _city(ctx, today)
    _liubi(ctx, today)
    _closed(ctx, today)
    db.session.flush()
