"""Sign-in, sessions, passwords and throttling (QUALITY §5, §6)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from blueprints.core.models import AuditLog, LoginSession, User
from extensions import db
from tests.conftest import TEST_PASSWORD, both_backends, html_text

WRONG = "工号或密码不正确"


def audit_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(a.action, a.actor_label) for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


@both_backends
def test_login_success_redirects_home_and_is_audited(app, client, auth, make_user):
    user = make_user(employee_no="w100")
    response = auth.login("w100")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert ("auth.login", "w100") in audit_actions(app)
    with app.app_context():
        assert db.session.scalar(select(LoginSession.user_id)) == user.id


def test_wrong_password_and_unknown_user_get_the_same_message(app, client, auth, make_user):
    make_user(employee_no="w101")
    wrong = auth.login("w101", "not-the-password")
    unknown = auth.login("nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in html_text(wrong) and WRONG in html_text(unknown)
    actions = audit_actions(app)
    assert ("auth.login_failed", "w101") in actions and ("auth.login_failed", "nobody") in actions
    assert client.get("/").status_code == 302  # still signed out


def test_deactivated_user_cannot_sign_in(client, auth, make_user):
    make_user(employee_no="w102", active=False)
    response = auth.login("w102")
    assert response.status_code == 200 and WRONG in html_text(response)


def test_login_keeps_typed_employee_no_and_requires_fields(client, auth):
    response = client.post("/auth/login", data={"employee_no": "abc", "password": ""})
    body = html_text(response)
    assert "请输入密码" in body and 'value="abc"' in body


def test_logout_is_post_only(client, login_as):
    login_as("worker")
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_cookie_replayed_after_logout_is_refused(app, client, auth, make_user):
    make_user(employee_no="w103")
    auth.login("w103")
    stolen = client.get_cookie("portal_session").value
    auth.logout()
    client.set_cookie("portal_session", stolen)
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_remember_cookie_replayed_after_logout_is_refused(app, client, auth, make_user):
    make_user(employee_no="w104")
    auth.login("w104", remember=True)
    remember = client.get_cookie("portal_remember")
    assert remember is not None
    stolen = remember.value
    auth.logout()
    client.delete_cookie("portal_session")
    client.set_cookie("portal_remember", stolen)
    assert client.get("/").status_code == 302


def test_deactivation_ends_live_sessions(app, client, auth, make_user):
    user = make_user(employee_no="w105")
    auth.login("w105")
    assert client.get("/").status_code == 200
    from blueprints.core.people import set_active

    with app.app_context():
        set_active(db.session.get(User, user.id), False)
        db.session.commit()
        assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id)) is None
    assert client.get("/").status_code == 302


def test_session_cookie_changes_at_login(client, auth, make_user):
    make_user(employee_no="w106")
    client.get("/auth/login")
    before = client.get_cookie("portal_session").value
    auth.login("w106")
    after = client.get_cookie("portal_session").value
    assert before != after


def test_cookie_flags_and_lifetimes(app, client, auth, make_user):
    make_user(employee_no="w107")
    response = auth.login("w107", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("portal_session="))
    remember_cookie = next(c for c in cookies if c.startswith("portal_remember="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Expires=" in cookie
        assert "Secure" not in cookie  # plain HTTP in tests
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=10)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


def test_a_background_poll_never_overwrites_a_newer_session_cookie(client, auth, make_user):
    """The navbar badge polls while people work: its answer must not re-send the session cookie, or a poll that
    overlaps a form post replaces the cookie holding the post's flash message with its older copy."""
    make_user(employee_no="w109")
    auth.login("w109")
    client.get("/")
    poll = client.get("/notifications/badge", headers={"HX-Request": "true"})
    assert poll.status_code == 200
    assert not [c for c in poll.headers.getlist("Set-Cookie") if c.startswith("portal_session=")]


@pytest.mark.app_config({"HTTPS": True})
def test_cookies_are_secure_when_served_over_https(client, make_user):
    make_user(employee_no="w108")
    response = client.post("/auth/login", data={"employee_no": "w108", "password": TEST_PASSWORD},
                           base_url="https://localhost", headers={"Referer": "https://localhost/auth/login"})
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)


def test_production_hash_meets_asvs(tmp_path, sqlite_template):
    import shutil

    from app import create_app
    from tests.conftest import base_config

    config = base_config(tmp_path)
    config.pop("PASSWORD_HASH_METHOD")
    shutil.copy(sqlite_template, tmp_path / "test.sqlite3")
    application = create_app(config)
    from blueprints.auth.services import hash_password

    with application.test_request_context():
        hashed = hash_password("a long enough password")
    method, iterations = hashed.split("$")[0].rsplit(":", 1)
    assert method == "pbkdf2:sha256" and int(iterations) >= 600_000


