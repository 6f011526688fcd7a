"""Generate a city-scale database quickly with bulk inserts (executemany on SQLite, COPY on PostgreSQL).

    .venv/bin/python -m bench.seed_scale --scale 1000000 [--db sqlite:///bench/data/city.sqlite3]

--scale is the number of users; suggestions are 2x, enrollments 5x, sessions scale/50 and departments and
workshops follow. The schema comes from the migrations (flask db upgrade), so the benchmark measures the real
indexes. Rows are written in id order in large batches with the ORM bypassed: building 8 million ORM objects
would take hours, a COPY or executemany takes minutes.
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = f"sqlite:///{ROOT / 'bench' / 'data' / 'city.sqlite3'}"
BATCH = 50_000
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2026, 11, 1, tzinfo=UTC) - EPOCH).total_seconds())

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
            "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 文 华 金凤 志强 海燕 建军 红梅 "
         "晓东 国庆 立新 卫东 春华 秋月 永刚 振华 德明 宏伟 雪梅 玉兰 子豪 浩然 欣怡 梓涵 雨轩 思远 博文 家俊").split()
RARE_UID, RARE_NAME = 7, "欧阳修远"  # a compound surname the pools above do not have
SKILLS = ("无", "初级工", "中级工", "高级工", "技师", "高级技师")
CATEGORIES = ("invention", "creation", "renovation", "design", "suggestion", "rationalization")
STATUS_WEIGHTS = {"draft": 5, "submitted": 20, "returned": 5, "accepted": 20, "implemented": 20, "awarded": 15,
                  "rejected": 10, "withdrawn": 5}
OBJECTS = ("数控车床", "焊接夹具", "输送带", "冷却系统", "配电柜", "液压站", "叉车", "检测工装", "模具", "空压机",
           "照明线路", "除尘设备", "仓储货架", "包装线", "锅炉给水泵", "变压器", "电缆沟", "刀具库", "测量仪", "吊具")
ACTIONS = ("改进", "优化", "改造", "革新", "降耗", "提效", "防错", "安全防护", "节能", "维护")
PROBLEMS = ("故障率高，每月停机 %d 小时", "能耗偏高，每年电费增加 %d 万元", "操作不便，单件工时多 %d 分钟",
            "存在安全隐患，近年发生 %d 起未遂事件", "废品率达 %d%%，材料浪费严重")
SESSION_KINDS = ("skills", "drill", "contest", "mentoring", "safety")


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL of a PostgreSQL database as psycopg.connect takes it (no "+psycopg" driver part)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def fmt(dt: datetime) -> str:
    """A datetime in SQLAlchemy's SQLite storage format (naive UTC)."""
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class Writer:
    """Bulk writer for one connection: executemany on SQLite, COPY on PostgreSQL; prints progress."""

    def __init__(self, url: str):
        self.url = url
        self.postgres = url.startswith("postgres")
        if self.postgres:
            import psycopg

            self.conn = psycopg.connect(libpq_url(url), autocommit=False)
        else:
            import sqlite3

            self.conn = sqlite3.connect(url.split("///", 1)[1])
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA cache_size=-400000")

    def insert(self, table: str, columns: list[str], rows, total: int) -> None:
        started = time.perf_counter()
        done = 0
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self._write(table, columns, batch)
                done += len(batch)
                batch = []
                rate = done / (time.perf_counter() - started)
                print(f"\r  {table}: {done:,}/{total:,} ({rate:,.0f} rows/s)", end="", flush=True)
        if batch:
            self._write(table, columns, batch)
            done += len(batch)
        self.conn.commit()
        print(f"\r  {table}: {done:,} rows in {time.perf_counter() - started:.1f}s" + " " * 20)

    def _write(self, table: str, columns: list[str], batch: list[tuple]) -> None:
        if self.postgres:
            with self.conn.cursor() as cur, cur.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            self.conn.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', batch)

    def ts(self, dt: datetime):
        return dt.astimezone(UTC).replace(tzinfo=None) if self.postgres else fmt(dt)

    def finish(self) -> None:
        if self.postgres:
            with self.conn.cursor() as cur:
                for table in ("departments", "users", "workshops", "workshop_members", "suggestions",
                              "training_sessions", "training_enrollments", "audit_log"):
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table}))")
                cur.execute("ANALYZE")
            self.conn.commit()
        else:
            self.conn.execute("ANALYZE")
            self.conn.commit()
        self.conn.close()


