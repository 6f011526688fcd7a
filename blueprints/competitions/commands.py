"""CLI of the competitions domain: `flask --app app competitions remind-overdue` (safe to run from cron daily)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from huey import crontab

from blueprints.competitions import bp
from blueprints.core.jobs import job_kind

competitions_cli = AppGroup("competitions", help="Competitions (劳动和技能竞赛).")


@competitions_cli.command("remind-overdue")
def remind_overdue_command() -> None:
    """Tell the admins of units with overdue progress reports; each period is reminded once."""
    from blueprints.competitions.services import remind_overdue
    from extensions import db

    sent = remind_overdue()
    db.session.commit()
    click.echo(f"overdue reminders sent: {sent}")


# The same reminders on the job worker (`flask jobs worker`), so no cron is needed: daily at 08:30 in Asia/Shanghai.
@job_kind("competitions.remind_overdue", _l("竞赛进度报告逾期提醒"), schedule=crontab(hour="0", minute="30"),
          writes=True)
def remind_overdue_job(run) -> None:
    """Remind what is overdue; each one is reminded once, whoever runs it."""
    from blueprints.competitions.services import remind_overdue
    from extensions import db

    done = remind_overdue()
    db.session.commit()  # before reporting: progress is written on another connection
    run.set_total(done)


@bp.record_once
def _register_commands(state) -> None:
    state.app.cli.add_command(competitions_cli)
