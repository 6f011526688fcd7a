"""Measure every performance bar of QUALITY.md (P1–P9 and M) in one run and print one table.

    .venv/bin/python -m bench.run [--small URL] [--large URL] [--repeat 15] [--quick] [--markdown FILE]

Databases come from bench.seed_scale (`make bench-seed`): by default the SQLite files bench/data/city-1000.sqlite3
(small) and bench/data/city-1000000.sqlite3 (large). When DATABASE_URL is set the run uses PostgreSQL: DATABASE_URL
is the large database and --small defaults to the database `bench_small` on the same server, e.g.

    createdb -h 127.0.0.1 -U postgres bench_small; createdb -h 127.0.0.1 -U postgres bench_city
    .venv/bin/python -m bench.seed_scale --scale 1000 --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_small
    .venv/bin/python -m bench.seed_scale --scale 1000000 --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_city
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_city .venv/bin/python -m bench.run

How each bar is measured (all timings are medians; the variants a bar compares are interleaved, each repeat
running every variant once in a rotating order):

- Pages are timed in-process with Flask's test client, signed in as c0000001 (admin) or c0000002 (hr: the roster).
- P1 counts SQL statements (not BEGIN/COMMIT/PRAGMA) of each full list page in two apps on the large database,
  PAGE_SIZE 10 and 200 (the roster's fixed ROSTER_PAGE is set to the same two values for its request).
- P2 times each list page on the large and the small database; P3 the deepest page (a keyset cursor just before
  the last page, read from the database) against page 1, on the large database; P4 filtered pages with counts.
- P5 replays the SQL a search page sends about suggestions (page and capped count, fetched in full) against a plain
  `SELECT count(*) ... LIKE '%q%'` scan of title, problem and proposal, and times the search page against the
  plain list page. 1–2 character queries are reported against the plain list page.
- P6 starts gunicorn with gunicorn.conf.py on loopback against the large database and runs wrk (-t2 -c8) on a
  bare route (/ping if the app has one, else /healthz, which runs SELECT 1) and on /suggestions/ with a session
  cookie, alternating rounds.
- P7 compares the bytes of each list page requested with and without `HX-Request: true`.
- P8 runs gunicorn (production config) on a throwaway copy of the small database (SQLite: a file copy; PostgreSQL:
  CREATE DATABASE ... TEMPLATE, or a fresh seed if the template is busy) while threads browse lists, submit
  suggestions and sign up for and withdraw from training; it counts 5xx answers and "database is locked" lines.
- P9, on another throwaway copy, times importing 10,000 users (/admin/import upload + apply, the apply's
  background job run right after it as a worker does, and counted in), and adding 1,000
  trainees in one /training/<id>/roster/add request, against one worker's own signup.
- P10 (bench/bars_stats.py) times /stats/ for the whole city (served from the snapshot) large against small, and a
  snapshot refresh after one new suggestion and a full rebuild on the large database, both rolled back.
- P11 (bench/bars_people.py) times the user list and the person picker searching a rare name, a common name,
  pinyin initials and a 工号 fragment, large against small.
- P12 (bench/bars_forms.py) compares the bytes of each form page and filtered list page on the large and the
  small database and counts its <option> elements (department and workshop choices are type-ahead pickers).
- P13 (bench/bars_jobs.py) starts the suggestion list's export in a child process (the POST only queues a
  background job: timed), runs the job there as a worker does, and reads the process's peak RSS (getrusage) and
  the progress seen on the job's row; EXPORT_LIMIT is raised to 100,000 in that process when it is lower.

--quick (CI smoke run) uses the small database for both sizes, 3 repeats, a few seconds of load instead of 60 s,
and the export of whatever the small database holds. Exit status: 0 when every bar was measured (PASS or FAIL),
1 when a bar could not be measured because of an error.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import os
import re
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed_scale import libpq_url  # noqa: E402  (after the path: `python bench/run.py` works too)

DATA = ROOT / "bench" / "data"
PASSWORD = "bench-password-1"  # noqa: S105 - every seeded account has it (bench.seed_scale)
ADMIN, HR = "c0000001", "c0000002"
CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)\b", re.I)
SEARCH_TERMS = ("数控车床", "焊接夹具")
SHORT_TERMS = ("泵", "模具")
EXPORT_ROWS = 100_000
IMPORT_ROWS = 10_000
BULK_ROWS = 1_000
P6_SHARE = 0.12  # QUALITY P6 and issue 19: the list at ≥ 12% of the bare route (the next step is 20%)


class BenchError(RuntimeError):
    """A page answered with an unexpected status, or a tool failed: the bar cannot be measured."""


# --- results ---------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    bar: str
    measured: str
    value: str
    target: str
    ok: bool | None  # None: skipped or not measurable
    note: str = ""

    @property
    def result(self) -> str:
        if self.ok is None:
            return self.note or "skipped"
        return "PASS" if self.ok else "FAIL"


def display_width(text: str) -> int:
    """Terminal columns of a string (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(rows: list[Row]) -> str:
    """The results as an aligned plain-text table."""
    header = ("Bar", "Measured", "Value", "Target", "Result")
    cells = [header] + [(r.bar, r.measured, r.value, r.target, r.result) for r in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(header))]

    def line(row):
        return "  ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=True)).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]])


def markdown_table(rows: list[Row], caption: str) -> str:
    """The results as a Markdown table, with a one-line caption saying what ran where."""
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [caption, "", "| Bar | Measured | Value | Target | Result |", "|---|---|---|---|---|"]
    lines += [f"| {r.bar} | {esc(r.measured)} | {esc(r.value)} | {esc(r.target)} | {esc(r.result)} |" for r in rows]
    return "\n".join(lines) + "\n"


