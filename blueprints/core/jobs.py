"""Background jobs (SPEC §12, QUALITY P13) on huey: a registry of job kinds, `enqueue`, and the task that runs one.

A job is a row of `jobs` (core.models.Job) and a message on huey's queue: SQLite storage in instance/ by default,
Redis when REDIS_URL is set, so both survive a restart of the web process. `enqueue` adds the row in the caller's
transaction; the message is sent only once that transaction commits (so a worker never looks for a row that is not
there yet, and a refused action queues nothing).

A domain registers its kinds in its own module (imported by its blueprint), e.g.::

    @job_kind("suggestions.export", _l("五小建议导出"))
    def export(run: JobRun) -> None:
        run.set_total(n)
        for row in rows:
            ...; run.advance()
        run.deliver(path, "五小建议.xlsx", "suggestions-export.xlsx")

`run` executes inside a request context signed in as the job's owner, in the language the owner started it in, so
the domain's own list and scope code (current_user, request.args = the job's `args`) works unchanged. A DomainError
raised there becomes the failure reason the owner reads; any other error is logged with its traceback and the owner
reads a generic reason. A kind with `schedule=` (a huey crontab) also runs periodically as the system (no owner).
"""
from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app, g
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Job, User
from blueprints.core.states import Transition, machine
from blueprints.core.types import utcnow
from extensions import db

log = logging.getLogger("portal.jobs")

STATUSES = ("queued", "running", "done", "failed")
FINISHED = ("done", "failed")
# The one status machine of a job: a worker starts a queued job once, and it ends done or failed (a job that can no
# longer start, e.g. its kind was removed, fails from the queue).
TRANSITIONS = machine(
    Transition("start", ("queued",), "running", actor="worker"),
    Transition("finish", ("running",), "done", actor="worker"),
    Transition("fail", ("queued", "running"), "failed", actor="worker"),
)
# How each status looks: (label, badge tone, icon), like the domains' STATUS_BADGES.
STATUS_BADGES = {
    "queued": (_l("排队中"), "secondary", "hourglass"),
    "running": (_l("进行中"), "primary", "arrow-repeat"),
    "done": (_l("已完成"), "success", "check-circle"),
    "failed": (_l("失败"), "danger", "x-circle"),
}
GENERIC_FAILURE = N_("任务运行时出错，已记录下来。请稍后重试；如果一直出现，请联系管理员。")
UNKNOWN_KIND = N_("系统不再支持这种任务。")
PROGRESS_EVERY = 0.5  # seconds between progress writes: a 100,000-row export writes ~60, not 100,000
PENDING_KEY = "portal_jobs_to_send"


@dataclass(frozen=True)
class JobKind:
    """A registered kind of job: its key (stored on the row), label, function and optional periodic schedule."""

    key: str
    label: object  # a lazy string
    run: Callable[[JobRun], None]
    schedule: object = None  # a huey crontab: also run as the system on this schedule
    writes: bool = False  # the job changes rows (and commits them itself, like a CLI command)
    result_endpoint: str | None = None  # the page that shows what a done job changed (its job page links to it)
    result_label: object = None  # that link's text (a lazy string)


_KINDS: dict[str, JobKind] = {}


def job_kind(key: str, label, *, schedule=None, writes: bool = False, result_endpoint: str | None = None,
             result_label=None) -> Callable:
    """Register `fn(run)` as the job kind `key`; a key is registered once."""
    def register(fn: Callable[[JobRun], None]):
        if key in _KINDS:
            raise ValueError(f"job kind {key!r} is registered twice")
        _KINDS[key] = JobKind(key, label, fn, schedule, writes, result_endpoint, result_label)
        return fn
    return register


def get_kind(key: str) -> JobKind | None:
    """The registered kind `key`, or None (a kind whose domain was removed)."""
    return _KINDS.get(key)


def job_kinds() -> list[JobKind]:
    """Every registered kind, by key."""
    return [_KINDS[key] for key in sorted(_KINDS)]


def kind_label(key: str) -> str:
    """The kind's name in the reader's language (the key itself for an unknown kind)."""
    kind = _KINDS.get(key)
    return str(kind.label) if kind else key


# --- Starting a job ---------------------------------------------------------------------------------------------


