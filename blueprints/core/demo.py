"""Demo data for the core domain: the city federation (SPEC §14) around the Part I enterprise, ~400 people, the
demo accounts and their scoped grants.

哈尔滨市总工会 (federation) → 松北区总工会 (district) over enterprise 1 (滨江重工, the Part I enterprise, unchanged
inside) and enterprise 2 (松北电机); 市建设交通物流工会 (industry) over enterprise 3 (龙江建工). Everything Part I
seeds draws from `ctx.rng` in the same order as before; the federation's additions draw from `ctx.federation_rng`,
so the Part I data (who sits where, serials, enrolments) stays exactly as it was.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from blueprints.core.models import SKILL_LEVELS, Department, Role, RoleGrant, User
from blueprints.core.org import default_kind
from blueprints.core.people import pinyin_key
from extensions import db

DEMO_PASSWORD = "demo1234"  # noqa: S105  (documented demo credential, only ever set by seed-demo)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "金凤", "志强", "海燕", "建军", "红梅", "晓东", "国庆", "立新", "卫东", "春华", "秋月", "永刚", "振华", "德明", "宏伟", "雪梅", "玉兰", "子豪", "浩然", "欣怡", "梓涵", "雨轩", "思远", "博文", "家俊", "建国", "海涛", "小红", "凤英", "新民", "光明", "晓燕", "丽娟", "文杰", "俊杰", "嘉怡", "佳琪", "宇航", "天宇", "鹏飞", "志明", "立伟", "慧敏"]

# (code, name, children[, kind]) — enterprise → plant/branch → workshop floor → team (kind: the usual next level)
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

# The federation's union nodes: (code, name, kind, parent code).
UNIONS = [
    ("HRB", "哈尔滨市总工会", "federation", None),
    ("HRB-SB", "松北区总工会", "district", "HRB"),
    ("HRB-JJW", "市建设交通物流工会", "industry", "HRB"),
]
# Enterprise 2 (under the district union) and enterprise 3 (under the industry union).
TREE_E2 = ("SBDJ", "松北电机有限公司", [
    ("SBDJ-ZP", "电机装配车间", [("SBDJ-ZP-1", "定子班", [], "team"), ("SBDJ-ZP-2", "总装班", [], "team")], "floor"),
    ("SBDJ-JG", "机加车间", [("SBDJ-JG-1", "车工班", [], "team"), ("SBDJ-JG-2", "铣工班", [], "team")], "floor"),
    ("SBDJ-HR", "人力资源部", [], "floor"),
    ("SBDJ-GH", "工会", [], "floor"),
])
TREE_E3 = ("LJJG", "龙江建工集团", [
    ("LJJG-P1", "第一工程公司", [
        ("LJJG-P1-A", "松北枢纽项目部", [("LJJG-P1-A-1", "钢筋班", [], "team"), ("LJJG-P1-A-2", "混凝土班", [], "team")]),
        ("LJJG-P1-B", "地铁三号线项目部", [("LJJG-P1-B-1", "机电安装班", [], "team")]),
    ]),
    ("LJJG-GH", "工会", [], "floor"),
])
# (enterprise code, parent union code, industry classification, tree)
ENTERPRISES = [("BJHI", "HRB-SB", "装备制造", TREE), ("SBDJ", "HRB-SB", "装备制造", TREE_E2),
               ("LJJG", "HRB-JJW", "建筑业", TREE_E3)]
JOBS_E2 = ("绕线工", "装配工", "车工", "铣工", "电工", "质检员")
JOBS_E3 = ("钢筋工", "混凝土工", "架子工", "电工", "机电安装工", "安全员")

JOBS = ("数控车工", "钳工", "焊工", "电工", "装配工", "维修电工", "铸造工", "质检员", "工艺员", "设备管理员", "调试工")


@dataclass
class DemoContext:
    """What earlier seeders made, for later ones to build on (users by 工号, departments by code)."""

    rng: random.Random
    password_hash: str
    users: dict[str, User] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    teams: list[Department] = field(default_factory=list)  # enterprise 1's teams (the Part I workers' places)
    # The federation's additions draw from their own generator, so Part I's random choices stay the same.
    federation_rng: random.Random = field(default_factory=lambda: random.Random(15))  # noqa: S311  (repeatable demo data)
    teams_of: dict[str, list[Department]] = field(default_factory=dict)  # enterprise code -> its teams


def _node(ctx: DemoContext, code: str, name: str, kind: str, parent: Department | None,
          industry: str | None = None) -> Department:
    dept = Department(code=code, name=name, parent_id=parent.id if parent else None, kind=kind, industry=industry,
                      depth=(parent.depth + 1) if parent else 0, path="/")
    db.session.add(dept)
    db.session.flush()
    dept.path = f"{parent.path if parent else '/'}{dept.id}/"
    ctx.departments[code] = dept
    return dept


def _add_tree(ctx: DemoContext, node, parent: Department, enterprise: str, level: int = 0,
              industry: str | None = None) -> None:
    """An enterprise's subtree; a leaf two or more levels below the enterprise is a team people work in."""
    code, name, children = node[:3]
    kind = node[3] if len(node) > 3 else ("enterprise" if level == 0 else default_kind(parent))
    dept = _node(ctx, code, name, kind, parent, industry if level == 0 else None)
    if not children and level >= 2:
        ctx.teams_of.setdefault(enterprise, []).append(dept)
    for child in children:
        _add_tree(ctx, child, dept, enterprise, level + 1)