@pytest.mark.parametrize("password,message", [
    ("short1", "至少需要 8 个字符"),
    ("password123", "太常见"),
    ("12345678", "太常见"),
    ("x" * 129, "不能超过"),
])
def test_password_policy_refusals(client, login_as, password, message):
    login_as("worker")
    response = client.post("/auth/password", data={
        "current_password": TEST_PASSWORD, "new_password": password, "confirm": password})
    assert response.status_code == 200
    assert message in html_text(response)


def test_long_password_is_allowed_and_other_sessions_end(app, client, login_as):
    user = login_as("worker")
    other = app.test_client()  # the same person signed in on a second computer
    assert other.post("/auth/login", data={"employee_no": user.employee_no, "password": TEST_PASSWORD}
                      ).status_code == 303
    assert other.get("/").status_code == 200
    long_pw = "一段很长的中文密码" * 8  # 72 characters
    response = client.post("/auth/password", data={
        "current_password": TEST_PASSWORD, "new_password": long_pw, "confirm": long_pw})
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this session stays
    assert other.get("/").status_code == 302  # the other one is ended
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"employee_no": user.employee_no, "password": long_pw})
    assert response.status_code == 303


def test_password_change_needs_the_current_password(client, login_as):
    login_as("worker")
    response = client.post("/auth/password", data={
        "current_password": "wrong-one", "new_password": "Fresh-Password-9", "confirm": "Fresh-Password-9"})
    assert "当前密码不正确" in html_text(response)


def test_admin_reset_forces_a_new_password(app, client, auth, make_user):
    user = make_user(employee_no="w109")
    from blueprints.core.people import reset_password

    with app.app_context():
        temp = reset_password(db.session.get(User, user.id))
        db.session.commit()
    response = auth.login("w109", temp)
    assert response.status_code == 303 and response.headers["Location"] == "/auth/password"
    # Everything else sends them back to the password page until they change it.
    assert client.get("/").headers["Location"] == "/auth/password"
    response = client.post("/auth/password", data={
        "current_password": temp, "new_password": "My-Own-Secret-7", "confirm": "My-Own-Secret-7"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200


def test_eleventh_wrong_password_is_throttled(app, client, make_user):
    make_user(employee_no="w110")
    for _ in range(10):
        response = client.post("/auth/login", data={"employee_no": "w110", "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post("/auth/login", data={"employee_no": "w110", "password": "wrong-password"})
    assert response.status_code == 429
    assert "尝试次数过多" in html_text(response)
    # Even the right password waits until the window passes.
    assert client.post("/auth/login", data={"employee_no": "w110", "password": TEST_PASSWORD}).status_code == 429


def test_successful_logins_do_not_use_up_the_allowance(client, auth, make_user):
    make_user(employee_no="w111")
    for _ in range(12):
        assert auth.login("w111").status_code == 303
        auth.logout()


def test_open_redirect_after_login_is_refused(client, make_user):
    make_user(employee_no="w112")
    response = client.post("/auth/login?next=//evil.example/x",
                           data={"employee_no": "w112", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/auth/logout")
    response = client.post("/auth/login?next=/notifications/",
                           data={"employee_no": "w112", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/notifications/"


def test_htmx_login_answers_with_hx_redirect(client, make_user):
    make_user(employee_no="w113")
    response = client.post("/auth/login", data={"employee_no": "w113", "password": TEST_PASSWORD},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"


def test_new_password_must_differ_from_the_current_one(app, client, login_as):
    user = login_as("worker")
    response = client.post("/auth/password", data={
        "current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD, "confirm": TEST_PASSWORD})
    assert response.status_code == 200 and "新密码不能与当前密码相同" in html_text(response)
    with app.app_context():
        assert db.session.get(User, user.id).password_changed_at is None


def test_repeated_visits_before_signing_in_keep_one_warning(client):
    """Each protected page sends an anonymous visitor to sign in with a warning; visiting several keeps one, so the
    session cookie does not grow with every try and the login page shows the warning once."""
    for path in ("/suggestions/", "/suggestions/", "/training/", "/admin/users"):
        assert client.get(path).status_code == 302
    with client.session_transaction() as session:
        assert session["_flashes"] == [("warning", "请先登录。")]
    page = client.get("/auth/login").get_data(as_text=True)
    assert page.count("请先登录。") == 1