def enqueue(kind: str, owner: User | None, params: dict | None = None, locale: str | None = None) -> Job:
    """Add a queued job of a registered kind (flushed with the caller's transaction; sent to huey on commit)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if locale is None:
        from blueprints.core.i18n import current_language

        locale = current_language()
    job = Job(kind=kind, owner_id=owner.id if owner is not None else None, params=dict(params or {}),
              locale=locale, status="queued", done=0, failure_params={})
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(job.id)
    return job


def _send_committed(session: Session) -> None:
    """After a commit: put the jobs that transaction added on the queue (in immediate mode, run them now)."""
    ids = session.info.pop(PENDING_KEY, None)
    if not ids:
        return
    queue = current_app.extensions["jobs"]
    for job_id in ids:
        queue.send(job_id)


def _forget_rolled_back(session: Session, *args) -> None:
    session.info.pop(PENDING_KEY, None)


event.listen(Session, "after_commit", _send_committed)
event.listen(Session, "after_rollback", _forget_rolled_back)


# --- Running a job ----------------------------------------------------------------------------------------------


class JobRun:
    """What a job kind's function gets: its parameters and owner, progress reporting and where to put its file."""

    def __init__(self, job: Job, owner: User | None, folder: Path):
        self.job_id, self.kind, self.params, self.owner = job.id, job.kind, dict(job.params or {}), owner
        self.folder = folder
        self.done, self.total = 0, None
        self.result: tuple[str, str, str] | None = None
        self.outcome: tuple[str, dict] | None = None
        self._written = 0.0

    def set_total(self, total: int) -> None:
        """How many steps the job has (rows to write), shown as the progress bar's end.

        Progress is written on its own connection: a writing job reports it only between its commits (on SQLite
        its open write transaction would hold the lock the progress write waits for).
        """
        self.total = total
        self._write_progress(force=True)

    def advance(self, steps: int = 1) -> None:
        """Count `steps` done; written to the row at most every PROGRESS_EVERY seconds."""
        self.done += steps
        self._write_progress()

    def track(self, items):
        """Yield each item of `items`, counting one step per item."""
        for item in items:
            yield item
            self.advance()

    def output(self, filename: str) -> Path:
        """A path for the job's result file, in the job's own folder under JOBS_FOLDER."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / filename

    def deliver(self, path: Path, name: str, ascii_name: str) -> None:
        """Offer `path` (from output()) for download as `name` (with an ASCII fallback name)."""
        self.result = (path.name, name, ascii_name)

    def report(self, message: str, **params) -> None:
        """What the job did, said on its page once done: a message id (N_) and its parameters, translated when
        shown (an import's "新建 %(c)s 人，更新 %(u)s 人")."""
        self.outcome = (message, {key: str(value) for key, value in params.items()})

    def _write_progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written < PROGRESS_EVERY:
            return
        self._written = now
        # Its own short transaction on its own connection: the job's reading transaction stays open.
        with db.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == self.job_id, Job.status == "running")
                         .values(done=self.done, total=self.total))


def move(job_id: int, action: str, **values) -> bool:
    """Apply the status move `action` if the job's status allows it (a conditional UPDATE; True when it moved)."""
    rule = TRANSITIONS[action]
    moved = db.session.execute(update(Job).where(Job.id == job_id, Job.status.in_(rule.sources))
                               .values(status=rule.target, **values))
    db.session.commit()
    return moved.rowcount == 1


def job_folder(job_id: int) -> Path:
    """The folder of one job's files."""
    return Path(current_app.config["JOBS_FOLDER"]) / str(job_id)


def execute(job_id: int) -> str | None:
    """Run the queued job `job_id` once (inside an app context); answer the status it ended in."""
    job = db.session.get(Job, job_id)
    if job is None:
        log.warning("job %s is not in the jobs table; dropped", job_id)
        return None
    kind = _KINDS.get(job.kind)
    if kind is None:
        move(job_id, "fail", failure=UNKNOWN_KIND, failure_params={}, finished_at=utcnow())
        return "failed"
    owner = db.session.get(User, job.owner_id) if job.owner_id is not None else None
    run, locale = JobRun(job, owner, job_folder(job_id)), job.locale
    # End this transaction before anything else: every later read happens inside the job's own (read-only)
    # request context, so no write lock is held while the job runs and writes its progress on another connection.
    db.session.rollback()
    if not move(job_id, "start", started_at=utcnow()):
        return None  # another worker took it, or it already ended
    try:
        _run_as_owner(kind, run, locale)
    except DomainError as error:
        return _fail(run, error.message, error.params)
    except Exception:  # any failure ends the job with a reason; the traceback goes to the log
        log.exception("job %s (%s) failed", job_id, kind.key)
        return _fail(run, GENERIC_FAILURE, {})
    db.session.rollback()
    stored, name, ascii_name = run.result or (None, None, None)
    outcome, outcome_params = run.outcome or (None, None)
    move(job_id, "finish", done=run.total if run.total is not None else run.done, total=run.total,
         result_path=f"{job_id}/{stored}" if stored else None, result_name=name, result_ascii=ascii_name,
         outcome=outcome, outcome_params=outcome_params, finished_at=utcnow())
    return "done"


