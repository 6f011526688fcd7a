"""Background jobs (core.jobs, SPEC §12, QUALITY P13): the status machine, the registry, enqueue → run → download,
failure reasons, owner-only pages, the htmx fragment and its no-JS fallback, and a real worker after a restart."""
from __future__ import annotations

import html
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook
from sqlalchemy import func, select

from blueprints.core import jobs
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import AuditLog, Job
from blueprints.core.states import actions_from, can_move
from extensions import db
from tests.conftest import both_backends

ROOT = Path(__file__).resolve().parent.parent


@jobs.job_kind("test.refused", "test: refused")
def _refused(run):
    run.set_total(3)
    run.advance()
    raise DomainError(N_("文件行数过多（最多 %(n)s 行）。"), n=7)


@jobs.job_kind("test.crash", "test: crash")
def _crash(run):
    raise RuntimeError("secret internals /etc/passwd")


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def _denials(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "access.denied"))


def _start(client, path: str = "/suggestions/export") -> int:
    response = client.post(path)
    assert response.status_code == 303
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _enqueue(app, kind: str, owner_id: int | None) -> int:
    with app.app_context():
        owner = db.session.get(jobs.User, owner_id) if owner_id else None
        job = jobs.enqueue(kind, owner, locale="zh_CN")
        db.session.commit()
        return job.id


# --- The status machine and the registry -------------------------------------------------------------------------


def test_a_job_starts_once_and_ends_done_or_failed():
    table = jobs.TRANSITIONS
    assert actions_from(table, "queued") == ["start", "fail"]
    assert actions_from(table, "running") == ["finish", "fail"]
    assert actions_from(table, "done") == [] and actions_from(table, "failed") == []
    assert not can_move(table, "finish", "queued") and not can_move(table, "start", "running")
    assert {rule.target for rule in table.values()} | {"queued"} == set(jobs.STATUSES)


def test_a_kind_is_registered_once_and_enqueue_knows_only_registered_kinds(app):
    with pytest.raises(ValueError):
        jobs.job_kind("test.refused", "again")(lambda run: None)
    keys = {kind.key for kind in jobs.job_kinds()}
    assert {"suggestions.export", "suggestions.rewards_export", "stats.export", "test.refused"} <= keys
    with app.app_context(), pytest.raises(ValueError):
        jobs.enqueue("no.such.kind", None)


def test_the_move_is_conditional(app):
    with app.app_context():
        job = Job(kind="test.crash", status="done", params={}, failure_params={})
        db.session.add(job)
        db.session.commit()
        assert not jobs.move(job.id, "start")  # a finished job never runs again
        assert db.session.get(Job, job.id).status == "done"


# --- Enqueue, run, download ---------------------------------------------------------------------------------------


@both_backends
def test_an_export_job_runs_and_its_file_holds_the_rows(app, client, login_as, make_user, make_suggestion):
    author = make_user()
    for n in range(3):
        make_suggestion(author, status="submitted", title=f"后台导出{n}")
    make_suggestion(author, status="submitted", title="别的类别", category="design")
    owner = login_as("admin")
    job_id = _start(client, "/suggestions/export?q=后台导出")
    job = _job(app, job_id)
    assert (job.status, job.done, job.total, job.owner_id) == ("done", 3, 3, owner.id)
    assert job.started_at and job.finished_at and job.params["args"] == {"q": ["后台导出"]}
    page = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="job-download"' in page and "hx-trigger" not in page and "100%" in page and "job-result" not in page
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    titles = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert titles == ["后台导出0", "后台导出1", "后台导出2"]
    listing = client.get("/jobs/").get_data(as_text=True)
    assert f"/jobs/{job_id}" in listing and "五小建议导出" in listing


def test_a_refused_action_queues_nothing(app, make_user):
    owner = make_user()
    with app.app_context():
        job = jobs.enqueue("test.crash", db.session.get(jobs.User, owner.id), locale="zh_CN")
        job_id = job.id
        db.session.rollback()
        assert db.session.get(Job, job_id) is None
        db.session.commit()  # a later commit of the same session sends nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_refusal_inside_the_job_is_the_reason_the_owner_reads(app, client, auth, make_user):
    owner = make_user()
    job_id = _enqueue(app, "test.refused", owner.id)
    job = _job(app, job_id)
    assert job.status == "failed" and job.failure == "文件行数过多（最多 %(n)s 行）。" and job.done == 1
    assert job.finished_at is not None and not (Path(app.config["JOBS_FOLDER"]) / str(job_id)).exists()
    auth.login(owner.employee_no)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "文件行数过多（最多 7 行）。" in page and 'id="job-failure"' in page and "job-download" not in page
    assert client.get(f"/jobs/{job_id}/download").status_code == 404


