"""Demo data for training: sessions in every status and kind around "now", one full with a waitlist, past sessions
with attendance, results and certificates (worker1 included), all managed by hr1 (enterprise 1's HR).

Enterprises 2 and 3 of the demo federation get open sessions of their own, open to their own people only, with
enrolments (their own random generator, so the Part I data stays as it was). Enterprise 3 has no HR account in the
demo, so its session is managed by its union admin.
Every session is organised by its enterprise (TrainingSession.organiser_id), so each HR sees only their own.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from blueprints.core import counters
from blueprints.core.clock import local_year, to_local
from blueprints.core.models import Department, Notification
from blueprints.core.org import enterprise_of
from blueprints.training.models import CERTIFICATE_SERIES, Enrollment, SessionDepartment, TrainingSession
from extensions import db

# (key, title, kind, status, day offset, start hour, hours, capacity, confirmed, waitlisted, instructor, location,
#  departments, skill levels, description)
SESSIONS = [
    ("cnc", "数控车床编程与操作提升班", "skills", "open", 10, 9, 7, 30, 18, 0, "王振华（高级技师）", "第一机械厂培训楼 301",
     [], [], "面向数控车工：FANUC 系统宏程序、螺纹加工与刀具补偿。自带劳保用品，现场上机操作。"),
    ("weld", "焊接技能岗位练兵：二氧化碳气体保护焊", "drill", "open", 5, 8, 8, 20, 20, 6, "赵建军（焊接技师）", "第二机械厂焊接实训场",
     [], [], "平焊、立焊、仰焊三种位置实操练兵，赛前摸底。名额已满，报名进入候补，有人取消时自动递补。"),
    ("elec", "维修电工技术比武（选拔赛）", "contest", "open", 20, 9, 4, 40, 9, 0, "市总工会技能竞赛委员会", "设备检修中心电气实训室",
     ["BJHI-PW", "BJHI-MT"], ["中级工", "高级工", "技师", "高级技师"],
     "理论考试 + 实操（PLC 控制线路排故）。仅限动力分公司、设备检修中心中级工及以上职工报名。"),
    ("mentor", "名师带徒：钳工精密装配", "mentoring", "open", 3, 14, 3, 8, 5, 0, "刘师傅（技能大师）", "设备检修中心钳工班",
     [], [], "技能大师工作室带徒活动：刮研、配研与装配精度检测。"),
    ("safety", "安全生产月专题培训：有限空间作业", "safety", "open", 1, 14, 2, 100, 61, 0, "安全环保部 陈工", "集团报告厅",
     [], [], "有限空间作业审批、气体检测、通风与应急救援。全体一线职工必修。"),
    ("measure", "岗位练兵：装配精度测量", "drill", "open", 14, 9, 4, 24, 7, 0, "质检中心 孙工", "第一机械厂装配车间",
     ["BJHI-M1"], [], "千分尺、百分表与三坐标测量的规范使用。"),
    ("fire", "安全培训：电气防火与应急处置", "safety", "open", 12, 15, 2, 60, 12, 0, "消防支队 周教官", "动力分公司会议室",
     [], [], "电气火灾成因、初期火灾扑救与疏散演练。"),
    ("leader", "班组长管理能力培训", "skills", "draft", 30, 9, 7, 40, 0, 0, "人力资源部", "集团培训中心",
     [], [], "班组管理、现场 5S 与安全责任制。（草稿，尚未发布）"),
    ("crane", "起重机械司索指挥培训", "safety", "closed", 2, 9, 6, 25, 25, 3, "特种设备检验所 吴工", "第二机械厂铸造车间",
     [], [], "司索、指挥信号与吊装作业安全，考试合格者报取证。报名已截止。"),
    ("cnc1", "数控车工技能提升（第一期）", "skills", "completed", -30, 9, 7, 25, 24, 0, "王振华（高级技师）", "第一机械厂培训楼 301",
     [], [], "第一期已结束，证书已发放。"),
    ("weldsafe", "焊接作业安全操作培训", "safety", "completed", -60, 14, 3, 50, 40, 0, "安全环保部 陈工", "集团报告厅",
     [], [], "焊接烟尘、弧光与触电防护。"),
    ("precontest", "技术比武赛前集训", "contest", "cancelled", 7, 9, 8, 30, 12, 0, "市总工会技能竞赛委员会", "设备检修中心电气实训室",
     [], [], "赛前集训。"),
]


def _at(now: datetime, days: int, hour: int) -> datetime:
    local = to_local(now) + timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(UTC)


def seed(ctx) -> None:
    """Add the training sessions and their enrollments (a few bulk inserts)."""
    now = datetime.now(UTC)
    hr = ctx.users["hr1"]
    worker1 = ctx.users["worker1"]
    paths = {d.id: d.path for d in ctx.departments.values()}
    # The sessions belong to enterprise 1, whose HR hr1 is (SPEC §14): its workers may join them.
    enterprise = enterprise_of(db.session.get(Department, worker1.department_id)) if worker1.department_id else None
    workers = [ctx.users[f"worker{n}"] for n in range(2, 301)]
    rng = ctx.rng
    ctx.training_sessions = {}
    enrollments: list[dict] = []
    notes: list[dict] = []
    certificate_seq: dict[int, int] = {}

    for (key, title, kind, status, days, hour, hours, capacity, n_confirmed, n_wait, instructor, location,
         dept_codes, levels, description) in SESSIONS:
        starts = _at(now, days, hour)
        ends = starts + timedelta(hours=hours)
        deadline = (starts - timedelta(days=1) if status != "closed"
                    else (now - timedelta(hours=6)).replace(minute=0, second=0, microsecond=0))
        training_session = TrainingSession(
            title=title, kind=kind, description=description, instructor=instructor, location=location,
            starts_at=starts, ends_at=ends, signup_deadline=deadline, capacity=capacity, skill_levels=levels,
            status=status, manager_id=hr.id, created_by_id=hr.id, created_at=now - timedelta(days=max(-days, 0) + 14),
            confirmed_count=0, waitlist_count=0, organiser_id=enterprise.id if enterprise is not None else None,
            status_reason="实训室电气改造，集训改期另行通知。" if status == "cancelled" else None)
        db.session.add(training_session)
        db.session.flush()
        ctx.training_sessions[key] = training_session
        dept_paths = [ctx.departments[c].path for c in dept_codes]
        if dept_codes:
            db.session.execute(insert(SessionDepartment), [
                {"session_id": training_session.id, "department_id": ctx.departments[c].id} for c in dept_codes])
        pool = [w for w in workers
                if (not dept_paths or any(paths.get(w.department_id, "").startswith(p) for p in dept_paths))
                and (not levels or w.skill_level in levels)]
        people = rng.sample(pool, min(len(pool), n_confirmed + n_wait))
        # worker1 is confirmed for tomorrow's safety training and the first CNC class, waits for the welding
        # drill (second in line), and passed both completed sessions.
        if key in ("safety", "cnc", "cnc1", "weldsafe"):
            people = [worker1] + [p for p in people if p is not worker1][:n_confirmed + n_wait - 1]
        elif key == "weld":
            people = [p for p in people if p is not worker1]
            people = people[:n_confirmed + 1] + [worker1] + people[n_confirmed + 1:n_confirmed + n_wait - 1]
        signed_at = training_session.created_at
        for index, person in enumerate(people):
            signed_at = signed_at + timedelta(minutes=rng.randint(1, 90))
            confirmed = index < n_confirmed
            row = {"session_id": training_session.id, "user_id": person.id, "created_at": signed_at,
                   "enrolled_by_id": hr.id if index % 5 == 4 else person.id,
                   "status": "confirmed" if confirmed else "waitlisted",
                   "waitlist_position": None if confirmed else index - n_confirmed + 1,
                   "confirmed_at": signed_at if confirmed else None, "cancelled_at": None, "cancelled_by_id": None,
                   "attendance": None, "result": None, "score": None, "certificate_no": None, "certified_at": None}
            if status == "cancelled":
                row.update(status="cancelled", waitlist_position=None, cancelled_at=now - timedelta(days=1),
                           cancelled_by_id=hr.id)
            elif status == "completed" and confirmed:
                present = person is worker1 or rng.random() > 0.1
                score = rng.randint(72, 98) if person is worker1 else rng.randint(52, 99)
                passed = present and score >= 60
                row.update(attendance="present" if present else "absent", result=("pass" if passed else "fail"),
                           score=score if present else None)
                if passed:
                    year = local_year(starts)
                    certificate_seq[year] = certificate_seq.get(year, 0) + 1
                    row.update(certificate_no=f"PX-{year}-{certificate_seq[year]:05d}",
                               certified_at=ends + timedelta(days=1))
            enrollments.append(row)
        if status in ("open", "closed"):
            training_session.confirmed_count = min(n_confirmed, len(people))
            training_session.waitlist_count = max(len(people) - n_confirmed, 0)
        elif status == "completed":
            training_session.confirmed_count = min(n_confirmed, len(people))
        if status == "cancelled":
            notes += [{"user_id": p.id, "created_at": now - timedelta(days=1), "link": f"/training/{training_session.id}",
                       "message": "培训《%(title)s》（原定 %(start)s 开始）已取消，您的报名随之取消。原因：%(reason)s",
                       "params": {"title": title, "start": to_local(starts).strftime("%Y-%m-%d %H:%M"),
                                  "reason": training_session.status_reason}} for p in people]

    db.session.execute(insert(Enrollment), enrollments)
    for year, last in certificate_seq.items():
        counters.set_last(CERTIFICATE_SERIES, year, last)
    cnc = ctx.training_sessions["cnc"]
    notes.append({"user_id": worker1.id, "created_at": now - timedelta(hours=3), "link": f"/training/{cnc.id}",
                  "message": "好消息：您已从候补转为正式学员，培训《%(title)s》（%(start)s 开始）为您保留了名额。",
                  "params": {"title": cnc.title, "start": to_local(cnc.starts_at).strftime("%Y-%m-%d %H:%M")}})
    db.session.execute(insert(Notification), notes)
    db.session.flush()
    seed_federation(ctx)


# (enterprise code, manager 工号, worker 工号 prefix, title, kind, day offset, start hour, hours, capacity, confirmed,
#  instructor, location, description)
FEDERATION_SESSIONS = [
    ("SBDJ", "e2hr", "e2worker", "电机绕组嵌线技能培训", "skills", 8, 9, 6, 20, 12, "定子班 老师傅", "电机装配车间培训室",
     "定子绕组嵌线、绝缘处理与浸漆工艺，现场实操。"),
    ("SBDJ", "e2hr", "e2worker", "安全培训：电机试验站用电安全", "safety", 4, 14, 2, 60, 25, "安全科", "公司会议室",
     "试验站高压试验的安全距离、接地与监护制度。"),
    ("LJJG", "e3admin", "e3worker", "建筑施工高处作业安全培训", "safety", 6, 9, 3, 50, 22, "集团安全部", "松北枢纽项目部会议室",
     "脚手架、临边洞口防护与安全带的正确使用。"),
]


def seed_federation(ctx) -> None:
    """Open sessions of enterprises 2 and 3, each open to its own enterprise, with confirmed enrolments."""
    now = datetime.now(UTC)
    rng = ctx.federation_rng
    enrollments: list[dict] = []
    for (code, manager_no, prefix, title, kind, days, hour, hours, capacity, n_confirmed, instructor, location,
         description) in FEDERATION_SESSIONS:
        manager = ctx.users[manager_no]
        starts = _at(now, days, hour)
        training_session = TrainingSession(
            title=title, kind=kind, description=description, instructor=instructor, location=location,
            starts_at=starts, ends_at=starts + timedelta(hours=hours), signup_deadline=starts - timedelta(days=1),
            capacity=capacity, skill_levels=[], status="open", manager_id=manager.id, created_by_id=manager.id,
            created_at=now - timedelta(days=10), confirmed_count=n_confirmed, waitlist_count=0,
            organiser_id=ctx.departments[code].id)
        db.session.add(training_session)
        db.session.flush()
        db.session.execute(insert(SessionDepartment), [{"session_id": training_session.id,
                                                        "department_id": ctx.departments[code].id}])
        workers = [user for no, user in ctx.users.items() if no.startswith(prefix)]
        signed_at = training_session.created_at
        for person in rng.sample(workers, n_confirmed):
            signed_at = signed_at + timedelta(minutes=rng.randint(5, 300))
            enrollments.append({"session_id": training_session.id, "user_id": person.id, "created_at": signed_at,
                                "enrolled_by_id": person.id, "status": "confirmed", "waitlist_position": None,
                                "confirmed_at": signed_at, "cancelled_at": None, "cancelled_by_id": None,
                                "attendance": None, "result": None, "score": None, "certificate_no": None,
                                "certified_at": None})
    db.session.execute(insert(Enrollment), enrollments)
    db.session.flush()
