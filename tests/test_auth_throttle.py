"""Sign-in throttling holds under concurrency and whatever the body's encoding (QUALITY §6, §13; issue 14 item 1)."""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import threading
import urllib.parse
import uuid

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

import blueprints.auth.services as auth_services
from blueprints.auth.throttle import account_key
from blueprints.core.models import AuditLog
from extensions import db
from tests.conftest import TEST_PASSWORD, html_text

LIMIT = 10  # the default LOGIN_RATE_LIMIT, "10 per 15 minutes"
REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_db15():
    """Database 15 of the local Redis, flushed before and after, so the counters start at zero."""
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis must run in CI (127.0.0.1:6379)")
        pytest.skip("needs Redis on 127.0.0.1:6379")
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def password_checks(monkeypatch):
    """Count the password checks the login view makes; each takes a moment so simultaneous requests overlap."""
    calls = []
    lock = threading.Lock()
    real = auth_services.authenticate

    def counting(employee_no, password):
        with lock:
            calls.append(employee_no)
        threading.Event().wait(0.05)
        return real(employee_no, password)

    monkeypatch.setattr(auth_services, "authenticate", counting)
    return calls


def _serve(app):
    """Run the app in a threaded Werkzeug server on a free port; returns (server, thread)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def _session_and_token(port: int) -> tuple[str, str]:
    """Open the login page once: the session cookie and the CSRF token every concurrent post reuses."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/auth/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    connection.close()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return cookie, token


def _post_login(port: int, cookie: str, fields: dict) -> int:
    body = urllib.parse.urlencode(fields)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/auth/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            "Referer": f"http://127.0.0.1:{port}/auth/login"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _simultaneous_wrong_passwords(app, employee_no: str, count: int) -> list[int]:
    """Send `count` wrong-password posts for one account at the same moment, from real threads."""
    server, thread = _serve(app)
    try:
        port = server.server_port
        cookie, token = _session_and_token(port)
        start = threading.Barrier(count)
        statuses: list[int] = []
        lock = threading.Lock()

        def guess(n: int) -> None:
            start.wait()
            status = _post_login(port, cookie, {"employee_no": employee_no, "password": f"wrong-{n}",
                                                "csrf_token": token})
            with lock:
                statuses.append(status)

        workers = [threading.Thread(target=guess, args=(n,)) for n in range(count)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        return statuses
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _assert_limit_held(app, statuses: list[int], checks: list[str]) -> None:
    assert len(statuses) == 30
    assert len(checks) == LIMIT, f"{len(checks)} password checks for a limit of {LIMIT}"
    assert sorted(statuses) == [200] * LIMIT + [429] * (30 - LIMIT)
    with app.app_context():
        failed = db.session.scalar(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.action == "auth.login_failed"))
    assert failed == 30  # throttled attempts are audited as failed sign-ins too


@pytest.mark.slow
def test_thirty_simultaneous_guesses_get_at_most_limit_checks_in_memory(app, make_user, password_checks):
    make_user(employee_no="race1")
    statuses = _simultaneous_wrong_passwords(app, "race1", 30)
    _assert_limit_held(app, statuses, password_checks)


@pytest.mark.slow
@pytest.mark.app_config({"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": "t" + uuid.uuid4().hex})
def test_thirty_simultaneous_guesses_get_at_most_limit_checks_with_redis(redis_db15, app, make_user,
                                                                          password_checks):
    make_user(employee_no="race2")
    statuses = _simultaneous_wrong_passwords(app, "race2", 30)
    _assert_limit_held(app, statuses, password_checks)
    assert redis_db15.keys("*login-account*race2*"), "the account's counter lives in Redis"


def _use_up_allowance(client, employee_no: str) -> None:
    for _ in range(LIMIT):
        response = client.post("/auth/login", data={"employee_no": employee_no, "password": "wrong-password"})
        assert response.status_code == 200
    assert client.post("/auth/login", data={"employee_no": employee_no,
                                            "password": "wrong-password"}).status_code == 429


