"""Demo nominations: a team of enterprise 1 for 工人先锋号, forwarded by 松北区总工会 and waiting for the city; lead1's
approved 五一劳动奖章 (so his personal record shows it); and enterprise 2's 五一劳动奖状 declined by the district.
Built through the real services, so the steps, audit rows and notifications are the real ones."""
from __future__ import annotations

from blueprints.core.clock import local_today
from blueprints.core.demo import DemoContext
from blueprints.honours import services
from extensions import db


def _nominate(ctx: DemoContext, actor: str, kind: str, honour: str, summary: str, *, code: str | None = None,
              employee_no: str = ""):
    department = ctx.departments[code] if code else None
    data = services.NominationData(
        subject_kind=kind, department_id=department.id if department else None, employee_no=employee_no,
        honour=honour, honour_name="", level="city", year=local_today().year, summary=summary, evidence="")
    user = ctx.users[actor]
    subject, person = services.resolve_subject(user, kind, data.department_id, employee_no)
    data.evidence = services.evidence_text(subject, person)
    return services.nominate(user, data), subject


def seed(ctx: DemoContext) -> None:
    """Three nominations at three points of the chain."""
    db.session.flush()
    team = ctx.teams[0]
    nomination, subject = _nominate(
        ctx, "e1admin", "team", "pioneer", "班组连续三年安全生产无事故，开展“五小”创新 20 余项，带出高级工 6 名。",
        code=team.code)
    services.decide(ctx.users["d1admin"], nomination, subject, "forward", "事迹突出，同意推荐。")

    nomination, subject = _nominate(
        ctx, "e1admin", "person", "labour_medal", "数控加工技术带头人，主持攻关项目 5 项，培养徒弟 12 名。",
        employee_no="lead1")
    services.decide(ctx.users["d1admin"], nomination, subject, "forward", "同意推荐。")
    services.decide(ctx.users["admin"], nomination, subject, "approve", "经市总工会审定，授予市五一劳动奖章。")

    nomination, subject = _nominate(
        ctx, "e2admin", "unit", "labour_award", "企业职工技能提升和民主管理工作成效明显。", code="SBDJ")
    services.decide(ctx.users["d1admin"], nomination, subject, "decline",
                    "本年度安全生产考核未达标，建议明年再行推荐。")
    db.session.flush()