def ratio_row(bar: str, measured: str, ratio: float, limit: float, *, at_least: bool = False) -> Row:
    """A row whose value is a ratio compared with a limit (≤ by default, ≥ with at_least)."""
    ok = ratio >= limit if at_least else ratio <= limit
    return Row(bar, measured, f"{ratio:.2f}×", f"{'≥' if at_least else '≤'} {limit:g}×", ok)


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the table."""
    print(message, file=sys.stderr, flush=True)


def scale_label(n: int) -> str:
    """1000 -> 1k, 1000000 -> 1M."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def html_csrf(html: str) -> str:
    """The CSRF token of a page (a form field, or the htmx header on <body>)."""
    match = (re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
             or re.search(r'"X-CSRFToken": "([^"]+)"', html))
    if not match:
        raise BenchError("no CSRF token on the page")
    return match.group(1)


# --- databases -------------------------------------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return url.startswith("postgres")


def sa_url(url: str) -> str:
    """Route postgres:// URLs to psycopg 3 as the app does, and make a relative SQLite path absolute (Flask-SQLAlchemy
    would otherwise resolve it inside instance/)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return f"sqlite:///{Path(url[len('sqlite:///'):]).resolve()}"
    return url


def with_database(url: str, name: str) -> str:
    """The same PostgreSQL server URL with another database name."""
    parts = urlsplit(url)
    return parts._replace(path="/" + name).geturl()


def sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[1])


@contextlib.contextmanager
def throwaway_copy(url: str, tag: str):
    """A writable copy of a database that is dropped afterwards, so bench writes never reach the measured ones."""
    if not is_postgres(url):
        folder = Path(tempfile.mkdtemp(prefix=f"bench-{tag}-"))
        target = folder / "copy.sqlite3"
        source = sqlite3.connect(sqlite_path(url))
        dest = sqlite3.connect(target)
        source.backup(dest)  # consistent even with a WAL beside the source
        dest.close()
        source.close()
        try:
            yield f"sqlite:///{target}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    name = f"bench_tmp_{tag}_{os.getpid()}"
    server = libpq_url(with_database(url, "postgres"))
    template = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        try:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            seeded = False
        except psycopg.Error:
            conn.execute(f'CREATE DATABASE "{name}"')
            seeded = True
    copy_url = with_database(sa_url(url), name)
    if seeded:  # the template had other connections: build an equivalent database instead
        log(f"  {template} is in use; seeding {name} instead of copying it")
        subprocess.run([sys.executable, "-m", "bench.seed_scale", "--scale", str(count_users(url)),
                        "--db", copy_url], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    try:
        yield copy_url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def count_users(url: str) -> int:
    """The highest user id (the seeded scale) of a database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sa_url(url))
    with engine.connect() as conn:
        n = conn.execute(text("SELECT max(id) FROM users")).scalar() or 0
    engine.dispose()
    return int(n)


# --- in-process pages ------------------------------------------------------------------------------------------------


@dataclass
class Hit:
    """One timed request: milliseconds, body bytes and the SQL statements it sent."""

    ms: float
    size: int
    statements: list = field(default_factory=list)
    status: int = 200
    body: bytes = b""
    location: str = ""


