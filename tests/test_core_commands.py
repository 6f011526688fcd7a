"""CLI commands: seed-demo, create-admin, import-users and backup (a consistent copy while writes go on)."""
from __future__ import annotations

import io
import sqlite3
import tarfile
import threading
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from app import create_app
from blueprints.core.models import Department, RoleGrant, User
from extensions import db
from tests.conftest import base_config


def test_seed_demo_creates_the_documented_accounts_and_refuses_to_run_twice(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        users = {u.employee_no: u for u in db.session.scalars(select(User))}
        # The accounts of the README's table (SPEC §14), and nobody else.
        named = {"admin", "d1admin", "i1admin", "e1admin", "hr1", "safety1", "lead1", "e2admin", "e2hr", "e3admin"}
        numbered = ({f"worker{n}" for n in range(1, 301)} | {f"e2worker{n}" for n in range(1, 51)}
                    | {f"e3worker{n}" for n in range(1, 41)})
        assert set(users) == named | numbered
        assert users["admin"].roles == {"admin", "worker"}
        assert users["hr1"].roles == {"hr", "worker"}
        assert users["safety1"].roles == {"safety", "worker"}
        assert users["e2hr"].roles == {"hr", "worker"}
        assert "lead" in users["lead1"].roles and users["worker1"].roles == {"worker"}
        # The closing whole-tree pass widened no scoped account: every grant has its node.
        assert db.session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.department_id.is_(None))) == 0
        assert db.session.scalar(select(func.count(Department.id))) >= 20
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "already has users" in again.output
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0


def test_demo_password_works(app, runner, client):
    runner.invoke(args=["seed-demo"])
    response = client.post("/auth/login", data={"employee_no": "worker1", "password": "demo1234"})
    assert response.status_code == 303


def test_create_admin_checks_the_password(app, runner):
    weak = runner.invoke(args=["create-admin", "--employee-no", "boss", "--name", "老板", "--password", "12345678"])
    assert weak.exit_code != 0 and "太常见" in weak.output
    ok = runner.invoke(args=["create-admin", "--employee-no", "boss", "--name", "老板",
                             "--password", "A-good-long-one-9"])
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_no == "boss")).roles == {"admin", "worker"}


def test_create_admin_refuses_a_bad_employee_no(app, runner):
    """create-admin goes through core.people.create_user, so the one 工号 rule holds on the command line too."""
    result = runner.invoke(args=["create-admin", "--employee-no", "bad no!/é", "--name", "老板",
                                 "--password", "A-good-long-one-9"])
    assert result.exit_code != 0 and "工号只能包含字母" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def _people_file(tmp_path, rows) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "people.xlsx"
    book.save(path)
    return path


def test_import_users_command_all_or_nothing(app, runner, tmp_path, make_department):
    make_department("导入部", code="CLI")
    bad = _people_file(tmp_path, [["工号", "姓名", "部门编码"], ["c1", "甲", "CLI"], ["c2", "乙", "NONE"]])
    result = runner.invoke(args=["import-users", str(bad), "--initial-password", "Start-Here-2026"])
    assert result.exit_code != 0 and "line 3" in result.output and "nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
    good = _people_file(tmp_path, [["工号", "姓名", "部门编码"], ["c1", "甲", "CLI"], ["c2", "乙", "CLI"]])
    result = runner.invoke(args=["import-users", str(good), "--initial-password", "Start-Here-2026"])
    assert result.exit_code == 0, result.output
    assert "imported: 2 created, 0 updated" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 2


def test_backup_while_writers_run_is_consistent_and_bootable(app, runner, tmp_path, make_department):
    """QUALITY §9: the copy passes integrity_check and the app boots on it with the same rows."""
    make_department("备份部", code="BK")
    (Path(app.config["UPLOAD_FOLDER"]) / "ab").mkdir(parents=True)
    (Path(app.config["UPLOAD_FOLDER"]) / "ab" / "abcdef").write_bytes(b"%PDF-1.4 test")
    stop = threading.Event()
    written = []

    def writer(n: int):
        from blueprints.core.people import create_user

        i = 0
        with app.app_context():
            while not stop.is_set():
                create_user(employee_no=f"bk{n}-{i}", name="写入者", department_id=None, password="x" * 12)
                db.session.commit()
                written.append(1)
                i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        result = runner.invoke(args=["backup", "--dest", str(tmp_path / "bk")])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert result.exit_code == 0, result.output
    copy = next((tmp_path / "bk").glob("portal-*.sqlite3"))
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copied_users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
    conn.close()
    assert copied_users >= 20
    restored = create_app({**base_config(tmp_path / "restored"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}"})
    with restored.app_context():
        assert db.session.scalar(select(func.count(User.id))) == copied_users
        assert db.session.scalar(select(Department.name)) == "备份部"
        db.engine.dispose()
    uploads = next((tmp_path / "bk").glob("uploads-*.tar.gz"))
    with tarfile.open(uploads) as tar:
        assert "uploads/ab/abcdef" in tar.getnames()


def test_backup_on_postgres_without_pg_dump_says_what_to_install(app, runner, monkeypatch, tmp_path):
    import shutil

    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://u@127.0.0.1:1/none"
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = runner.invoke(args=["backup", "--dest", str(tmp_path / "pg")])
    assert result.exit_code != 0 and "pg_dump was not found" in result.output


def test_spreadsheet_export_neutralises_formulas():
    from openpyxl import load_workbook

    from blueprints.core.spreadsheets import build_workbook

    data = build_workbook([("表", ["名称"], [["=HYPERLINK(\"http://x\")"], ["正常"]], None)])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\")" and sheet["A3"].value == "正常"