def test_a_crash_reads_as_a_generic_reason_in_the_owners_language(app, client, auth, make_user):
    owner = make_user(locale="en")
    job_id = _enqueue(app, "test.crash", owner.id)
    auth.login(owner.employee_no)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert _job(app, job_id).status == "failed"
    assert "Traceback" not in page and "secret internals" not in page and "RuntimeError" not in page
    with app.test_request_context(), force_locale("en"):
        expected = gettext(jobs.GENERIC_FAILURE)  # the reason in the reader's language (English here)
    assert expected in html.unescape(page)


def test_an_unknown_kind_fails_from_the_queue(app, make_user):
    owner = make_user()
    with app.app_context():
        job = Job(kind="gone.kind", owner_id=owner.id, status="queued", params={}, failure_params={})
        db.session.add(job)
        db.session.commit()
        assert jobs.execute(job.id) == "failed"
        assert db.session.get(Job, job.id).failure == jobs.UNKNOWN_KIND


# --- Access -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [("worker",), ("admin", "worker")])
def test_another_persons_job_answers_404_and_the_refusal_is_audited(app, client, auth, make_user,
                                                                       make_suggestion, roles):
    owner = make_user()
    make_suggestion(owner, status="submitted", title="别人的导出")
    auth.login(owner.employee_no)
    job_id = _start(client)
    auth.logout()
    other = make_user(roles=roles)  # a whole-tree admin too: the file was computed with the owner's rights
    auth.login(other.employee_no)
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/download"):
        before = _denials(app)
        response = client.get(url)
        assert response.status_code == 404 and "别人的导出" not in response.get_data(as_text=True), url
        assert _denials(app) == before + 1, url
    assert f"/jobs/{job_id}" not in client.get("/jobs/").get_data(as_text=True)
    assert client.get("/jobs/999999").status_code == 404


def test_a_path_outside_the_jobs_folder_is_never_served(app, client, login_as):
    owner = login_as()
    with app.app_context():
        job = Job(kind="suggestions.export", owner_id=owner.id, status="done", params={}, failure_params={},
                  result_path="../test.sqlite3", result_name="x.xlsx")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    assert client.get(f"/jobs/{job_id}/download").status_code == 404


# --- The page while a job runs: htmx fragment, no-JS fallback -----------------------------------------------------


def _running_job(app, owner_id: int, status: str = "running") -> int:
    with app.app_context():
        job = Job(kind="suggestions.export", owner_id=owner_id, status=status, done=250, total=1000, params={},
                  failure_params={})
        db.session.add(job)
        db.session.commit()
        return job.id


def test_the_progress_fragment_polls_until_the_end_and_is_small(app, client, login_as):
    owner = login_as()
    job_id = _running_job(app, owner.id)
    page = client.get(f"/jobs/{job_id}")
    fragment = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="job-status"' in text and "hx-trigger=\"every 1s\"" in text
    assert 'value="25"' in text and "250 / 1000" in text
    assert len(fragment.data) <= 0.25 * len(page.data), (len(fragment.data), len(page.data))
    assert "HX-Request" in fragment.headers["Vary"]
    with app.app_context():
        db.session.get(Job, job_id).status = "failed"
        db.session.commit()
    ended = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in ended  # the swapped-in fragment stops the polling


def test_without_javascript_the_page_refreshes_itself_and_offers_a_reload_link(app, client, login_as):
    owner = login_as()
    job_id = _running_job(app, owner.id, status="queued")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert f'<a href="/jobs/{job_id}">刷新</a>' in page
    assert "排队中" in page


# --- Cleaning old files ---------------------------------------------------------------------------------------------