def _person(ctx: DemoContext, employee_no: str, name: str, dept: Department, roles: Role, job: str,
            skill: str, rng: random.Random | None = None) -> User:
    rng = rng or ctx.rng
    user = User(employee_no=employee_no, name=name, name_pinyin=pinyin_key(name), department_id=dept.id,
                job_title=job, skill_level=skill, role_mask=int(roles), password_hash=ctx.password_hash,
                phone=f"139{rng.randint(10000000, 99999999)}")
    db.session.add(user)
    ctx.users[employee_no] = user
    return user


def _tree(ctx: DemoContext) -> None:
    """The union nodes, then the three enterprises under their unions."""
    for code, name, kind, parent_code in UNIONS:
        _node(ctx, code, name, kind, ctx.departments[parent_code] if parent_code else None)
    for code, union_code, industry, tree in ENTERPRISES:
        _add_tree(ctx, tree, ctx.departments[union_code], code, industry=industry)
    ctx.teams = ctx.teams_of["BJHI"]


def seed(ctx: DemoContext) -> None:
    """The federation tree, the Part I accounts and workers, then the federation's accounts and their grants."""
    _tree(ctx)
    d = ctx.departments
    _person(ctx, "admin", "周建华", d["HRB"], Role.ADMIN | Role.WORKER, "市总工会干部", "无")
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
    _federation_people(ctx, used)
    db.session.flush()
    _grants(ctx)


# (工号, name, department code, roles, job) — union staff sit in their union node, enterprise staff in theirs.
STAFF = [
    ("d1admin", "孙立新", "HRB-SB", Role.ADMIN | Role.WORKER, "区总工会干部"),
    ("i1admin", "郑海涛", "HRB-JJW", Role.ADMIN | Role.WORKER, "产业工会干部"),
    ("e1admin", "高春华", "BJHI-GH", Role.ADMIN | Role.WORKER, "工会干事"),
    ("safety1", "彭永刚", "BJHI-MT", Role.SAFETY | Role.WORKER, "安全员"),
    ("e2admin", "梁雪梅", "SBDJ-GH", Role.ADMIN | Role.WORKER, "工会主席"),
    ("e2hr", "宋佳琪", "SBDJ-HR", Role.HR | Role.WORKER, "培训专员"),
    ("e3admin", "唐建国", "LJJG-GH", Role.ADMIN | Role.WORKER, "工会主席"),
]
# (role, 工号, scope node code): every scoped account's one grant; `admin` holds the root's.
GRANTS = [("admin", "admin", "HRB"), ("admin", "d1admin", "HRB-SB"), ("admin", "i1admin", "HRB-JJW"),
          ("admin", "e1admin", "BJHI"), ("hr", "hr1", "BJHI"), ("safety", "safety1", "BJHI"),
          ("admin", "e2admin", "SBDJ"), ("hr", "e2hr", "SBDJ"), ("admin", "e3admin", "LJJG")]


def _federation_people(ctx: DemoContext, used: set[str]) -> None:
    """The union and enterprise staff accounts and the workers of enterprises 2 and 3 (own random generator)."""
    rng = ctx.federation_rng
    for employee_no, name, code, roles, job in STAFF:
        used.add(name)
        _person(ctx, employee_no, name, ctx.departments[code], roles, job, "无", rng)
    for prefix, code, count, jobs in (("e2worker", "SBDJ", 50, JOBS_E2), ("e3worker", "LJJG", 40, JOBS_E3)):
        teams = ctx.teams_of[code]
        for n in range(1, count + 1):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            while name in used and len(used) < 2000:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            used.add(name)
            skill = rng.choices(SKILL_LEVELS, weights=(8, 20, 30, 25, 12, 5))[0]
            _person(ctx, f"{prefix}{n}", name, teams[(n - 1) % len(teams)], Role.WORKER, rng.choice(jobs), skill,
                    rng)


def _grants(ctx: DemoContext) -> None:
    """Each scoped account's grant (rows directly: the role bits are set above, as core.grants would)."""
    db.session.add_all(RoleGrant(user_id=ctx.users[employee_no].id, role=role,
                                 department_id=ctx.departments[code].id) for role, employee_no, code in GRANTS)
    db.session.flush()
