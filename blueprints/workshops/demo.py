"""Demo data for innovation workshops: workshops in every status, kind and level, with members, join requests,
achievements and level history.

lead1 (王振华) leads the approved "王振华数控技能大师工作室" with deputies, members, achievements, a level history
(enterprise → city) and three join requests waiting. worker1 belongs to no workshop, so a journey can have them ask
to join one. Sets ctx.workshops (lead 工号 -> that lead's workshop; "lead1" is lead1's) and ctx.workshop_list (every
approved workshop, the ones that can receive suggestions) for the suggestions demo that runs next.

Enterprises 2 and 3 of the demo federation get an approved workshop each (none pending: the whole-tree admin's
review queue stays as in Part I, which the admin's browser journey counts on), kept apart in
ctx.federation_workshops (enterprise code -> its workshop) so Part I suggestions never land in another enterprise's.

One city-level recommendation is on its way: worker22's enterprise-level workshop, recommended by e1admin and
forwarded by d1admin (松北区总工会), waits for the city (admin's review page and my space).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from blueprints.core.demo import DemoContext
from blueprints.core.models import Role
from blueprints.workshops.models import Achievement, LevelChange, Workshop, WorkshopMember
from extensions import db

# (lead 工号, name pattern ({name} = the lead's name), kind, department code, field, founded, status,
#  level history [(date, level)], members, deputies, requests, reason, description)
WORKSHOPS = [
    ("lead1", "王振华数控技能大师工作室", "master", "BJHI-M1-JJ", "数控加工", date(2019, 3, 12), "approved",
     [(date(2019, 6, 20), "enterprise"), (date(2023, 9, 15), "city")], 7, 1, 3, None,
     "以高级技师王振华为带头人，聚焦薄壁件、异形件的数控车削与多轴加工。近五年攻克加工难题 30 余项，"
     "带出技师 6 名、高级工 15 名，“一刀成型”车削法在全集团推广。"),
    ("worker20", "{name}焊接劳模创新工作室", "model_worker", "BJHI-M2-HJ", "焊接工艺", date(2017, 5, 4), "approved",
     [(date(2017, 8, 1), "enterprise"), (date(2020, 11, 3), "city"), (date(2024, 4, 18), "province")], 8, 2, 1, None,
     "省级劳模领衔，专攻压力容器和大型结构件焊接，开展焊接机器人工艺开发与焊工技能培训。"),
    ("worker21", "{name}电力运维工匠创新工作室", "craftsman", "BJHI-PW-GD", "变电运维", date(2020, 9, 1), "approved",
     [(date(2021, 1, 12), "enterprise")], 5, 1, 1, None,
     "围绕变电站智能巡检、继电保护校验开展技术攻关，编制运维作业标准化手册。"),
    ("worker22", "{name}装配调试职工创新工作室", "worker", "BJHI-M1-ZP", "总装与调试", date(2021, 4, 15), "approved",
     [(date(2021, 7, 8), "enterprise")], 4, 0, 0, None,
     "一线装配工自发组建，收集总装线上的“小毛病”，用小革新、小发明提高装配效率和一次交检合格率。"),
    ("worker23", "{name}设备检修技能大师工作室", "master", "BJHI-MT", "设备故障诊断", date(2015, 10, 20), "approved",
     [(date(2016, 1, 5), "enterprise"), (date(2018, 6, 30), "city"), (date(2021, 12, 1), "province"),
      (date(2025, 5, 20), "national")], 9, 2, 2, None,
     "国家级技能大师工作室，擅长大型设备振动分析与故障诊断，承担集团设备检修技能竞赛的命题和培训。"),
    ("worker24", "{name}热力节能工匠创新工作室", "craftsman", "BJHI-PW-RL", "锅炉节能", date(2022, 3, 8), "approved",
     [(date(2022, 6, 16), "enterprise"), (date(2025, 3, 10), "city")], 5, 1, 0, None,
     "围绕锅炉燃烧优化和余热回收开展攻关，年节约标煤千余吨。"),
    ("worker25", "{name}铸造工艺职工创新工作室", "worker", "BJHI-M2-ZZ", "铸造工艺", date(2024, 2, 26), "pending",
     [], 4, 0, 0, None,
     "针对铸件气孔、砂眼等缺陷开展工艺改进，推广3D打印砂型在小批量铸件中的应用。"),
    ("worker26", "{name}智能装配劳模创新工作室", "model_worker", "BJHI-M1-ZP", "智能装配", date(2023, 11, 6), "pending",
     [], 3, 0, 0, None,
     "探索协作机器人在总装线上的应用，开展装配工装的数字化设计。"),
    ("worker27", "{name}数字化质检工作室", "worker", "BJHI-M1-JJ", "在线检测", date(2025, 1, 9), "draft",
     [], 1, 0, 0, None, "筹备中。"),
    ("worker28", "{name}线路巡检创新工作室", "craftsman", "BJHI-PW-GD", "输电线路巡检", date(2023, 6, 1), "rejected",
     [], 3, 0, 0, "申报材料中的成果与“电力运维工匠创新工作室”重复，且缺少近两年的攻关项目，请补充后重新登记。",
     "利用无人机开展输电线路巡检。"),
    ("worker29", "{name}钳工技艺工作室", "worker", "BJHI-MT-JX", "钳工", date(2016, 4, 12), "revoked",
     [(date(2016, 7, 1), "enterprise")], 3, 0, 0, "负责人退休后连续两年未开展活动，经工会研究予以撤销。",
     "以手工刮研、精密装配见长。"),
]

ACHIEVEMENTS = {
    "lead1": [
        ("patent", "一种数控车床薄壁件快速装夹夹具（实用新型专利 ZL 2022 2 0345678.1）", date(2022, 8, 16),
         "解决薄壁套筒装夹变形问题，装夹时间由 15 分钟缩短到 3 分钟。"),
        ("award", "全国职工优秀技术创新成果三等奖", date(2023, 12, 5), "“薄壁件一刀成型车削法”获奖。"),
        ("technique", "薄壁件“一刀成型”车削法", date(2021, 5, 20), "一次装夹完成内外圆和端面加工，圆度误差控制在 0.005 mm 以内。"),
        ("standard", "《数控车削薄壁件加工作业指导书》（企业标准 Q/BJHI 0312-2023）", date(2023, 3, 1), ""),
        ("paper", "提高薄壁套筒加工精度的工艺改进（《机械工人》2024 年第 3 期）", date(2024, 3, 15), ""),
        ("award", "市五一劳动奖章（王振华）", date(2022, 4, 28), ""),
    ],
    "worker20": [
        ("patent", "一种大型筒体环缝自动焊接跟踪装置（发明专利）", date(2021, 10, 9), ""),
        ("technique", "厚板窄间隙埋弧焊“一层一道”工艺", date(2019, 7, 2), ""),
        ("award", "省职工技术创新成果一等奖", date(2024, 1, 18), ""),
    ],
    "worker21": [("standard", "《变电站智能巡检作业规范》", date(2023, 5, 12), ""),
                 ("other", "建成继电保护实训室", date(2022, 9, 30), "")],
    "worker22": [("other", "总装线工装改进 12 项", date(2024, 6, 30), "一次交检合格率由 96.2% 提高到 98.7%。")],
    "worker23": [
        ("patent", "一种旋转机械振动在线监测装置（发明专利）", date(2020, 3, 3), ""),
        ("paper", "基于频谱分析的轧机齿轮箱故障诊断", date(2019, 11, 20), ""),
        ("award", "全国技术能手（团队成员 2 人）", date(2022, 10, 10), ""),
        ("standard", "《大型设备点检标准》", date(2021, 6, 6), ""),
    ],
    "worker24": [("technique", "锅炉燃烧“三看三调”操作法", date(2023, 2, 14), "")],
    "worker25": [("other", "3D 打印砂型试制小批量铸件 40 件", date(2024, 10, 8), "")],
    "worker29": [("technique", "平面刮研“手感三点法”", date(2017, 9, 9), "")],
}


def _at(day: date, hour: int = 2) -> datetime:
    """A date as an aware UTC datetime (10:00 Beijing time by default)."""
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def seed(ctx: DemoContext) -> None:
    """Add the demo workshops (see the module docstring)."""
    users = ctx.users
    # Everyone but the named demo accounts and the workshop leads can be a member; worker1 stays out on purpose.
    lead_nos = {spec[0] for spec in WORKSHOPS}
    pool = [users[f"worker{n}"] for n in range(2, 301) if f"worker{n}" not in lead_nos]
    lead1_members = [users[f"worker{n}"] for n in range(2, 11)]  # worker2…worker10: 7 members + 3 requests
    # Compare ids: UserMixin's == wants a login session, which seeded users do not have.
    taken = {u.id for u in lead1_members}
    rest = [u for u in pool if u.id not in taken]
    ctx.workshops = {}
    ctx.workshop_list = []
    today = date.today()
    for (lead_no, pattern, kind, dept_code, field, founded, status, history, n_members, n_deputies, n_requests,
         reason, description) in WORKSHOPS:
        lead = users[lead_no]
        lead.role_mask = int(lead.role_mask | Role.LEAD)
        level = history[-1][1] if history else ("city" if kind == "master" else "enterprise")
        created = _at(founded + timedelta(days=30))
        workshop = Workshop(name=pattern.format(name=lead.name), kind=kind, level=level, lead_id=lead.id,
                            department_id=ctx.departments[dept_code].id, field=field, founded_on=founded,
                            description=description, status=status, status_reason=reason, created_at=created,
                            updated_at=created)
        if status != "draft":
            workshop.submitted_at = created + timedelta(days=5)
        if status in ("approved", "revoked"):
            workshop.decided_at = _at(history[0][0])
            workshop.decided_by_id = users["admin"].id
        if status == "rejected":
            workshop.decided_at = workshop.submitted_at + timedelta(days=12)
            workshop.decided_by_id = users["admin"].id
        if status == "pending":
            workshop.submitted_at = _at(today - timedelta(days=3 if kind == "worker" else 1))
        if status == "revoked":
            workshop.decided_at = _at(today - timedelta(days=200))
        db.session.add(workshop)
        db.session.flush()

        joined = _at(history[0][0]) if history else created  # members joined when the union first approved
        people = lead1_members if lead_no == "lead1" else ctx.rng.sample(rest, n_members - 1 + n_requests)
        active = people[:n_members - 1]
        requested = people[n_members - 1:n_members - 1 + n_requests]
        rows = [WorkshopMember(workshop_id=workshop.id, user_id=lead.id, role="lead", status="active",
                               requested_at=created, joined_at=created)]
        for index, person in enumerate(active):
            role = "deputy" if index < n_deputies else "member"
            if role == "deputy":
                person.role_mask = int(person.role_mask | Role.LEAD)
            when = joined + timedelta(days=index * 23)
            rows.append(WorkshopMember(workshop_id=workshop.id, user_id=person.id, role=role, status="active",
                                       requested_at=when - timedelta(days=2), joined_at=when))
        for index, person in enumerate(requested):
            rows.append(WorkshopMember(workshop_id=workshop.id, user_id=person.id, role="member",
                                       status="requested", requested_at=_at(today - timedelta(days=index + 1))))
        if status == "approved" and lead_no != "lead1":
            # A little history: someone who left and someone who was declined.
            inside = {u.id for u in people}
            former, declined = ctx.rng.sample([u for u in rest if u.id not in inside], 2)
            rows.append(WorkshopMember(workshop_id=workshop.id, user_id=former.id, role="member", status="left",
                                       requested_at=joined, joined_at=joined + timedelta(days=3),
                                       left_at=joined + timedelta(days=300)))
            rows.append(WorkshopMember(workshop_id=workshop.id, user_id=declined.id, role="member",
                                       status="declined", requested_at=joined + timedelta(days=40)))
        db.session.add_all(rows)

        previous = None
        for changed_on, to_level in history:
            db.session.add(LevelChange(workshop_id=workshop.id, from_level=previous, to_level=to_level,
                                       changed_on=changed_on, note="" if previous is None else "工会认定文件",
                                       changed_by_id=users["admin"].id, created_at=_at(changed_on)))
            previous = to_level
        for achievement_kind, title, achieved_on, text in ACHIEVEMENTS.get(lead_no, []):
            db.session.add(Achievement(workshop_id=workshop.id, title=title, kind=achievement_kind,
                                       achieved_on=achieved_on, description=text, created_by_id=lead.id,
                                       created_at=_at(achieved_on), updated_at=_at(achieved_on)))
        ctx.workshops[lead_no] = workshop
        if status == "approved":
            ctx.workshop_list.append(workshop)
    db.session.flush()
    seed_federation(ctx)
    seed_recommendation(ctx)


# (enterprise code, enterprise admin 工号, lead 工号, name pattern, kind, department code, field, founded, members,
#  achievement, description) — each approved by its enterprise's union.
FEDERATION_WORKSHOPS = [
    ("SBDJ", "e2admin", "e2worker1", "{name}电机绕组创新工作室", "worker", "SBDJ-ZP", "电机绕组工艺", date(2022, 4, 20), 6,
     "定子嵌线“一次成型”操作法", "围绕定子绕组嵌线和浸漆工艺开展小改小革，降低绕组返修率。"),
    ("LJJG", "e3admin", "e3worker1", "{name}建筑工匠创新工作室", "craftsman", "LJJG-P1", "钢筋与模板工艺", date(2021, 8, 1), 6,
     "大体积混凝土分层浇筑控温工法", "承担枢纽项目钢筋深化设计和模板体系改进，推广装配式施工工法。"),
]


def seed_federation(ctx: DemoContext) -> None:
    """The approved workshops of enterprises 2 and 3, with a deputy, members, their level and an achievement."""
    rng, users = ctx.federation_rng, ctx.users
    ctx.federation_workshops = {}
    for (code, admin_no, lead_no, pattern, kind, dept_code, field_, founded, n_members, achievement,
         description) in FEDERATION_WORKSHOPS:
        lead, admin = users[lead_no], users[admin_no]
        lead.role_mask = int(lead.role_mask | Role.LEAD)
        created, approved = _at(founded + timedelta(days=30)), founded + timedelta(days=60)
        workshop = Workshop(name=pattern.format(name=lead.name), kind=kind, level="enterprise", lead_id=lead.id,
                            department_id=ctx.departments[dept_code].id, field=field_, founded_on=founded,
                            description=description, status="approved", created_at=created, updated_at=created,
                            submitted_at=created + timedelta(days=5), decided_at=_at(approved),
                            decided_by_id=admin.id)
        db.session.add(workshop)
        db.session.flush()
        prefix = lead_no.rstrip("0123456789")
        pool = [user for no, user in users.items() if no.startswith(prefix) and no != lead_no]
        rows = [WorkshopMember(workshop_id=workshop.id, user_id=lead.id, role="lead", status="active",
                               requested_at=created, joined_at=created)]
        for index, person in enumerate(rng.sample(pool, n_members - 1)):
            role = "deputy" if index == 0 else "member"
            if role == "deputy":
                person.role_mask = int(person.role_mask | Role.LEAD)
            rows.append(WorkshopMember(workshop_id=workshop.id, user_id=person.id, role=role, status="active",
                                       requested_at=created, joined_at=_at(approved + timedelta(days=index))))
        db.session.add_all(rows)
        db.session.add(LevelChange(workshop_id=workshop.id, from_level=None, to_level="enterprise",
                                   changed_on=approved, note="", changed_by_id=admin.id, created_at=_at(approved)))
        achieved = founded + timedelta(days=400)
        db.session.add(Achievement(workshop_id=workshop.id, title=achievement, kind="technique", achieved_on=achieved,
                                   description="", created_by_id=lead.id, created_at=_at(achieved),
                                   updated_at=_at(achieved)))
        ctx.federation_workshops[code] = workshop
    db.session.flush()


RECOMMENDED = ("worker22", "e1admin", "d1admin")  # (lead 工号 of the workshop, recommender, forwarding union admin)


def seed_recommendation(ctx: DemoContext) -> None:
    """A recommendation forwarded by the district and waiting for the city, made through the chain itself (steps,
    audit rows, notifications), then dated a few days back."""
    from sqlalchemy import select, update

    from blueprints.workshops import chain
    from blueprints.workshops.models import Recommendation, RecommendationStep

    lead_no, recommender, union_admin = RECOMMENDED
    workshop = ctx.workshops.get(lead_no)
    if workshop is None or recommender not in ctx.users or union_admin not in ctx.users:
        return
    record = chain.recommend(ctx.users[recommender], workshop, "一线装配工自发组建，三年改进总装工装 12 项，"
                             "一次交检合格率提高 2.5 个百分点，建议推荐参评市级工作室。")
    chain.decide(ctx.users[union_admin], workshop, record, "forward", "经区总工会审核，材料齐全，同意转报。")
    now = datetime.now(UTC)
    recommended_at, forwarded_at = now - timedelta(days=9, hours=3), now - timedelta(days=4, hours=5)
    steps = db.session.scalars(select(RecommendationStep).where(RecommendationStep.recommendation_id == record.id)
                               .order_by(RecommendationStep.id)).all()
    for step, when in zip(steps, (recommended_at, forwarded_at), strict=True):
        step.acted_at = when
    db.session.execute(update(Recommendation).where(Recommendation.id == record.id)
                       .values(created_at=recommended_at, updated_at=forwarded_at))
    db.session.flush()