def test_old_result_files_are_cleaned_and_the_page_says_so(app, client, login_as, make_suggestion, make_user):
    make_suggestion(make_user(), status="submitted", title="旧文件")
    login_as("admin")
    job_id = _start(client)
    folder = Path(app.config["JOBS_FOLDER"]) / str(job_id)
    assert any(folder.iterdir())
    runner = app.test_cli_runner()
    assert "removed: 0" in runner.invoke(args=["jobs", "clean", "--days", "1"]).output  # too recent
    result = runner.invoke(args=["jobs", "clean", "--days", "0"])
    assert result.exit_code == 0 and "removed: 1" in result.output and not folder.exists()
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "文件已过期" in page and "job-download" not in page
    assert client.get(f"/jobs/{job_id}/download").status_code == 404


# --- A real worker, after a restart -------------------------------------------------------------------------------


@pytest.mark.app_config({"JOBS_IMMEDIATE": False})
def test_a_queued_job_survives_a_restart_and_a_real_worker_runs_it(app, client, login_as, make_user,
                                                                     make_suggestion, tmp_path):
    from app import create_app

    make_suggestion(make_user(), status="submitted", title="重启之后")
    login_as("admin")
    job_id = _start(client)
    assert _job(app, job_id).status == "queued"  # nothing ran it in the request
    assert (tmp_path / "jobs" / "queue.sqlite3").exists()
    with app.app_context():
        db.engine.dispose()  # the web process goes away
    env = {**os.environ, "SECRET_KEY": "worker-test", "APP_ENV": "testing",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PORTAL_JOBS_FOLDER": app.config["JOBS_FOLDER"]}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--workers", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while _job(app, job_id).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    job = _job(app, job_id)
    assert job.status == "done", worker.stderr.read().decode()[-2000:]
    fresh = create_app({**app.config, "SQLALCHEMY_ENGINE_OPTIONS": {}})  # a restarted web process
    fresh.test_client_class = type(client)
    browser = fresh.test_client()
    with client.session_transaction() as saved, browser.session_transaction() as session:
        session.update(saved)
    sheet = load_workbook(io.BytesIO(browser.get(f"/jobs/{job_id}/download").data)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["重启之后"]
    with fresh.app_context():
        db.engine.dispose()


def test_the_admins_refresh_button_builds_the_snapshot_in_a_job(app, client, login_as, make_user, make_suggestion):
    from blueprints.stats import snapshot

    make_suggestion(make_user(), status="submitted")
    with app.app_context():
        assert snapshot.state() is None
    owner = login_as("admin")
    job = _job(app, _start(client, "/stats/refresh"))
    assert (job.kind, job.status, job.owner_id) == ("stats.refresh", "done", owner.id)
    with app.app_context():
        assert snapshot.state() is not None
    assert "数据截至" in client.get("/stats/").get_data(as_text=True)
    # The done job's page leads back to the statistics it refreshed; an export's page offers its file instead.
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'id="job-result" href="/stats/"' in page and "查看更新后的统计" in page
    client.post("/locale", data={"locale": "en"})
    assert "See the updated statistics" in client.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_only_admins_may_ask_for_a_refresh(app, client, login_as):
    login_as("hr")
    assert client.post("/stats/refresh").status_code in (403, 404)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


# --- Reminders on the worker's schedule -----------------------------------------------------------------------------


def test_the_reminder_commands_are_periodic_jobs_of_the_worker(app):
    scheduled = {kind.key for kind in jobs.job_kinds() if kind.schedule is not None}
    assert scheduled == {"training.send_reminders", "safety.remind_overdue", "competitions.remind_overdue",
                         "jobs.clean", "stats.refresh"}
    assert all(kind.writes for kind in jobs.job_kinds() if kind.schedule is not None)


def test_a_periodic_job_runs_as_the_system_and_commits_what_it_did(app, make_session, make_user, session_enroll):
    from datetime import timedelta

    from blueprints.core.models import Notification

    session = make_session(starts_in=timedelta(hours=3))
    trainee = make_user()
    session_enroll(session.id, trainee.id)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Notification)
                                   .where(Notification.user_id == trainee.id))
        job_id = jobs.enqueue("training.send_reminders", None, locale="zh_CN").id
        db.session.commit()  # immediate mode: run now
        job = db.session.get(Job, job_id)
        assert (job.status, job.owner_id, job.total) == ("done", None, 1)
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.user_id == trainee.id)) == before + 1
