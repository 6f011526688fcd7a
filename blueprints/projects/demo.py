"""Demo key projects: enterprise 3 (龙江建工集团) builds a 省百大项目 and a 市重点项目, both started (the first with
milestones, some done); enterprise 1 (滨江重工集团) plans one. Dates are relative to the day of seeding."""
from __future__ import annotations

from datetime import timedelta

from blueprints.competitions.models import Milestone, Project
from blueprints.core.clock import local_today
from extensions import db


def _project(ctx, name: str, level: str, owner_code: str, location: str, start, end, status: str,
             description: str, creator: str) -> Project:
    project = Project(name=name, level=level, owner_id=ctx.departments[owner_code].id, location=location,
                      planned_start=start, planned_end=end, status=status, description=description,
                      created_by_id=ctx.users[creator].id)
    db.session.add(project)
    db.session.flush()
    return project


def seed(ctx) -> None:
    """Three key projects and their milestones."""
    today = local_today()
    hub = _project(ctx, "松北综合交通枢纽工程", "province_top100", "LJJG", "哈尔滨市松北区世茂大道",
                   today - timedelta(days=270), today + timedelta(days=420), "started",
                   "省百大项目。含站房、地下换乘通道和配套道路，总投资约 38 亿元，龙江建工集团第一工程公司总承包。",
                   "e3admin")
    steps = [("场地平整及临建完成", -250, -252), ("桩基工程完成", -160, -165), ("地下结构完成", -40, -31),
             ("主体结构封顶", 60, None), ("机电安装完成", 250, None), ("竣工验收", 410, None)]
    for name, planned, actual in steps:
        db.session.add(Milestone(project_id=hub.id, name=name, planned_on=today + timedelta(days=planned),
                                 actual_on=today + timedelta(days=actual) if actual is not None else None))
    metro = _project(ctx, "地铁三号线二期机电安装工程", "city_key", "LJJG", "哈尔滨市地铁三号线二期沿线",
                     today - timedelta(days=120), today + timedelta(days=300), "started",
                     "市重点项目。车站通风空调、给排水和低压配电安装，地铁三号线项目部承建。", "e3admin")
    for name, planned, actual in [("首站设备进场", -90, -95), ("全线管线贯通", 45, None), ("联调联试", 270, None)]:
        db.session.add(Milestone(project_id=metro.id, name=name, planned_on=today + timedelta(days=planned),
                                 actual_on=today + timedelta(days=actual) if actual is not None else None))
    plant = _project(ctx, "滨江重工智能制造基地扩建", "city_key", "BJHI", "哈尔滨市松北区科技创新城",
                     today + timedelta(days=90), today + timedelta(days=640), "planned",
                     "市重点项目。新建数控加工联合厂房和智能仓储中心。", "e1admin")
    for name, planned in [("厂房基础施工完成", 180), ("主体钢结构完成", 400), ("设备安装调试", 600)]:
        db.session.add(Milestone(project_id=plant.id, name=name, planned_on=today + timedelta(days=planned)))
    db.session.flush()