class Portal:
    """The app on one database, with signed-in test clients and a recorder of the SQL it sends."""

    def __init__(self, url: str, tmp: Path, **config):
        from sqlalchemy import event

        from app import create_app
        from extensions import db

        self.url = sa_url(url)
        settings = {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": self.url, "APP_ENV": "bench",
                    "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
                    "UPLOAD_FOLDER": str(tmp / "uploads"), "BACKUP_FOLDER": str(tmp / "backups")}
        settings.update(config)
        self.app = create_app(settings)
        with self.app.app_context():
            self.engine = db.engine
        self.recording: list | None = None
        self.roster_page: int | None = None
        self.clients: dict[str, object] = {}
        event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording is not None and not CONTROL.match(statement):
            self.recording.append((statement, parameters))

    def client(self, employee_no: str):
        """A test client signed in through the login form (cached per person)."""
        if employee_no not in self.clients:
            client = self.app.test_client()
            token = html_csrf(client.get("/auth/login").get_data(as_text=True))
            answer = client.post("/auth/login", data={"employee_no": employee_no, "password": PASSWORD,
                                                      "csrf_token": token})
            if answer.status_code != 303:
                raise BenchError(f"login as {employee_no} answered {answer.status_code}")
            client.csrf = html_csrf(client.get("/auth/password").get_data(as_text=True))
            self.clients[employee_no] = client
        return self.clients[employee_no]

    def request(self, method: str, path: str, who: str = ADMIN, hx: bool = False, expect=(200,), **kwargs) -> Hit:
        """Time one request; raise BenchError unless the status is expected."""
        client = self.client(who)
        headers = {"HX-Request": "true"} if hx else {}
        if method != "GET":
            headers["X-CSRFToken"] = client.csrf
        saved = None
        if self.roster_page:
            from blueprints.training import views as training_views

            saved, training_views.ROSTER_PAGE = training_views.ROSTER_PAGE, self.roster_page
        self.recording = []
        try:
            started = time.perf_counter()
            answer = client.open(path, method=method, headers=headers, **kwargs)
            body = answer.get_data()
            ms = (time.perf_counter() - started) * 1000
        finally:
            statements, self.recording = self.recording, None
            if saved is not None:
                training_views.ROSTER_PAGE = saved
        if answer.status_code not in expect:
            raise BenchError(f"{method} {path} answered {answer.status_code}")
        return Hit(ms, len(body), statements, answer.status_code, body, answer.headers.get("Location", ""))

    def get(self, path: str, who: str = ADMIN, hx: bool = False) -> Hit:
        return self.request("GET", path, who, hx)

    def scalar(self, sql: str, **params):
        """One value from a SQL query on this database."""
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def orm(self, stmt):
        """Rows of a SQLAlchemy statement, run in the app context."""
        from extensions import db

        with self.app.app_context():
            rows = db.session.execute(stmt).all()
            db.session.remove()
        return rows

    def replay(self, statements) -> float:
        """Milliseconds to run recorded statements again on a raw connection, fetching every row."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            ms = (time.perf_counter() - started) * 1000
            cursor.close()
            raw.rollback()
        finally:
            raw.close()
        return ms

    def like_scan(self, term: str) -> float:
        """Milliseconds of an unindexed substring scan: count(*) with LIKE '%term%' on the three text columns."""
        started = time.perf_counter()
        self.scalar("SELECT count(*) FROM suggestions WHERE title LIKE :p OR problem LIKE :p OR proposal LIKE :p",
                    p=f"%{term}%")
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.clients.clear()
        self.engine.dispose()


# --- the lists -------------------------------------------------------------------------------------------------------


@dataclass
class ListPage:
    """A list page the bars measure: its key, its label in the table, and who opens it."""

    name: str
    label: str
    who: str


LISTS = (
    ListPage("suggestions", "suggestions list", ADMIN),
    ListPage("review", "review queue", ADMIN),
    ListPage("users", "admin users", ADMIN),
    ListPage("sessions", "training sessions", ADMIN),
    ListPage("roster", "training roster", HR),
    ListPage("audit", "audit log", ADMIN),
)


class World:
    """What the bench needs to know about one database: its scale, a full roster, a department, keyset cursors."""

    def __init__(self, portal: Portal):
        from sqlalchemy import select

        from blueprints.core.models import Department
        from blueprints.training.models import TrainingSession

        self.portal = portal
        self.users = int(portal.scalar("SELECT max(id) FROM users") or 0)
        self.max_suggestion = int(portal.scalar("SELECT max(id) FROM suggestions") or 0)
        self.roster_id = portal.orm(select(TrainingSession.id).order_by(TrainingSession.confirmed_count.desc(),
                                                                        TrainingSession.id).limit(1))[0][0]
        self.enterprise_id = portal.orm(select(Department.id).where(Department.depth == 1)
                                        .order_by(Department.id).limit(1))[0][0]
        self.label = f"{scale_label(self.users)} users"

    def path(self, name: str) -> str:
        return {"suggestions": "/suggestions/", "review": "/suggestions/review", "users": "/admin/users",
                "sessions": "/training/?show=all", "roster": f"/training/{self.roster_id}/roster",
                "audit": "/admin/audit"}[name]

    def _keys(self, name: str):
        """The sort key columns of a list (as its view orders it), its direction, and the admin's filter."""
        from sqlalchemy import select

        from blueprints.core.models import AuditLog, User
        from blueprints.suggestions.models import Suggestion as S
        from blueprints.training.models import Enrollment, TrainingSession

        return {
            "suggestions": (select(S.listed_at, S.id).where(S.serial.is_not(None)), True),
            "review": (select(S.listed_at, S.id).where(S.serial.is_not(None), S.status == "submitted"), False),
            "users": (select(User.employee_no, User.id), False),
            "sessions": (select(TrainingSession.starts_at, TrainingSession.id)
                         .where(TrainingSession.status != "draft"), False),
            "roster": (select(Enrollment.id).where(Enrollment.session_id == self.roster_id,
                                                   Enrollment.status == "confirmed"), False),
            "audit": (select(AuditLog.created_at, AuditLog.id), True),
        }[name]

    def per_page(self, name: str) -> int:
        if name == "roster":
            from blueprints.training import views as training_views

            return training_views.ROSTER_PAGE
        return self.portal.app.config["PAGE_SIZE"]

    def size(self, name: str, cap: int = 201) -> int:
        """How many rows the list has, counted up to cap."""
        from sqlalchemy import func, select

        stmt, _ = self._keys(name)
        return self.portal.orm(select(func.count()).select_from(stmt.limit(cap).subquery()))[0][0]

    def deep_path(self, name: str) -> str | None:
        """The URL of the list's last page: `after` the key of the row just before it (None: one page only)."""
        from blueprints.core.pagination import encode_cursor

        stmt, descending = self._keys(name)
        backwards = [c.asc() if descending else c.desc() for c in stmt.selected_columns]
        rows = self.portal.orm(stmt.order_by(*backwards).offset(self.per_page(name)).limit(1))
        if not rows:
            return None
        base = self.path(name)
        return f"{base}{'&' if '?' in base else '?'}after={encode_cursor(list(rows[0]))}"


# --- interleaved timing ----------------------------------------------------------------------------------------------


def interleave(variants: list[tuple[str, Callable[[], float]]], repeat: int,
               limits: dict[str, int] | None = None) -> dict[str, float]:
    """Run every variant once per repeat, starting each repeat one variant later; return the median ms of each."""
    limits = limits or {}
    samples: dict[str, list[float]] = {key: [] for key, _ in variants}
    for _key, fn in variants:  # warm-up: caches, compiled SQL, templates
        fn()
    for r in range(repeat):
        k = r % len(variants)
        for key, fn in variants[k:] + variants[:k]:
            if len(samples[key]) < limits.get(key, repeat):
                samples[key].append(fn())
        log(f"  repeat {r + 1}/{repeat}")
    return {key: statistics.median(values) for key, values in samples.items()}


# --- P1, P7: counts and bytes ----------------------------------------------------------------------------------------