# Rows are loaded into the schema as of this revision; the later migrations (the search index, 0006) then
# build their indexes over the loaded rows in one pass, which is much faster than keeping them up to date
# row by row during the load. A migration that changes a seeded table must move this mark and the columns below.
LOAD_REVISION = "0005"


def analyze(url: str) -> None:
    """Refresh the planner statistics once every index exists (the query plans depend on them)."""
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            # The people search keys (written by migration 0023 in one go) and the suggestions were loaded in bulk:
            # mark their pages all-visible, as autovacuum soon does on a live server, so the look-ups and the list's
            # counts are index-only scans as they will be there.
            conn.execute("VACUUM person_search_keys")
            conn.execute("VACUUM suggestions")
            conn.execute("ANALYZE")
    else:
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        conn.execute("ANALYZE")
        conn.close()


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision` through the app's migrations."""
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "APP_ENV": "bench"})
    with app.app_context():
        upgrade(revision=revision)
        from extensions import db

        db.engine.dispose()


def seed(url: str, scale: int, seed_value: int = 2026) -> dict[str, int]:
    """Fill an empty migrated database; returns the row counts written."""
    rng = random.Random(seed_value)
    w = Writer(url)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    n_departments, teams = _seed_departments(w, scale, now)
    user_dept = _seed_users(w, rng, scale, teams)
    n_workshops = _seed_workshops(w, scale, teams)
    n_suggestions = _seed_suggestions(w, rng, scale, n_workshops, user_dept)
    n_sessions, n_enrollments = _seed_training(w, rng, scale, now)
    n_audit = _seed_audit(w, rng, scale)
    w.finish()
    return {"departments": n_departments, "users": scale, "workshops": n_workshops, "suggestions": n_suggestions,
            "training_sessions": n_sessions, "training_enrollments": n_enrollments, "audit_log": n_audit}


def _seed_departments(w: Writer, scale: int, now: datetime) -> tuple[int, list[int]]:
    """City → enterprise → plant → floor → team (40 teams per enterprise, ~50 people per team); returns the teams."""
    teams_wanted = max(20, scale // 50)
    enterprises = max(1, teams_wanted // 40)
    dept_rows, teams = [], []
    next_id = 1

    def add(code, name, parent_id, path_prefix, depth):
        nonlocal next_id
        dept_id = next_id
        next_id += 1
        path = f"{path_prefix}{dept_id}/"
        dept_rows.append((dept_id, code, name, parent_id, path, depth, w.ts(now)))
        return dept_id, path

    city_id, city_path = add("CITY", "市总工会", None, "/", 0)
    for e in range(enterprises):
        e_id, e_path = add(f"E{e:04d}", f"第{e + 1}企业", city_id, city_path, 1)
        for p in range(4):
            p_id, p_path = add(f"E{e:04d}-P{p}", f"{p + 1}分厂", e_id, e_path, 2)
            for f in range(2):
                f_id, f_path = add(f"E{e:04d}-P{p}-F{f}", f"{f + 1}车间", p_id, p_path, 3)
                for t in range(5):
                    t_id, _ = add(f"E{e:04d}-P{p}-F{f}-T{t}", f"{t + 1}班组", f_id, f_path, 4)
                    teams.append(t_id)
    w.insert("departments", ["id", "code", "name", "parent_id", "path", "depth", "created_at"], dept_rows,
             len(dept_rows))
    return len(dept_rows), teams


def _seed_users(w: Writer, rng: random.Random, scale: int, teams: list[int]) -> list[int]:
    """Users with names from a small pool (pinyin computed once per distinct name); returns each user's team."""
    from werkzeug.security import generate_password_hash

    from blueprints.core.people import pinyin_key

    # Names are drawn the way they fall in a real city: a few surnames (王, 李, 张) and given names (伟, 芳) are
    # very common (Zipf weights), so 张伟 has hundreds of namesakes at 100,000 people and 汤家俊 a handful.
    names = [s + g for s in SURNAMES for g in GIVEN]
    weights = [1 / ((i + 1) * (j + 1) ** 0.8) for i in range(len(SURNAMES)) for j in range(len(GIVEN))]
    cumulative = list(itertools.accumulate(weights))
    pinyin = {name: pinyin_key(name) for name in [*names, RARE_NAME]}
    shared_hash = generate_password_hash("bench-password-1", method="pbkdf2:sha256:1000")
    user_dept = [0] * (scale + 1)

    def users():
        for uid in range(1, scale + 1):
            name = rng.choices(names, cum_weights=cumulative)[0]
            if uid == RARE_UID:  # one person with a name no one else has, at every scale (bench P11)
                name = RARE_NAME
            dept = teams[rng.randrange(len(teams))]
            user_dept[uid] = dept
            role = 9 if uid == 1 else (5 if uid == 2 else (3 if uid <= 2 + scale // 500 else 1))
            yield (uid, f"c{uid:07d}", name, pinyin[name], dept, "技术工人", SKILLS[uid % 6], None, None, role,
                   True, False, shared_hash, None, w.ts(EPOCH), None)

    w.insert("users", ["id", "employee_no", "name", "name_pinyin", "department_id", "job_title", "skill_level",
                       "phone", "email", "role_mask", "active", "must_change_password", "password_hash", "locale",
                       "created_at", "password_changed_at"], users(), scale)
    return user_dept


def _seed_workshops(w: Writer, scale: int, teams: list[int]) -> int:
    """One approved workshop per 500 workers, led by the first "lead" users."""
    n_workshops = max(2, scale // 500)
    kinds, levels = ("model_worker", "craftsman", "worker", "master"), ("enterprise", "city", "province", "national")
    w.insert("workshops", ["id", "name", "kind", "level", "lead_id", "department_id", "field", "founded_on",
                           "description", "status", "status_reason", "submitted_at", "decided_at", "created_at",
                           "updated_at"],
             ((i, f"创新工作室{i:05d}", kinds[i % 4], levels[i % 4], 3 + (i - 1) % max(1, scale // 500),
               teams[i % len(teams)], "机械加工", "2020-01-01" if not w.postgres else datetime(2020, 1, 1).date(),
               "", "approved", None, w.ts(EPOCH), w.ts(EPOCH), w.ts(EPOCH), w.ts(EPOCH))
              for i in range(1, n_workshops + 1)), n_workshops)
    w.insert("workshop_members", ["id", "workshop_id", "user_id", "role", "status", "requested_at", "joined_at",
                                  "left_at"],
             ((i, i, 3 + (i - 1) % max(1, scale // 500), "lead", "active", w.ts(EPOCH), w.ts(EPOCH), None)
              for i in range(1, n_workshops + 1)), n_workshops)
    return n_workshops


def _seed_suggestions(w: Writer, rng: random.Random, scale: int, n_workshops: int, user_dept: list[int]) -> int:
    """Two suggestions per user, across every status and category, spread over three years."""
    n_suggestions = scale * 2
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    serials: dict[int, int] = {}

    def suggestions():
        for sid in range(1, n_suggestions + 1):
            author = rng.randint(1, scale)
            status = rng.choices(statuses, weights)[0]
            created = EPOCH + timedelta(seconds=SPAN_SECONDS * sid // n_suggestions)
            year = created.year
            serial = None
            submitted = decided = None
            if status != "draft":
                serials[year] = serials.get(year, 0) + 1
                serial = f"WX-{year}-{serials[year]:06d}"
                submitted = w.ts(created + timedelta(hours=1))
            if status in ("accepted", "implemented", "awarded", "rejected"):
                decided = w.ts(created + timedelta(days=7))
            obj, act = OBJECTS[sid % len(OBJECTS)], ACTIONS[(sid // 7) % len(ACTIONS)]
            scores = _rubric(rng, status)
            total = sum(scores) if scores[0] is not None else None
            yield (sid, serial, f"{obj}{act}建议（第{sid}号）", CATEGORIES[sid % 6],
                   PROBLEMS[sid % 5] % (sid % 50 + 1) + f"，涉及{obj}。",
                   f"对{obj}进行{act}：调整结构、加装传感器并修订作业指导书。", "预计每年节约成本。",
                   author, user_dept[author], (sid % n_workshops) + 1 if sid % 3 else None, status, year,
                   w.ts(created), w.ts(created), w.ts(created), submitted, decided, *scores, total,
                   None, None, None, None, None, None, None, None, 0)

    w.insert("suggestions", ["id", "serial", "title", "category", "problem", "proposal", "expected_benefit",
                             "author_id", "department_id", "workshop_id", "status", "year", "created_at",
                             "updated_at", "listed_at", "submitted_at", "decided_at", "score_innovation",
                             "score_practicality", "score_benefit", "score_replicability", "score_total",
                             "implemented_on", "annual_benefit", "grade", "suggested_grade", "grade_reason",
                             "reward_amount", "awarded_at", "awarded_by_id", "endorsement_count"],
             suggestions(), n_suggestions)
    # Loaded at LOAD_REVISION, before migration 0007 moves the counters into yearly_counters.
    w.insert("suggestion_serials", ["year", "last_value"], list(serials.items()), len(serials))
    return n_suggestions


def _rubric(rng: random.Random, status: str) -> tuple:
    """Rubric scores of an adopted suggestion, else four NULLs."""
    if status not in ("accepted", "implemented", "awarded"):
        return (None, None, None, None)
    return (rng.randint(10, 30), rng.randint(10, 30), rng.randint(8, 25), rng.randint(5, 15))


def _seed_training(w: Writer, rng: random.Random, scale: int, now: datetime) -> tuple[int, int]:
    """Sessions of 30–300 seats; enrollments fill them, the rest waitlisted, a few cancelled."""
    n_sessions = max(20, scale // 50)
    per_session = scale * 5 // n_sessions
    session_rows, enrollment_rows = [], []
    for sess in range(1, n_sessions + 1):
        starts = EPOCH + timedelta(seconds=SPAN_SECONDS * sess // n_sessions)
        capacity = rng.randint(30, 300)
        people = rng.sample(range(1, scale + 1), min(per_session, scale))
        confirmed = waitlisted = 0
        for pos, uid in enumerate(people):
            if pos % 25 == 24:
                status, wl = "cancelled", None
            elif confirmed < capacity:
                status, wl = "confirmed", None
                confirmed += 1
            else:
                waitlisted += 1
                status, wl = "waitlisted", waitlisted
            enrollment_rows.append((len(enrollment_rows) + 1, sess, uid, status, wl,
                                    w.ts(starts - timedelta(days=10))))
        status = "completed" if starts < now else "open"
        session_rows.append((sess, f"技能培训第{sess}期", SESSION_KINDS[sess % 5], "", "讲师", "培训中心",
                             w.ts(starts), w.ts(starts + timedelta(hours=4)), w.ts(starts - timedelta(days=1)),
                             capacity, confirmed, waitlisted, "[]", status, None, 2, 2, w.ts(EPOCH), w.ts(EPOCH)))
    w.insert("training_sessions", ["id", "title", "kind", "description", "instructor", "location", "starts_at",
                                   "ends_at", "signup_deadline", "capacity", "confirmed_count", "waitlist_count",
                                   "skill_levels", "status", "status_reason", "manager_id", "created_by_id",
                                   "created_at", "updated_at"], session_rows, len(session_rows))
    w.insert("training_enrollments", ["id", "session_id", "user_id", "status", "waitlist_position", "created_at"],
             enrollment_rows, len(enrollment_rows))
    return n_sessions, len(enrollment_rows)


def _seed_audit(w: Writer, rng: random.Random, scale: int) -> int:
    """One sign-in a user (and a suggestion created for every other), spread over the same years."""
    n_audit = scale * 2

    def audit_rows():
        for aid in range(1, n_audit + 1):
            actor = rng.randint(1, scale)
            at = EPOCH + timedelta(seconds=SPAN_SECONDS * aid // n_audit)
            if aid % 2:
                yield (aid, w.ts(at), actor, f"c{actor:07d}", "auth.login", "user", str(actor), "", "10.0.0.1")
            else:
                yield (aid, w.ts(at), actor, f"c{actor:07d}", "suggestion.created", "suggestion", str(aid // 2),
                       "", "10.0.0.1")

    w.insert("audit_log", ["id", "created_at", "actor_id", "actor_label", "action", "target_type", "target_id",
                           "detail", "ip"], audit_rows(), n_audit)
    return n_audit


# --- Part II facts and the statistics snapshot ------------------------------------------------------------------------


def seed_part_two(url: str, scale: int, seed_value: int = 2027) -> dict[str, int]:
    """Hazards, skills contests and entrants, mentoring pairs, competitions with enrolled enterprises and key projects,
    so the Part II figures of /stats/ are not trivial at scale. Written into the migrated schema (head): these tables
    come after LOAD_REVISION. The city becomes the federation and its first level the enterprises (SPEC §7)."""
    rng = random.Random(seed_value)
    w = Writer(url)
    ts, day = w.ts, (lambda d: d if w.postgres else d.isoformat())
    w.conn.execute("UPDATE departments SET kind = 'federation' WHERE depth = 0")
    w.conn.execute("UPDATE departments SET kind = 'enterprise' WHERE depth = 1")
    rows = w.conn.execute("SELECT id, depth FROM departments WHERE depth IN (1, 4) ORDER BY id").fetchall()
    enterprises = [i for i, depth in rows if depth == 1]
    teams = [i for i, depth in rows if depth == 4]
    users = lambda: rng.randint(3, scale)  # noqa: E731 (1 and 2 are the city admin and HR)
    counts = {}
    # Competitions: 五小 and 安康杯 of the city running in 2026 (half the enterprises enrolled), one closed in 2025.
    competitions = [(1, "2026年五小竞赛", "wuxiao", 2026, "running"),
                    (2, "2026年安康杯竞赛", "ankang", 2026, "running"), (3, "2025年五小竞赛", "wuxiao", 2025, "closed")]
    w.insert("competitions", ["id", "name", "kind", "organiser_id", "year", "starts_on", "ends_on", "report_frequency",
                              "rules", "status", "created_by_id", "created_at", "updated_at"],
             [(cid, name, kind, 1, year, day(date(year, 3, 1)), day(date(year, 11, 30)), "monthly", "", status, 1,
               ts(EPOCH), ts(EPOCH)) for cid, name, kind, year, status in competitions], 3)
    enrolments = [(n + 1, cid, unit, "enrolled", 1, ts(EPOCH))
                  for n, (cid, unit) in enumerate((c, e) for c in (1, 2, 3) for e in enterprises if rng.random() < 0.5)]
    w.insert("competition_enrolments", ["id", "competition_id", "unit_id", "status", "enrolled_by_id", "enrolled_at"],
             enrolments, len(enrolments))
    n_projects = max(4, scale // 1000)
    w.insert("key_projects", ["id", "name", "level", "owner_id", "location", "planned_start", "planned_end", "status",
                              "description", "created_by_id", "created_at", "updated_at"],
             [(p, f"重点项目{p:05d}", ("province_top100", "city_key")[p % 2], enterprises[p % len(enterprises)],
               "哈尔滨", day(date(2026, 1, 1)), day(date(2027, 12, 31)),
               ("planned", "started", "started", "completed")[p % 4],
               "", 1, ts(EPOCH), ts(EPOCH)) for p in range(1, n_projects + 1)], n_projects)
    w.insert("competition_projects", ["competition_id", "project_id"],
             [(1, p) for p in range(1, n_projects + 1) if p % 3], n_projects)
    # Hazards: one report per 20 workers over the years, in every status; a third of them rewarded.
    n_hazards = max(10, scale // 20)
    statuses = ("reported", "confirmed", "not_a_hazard", "duplicate", "rectifying", "rectified", "verified")
    serials: dict[int, int] = {}

    def hazards():
        for h in range(1, n_hazards + 1):
            created = EPOCH + timedelta(seconds=SPAN_SECONDS * h // n_hazards)
            serials[created.year] = serials.get(created.year, 0) + 1
            status = statuses[h % 7]
            triaged = status != "reported"
            confirmed = status in ("confirmed", "rectifying", "rectified", "verified")
            rectified = ts(created + timedelta(days=rng.randint(3, 40))) if status in ("rectified", "verified") \
                else None
            deadline = day((created + timedelta(days=20)).date()) if confirmed else None
            yield (h, f"YH-{created.year}-{serials[created.year]:06d}", users(), teams[h % len(teams)], "车间现场",
                   ("accident", "occupational")[h % 2], "设备防护缺失。", "general", 2 if h % 2 else None, status,
                   "general" if confirmed else None, "", None, teams[h % len(teams)] if confirmed else None, "",
                   deadline, "", 20000 if confirmed and h % 3 == 0 else None, 1 if triaged else None, ts(created),
                   ts(created), ts(created + timedelta(days=1)) if triaged else None, rectified, None, None)

    w.insert("hazard_reports", ["id", "serial", "reporter_id", "department_id", "place", "kind", "description",
                                "proposed_severity", "competition_id", "status", "grade", "reason", "duplicate_of_id",
                                "responsible_department_id", "measures", "deadline", "rectification_note",
                                "reward_amount", "triaged_by_id", "created_at", "updated_at", "triaged_at",
                                "rectified_at", "verified_at", "reminded_for"], hazards(), n_hazards)
    w.insert("yearly_counters", ["series", "year", "last"], [("hazard_serial", y, n) for y, n in serials.items()],
             len(serials))
    counts["hazards"] = n_hazards
    # Skills contests: one per 5,000 workers, organised by the enterprises, 20 confirmed entrants each.
    n_contests = max(2, scale // 5000)
    contest_status = ("final", "final", "scoring", "registration")
    w.insert("contests", ["id", "name", "organiser_id", "competition_id", "trade", "level", "held_on", "venue",
                          "description", "status", "first_prizes", "second_prizes", "third_prizes", "titles",
                          "created_by_id", "created_at", "updated_at"],
             [(c, f"技能大赛{c:04d}", enterprises[c % len(enterprises)], None, "焊工", "enterprise",
               day(date(2024 + c % 3, 1 + c % 12, 15)), "实训基地", "", contest_status[c % 4], 1, 2, 3, 1, 1, ts(EPOCH),
               ts(EPOCH)) for c in range(1, n_contests + 1)], n_contests)
    prizes = ("first", "second", "second", "third", "third", "third")

    def entrants():
        for c in range(1, n_contests + 1):
            for number, uid in enumerate(rng.sample(range(3, scale + 1), min(20, scale - 2)), start=1):
                unit = enterprises[c % len(enterprises)]
                yield ((c - 1) * 20 + number, c, uid, unit, "confirmed" if number <= 18 else "applied", number, 1,
                       ts(EPOCH), None, number, prizes[number - 1] if number <= 6 else None, number == 1)

    w.insert("contest_entrants", ["id", "contest_id", "user_id", "unit_id", "status", "number", "added_by_id",
                                  "created_at", "total", "rank", "prize", "title"], entrants(), n_contests * 20)
    counts["contests"] = n_contests
    # Mentoring: one pair per 100 workers, active, completed (most reaching the target) or ended early.
    n_pairs = max(3, scale // 100)
    apprentices = rng.sample(range(3, scale + 1), min(n_pairs, scale - 2))

    def pairs():
        for p, apprentice in enumerate(apprentices, start=1):
            starts = date(2024 + p % 3, 1 + p % 12, 1)
            status = ("active", "completed", "completed", "ended")[p % 4]
            closed = day(starts + timedelta(days=300)) if status != "active" else None
            yield (p, users(), apprentice, teams[p % len(teams)], None, day(starts),
                   day(starts + timedelta(days=365)), day(starts + timedelta(days=180)), "掌握数控编程。", "初级工",
                   "中级工", None, status, (p % 8 != 1) if status == "completed" else None, closed, None, None, 1,
                   ts(EPOCH))

    w.insert("mentoring_pairs", ["id", "master_id", "apprentice_id", "department_id", "workshop_id", "starts_on",
                                 "ends_on", "midterm_on", "goals", "start_level", "target_level", "agreement_file_id",
                                 "status", "target_reached", "closed_on", "close_reason", "closed_by_id",
                                 "created_by_id", "created_at"], pairs(), len(apprentices))
    counts.update(pairs=len(apprentices), competitions=3, enrolments=len(enrolments), projects=n_projects)
    if w.postgres:
        with w.conn.cursor() as cur:
            for table in ("competitions", "competition_enrolments", "key_projects", "hazard_reports", "contests",
                          "contest_entrants", "mentoring_pairs"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
    w.conn.commit()
    w.conn.close()
    return counts


def rebuild_snapshot(url: str) -> float:
    """Build the statistics snapshot of the seeded city (flask stats rebuild-snapshot); returns the seconds taken."""
    from app import create_app
    from blueprints.stats import snapshot
    from extensions import db

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "APP_ENV": "bench"})
    with app.app_context():
        started = time.perf_counter()
        snapshot.rebuild()
        db.session.commit()
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1000, help="number of users (default 1000)")
    parser.add_argument("--db", default=os.environ.get("DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    url = args.db
    if url.startswith("sqlite:///"):
        path = Path(url.split("///", 1)[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    print(f"migrating {url}")
    migrate(url, LOAD_REVISION)
    started = time.perf_counter()
    counts = seed(url, args.scale)
    print(f"loaded {counts} in {time.perf_counter() - started:.0f}s; building the remaining indexes")
    migrate(url)
    print(f"Part II facts: {seed_part_two(url, args.scale)}")
    analyze(url)
    print(f"statistics snapshot built in {rebuild_snapshot(url):.0f}s")
    print(f"seeded in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
