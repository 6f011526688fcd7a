"""CLI of the training domain: `flask --app app send-reminders` (safe to run from cron every hour)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

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


@bp.record_once
def _register_commands(state) -> None:
    state.app.cli.add_command(send_reminders_command)