def bar_p1(url: str, tmp: Path) -> list[Row]:
    """P1: statements per full list page at page size 10 and 200."""
    rows = []
    counts = {}
    sizes = {}
    for per_page in (10, 200):
        portal = Portal(url, tmp, PAGE_SIZE=per_page)
        portal.roster_page = per_page
        world = World(portal)
        for page in LISTS:
            portal.get(world.path(page.name), page.who)  # warm-up: the first request loads more
            counts[page.name, per_page] = len(portal.get(world.path(page.name), page.who).statements)
            sizes[page.name] = world.size(page.name)
        portal.close()
    for page in LISTS:
        a, b = counts[page.name, 10], counts[page.name, 200]
        note = "" if sizes[page.name] > 200 else f"; the list has only {sizes[page.name]} rows"
        rows.append(Row("P1", f"{page.label}: SQL statements per full page, 10 rows: {a}, 200 rows: {b}{note}",
                        f"{b}", "equal, ≤ 6", a == b and max(a, b) <= 6))
    return rows


def bar_p7(portal: Portal, world: World) -> list[Row]:
    """P7: htmx fragment bytes against the full page's."""
    rows = []
    for page in LISTS:
        path = world.path(page.name)
        full = portal.get(path, page.who).size
        fragment = portal.get(path, page.who, hx=True).size
        share = fragment / full
        rows.append(Row("P7", f"{page.label}: fragment {fragment:,} B / full page {full:,} B",
                        f"{share:.1%}", "≤ 25%", share <= 0.25))
    # The fragments htmx swaps while someone works on a page (as opposed to re-rendering a whole result list).
    interactive = (
        ("navbar badge", "/notifications/badge", "/", ADMIN),
        ("review counts", "/suggestions/review/counts", "/suggestions/review", ADMIN),
        ("duplicate hint", f"/suggestions/similar?title={quote('数控车床改进建议')}", "/suggestions/new", ADMIN),
        ("seats left", f"/training/{world.roster_id}/seats", f"/training/{world.roster_id}", ADMIN),
    )
    for label, fragment_path, page_path, who in interactive:
        full = portal.get(page_path, who).size
        fragment = portal.get(fragment_path, who, hx=True).size
        share = fragment / full
        rows.append(Row("P7", f"{label}: fragment {fragment:,} B / full page {full:,} B",
                        f"{share:.1%}", "≤ 25%", share <= 0.25))
    return rows


# --- P2–P5: timed pages ----------------------------------------------------------------------------------------------


def timed_bars(small: Portal, large: Portal, ws: World, wl: World, repeat: int, scan_repeat: int) -> list[Row]:
    """P2, P3, P4 and P5 in one interleaved timing loop."""
    variants: list[tuple[str, Callable[[], float]]] = []

    def page(key, portal, path, who=ADMIN):
        variants.append((key, lambda: portal.get(path, who).ms))

    deep = {}
    for item in LISTS:
        page(f"p2:{item.name}:small", small, ws.path(item.name), item.who)
        page(f"p2:{item.name}:large", large, wl.path(item.name), item.who)
        deep[item.name] = wl.deep_path(item.name)
        if deep[item.name]:
            page(f"p3:{item.name}", large, deep[item.name], item.who)

    filters = {"status=submitted": "/suggestions/?status=submitted",
               "department": "/suggestions/?department={dept}",
               "status+department": "/suggestions/?status=submitted&department={dept}",
               "users by department": "/admin/users?department={dept}"}
    for label, template in filters.items():
        page(f"p4:{label}:small", small, template.format(dept=ws.enterprise_id))
        page(f"p4:{label}:large", large, template.format(dept=wl.enterprise_id))

    rare = f"第{wl.max_suggestion * 3 // 5 + 7}号"
    terms = (*SEARCH_TERMS, rare)
    recorded = {}
    for term in (*terms, *SHORT_TERMS):
        path = f"/suggestions/?q={quote(term)}"
        page(f"p5page:{term}", large, path)
        hit = large.get(path)
        recorded[term] = [s for s in hit.statements if "suggestions" in s[0].lower()]
    limits = {}
    for term in terms:
        variants.append((f"p5sql:{term}", lambda term=term: large.replay(recorded[term])))
        variants.append((f"p5scan:{term}", lambda term=term: large.like_scan(term)))
        limits[f"p5scan:{term}"] = scan_repeat

    log(f"timing {len(variants)} variants × {repeat} repeats")
    ms = interleave(variants, repeat, limits)

    rows = []
    for item in LISTS:
        a, b = ms[f"p2:{item.name}:large"], ms[f"p2:{item.name}:small"]
        rows.append(ratio_row("P2", f"{item.label}: {wl.label} {a:.1f} ms vs {ws.label} {b:.1f} ms", a / b, 1.5))
    for item in LISTS:
        first = ms[f"p2:{item.name}:large"]
        if deep[item.name]:
            last = ms[f"p3:{item.name}"]
            rows.append(ratio_row("P3", f"{item.label} ({wl.label}): last page {last:.1f} ms vs page 1 "
                                        f"{first:.1f} ms", last / first, 1.2))
        else:
            rows.append(Row("P3", f"{item.label} ({wl.label}): only one page, page 1 {first:.1f} ms", "1.00×",
                            "≤ 1.2×", True))
    for label in filters:
        a, b = ms[f"p4:{label}:large"], ms[f"p4:{label}:small"]
        rows.append(ratio_row("P4", f"filtered list with count, {label}: {wl.label} {a:.1f} ms vs "
                                    f"{ws.label} {b:.1f} ms", a / b, 1.5))
    plain = ms["p2:suggestions:large"]
    for term in terms:
        scan, sql = ms[f"p5scan:{term}"], ms[f"p5sql:{term}"]
        rows.append(ratio_row("P5", f"search q={term} ({wl.label}): LIKE scan {scan:.1f} ms vs the search "
                                    f"page's SQL {sql:.2f} ms ({len(recorded[term])} statements)",
                              scan / sql, 100, at_least=True))
    for term in terms:
        found = ms[f"p5page:{term}"]
        rows.append(ratio_row("P5", f"search page q={term}: {found:.1f} ms vs plain list {plain:.1f} ms",
                              found / plain, 2))
    for term in SHORT_TERMS:
        found = ms[f"p5page:{term}"]
        ratio = found / plain
        rows.append(Row("P5", f"short query q={term} (bounded): page vs plain list {plain:.1f} ms",
                        f"{found:.1f} ms ({ratio:.2f}×)", "≤ 2× plain", ratio <= 2))
    return rows


