"""CLI of the competitions domain: `flask --app app competitions remind-overdue` (safe to run from cron daily)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from blueprints.competitions import bp

competitions_cli = AppGroup("competitions", help="Competitions (劳动和技能竞赛).")


@competitions_cli.command("remind-overdue")
def remind_overdue_command() -> None:
    """Tell the admins of units with overdue progress reports; each period is reminded once."""
    from blueprints.competitions.services import remind_overdue
    from extensions import db

    sent = remind_overdue()
    db.session.commit()
    click.echo(f"overdue reminders sent: {sent}")


@bp.record_once
def _register_commands(state) -> None:
    state.app.cli.add_command(competitions_cli)
