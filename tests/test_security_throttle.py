"""Login throttling shared by gunicorn workers through Redis (QUALITY §6, issue: several workers)."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A tiny cookie-keeping HTTP client (urllib), enough to post the login form with its CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.status, response.read().decode()

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wait_until_serving(server: subprocess.Popen, base: str, output: Path, seconds: float = 30) -> None:
    """Wait for gunicorn's /healthz; fail with everything gunicorn printed if it exits or never answers."""
    deadline = time.monotonic() + seconds
    last_error: OSError | None = None
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return
        except OSError as error:
            last_error = error
            time.sleep(0.1)
    state = f"exited with code {server.returncode}" if server.poll() is not None else f"no answer in {seconds:g} s"
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    pytest.fail(f"gunicorn never served {base}/healthz ({state}; last error: {last_error}). Its output:\n"
                f"{output.read_text(errors='replace') or '(nothing)'}", pytrace=False)


@pytest.mark.slow
def test_eleventh_wrong_password_is_429_across_two_gunicorn_workers(tmp_path, sqlite_template, make_user):
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis must run in CI (127.0.0.1:6379)")
        pytest.skip("needs Redis on 127.0.0.1:6379")
    make_user(employee_no="gw1")  # written into this test's database (tmp_path/test.sqlite3)
    db_file = tmp_path / "gunicorn.sqlite3"
    source = sqlite3.connect(tmp_path / "test.sqlite3")
    with sqlite3.connect(db_file) as target:
        source.backup(target)  # includes what is still in the WAL file
    source.close()
    port = _free_port()
    env = {**os.environ, "SECRET_KEY": "gunicorn-test", "DATABASE_URL": f"sqlite:///{db_file}",
           "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "PORTAL_RATELIMIT_KEY_PREFIX": "t" + uuid.uuid4().hex,
           "PORTAL_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "APP_ENV": "testing"}
    root = Path(__file__).resolve().parent.parent
    output = tmp_path / "gunicorn.log"  # a file, not a pipe: nobody reads a pipe while gunicorn runs, so it could fill
    with output.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level",
             "warning", "app:create_app()"], cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(server, base, output)
        statuses = []
        for _ in range(11):
            # A fresh cookie jar each time, as an attacker would use, so nothing but the shared store remembers.
            browser = Browser(base)
            _, page = browser.get("/auth/login")
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            statuses.append(browser.post("/auth/login", {"employee_no": "gw1", "password": "wrong-password",
                                                         "csrf_token": token}))
        assert statuses[:10] == [200] * 10
        assert statuses[10] == 429
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not let a slow shutdown fail the check above
            server.kill()
            server.wait()
