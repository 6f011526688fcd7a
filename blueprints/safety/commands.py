"""CLI of the hazard reports: `flask --app app safety remind-overdue` (safe to run from cron every hour)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from huey import crontab

from blueprints.core.jobs import job_kind
from blueprints.safety import bp

safety_cli = AppGroup("safety", help="Hazard reports (安康杯).")


@safety_cli.command("remind-overdue")
def remind_overdue_command() -> None:
    """Tell the safety officers of every rectification past its deadline; each deadline is reminded once."""
    from blueprints.safety.services import remind_overdue
    from extensions import db

    sent = remind_overdue()
    db.session.commit()
    click.echo(f"overdue hazards reminded: {sent}")


# The same reminders on the job worker (`flask jobs worker`), so no cron is needed (crontab(minute="15"), UTC).
@job_kind("safety.remind_overdue", _l("隐患整改逾期提醒"), schedule=crontab(minute="15"), writes=True)
def remind_overdue_job(run) -> None:
    """Remind what is overdue; each one is reminded once, whoever runs it."""
    from blueprints.safety.services import remind_overdue
    from extensions import db

    done = remind_overdue()
    db.session.commit()  # before reporting: progress is written on another connection
    run.set_total(done)


@bp.record_once
def _register_commands(state) -> None:
    state.app.cli.add_command(safety_cli)
