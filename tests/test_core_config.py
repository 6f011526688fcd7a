"""Configuration, database settings, health check and error pages."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from app import ConfigError, create_app
from blueprints.core.database import normalise_database_url
from extensions import db
from tests.conftest import base_config, both_backends, html_text


def test_missing_secret_key_outside_development_stops_startup(tmp_path):
    config = base_config(tmp_path)
    config.pop("SECRET_KEY")
    config["APP_ENV"] = "production"
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app(config)


def test_development_generates_secret_key_once(tmp_path, monkeypatch):
    config = base_config(tmp_path)
    config.pop("SECRET_KEY")
    config["APP_ENV"] = "development"
    first = create_app(config)
    second = create_app(config)
    key_file = first.instance_path + "/secret_key"
    assert first.secret_key == second.secret_key
    with open(key_file) as f:
        assert f.read().strip() == first.secret_key
    assert len(first.secret_key) >= 64


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "7")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    application = create_app()
    assert application.secret_key == "from-env"
    assert application.config["PAGE_SIZE"] == 7
    assert application.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_sqlite_pragmas(app):
    with app.app_context():
        conn = db.session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_writes_begin_immediate_and_reads_plain_begin(app, client, login_as):
    login_as("worker")
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/")
        reads = list(seen)
        seen.clear()
        client.post("/notifications/read-all")
        writes = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert reads and all(s == "BEGIN" for s in reads)
    assert writes and all(s == "BEGIN IMMEDIATE" for s in writes)


@both_backends
def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_ping_answers_without_the_database(app, client, monkeypatch):
    from sqlalchemy.orm import Session

    def no_database(*args, **kwargs):
        raise AssertionError("ping must not query the database")

    monkeypatch.setattr(Session, "execute", no_database)
    response = client.get("/ping")
    assert response.status_code == 200 and response.data == b"pong"


def test_healthz_reports_a_dead_database(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", broken)
        response = client.get("/healthz")
    assert response.status_code == 503


def test_404_page_is_friendly_and_translated(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in html_text(response)
    client.post("/locale", data={"locale": "en"})
    response = client.get("/no-such-page")
    assert "Page not found" in html_text(response)


def test_500_page_shows_no_traceback(tmp_path, sqlite_template):
    import shutil

    shutil.copy(sqlite_template, tmp_path / "test.sqlite3")
    application = create_app(base_config(tmp_path))
    application.config["PROPAGATE_EXCEPTIONS"] = False

    @application.route("/boom")
    def boom():
        raise ValueError("secret internal detail")

    response = application.test_client().get("/boom")
    body = html_text(response)
    assert response.status_code == 500
    assert "系统出错了" in body
    assert "secret internal detail" not in body and "Traceback" not in body


def test_security_headers_on_html(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] not in ("", "no-referrer")
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_static_assets_are_vendored_and_cacheable(client):
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    page = html_text(client.get("/auth/login"))
    assert "//cdn" not in page and "https://" not in page
    assert "<script>" not in page


def test_database_answers_on_both_backends_smoke(app):
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.parametrize("locale,title", [("zh_CN", "文件过大"), ("en", "File too large")])
def test_oversized_upload_gets_a_friendly_413_page(app, client, login_as, locale, title):
    import io

    login_as("admin")
    client.post("/locale", data={"locale": locale})
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/admin/import", data={"file": (io.BytesIO(b"x" * 4096), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert title in html_text(response)


@pytest.mark.parametrize("locale,texts", [
    ("zh_CN", ("没有权限", "页面不存在", "请求无效")),
    ("en", ("Not allowed", "Page not found", "Bad request")),
])
def test_error_pages_in_both_languages(client, login_as, locale, texts):
    login_as("worker")
    client.post("/locale", data={"locale": locale})
    assert texts[0] in html_text(client.get("/admin/users"))
    assert texts[1] in html_text(client.get("/nowhere"))
    assert texts[2] in html_text(client.post("/locale", data={"locale": "xx"}))


def test_readme_names_the_overrides_the_makefile_and_the_tests_really_read():
    """The README's PORT/HOST and PostgreSQL instructions match what `make run` and conftest honour."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme, makefile = (root / "README.md").read_text("utf-8"), (root / "Makefile").read_text("utf-8")
    conftest = (root / "tests" / "conftest.py").read_text("utf-8")
    assert "make run PORT=8080 HOST=0.0.0.0" in readme
    assert re.search(r"^HOST \?=", makefile, re.M) and re.search(r"^PORT \?=", makefile, re.M)
    assert "--host $(HOST) --port $(PORT)" in makefile
    assert "TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test make test" in readme
    assert "REQUIRE_POSTGRES=1" in readme and 'os.environ.get("REQUIRE_POSTGRES") == "1"' in conftest
