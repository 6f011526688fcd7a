"""CLI of the administration domain: `flask --app app import-users FILE` (the same rules as the import page)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from blueprints.admin import bp, imports
from blueprints.core.errors import DomainError
from extensions import db


@click.command("import-users")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--initial-password", envvar="PORTAL_INITIAL_PASSWORD", default=None,
              help="Initial password shared by the new accounts (they must change it at first login).")
@click.option("--dry-run", is_flag=True, help="Only check the file and report; change nothing.")
def import_users_command(file: Path, initial_password: str | None, dry_run: bool) -> None:
    """Import people from an .xlsx/.csv file (工号, 姓名, 部门编码, 岗位, 技能等级, 手机): all rows or none."""
    rows = _checked_rows(file)
    if dry_run:
        return
    if any(row.action == "create" for row in rows) and not initial_password:
        initial_password = click.prompt("Initial password for the new accounts", hide_input=True,
                                        confirmation_prompt=True)
    with click.progressbar(length=len(rows), label="importing") as bar:
        last = [0]

        def progress(done: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        try:
            created, updated = imports.apply_rows(rows, initial_password, progress=progress)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"imported: {created} created, {updated} updated")


def _checked_rows(file: Path) -> list[imports.ImportRow]:
    """Read and check the file, listing every bad row; refuse the whole file if any (nothing is imported)."""
    try:
        rows = imports.parse_file(file.name, file.read_bytes())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    preview = imports.check_rows(rows)
    for row in preview.bad_rows:
        click.echo(f"line {row.line}: {'; '.join(row.errors)}", err=True)
    if preview.bad_rows:
        raise click.ClickException(f"{len(preview.bad_rows)} bad row(s); nothing was imported")
    click.echo(f"{len(rows)} rows: {preview.creates} to create, {preview.updates} to update")
    return rows


@bp.record_once
def _register_commands(state) -> None:
    state.app.cli.add_command(import_users_command)
