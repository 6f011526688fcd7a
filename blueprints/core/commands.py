"""CLI commands: seed-demo, create-admin, backup and reindex-people (import-users is admin's,
blueprints/admin/commands.py)."""
from __future__ import annotations

import importlib
import random
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from blueprints.core.errors import DomainError
from blueprints.core.grants import grant_whole_tree_to_role_holders
from blueprints.core.models import User
from blueprints.core.passwords import check_password_policy, hash_password
from extensions import db

# Domains whose blueprints/<domain>/demo.py has a seed(ctx) function, run in this order with one DemoContext.
DEMO_DOMAINS = ("core", "workshops", "suggestions", "training", "projects", "competitions", "contests", "mentoring",
                "safety", "honours", "stats")


def demo_seeders() -> list[str]:
    """The demo modules that exist, in dependency order."""
    import importlib.util

    def exists(domain: str) -> bool:
        # find_spec of a submodule raises when its package is missing, so ask about the package first.
        return (importlib.util.find_spec(f"blueprints.{domain}") is not None
                and importlib.util.find_spec(f"blueprints.{domain}.demo") is not None)

    return [f"blueprints.{domain}.demo" for domain in DEMO_DOMAINS if exists(domain)]


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has users.")
def seed_demo_command(if_empty: bool) -> None:
    """Fill an empty database with the demo enterprise (refuses if any user exists)."""
    from blueprints.core.demo import DEMO_PASSWORD, DemoContext

    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("the database already has users; demo data not added")
            return
        raise click.ClickException("the database already has users; seed-demo only fills an empty database")
    # One hash shared by every demo account: hashing 300 passwords at 600,000 rounds would take minutes.
    ctx = DemoContext(rng=random.Random(2026),  # noqa: S311  (repeatable demo data, not security)
                      password_hash=hash_password(DEMO_PASSWORD))
    for module_name in demo_seeders():
        importlib.import_module(module_name).seed(ctx)
        db.session.flush()
    grant_whole_tree_to_role_holders()
    db.session.commit()
    click.echo(f"demo data created: {len(ctx.users)} users; sign in as admin / {DEMO_PASSWORD}")


@click.command("create-admin")
@with_appcontext
@click.option("--employee-no", prompt="工号 (employee no)")
@click.option("--name", prompt="姓名 (name)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin_command(employee_no: str, name: str, password: str) -> None:
    """Create a union admin account (for a fresh production database)."""
    from blueprints.core.people import create_user

    try:
        check_password_policy(password, employee_no)
        user, _ = create_user(employee_no=employee_no, name=name, department_id=None,
                              roles=("admin", "worker"), password=password)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"admin {user.employee_no} created")


@click.command("backup")
@with_appcontext
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the backup (default: BACKUP_FOLDER, instance/backups).")
def backup_command(dest: Path | None) -> None:
    """Copy the database and the uploads consistently while the app keeps running."""
    dest = Path(dest or current_app.config["BACKUP_FOLDER"])
    dest.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        db_file = backup_database(dest, stamp)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    uploads = backup_uploads(dest, stamp)
    click.echo(f"database: {db_file}")
    click.echo(f"uploads:  {uploads}")


def backup_database(dest: Path, stamp: str) -> Path:
    """SQLite: the online backup API (a consistent snapshot despite writers). PostgreSQL: pg_dump."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        target = dest / f"portal-{stamp}.sqlite3"
        source = sqlite3.connect(url.database, timeout=30)
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy, pages=1024)
            copy.close()
        finally:
            source.close()
        return target
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise RuntimeError("pg_dump was not found on PATH; install the PostgreSQL client tools "
                           "(Debian: apt-get install postgresql-client) and run backup again")
    target = dest / f"portal-{stamp}.pgdump"
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run([pg_dump, "--format=custom", f"--file={target}", f"--dbname={plain}"],  # noqa: S603
                   check=True)
    return target


def backup_uploads(dest: Path, stamp: str) -> Path:
    """A tar.gz of the upload folder (files are written once under new names, so a copy is consistent)."""
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    target = dest / f"uploads-{stamp}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        if folder.exists():
            tar.add(folder, arcname="uploads")
    return target


@click.command("reindex-people")
@with_appcontext
def reindex_people_command() -> None:
    """Rebuild the people search index (person_search_keys) from the users table, e.g. after rows were written
    around the app (a restore from elsewhere, a hand-made SQL fix)."""
    from blueprints.core.person_index import reindex

    done = reindex(db.session)
    db.session.commit()
    click.echo(f"search keys rebuilt for {done} people")


def init_commands(app: Flask) -> None:
    """Register the CLI commands on the app."""
    from blueprints.core.jobs import jobs_cli

    for command in (seed_demo_command, create_admin_command, backup_command, reindex_people_command, jobs_cli):
        app.cli.add_command(command)