def _fail(run: JobRun, message: str, params: dict) -> str:
    db.session.rollback()
    shutil.rmtree(run.folder, ignore_errors=True)
    move(run.job_id, "fail", failure=message, failure_params={k: str(v) for k, v in params.items()},
         done=run.done, total=run.total, finished_at=utcnow())
    return "failed"


def _run_as_owner(kind: JobKind, run: JobRun, locale: str) -> None:
    """Call the kind's function in a GET request context signed in as the owner, in the owner's language."""
    from blueprints.core.scopes import forget_scopes

    app = current_app._get_current_object()
    args = run.params.get("args") or {}
    with app.test_request_context(f"/jobs/{run.job_id}", method="GET", query_string=args), force_locale(locale):
        g._login_user = run.owner if run.owner is not None else app.login_manager.anonymous_user()
        # An export only reads (a plain BEGIN on SQLite, so it never holds up writers); a writing job takes the
        # write lock up front like a POST.
        g.write_intent = kind.writes
        forget_scopes()
        try:
            kind.run(run)
        finally:
            db.session.rollback()
            for name in ("_login_user", "write_intent"):
                g.pop(name, None)
            forget_scopes()


# --- The queue --------------------------------------------------------------------------------------------------


class JobQueue:
    """The app's huey instance and the one task that runs a job, with the periodic tasks of scheduled kinds."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = _make_huey(app)

        @self.huey.task(name="portal.run_job")
        def run_job(job_id: int) -> None:
            with app.app_context():
                execute(job_id)

        self.run_job = run_job
        for kind in job_kinds():
            if kind.schedule is not None:
                self._schedule(kind)

    def _schedule(self, kind: JobKind) -> None:
        app = self.app

        @self.huey.periodic_task(kind.schedule, name=f"portal.periodic.{kind.key}")
        def periodic() -> None:
            with app.app_context():
                job = enqueue(kind.key, None, locale=app.config["BABEL_DEFAULT_LOCALE"])
                db.session.info.pop(PENDING_KEY, None)  # run here, now, rather than through the queue
                db.session.commit()
                execute(job.id)

    def send(self, job_id: int) -> None:
        """Put a committed job on the queue."""
        self.run_job(job_id)


def _make_huey(app: Flask):
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    if app.config["JOBS_IMMEDIATE"]:
        return MemoryHuey("portal", immediate=True, results=False)
    if app.config.get("REDIS_URL"):
        return RedisHuey("portal", url=app.config["REDIS_URL"], results=False)
    folder = Path(app.config["JOBS_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("portal", filename=str(folder / "queue.sqlite3"), results=False)


def init_jobs(app: Flask) -> None:
    """Give the app its job queue (after the blueprints registered their kinds)."""
    app.extensions["jobs"] = JobQueue(app)


def run_worker(workers: int) -> None:
    """Consume the queue in this process until interrupted (SIGINT or SIGTERM): `flask jobs worker`."""
    queue = current_app.extensions["jobs"]
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()


def clean_old(days: int) -> int:
    """Delete the files of jobs finished more than `days` ago (the rows stay, saying the file expired)."""
    cutoff = utcnow() - timedelta(days=days)
    old = db.session.scalars(db.select(Job).where(Job.finished_at < cutoff, Job.result_path.is_not(None))).all()
    for job in old:
        shutil.rmtree(job_folder(job.id), ignore_errors=True)
        job.result_path = None
    return len(old)


@job_kind("jobs.clean", _l("清理过期的任务文件"), schedule=crontab(hour="19", minute="17"), writes=True)
def clean_job(run: JobRun) -> None:
    """Daily at 03:17 in Asia/Shanghai (19:17 UTC): the files of jobs older than JOBS_KEEP_DAYS."""
    done = clean_old(current_app.config["JOBS_KEEP_DAYS"])
    db.session.commit()  # before reporting: progress is written on another connection
    run.set_total(done)


jobs_cli = AppGroup("jobs", help="Background jobs (huey).")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="jobs run at the same time (threads)")
def worker_command(workers: int) -> None:
    """Run a worker: take jobs from the queue (SQLite in instance/, or REDIS_URL) until stopped."""
    run_worker(workers)


@jobs_cli.command("clean")
@click.option("--days", type=int, default=None, help="keep files this many days (default JOBS_KEEP_DAYS)")
def clean_command(days: int | None) -> None:
    """Delete the result files of jobs finished more than --days ago."""
    removed = clean_old(days if days is not None else current_app.config["JOBS_KEEP_DAYS"])
    db.session.commit()
    click.echo(f"job files removed: {removed}")
