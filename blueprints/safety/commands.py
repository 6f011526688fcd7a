"""CLI of the hazard reports: `flask --app app safety remind-overdue` (safe to run from cron every hour)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

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


@bp.record_once
def _register_commands(state) -> None:
    state.app.cli.add_command(safety_cli)