def test_json_login_after_throttling_is_refused_and_does_not_sign_in(client, make_user, password_checks):
    make_user(employee_no="json1")
    _use_up_allowance(client, "json1")
    checked = len(password_checks)
    response = client.post("/auth/login", json={"employee_no": "json1", "password": TEST_PASSWORD})
    assert response.status_code == 415
    # Every form endpoint turns a JSON body away before its view runs (app.register_input_guards).
    assert "此页面只接受网页表单提交的数据" in html_text(response)
    assert len(password_checks) == checked  # refused before any password check
    assert client.get("/").headers["Location"].startswith("/auth/login")  # still signed out


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/xml", None])
def test_sign_in_reads_form_posts_only(client, make_user, password_checks, content_type):
    make_user(employee_no="json2")
    body = json.dumps({"employee_no": "json2", "password": TEST_PASSWORD})
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/auth/login", data=body.encode(), headers=headers)
    assert response.status_code == 415
    assert password_checks == []
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_multipart_form_signs_in(client, make_user):
    make_user(employee_no="multi1")
    response = client.post("/auth/login", data={"employee_no": "multi1", "password": TEST_PASSWORD},
                           content_type="multipart/form-data")
    assert response.status_code == 303


def test_account_key_folds_case_spaces_and_full_width():
    assert account_key("Worker1") == account_key(" worker1 ") == account_key("ｗｏｒｋｅｒ１") == "worker1"
    assert account_key("\u3000WORKER1\t") == "worker1"  # ideographic space, tab


def test_full_width_employee_no_signs_in_as_the_account(client, make_user):
    make_user(employee_no="wide1")
    response = client.post("/auth/login", data={"employee_no": "ｗｉｄｅ１", "password": TEST_PASSWORD})
    assert response.status_code == 303
    assert client.get("/").status_code == 200


def test_spelling_variants_of_one_account_share_its_allowance(client, make_user, password_checks):
    make_user(employee_no="worker1")
    variants = ["Worker1", " worker1 ", "ｗｏｒｋｅｒ１", "WORKER1", "ｗｏｒｋｅｒ１"]
    for n in range(LIMIT):
        response = client.post("/auth/login", data={"employee_no": variants[n % len(variants)],
                                                    "password": "wrong-password"})
        assert response.status_code == 200
    for variant in variants:
        response = client.post("/auth/login", data={"employee_no": variant, "password": TEST_PASSWORD})
        assert response.status_code == 429, variant
    assert len(password_checks) == LIMIT


def test_success_refunds_only_its_own_attempt(client, auth, make_user):
    make_user(employee_no="refund1")
    for _ in range(LIMIT - 1):
        assert auth.login("refund1", "wrong-password").status_code == 200
    assert auth.login("refund1").status_code == 303  # the tenth attempt is within the limit and succeeds
    auth.logout()
    # The success gave back its own attempt, not the failures': one more failure, then the limit.
    assert auth.login("refund1", "wrong-password").status_code == 200
    assert auth.login("refund1").status_code == 429


def test_throttled_page_says_when_to_retry_in_the_users_language(client, make_user):
    make_user(employee_no="msg1")
    _use_up_allowance(client, "msg1")
    response = client.post("/auth/login", data={"employee_no": "msg1", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "登录尝试次数过多，请 15 分钟后再试" in html_text(response)
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    with client.session_transaction() as session:
        session["locale"] = "en"
    response = client.post("/auth/login", data={"employee_no": "msg1", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in html_text(response)


@pytest.mark.app_config({"LOGIN_IP_RATE_LIMIT": "3 per 15 minutes"})
def test_address_limit_is_counted_before_the_check_and_spares_the_accounts(client, make_user, password_checks):
    make_user(employee_no="ip1")
    make_user(employee_no="ip2")
    for employee_no in ("ip1", "ip2", "ip1"):
        assert client.post("/auth/login", data={"employee_no": employee_no,
                                                "password": "wrong-password"}).status_code == 200
    assert client.post("/auth/login", data={"employee_no": "ip2", "password": TEST_PASSWORD}).status_code == 429
    assert len(password_checks) == 3


def test_login_fields_tell_password_managers_what_they_are(client):
    page = html_text(client.get("/auth/login"))
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*name="employee_no"', page)
    assert re.search(r'<input[^>]*autocomplete="current-password"[^>]*name="password"', page)


@pytest.mark.app_config({"RATELIMIT_ENABLED": False})
def test_sign_in_works_with_the_limits_switched_off(client, make_user, monkeypatch):
    """The benchmark runs with limits off, in a process where the limiter never set up its storage: nothing is
    counted, and a success has nothing to refund (and must not touch the storage)."""
    from extensions import limiter

    def no_storage(self):
        raise AssertionError("the limiter has no storage while limits are off")

    monkeypatch.setattr(type(limiter), "storage", property(no_storage))
    make_user(employee_no="nolimit1")
    response = client.post("/auth/login", data={"employee_no": "nolimit1", "password": TEST_PASSWORD})
    assert response.status_code == 303
