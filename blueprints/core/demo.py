"""Demo data for the core domain: an enterprise's department tree and ~300 people with the demo accounts."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from blueprints.core.models import SKILL_LEVELS, Department, Role, User
from blueprints.core.org import default_kind
from blueprints.core.people import pinyin_key
from extensions import db

DEMO_PASSWORD = "demo1234"  # noqa: S105  (documented demo credential, only ever set by seed-demo)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "金凤", "志强", "海燕", "建军", "红梅", "晓东", "国庆", "立新", "卫东", "春华", "秋月", "永刚", "振华", "德明", "宏伟", "雪梅", "玉兰", "子豪", "浩然", "欣怡", "梓涵", "雨轩", "思远", "博文", "家俊", "建国", "海涛", "小红", "凤英", "新民", "光明", "晓燕", "丽娟", "文杰", "俊杰", "嘉怡", "佳琪", "宇航", "天宇", "鹏飞", "志明", "立伟", "慧敏"]

# (code, name, children) — enterprise → plant/branch → workshop floor → team
TREE = ("BJHI", "滨江重工集团有限公司", [
    ("BJHI-M1", "第一机械厂", [
        ("BJHI-M1-JJ", "机加工车间", [("BJHI-M1-JJ-1", "数控一班", []), ("BJHI-M1-JJ-2", "数控二班", [])]),
        ("BJHI-M1-ZP", "装配车间", [("BJHI-M1-ZP-1", "总装班", []), ("BJHI-M1-ZP-2", "调试班", [])]),
    ]),
    ("BJHI-M2", "第二机械厂", [
        ("BJHI-M2-HJ", "焊接车间", [("BJHI-M2-HJ-1", "焊接一班", []), ("BJHI-M2-HJ-2", "焊接二班", [])]),
        ("BJHI-M2-ZZ", "铸造车间", [("BJHI-M2-ZZ-1", "造型班", [])]),
    ]),
    ("BJHI-PW", "动力分公司", [
        ("BJHI-PW-GD", "供电车间", [("BJHI-PW-GD-1", "变电运维班", []), ("BJHI-PW-GD-2", "线路班", [])]),
        ("BJHI-PW-RL", "热力车间", [("BJHI-PW-RL-1", "锅炉班", [])]),
    ]),
    ("BJHI-MT", "设备检修中心", [
        ("BJHI-MT-DQ", "电气检修车间", [("BJHI-MT-DQ-1", "电气一班", [])]),
        ("BJHI-MT-JX", "机械检修车间", [("BJHI-MT-JX-1", "钳工班", [])]),
    ]),
    ("BJHI-HR", "人力资源部", []),
    ("BJHI-GH", "工会", []),
])

JOBS = ("数控车工", "钳工", "焊工", "电工", "装配工", "维修电工", "铸造工", "质检员", "工艺员", "设备管理员", "调试工")


@dataclass
class DemoContext:
    """What earlier seeders made, for later ones to build on (users by 工号, departments by code)."""

    rng: random.Random
    password_hash: str
    users: dict[str, User] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    teams: list[Department] = field(default_factory=list)


def _add_tree(ctx: DemoContext, node, parent: Department | None) -> None:
    code, name, children = node
    dept = Department(code=code, name=name, parent_id=parent.id if parent else None, kind=default_kind(parent),
                      depth=(parent.depth + 1) if parent else 0, path="/")
    db.session.add(dept)
    db.session.flush()
    dept.path = f"{parent.path if parent else '/'}{dept.id}/"
    ctx.departments[code] = dept
    if not children and dept.depth >= 2:
        ctx.teams.append(dept)
    for child in children:
        _add_tree(ctx, child, dept)


def _person(ctx: DemoContext, employee_no: str, name: str, dept: Department, roles: Role, job: str,
            skill: str) -> User:
    user = User(employee_no=employee_no, name=name, name_pinyin=pinyin_key(name), department_id=dept.id,
                job_title=job, skill_level=skill, role_mask=int(roles), password_hash=ctx.password_hash,
                phone=f"139{ctx.rng.randint(10000000, 99999999)}")
    db.session.add(user)
    ctx.users[employee_no] = user
    return user


def seed(ctx: DemoContext) -> None:
    """Departments, the four named demo accounts and worker2…worker300 spread over the teams."""
    _add_tree(ctx, TREE, None)
    d = ctx.departments
    _person(ctx, "admin", "周建华", d["BJHI-GH"], Role.ADMIN | Role.WORKER, "工会干事", "无")
    _person(ctx, "hr1", "林晓燕", d["BJHI-HR"], Role.HR | Role.WORKER, "培训主管", "无")
    _person(ctx, "lead1", "王振华", d["BJHI-M1-JJ-1"], Role.LEAD | Role.WORKER, "数控车工", "高级技师")
    _person(ctx, "worker1", "李明", d["BJHI-M1-JJ-1"], Role.WORKER, "数控车工", "中级工")
    used = {"周建华", "林晓燕", "王振华", "李明"}
    for n in range(2, 301):
        while True:
            name = ctx.rng.choice(SURNAMES) + ctx.rng.choice(GIVEN)
            if name not in used or len(used) > 2000:
                break
        used.add(name)
        team = ctx.teams[(n - 2) % len(ctx.teams)] if n <= 40 else ctx.rng.choice(ctx.teams)
        skill = ctx.rng.choices(SKILL_LEVELS, weights=(8, 20, 30, 25, 12, 5))[0]
        _person(ctx, f"worker{n}", name, team, Role.WORKER, ctx.rng.choice(JOBS), skill)
    db.session.flush()
