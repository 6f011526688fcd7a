"""Demo hazard reports (SPEC §14): enterprise 1 holds reports in every status, one overdue, rewards paid and pending,
and a queue for safety1; enterprise 2 holds one report of its own (for the scope checks)."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw

from blueprints.core.clock import local_today
from blueprints.core.counters import set_last
from blueprints.rewards.models import RewardLine
from blueprints.safety.models import SERIAL_SERIES, HazardEvent, HazardReport
from blueprints.safety.photos import check_photo, store_photo
from blueprints.safety.settings import REWARD_DEFAULTS
from extensions import db

# (reporter, place code, place text, kind, description, proposed, status, grade, responsible code, deadline in days
#  from today, days ago reported)
REPORTS = [
    ("worker1", "BJHI-M1-JJ-1", "3 号数控车床旁", "accident", "数控车床防护门联锁开关失灵，开门后主轴仍能启动。",
     "major", "reported", None, None, None, 1),
    ("worker7", "BJHI-M2-HJ-1", "焊接工位 5", "occupational", "焊烟净化器吸风口堵塞，工位烟尘明显偏大。",
     "general", "reported", None, None, None, 2),
    ("worker12", "BJHI-PW-GD-1", "10kV 配电室", "accident", "配电室门口绝缘垫破损，雨天有积水。",
     "major", "confirmed", "major", None, None, 4),
    ("worker15", "BJHI-M1-ZP-1", "总装线东侧", "accident", "通道上临时堆放的包装箱挡住了消防栓。",
     "general", "not_a_hazard", None, None, None, 9),
    ("worker21", "BJHI-M2-HJ-1", "焊接工位 5", "occupational", "焊接工位烟尘很大，吸风口好像不工作。",
     "general", "duplicate", None, None, None, 2),
    ("worker9", "BJHI-M2-ZZ-1", "浇注区", "accident", "浇注区行车吊钩防脱钩装置缺失。",
     "grave", "rectifying", "grave", "BJHI-M2-ZZ", 10, 6),
    ("worker30", "BJHI-PW-RL-1", "2 号锅炉平台", "accident", "锅炉平台护栏一段焊缝开裂，护栏晃动。",
     "major", "rectifying", "major", "BJHI-PW-RL", -5, 20),
    ("worker4", "BJHI-MT-DQ-1", "检修库房", "occupational", "检修库房存放的油漆稀释剂没有通风，气味刺鼻。",
     "general", "rectified", "general", "BJHI-MT-DQ", 3, 15),
    ("worker1", "BJHI-M1-JJ-2", "砂轮机旁", "accident", "砂轮机托架与砂轮间隙过大，约 8 毫米。",
     "general", "verified", "general", "BJHI-M1-JJ", -20, 45),
    ("worker18", "BJHI-M1-ZP-2", "调试台", "occupational", "调试台噪声大，未配发耳塞。",
     "general", "verified", "general", "BJHI-M1-ZP", -1, 12),
]
E2_REPORT = ("e2worker3", "SBDJ-ZP-1", "绕线机旁", "accident", "绕线机皮带防护罩缺失。", "general", "reported", None,
             None, None, 1)
COLOURS = [(196, 64, 52), (222, 160, 40), (64, 120, 180), (90, 140, 90), (120, 90, 160)]


def _picture(n: int) -> bytes:
    """A small generated "photo" (a coloured scene with a warning sign) as JPEG bytes."""
    image = Image.new("RGB", (640, 480), COLOURS[n % len(COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill=(70, 70, 70))
    draw.polygon([(320, 90), (420, 270), (220, 270)], fill=(250, 210, 0), outline=(20, 20, 20))
    draw.rectangle((312, 140, 328, 220), fill=(20, 20, 20))
    draw.rectangle((312, 232, 328, 250), fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _step(hazard, action, actor, source, target, when, comment=""):
    db.session.add(HazardEvent(hazard_id=hazard.id, actor_id=actor.id if actor else None, action=action,
                               from_status=source, to_status=target, comment=comment, created_at=when))


def _triage(ctx, hazard: HazardReport, status: str, grade, reported: datetime, officer, admin) -> None:
    """The triage and, for confirmed ones, the reward line (paid for verified reports)."""
    when = reported + timedelta(hours=20)
    if status == "not_a_hazard":
        hazard.reason = "现场核实：包装箱为当班临时放置，已当场移开，消防栓周边已划线，不属于隐患。"
        _step(hazard, "dismiss", officer, "reported", status, when, hazard.reason)
    elif status == "duplicate":
        hazard.reason = "与已有报告重复（同一焊接工位的烟尘问题）。"
        _step(hazard, "duplicate", officer, "reported", status, when, hazard.reason)
    if grade is None:
        hazard.triaged_at = when if status != "reported" else None
        return
    amount = Decimal(REWARD_DEFAULTS[grade]).quantize(Decimal("0.01"))
    hazard.grade, hazard.reward_amount, hazard.triaged_at, hazard.triaged_by_id = grade, amount, when, officer.id
    _step(hazard, "confirm", officer, "reported", "confirmed", when)
    paid = status == "verified"
    db.session.add(RewardLine(kind="hazard", hazard_id=hazard.id, department_id=hazard.department_id,
                              reference=hazard.serial, subject=hazard.description[:80], user_id=hazard.reporter_id,
                              share_bp=10000, amount=amount, approved_by_id=officer.id,
                              status="paid" if paid else "pending", created_at=when,
                              paid_on=(when + timedelta(days=7)).date() if paid else None,
                              paid_by_id=admin.id if paid else None))


def _rectification(ctx, hazard: HazardReport, status: str, responsible: str | None, deadline_days, officer,
                   reported: datetime, today: date) -> None:
    if responsible is None:
        return
    assigned = reported + timedelta(days=1)
    hazard.responsible_department_id = ctx.departments[responsible].id
    hazard.measures = "停用相关设备，修复或更换防护装置，班组长每日检查，完成后拍照上报。"
    hazard.deadline = today + timedelta(days=deadline_days)
    _step(hazard, "assign", officer, "confirmed", "rectifying", assigned, hazard.measures)
    if status in ("rectified", "verified"):
        done = min(datetime.combine(hazard.deadline, datetime.min.time(), UTC) - timedelta(hours=10),
                   datetime.now(UTC) - timedelta(hours=3))
        hazard.rectified_at, hazard.rectification_note = done, "已按措施整改完毕，见整改照片。"
        _step(hazard, "close", None, "rectifying", "rectified", done, hazard.rectification_note)
        store_photo(check_photo("整改后.jpg", _picture(3)), hazard.id, "evidence")
    if status == "verified":
        hazard.verified_at = hazard.rectified_at + timedelta(hours=2)
        _step(hazard, "verify", officer, "rectified", "verified", hazard.verified_at, "现场验收合格。")


def _report(ctx, spec, number: int, year: int, officer, admin, today: date) -> HazardReport:
    (reporter, place_code, place, kind, description, proposed, status, grade, responsible, deadline_days,
     days_ago) = spec
    reported = datetime.now(UTC) - timedelta(days=days_ago, hours=3)
    hazard = HazardReport(serial=f"YH-{year}-{number:04d}", reporter_id=ctx.users[reporter].id,
                          department_id=ctx.departments[place_code].id, place=place, kind=kind,
                          description=description, proposed_severity=proposed, status=status,
                          created_at=reported, updated_at=reported)
    db.session.add(hazard)
    db.session.flush()
    store_photo(check_photo("现场.jpg", _picture(number)), hazard.id, "report")
    _step(hazard, "report", ctx.users[reporter], None, "reported", reported)
    _triage(ctx, hazard, status, grade, reported, officer, admin)
    _rectification(ctx, hazard, status, responsible, deadline_days, officer, reported, today)
    return hazard


def seed(ctx) -> None:
    """The reports of enterprises 1 and 2, with photos, history and reward lines."""
    officer, admin = ctx.users["safety1"], ctx.users["e1admin"]
    today = local_today()
    year = today.year
    made = [_report(ctx, spec, n, year, officer, admin, today) for n, spec in enumerate(REPORTS, start=1)]
    duplicate = next(h for h in made if h.status == "duplicate")
    duplicate.duplicate_of_id = next(h.id for h in made if h.description.startswith("焊烟净化器"))
    _report(ctx, E2_REPORT, len(REPORTS) + 1, year, ctx.users["e2admin"], ctx.users["e2admin"], today)
    set_last(SERIAL_SERIES, year, len(REPORTS) + 1)
    db.session.flush()
