"""CLI of the training domain: `flask --app app send-reminders` (safe to run from cron every hour), also a periodic
job of the worker."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from huey import crontab

from blueprints.core.jobs import job_kind
from blueprints.training import bp


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Notify confirmed trainees of sessions starting within 24 hours; nobody is reminded twice."""
    from blueprints.training.services import send_reminders
    from extensions import db

    sent = send_reminders()
    db.session.commit()
    click.echo(f"reminders sent: {sent}")


@job_kind("training.send_reminders", _l("培训开课提醒"), schedule=crontab(minute="5"), writes=True)
def send_reminders_job(run) -> None:
    """The same reminders, hourly on the job worker (`flask jobs worker`): no cron needed."""
    from blueprints.training.services import send_reminders
    from extensions import db

    done = send_reminders()
    db.session.commit()  # before reporting: progress is written on another connection
    run.set_total(done)


@bp.record_once
def _register_commands(state) -> None:
    state.app.cli.add_command(send_reminders_command)
