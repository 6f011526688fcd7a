"""Demo data for mentoring (SPEC §14): three pairs in enterprise 1 and one in enterprise 2, all made by their HR.

- lead1 (王振华, 高级技师) and worker6: completed last month with the target reached — worker6's level went up
  one step, with the dated history on their record, and lead1 is credited.
- worker20 (a 技师) and worker1 (李明): active for half a year, check-ins by both, the mid-term assessment due (hr1's panel).
- worker43 (a 技师) and worker5: started three days ago, nothing recorded yet.
- e2worker1 and e2worker2 in enterprise 2 (e2hr's), active.
Apprentices are picked among these accounts by their (random) skill level, so the target is always one step up.
"""
from __future__ import annotations

from datetime import timedelta

from blueprints.core.clock import local_today
from blueprints.core.models import SKILL_LEVELS, Notification
from blueprints.core.people import record_skill_change, skill_rank
from blueprints.mentoring.models import MentoringAssessment, MentoringCheckin, MentoringPair, halfway_between
from blueprints.workshops.models import Workshop
from extensions import db

GOALS = {
    "done": "掌握数控车床宏程序编程与螺纹加工；独立完成一套典型零件的工艺编制；通过高一级职业技能鉴定。",
    "mid": "熟练使用 FANUC 系统刀具补偿与循环指令，能独立处理常见报警；年内参加一次岗位练兵。",
    "new": "熟悉设备点检标准与安全操作规程，三个月内能在师傅指导下完成日常维护保养。",
    "e2": "掌握定子绕线工艺与绝缘检测，独立完成总装调试。",
}
CHECKINS = [
    ("master", 170, "第一个月：讲解了设备结构和安全规程，徒弟已能独立开机、对刀。"),
    ("apprentice", 165, "学会了对刀和工件坐标系设定，但对刀具补偿的理解还不够，下周重点练习。"),
    ("master", 130, "布置了三个练习件，宏程序部分进步明显；螺纹加工仍有乱牙，需要多练。"),
    ("apprentice", 100, "完成了第二个练习件，尺寸全部合格。师傅指出了走刀路线可以优化。"),
    ("apprentice", 40, "参加了车间岗位练兵，排名第五。接下来准备中级工到高级工的理论复习。"),
]


def _next_level(level: str) -> str:
    return SKILL_LEVELS[min(skill_rank(level) + 1, len(SKILL_LEVELS) - 1)]


def _apprentice(ctx, preferred: str, fallbacks: tuple[str, ...]):
    """The preferred account, or the first fallback, whose level leaves room for a target (高级工 or below)."""
    for employee_no in (preferred, *fallbacks):
        user = ctx.users.get(employee_no)
        if user is not None and skill_rank(user.skill_level) <= skill_rank("高级工"):
            return user
    return ctx.users[preferred]


def _master(ctx, candidates: tuple[str, ...]):
    """The first of the accounts who is a 技师 or 高级技师 (a master worth the name), else the first one."""
    for employee_no in candidates:
        user = ctx.users.get(employee_no)
        if user is not None and skill_rank(user.skill_level) >= skill_rank("技师"):
            return user
    return ctx.users[candidates[0]]


def _pair(ctx, master, apprentice, creator, starts_ago: int, length: int, goals: str, workshop_id=None):
    today = local_today()
    starts_on = today - timedelta(days=starts_ago)
    ends_on = starts_on + timedelta(days=length)
    pair = MentoringPair(master_id=master.id, apprentice_id=apprentice.id, department_id=apprentice.department_id,
                         workshop_id=workshop_id, starts_on=starts_on, ends_on=ends_on,
                         midterm_on=halfway_between(starts_on, ends_on), goals=goals,
                         start_level=apprentice.skill_level, target_level=_next_level(apprentice.skill_level),
                         status="active", created_by_id=ctx.users[creator].id)
    db.session.add(pair)
    db.session.flush()
    return pair


def _checkins(pair, master, apprentice, lines) -> None:
    today = local_today()
    for who, days_ago, text in lines:
        author = master if who == "master" else apprentice
        db.session.add(MentoringCheckin(pair_id=pair.id, author_id=author.id,
                                        written_on=max(pair.starts_on, today - timedelta(days=days_ago)), body=text))


def seed(ctx) -> None:
    """The four pairs, their check-ins, assessments and the completed pair's upgrade."""
    users, hr = ctx.users, ctx.users["hr1"]
    today = local_today()
    workshop = db.session.query(Workshop.id).filter(Workshop.lead_id == users["lead1"].id,
                                                    Workshop.status == "approved").first()

    done_apprentice = _apprentice(ctx, "worker6", ("worker7", "worker8", "worker9"))
    done = _pair(ctx, users["lead1"], done_apprentice, "hr1", 400, 365, GOALS["done"],
                 workshop[0] if workshop else None)
    _checkins(done, users["lead1"], done_apprentice,
              [("master", 380, "制定了带徒计划：每周两次现场指导，每月一个练习件。"),
               ("apprentice", 300, "独立完成了第一套零件的工艺编制，师傅批改后修改了两处。"),
               ("master", 120, "徒弟已能独立完成典型零件加工，可以准备技能鉴定。")])
    db.session.add_all([
        MentoringAssessment(pair_id=done.id, kind="midterm", score=82, grade="good", comment="进步明显，理论需加强。",
                            assessed_on=done.midterm_on, assessed_by_id=hr.id),
        MentoringAssessment(pair_id=done.id, kind="final", score=91, grade="excellent", target_reached=True,
                            comment="实操考核优秀，通过高一级技能鉴定。", assessed_on=done.ends_on,
                            assessed_by_id=hr.id),
    ])
    closed_on = today - timedelta(days=30)
    done.status, done.target_reached, done.closed_on, done.closed_by_id = "completed", True, closed_on, hr.id
    record_skill_change(done_apprentice, done.target_level, source="mentoring", source_id=done.id, actor=hr,
                        reason="名师带徒出师，达到目标等级", on=closed_on)

    mid_master = _master(ctx, tuple(f"worker{n}" for n in range(10, 40)))
    mid_apprentice = _apprentice(ctx, "worker1", ("worker11", "worker12"))
    mid = _pair(ctx, mid_master, mid_apprentice, "hr1", 200, 360, GOALS["mid"])
    _checkins(mid, mid_master, mid_apprentice, CHECKINS)

    new_apprentice = _apprentice(ctx, "worker5", ("worker13", "worker14", "worker15"))
    fresh_master = _master(ctx, tuple(f"worker{n}" for n in range(40, 80)))
    fresh = _pair(ctx, fresh_master, new_apprentice, "hr1", 3, 365, GOALS["new"])

    e2_apprentice = _apprentice(ctx, "e2worker2", ("e2worker3", "e2worker4", "e2worker5"))
    e2_master = _master(ctx, tuple(f"e2worker{n}" for n in range(1, 30)))
    e2 = _pair(ctx, e2_master, e2_apprentice, "e2hr", 60, 365, GOALS["e2"])
    _checkins(e2, e2_master, e2_apprentice, [("master", 30, "讲解了绕线机操作要点。")])

    link = "/mentoring/{}".format
    db.session.add_all([
        Notification(user_id=mid_apprentice.id, message="您已与师傅 %(name)s 结成师徒对子，请按期填写学习记录。",
                     params={"name": mid_master.name}, link=link(mid.id)),
        Notification(user_id=new_apprentice.id, message="您已与师傅 %(name)s 结成师徒对子，请按期填写学习记录。",
                     params={"name": fresh_master.name}, link=link(fresh.id)),
    ])
    db.session.flush()