# --- HTTP against gunicorn -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A small keep-alive HTTP client with cookies and the CSRF token, for the load phases."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, form: dict | None = None, hx: bool = False) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"User-Agent": "bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if hx:
            headers["HX-Request"] = "true"
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            answer = self.conn.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and "expires=thu, 01 jan 1970" not in cookie.lower():
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        if answer.will_close:
            self.conn.close()
            self.conn = None
        return answer.status, data

    def login(self, employee_no: str) -> None:
        status, page = self.request("GET", "/auth/login")
        status, _ = self.request("POST", "/auth/login", {"employee_no": employee_no, "password": PASSWORD,
                                                          "csrf_token": html_csrf(page.decode())})
        if status != 303:
            raise BenchError(f"login of {employee_no} over HTTP answered {status}")
        status, page = self.request("GET", "/auth/password")
        self.csrf = html_csrf(page.decode())

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def gunicorn_available() -> str | None:
    """Why gunicorn cannot run here, or None."""
    import importlib.util

    return None if importlib.util.find_spec("gunicorn") else "gunicorn is not installed"


@contextlib.contextmanager
def gunicorn(url: str, log_path: Path):
    """Serve the app with gunicorn.conf.py on a free loopback port; yields the base URL."""
    port = free_port()
    env = dict(os.environ, SECRET_KEY=secrets.token_hex(16), DATABASE_URL=url, PORTAL_SQLALCHEMY_DATABASE_URI=url,
               APP_ENV="production", PORTAL_RATELIMIT_ENABLED="false", RATELIMIT_STORAGE_URI="memory://",
               GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESSLOG="/dev/null")
    with open(log_path, "wb") as log_file:
        # No worker recycling while measuring: at 2,000 requests a worker (production's max_requests) wrk's /ping
        # rounds restarted every worker within seconds, and the list's round then met too few (0 rps, P6 "error").
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--max-requests", "0", "app:create_app()"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    raise BenchError(f"gunicorn exited with {process.returncode}: "
                                     f"{log_path.read_text(errors='replace')[-800:]}")
                with contextlib.suppress(OSError, http.client.HTTPException):
                    if Browser(base).request("GET", "/healthz")[0] == 200:
                        break
                if time.monotonic() > deadline:
                    raise BenchError("gunicorn did not answer /healthz within 120 s")
                time.sleep(0.3)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wrk(url: str, seconds: int, cookie: str | None = None) -> tuple[float, int, float]:
    """wrk -t2 -c8 on one URL: requests per second, answers that were not 2xx/3xx, and bytes per answer."""
    cmd = ["wrk", "-t2", "-c8", f"-d{seconds}s", "-H", "User-Agent: bench"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60,
                         check=False).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", out)
    if not rate or not transfer:
        raise BenchError(f"wrk printed no rate: {out[-400:]}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    per_second = float(transfer.group(1)) * {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}[transfer.group(2)]
    return float(rate.group(1)), int(bad.group(1)) if bad else 0, per_second / max(float(rate.group(1)), 1e-9)


def bar_p6(url: str, label: str, tmp: Path, rounds: int, seconds: int, warmup: int) -> list[Row]:
    """P6: rps of the suggestion list against a bare route, under gunicorn with wrk."""
    reason = gunicorn_available() or (None if shutil.which("wrk") else "wrk is not installed")
    if reason:
        return [Row("P6", "suggestion list rps / bare route rps under gunicorn", "—", f"≥ {P6_SHARE:.0%}", None,
                    f"skipped: {reason}")]
    with gunicorn(url, tmp / "gunicorn-p6.log") as base:
        browser = Browser(base)
        ping_status, ping_body = browser.request("GET", "/ping")
        hello = "/ping" if ping_status == 200 and len(ping_body) < 200 else "/healthz"
        browser.login(ADMIN)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        status, body = browser.request("GET", "/suggestions/")
        if status != 200:
            raise BenchError(f"/suggestions/ over HTTP answered {status}")
        browser.close()
        rates: dict[str, list[float]] = {"hello": [], "list": []}
        bad, sizes = 0, []
        wrk(base + hello, warmup)  # warm-up: every worker compiles its templates and opens its connections
        wrk(base + "/suggestions/", warmup, cookie)
        for r in range(rounds):
            order = [("hello", base + hello, None), ("list", base + "/suggestions/", cookie)]
            for key, target, with_cookie in (order if r % 2 == 0 else order[::-1]):
                rate, errors, size = wrk(target, seconds, with_cookie)
                rates[key].append(rate)
                bad += errors
                if key == "list":
                    sizes.append(size)
            log(f"  wrk round {r + 1}/{rounds}: hello {rates['hello'][-1]:.0f} rps, list {rates['list'][-1]:.0f} rps")
    if min(sizes) < len(body) / 2:  # a redirect to the login page instead of the list
        raise BenchError(f"wrk got {min(sizes):.0f} B per /suggestions/ answer, the page has {len(body)} B")
    h, li = statistics.median(rates["hello"]), statistics.median(rates["list"])
    note = "" if hello == "/ping" else ", /healthz (SELECT 1) as the bare route: the app has no /ping"
    share = li / h
    row = Row("P6", f"gunicorn ({label}), wrk -t2 -c8, {rounds}×{seconds}s: /suggestions/ {li:.0f} rps vs "
                    f"{hello} {h:.0f} rps{note}{f'; {bad} non-2xx/3xx answers' if bad else ''}",
              f"{share:.1%}", f"≥ {P6_SHARE:.0%}", share >= P6_SHARE and bad == 0)
    return [row]


# --- training and import helpers -------------------------------------------------------------------------------------


def open_session(portal: Portal, capacity: int, title: str) -> int:
    """Create a session through HR's form, open it for signup, and return its id."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(portal.app.config["TIMEZONE"])
    starts = datetime.now(zone).replace(second=0, microsecond=0) + timedelta(days=30)
    form = {"title": title, "kind": "skills", "location": "培训中心", "instructor": "讲师",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
            "signup_deadline": (starts - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": str(capacity), "manager": HR, "description": "bench"}
    hit = portal.request("POST", "/training/new", HR, data=form, expect=(303,))
    match = re.search(r"/training/(\d+)/roster", hit.location)
    if not match:
        raise BenchError(f"creating a session redirected to {hit.location!r}")
    session_id = int(match.group(1))
    portal.request("POST", f"/training/{session_id}/status/open", HR, expect=(303,))
    return session_id


def worker_numbers(portal: Portal, n: int) -> list[str]:
    """Employee numbers of n plain workers, from the end of the seeded users."""
    from sqlalchemy import text

    rows = portal.orm(text(
        "SELECT employee_no FROM users WHERE role_mask = 1 AND active = :t AND must_change_password = :f "
        "ORDER BY id DESC LIMIT :n").bindparams(t=True, f=False, n=n))
    numbers = [r[0] for r in rows]
    if len(numbers) < n:
        raise BenchError(f"the database has only {len(numbers)} plain workers, {n} needed")
    return numbers


def import_workbook(portal: Portal, prefix: str, n: int) -> bytes:
    """An .xlsx of n new people with the columns of the app's own import template."""
    from openpyxl import Workbook, load_workbook
    from sqlalchemy import text

    template = portal.get("/admin/import/template.xlsx").body
    header = [c.value for c in next(load_workbook(io.BytesIO(template), read_only=True).worksheets[0].iter_rows())]
    codes = [r[0] for r in portal.orm(text(
        "SELECT code FROM departments WHERE depth = 4 ORDER BY id LIMIT 20"))]
    values = {"工号": lambda i: f"{prefix}{i:06d}", "姓名": lambda i: f"导入职工{i}",
              "部门编码": lambda i: codes[i % len(codes)], "岗位": lambda i: "技术工人",
              "技能等级": lambda i: "中级工", "手机": lambda i: f"139{i:08d}"}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("人员")
    sheet.append(header)
    for i in range(n):
        sheet.append([values.get(name, lambda i: "")(i) for name in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_users(portal: Portal, workbook: bytes) -> tuple[float, float]:
    """Upload (preview) and apply an import; returns the milliseconds of each step."""
    upload = portal.request("POST", "/admin/import", ADMIN,
                            data={"file": (io.BytesIO(workbook), "people.xlsx")},
                            content_type="multipart/form-data")
    match = re.search(r'<input[^>]*name="token"[^>]*value="([^"]+)"', upload.body.decode())
    if not match:
        raise BenchError("the import preview offered no apply token (rows with errors?)")
    apply = portal.request("POST", "/admin/import/apply", ADMIN, expect=(303,),
                           data={"token": match.group(1), "initial_password": "Bench-Import-2026-Xq"})
    return upload.ms, apply.ms + run_queued_job(portal, apply.location)


def run_queued_job(portal: Portal, location: str) -> float:
    """A large import is applied by a background job (its page is where the POST went): run it here, as a worker
    would, and return its milliseconds (0 when the POST applied the import itself)."""
    if "/jobs/" not in location:
        return 0.0
    from blueprints.core import jobs

    started = time.perf_counter()
    with portal.app.app_context():
        status = jobs.execute(int(location.rstrip("/").rsplit("/", 1)[1]))
    if status != "done":
        raise BenchError(f"the import job ended {status}")
    return (time.perf_counter() - started) * 1000


# --- P9: bulk work ---------------------------------------------------------------------------------------------------


def bar_p9(url: str, tmp: Path, repeat: int, rounds: int, import_rows: int) -> list[Row]:
    """P9: 10,000-person import and 1,000-trainee signup, each against one worker's own signup."""
    with throwaway_copy(url, "p9") as copy:
        portal = Portal(copy, tmp, JOBS_FOLDER=str(tmp / "p9-jobs"))  # the import job's queue: not instance/
        try:
            log("P9: preparing sessions and people on a throwaway copy")
            singles_session = open_session(portal, 10000, "bench single signups")
            workers = worker_numbers(portal, repeat * rounds + 1)
            portal.request("POST", f"/training/{singles_session}/signup", workers.pop(), hx=True)  # warm-up
            import_users(portal, import_workbook(portal, "bw", BULK_ROWS))  # warm-up, and the bulk trainees
            trainees = "\n".join(f"bw{i:06d}" for i in range(BULK_ROWS))
            bulk_sessions = [open_session(portal, 10000, f"bench bulk {r}") for r in range(rounds)]
            books = [import_workbook(portal, f"b{r}", import_rows) for r in range(rounds)]
            singles, bulks, imports, steps = [], [], [], []

            def single():
                who = workers.pop()
                portal.client(who)  # sign in before the clock starts
                singles.append(portal.request("POST", f"/training/{singles_session}/signup", who, hx=True).ms)

            def bulk(r):
                hit = portal.request("POST", f"/training/{bulk_sessions[r]}/roster/add", HR, hx=True,
                                     data={"pasted": trainees, "people": ""})
                confirmed = portal.scalar("SELECT confirmed_count FROM training_sessions WHERE id = :i",
                                          i=bulk_sessions[r])
                if confirmed != BULK_ROWS:
                    raise BenchError(f"bulk signup confirmed {confirmed} of {BULK_ROWS}")
                bulks.append(hit.ms)

            def imported(r):
                upload_ms, apply_ms = import_users(portal, books[r])
                imports.append(upload_ms + apply_ms)
                steps.append((upload_ms, apply_ms))

            for r in range(rounds):
                tasks = [lambda r=r: bulk(r), lambda r=r: imported(r)] + [single] * repeat
                k = r % len(tasks)
                for task in tasks[k:] + tasks[:k]:
                    task()
                log(f"  P9 round {r + 1}/{rounds}")
            enrolled = portal.scalar("SELECT count(*) FROM training_enrollments WHERE session_id = :i "
                                     "AND status = 'confirmed'", i=singles_session)
            if enrolled != len(singles) + 1:
                raise BenchError(f"{len(singles) + 1} single signups confirmed {enrolled} places")
        finally:
            portal.close()
    one = statistics.median(singles)
    b, i = statistics.median(bulks), statistics.median(imports)
    up, ap = statistics.median(s[0] for s in steps), statistics.median(s[1] for s in steps)
    return [
        ratio_row("P9", f"{BULK_ROWS:,} trainees in one roster/add {b:.0f} ms vs one signup {one:.1f} ms "
                        f"(median of {len(bulks)} and {len(singles)})", b / one, 20),
        ratio_row("P9", f"import of {import_rows:,} users {i:.0f} ms (upload {up:.0f} + apply {ap:.0f}) vs one "
                        f"signup {one:.1f} ms (median of {len(imports)})", i / one, 20),
    ]


# --- P8: mixed load --------------------------------------------------------------------------------------------------


class Tally:
    """Thread-safe counts of the answers of the mixed load."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def add(self, key: str) -> None:
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1


def bar_p8(url: str, tmp: Path, seconds: int) -> list[Row]:
    """P8: browse, submit and sign up at once under gunicorn; count 5xx answers and "database is locked"."""
    reason = gunicorn_available()
    target = "0 and 0"
    if reason:
        return [Row("P8", "mixed read/write load under gunicorn", "—", target, None, f"skipped: {reason}")]
    with throwaway_copy(url, "p8") as copy:
        portal = Portal(copy, tmp)
        try:
            sessions = [open_session(portal, 3, f"bench load {i}") for i in range(2)]
            people = worker_numbers(portal, 8)
            suggestion_id = int(portal.scalar("SELECT min(id) FROM suggestions WHERE serial IS NOT NULL"))
        finally:
            portal.close()
        log_path = tmp / "gunicorn-p8.log"
        tally = Tally()
        with gunicorn(copy, log_path) as base:
            stop = time.monotonic() + seconds
            pages = ["/suggestions/", "/suggestions/?q=%E6%95%B0%E6%8E%A7", "/training/?show=all",
                     f"/training/{sessions[0]}", f"/suggestions/{suggestion_id}", "/suggestions/?status=submitted"]

            def run(who: str, step: Callable[[Browser, int], list[tuple[str, int]]]):
                browser = Browser(base)
                try:
                    browser.login(who)
                    n = 0
                    while time.monotonic() < stop:
                        for kind, status in step(browser, n):
                            tally.add(f"{kind} {status // 100}xx")
                        n += 1
                except (OSError, http.client.HTTPException, BenchError) as error:
                    tally.add(f"error {type(error).__name__}")
                finally:
                    browser.close()

            def browse(browser, n):
                path = pages[n % len(pages)]
                return [("read", browser.request("GET", path, hx=n % 3 == 0)[0])]

            def submit(browser, n):
                form = {"title": f"压力测试建议{n}：数控车床防错", "category": "suggestion", "problem": "现状问题",
                        "proposal": "改进措施", "expected_benefit": "预期效益", "workshop_id": "", "coauthors": "",
                        "client_token": secrets.token_urlsafe(12), "action": "submit", "csrf_token": browser.csrf}
                return [("submit", browser.request("POST", "/suggestions/new", form)[0])]

            def train(browser, n):
                session_id = sessions[n % 2]
                form = {"csrf_token": browser.csrf}
                return [("signup", browser.request("POST", f"/training/{session_id}/signup", form, hx=True)[0]),
                        ("withdraw", browser.request("POST", f"/training/{session_id}/withdraw", form, hx=True)[0])]

            plan = [(people[0], browse), (people[1], browse), (ADMIN, browse), (people[2], submit),
                    (people[3], submit)] + [(who, train) for who in people[4:8]]
            threads = [threading.Thread(target=run, args=item, daemon=True) for item in plan]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(seconds + 120)
        server_log = log_path.read_text(errors="replace")
    locked = server_log.lower().count("database is locked")
    tracebacks = server_log.count("Traceback")
    counts = tally.counts
    total = sum(v for k, v in counts.items() if not k.startswith("error"))
    errors5 = sum(v for k, v in counts.items() if k.endswith("5xx"))
    failures = sum(v for k, v in counts.items() if k.startswith("error"))
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    ok = errors5 == 0 and locked == 0 and failures == 0
    return [Row("P8", f"{seconds}s mixed load, 9 threads, gunicorn on a copy of the small database: {total:,} "
                      f"answers ({summary}); {tracebacks} tracebacks in the server log",
                f"{errors5} 5xx, {locked} locked", target, ok)]


# --- Memory helpers of P13 (bench/bars_jobs.py, the export as a background job) --------------------------------


def current_rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), else its peak so far."""
    with contextlib.suppress(OSError, StopIteration, ValueError):
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def xlsx_rows(path: Path) -> int:
    """Rows of the first sheet of an .xlsx, counted in its XML."""
    with zipfile.ZipFile(path) as book:
        name = next(n for n in book.namelist() if n.startswith("xl/worksheets/sheet"))
        with book.open(name) as sheet:
            return sum(chunk.count(b"<row ") for chunk in iter(lambda: sheet.read(1 << 20), b""))


# --- main ------------------------------------------------------------------------------------------------------------


def guarded(name: str, fn: Callable[[], list[Row]], failures: list[str]) -> list[Row]:
    """Run one bar; an error becomes a FAIL row saying what broke, and the run goes on."""
    log(f"{name} ...")
    started = time.perf_counter()
    try:
        rows = fn()
    except Exception as error:  # noqa: BLE001 - one broken bar must not hide the others
        traceback.print_exc(file=sys.stderr)
        failures.append(name)
        return [Row(name.split()[0], f"{name}: could not be measured", "error", "—", False,
                    note=f"error: {type(error).__name__}: {str(error)[:160]}")]
    log(f"{name} done in {time.perf_counter() - started:.0f}s")
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pg = os.environ.get("DATABASE_URL")
    parser.add_argument("--small", default=(with_database(sa_url(pg), "bench_small") if pg
                                            else f"sqlite:///{DATA / 'city-1000.sqlite3'}"))
    parser.add_argument("--large", default=(sa_url(pg) if pg else f"sqlite:///{DATA / 'city-1000000.sqlite3'}"))
    parser.add_argument("--export-db", help="database for P13 (default: --large; needs >= 100,000 suggestions)")
    parser.add_argument("--repeat", type=int, default=15, help="timed repeats per variant (default 15)")
    parser.add_argument("--load-seconds", type=int, help="P8 duration (default 60, --quick 5)")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: small database only, short load")
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    return parser.parse_args(argv)


def settle_postgres(url: str) -> None:
    """VACUUM (ANALYZE) a PostgreSQL database when its server runs no autovacuum, as autovacuum would have by now.

    With autovacuum off (this machine's test server has it off), the dead rows of the seed's updates and of earlier
    runs' rolled-back rebuilds are never removed: 250,000 in the statistics rollups after one run, so each run
    measured more bloat than a live server carries (/stats/ at 1M went from 1.43× to 1.56× of 1k).
    """
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] == "on":
            return
        log(f"{url}: the server's autovacuum is off, so VACUUM (ANALYZE) first")
        conn.execute("VACUUM (ANALYZE)")


def main(argv=None) -> int:
    args = parse_args(argv)
    small_url, large_url = sa_url(args.small), sa_url(args.large)
    if args.quick:
        large_url = small_url
        repeat = min(args.repeat, 3)
        load_seconds, wrk_rounds, wrk_seconds, wrk_warmup, p9_rounds = args.load_seconds or 5, 1, 2, 1, 1
    else:
        repeat = args.repeat
        load_seconds, wrk_rounds, wrk_seconds, wrk_warmup, p9_rounds = args.load_seconds or 60, 3, 10, 3, 3
    for url in {small_url, large_url, sa_url(args.export_db or large_url)}:
        if not is_postgres(url) and not sqlite_path(url).exists():
            log(f"{sqlite_path(url)} does not exist: run `make bench-seed` (or bench.seed_scale) first")
            return 2
    started = time.perf_counter()
    for url in {small_url, large_url, sa_url(args.export_db or large_url)}:
        if is_postgres(url):
            settle_postgres(url)
    failures: list[str] = []
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        tmp = Path(folder)
        small = Portal(small_url, tmp)
        large = small if large_url == small_url else Portal(large_url, tmp)
        ws, wl = World(small), World(large)
        log(f"small: {small_url} ({ws.label}); large: {large_url} ({wl.label})")
        rows += guarded("P1 query counts", lambda: bar_p1(large_url, tmp), failures)
        timed = guarded("P2-P5 timed pages", lambda: timed_bars(small, large, ws, wl, repeat, min(repeat, 5)),
                        failures)
        rows += timed
        rows += guarded("P6 gunicorn and wrk",
                        lambda: bar_p6(large_url, wl.label, tmp, wrk_rounds, wrk_seconds, wrk_warmup), failures)
        rows += guarded("P7 fragment bytes", lambda: bar_p7(large, wl), failures)
        from bench.bars_stats import bar_p10  # statistics from the snapshot

        rows += guarded("P10 statistics", lambda: bar_p10(small, large, ws.label, wl.label, repeat), failures)

        from bench.bars_people import bar_p11  # person search through the index (issue 19 item 2)

        rows += guarded("P11 person search", lambda: bar_p11(small, large, repeat), failures)

        from bench.bars_forms import bar_p12  # form and filter pages with type-ahead pickers (issue 19 item 3)

        rows += guarded("P12 form pages", lambda: bar_p12(small, large, ws.label, wl.label), failures)
        small.close()
        if large is not small:
            large.close()
        rows += guarded("P8 mixed load", lambda: bar_p8(small_url, tmp, load_seconds), failures)
        rows += guarded("P9 bulk work", lambda: bar_p9(small_url, tmp, repeat, p9_rounds, IMPORT_ROWS), failures)
        export_url = sa_url(args.export_db or large_url)
        export_label = f"{scale_label(count_users(export_url))} users"
        from bench.bars_jobs import bar_p13  # the export runs as a background job (it replaced row M)

        rows += guarded("P13 export job", lambda: bar_p13(export_url, export_label, tmp), failures)
    order = ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13"]
    rows.sort(key=lambda r: order.index(r.bar) if r.bar in order else len(order))
    backend = "PostgreSQL" if is_postgres(large_url) else f"SQLite {sqlite3.sqlite_version}"
    caption = (f"Benchmark of {datetime.now().strftime('%Y-%m-%d %H:%M')} on {backend}, large = {wl.label}, "
               f"small = {ws.label}, {os.cpu_count()} CPUs, {repeat} repeats{', --quick' if args.quick else ''}, "
               f"{time.perf_counter() - started:.0f} s.")
    print(caption)
    print(text_table(rows))
    if args.markdown:
        Path(args.markdown).write_text(markdown_table(rows, caption), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
