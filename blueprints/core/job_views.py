"""The job pages: my recent jobs, one job's progress (an htmx fragment polls it) and its file once done.

A job is its owner's alone, admins included: an export was computed with the owner's scope and blind-review rights,
so anyone else (even an admin whose scope covers the owner) could read more than their own rights allow. Another
person's job answers 404 like a missing one, and the refusal is audited.
"""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from blueprints.core import bp, jobs
from blueprints.core.models import Job
from blueprints.core.permissions import deny
from blueprints.core.spreadsheets import attachment_headers
from blueprints.core.web import render
from extensions import db

RECENT = 50
POLL_SECONDS = 1


def _own_job(job_id: int) -> Job:
    """The signed-in person's job, else 404 (audited when it exists)."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if job.owner_id != current_user.id:
        deny(404, f"job {job_id} of another person")
    return job


def _context(job: Job) -> dict:
    return {"job": job, "label": jobs.kind_label(job.kind), "badge": jobs.STATUS_BADGES[job.status],
            "percent": _percent(job), "failure": _failure(job), "outcome": _outcome(job), "poll_seconds": POLL_SECONDS,
            "finished": job.status in jobs.FINISHED, "has_file": _file_of(job) is not None, "result": _result(job)}


def _result(job: Job) -> tuple[str, str] | None:
    """The address and text of the page that shows what a done job changed, when its kind names one."""
    kind = jobs.get_kind(job.kind)
    if job.status != "done" or kind is None or kind.result_endpoint is None:
        return None
    return url_for(kind.result_endpoint), str(kind.result_label)


def _percent(job: Job) -> int:
    if job.status == "done":
        return 100
    if not job.total:
        return 0
    return min(99, job.done * 100 // job.total)


def _failure(job: Job) -> str:
    """The failure reason in the reader's language (a message id and its parameters, like notifications)."""
    if not job.failure:
        return ""
    try:
        return _(job.failure, **(job.failure_params or {}))
    except (KeyError, ValueError, TypeError):
        return job.failure


def _outcome(job: Job) -> str:
    """What a done job did, in the reader's language (empty when it says nothing)."""
    if job.status != "done" or not job.outcome:
        return ""
    try:
        return _(job.outcome, **(job.outcome_params or {}))
    except (KeyError, ValueError, TypeError):
        return job.outcome


def _file_of(job: Job) -> Path | None:
    """The result file on disk, or None (not done, no file, or cleaned after JOBS_KEEP_DAYS)."""
    if job.status != "done" or not job.result_path:
        return None
    folder = Path(current_app.config["JOBS_FOLDER"]).resolve()
    path = (folder / job.result_path).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


@bp.route("/jobs/")
@login_required
def jobs_index():
    """My recent background jobs, newest first."""
    rows = db.session.scalars(select(Job).where(Job.owner_id == current_user.id)
                              .order_by(Job.created_at.desc(), Job.id.desc()).limit(RECENT)).all()
    return render("jobs/index.html", jobs=rows, labels=jobs.kind_label, badges=jobs.STATUS_BADGES,
                  percent=_percent)


@bp.route("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    """One job: a progress bar that htmx refreshes (the `status` block) until it ends, then the download link."""
    found = _own_job(job_id)
    return render("jobs/detail.html", "status", **_context(found))


@bp.route("/jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int):
    """The job's result file, as an attachment."""
    found = _own_job(job_id)
    path = _file_of(found)
    if path is None:
        abort(404)
    response = send_file(path, as_attachment=True, download_name=path.name, max_age=0)
    response.headers.update(attachment_headers(found.result_name or path.name, found.result_ascii))
    return response



