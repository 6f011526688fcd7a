"""The shell: notifications, language switch, CSRF, and the keyset pager."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from blueprints.core.models import Notification, User
from blueprints.core.notify import notify
from blueprints.core.pagination import decode_cursor, encode_cursor
from blueprints.core.types import utcnow
from extensions import db
from tests.conftest import AuthActions, html_text


def _notify(app, user_id: int, n: int = 1, link: str | None = "/"):
    with app.app_context():
        for i in range(n):
            notify(user_id, "您的建议 %(serial)s 已被采纳。", link=link, serial=f"WX-2026-{i:04d}")
        db.session.commit()


def test_badge_shows_unread_count_as_fragment_and_page(app, client, login_as):
    user = login_as("worker")
    _notify(app, user.id, 3)
    fragment = client.get("/notifications/badge", headers={"HX-Request": "true"})
    body = html_text(fragment)
    assert 'id="notification-badge"' in body and ">3<" in body and "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    plain = client.get("/notifications/badge")  # without htmx: the full notification list instead
    assert plain.status_code == 302 and plain.headers["Location"] == "/notifications/"
    assert 'id="notification-badge"' in html_text(client.get("/"))


def test_notifications_render_in_the_readers_language(app, client, login_as):
    user = login_as("worker")
    with app.app_context():
        notify(user.id, "已将 %(n)s 条通知标为已读。", n=5)
        db.session.commit()
    assert "已将 5 条通知标为已读。" in html_text(client.get("/notifications/"))
    client.post("/locale", data={"locale": "en"})
    assert "Marked 5 notifications as read." in html_text(client.get("/notifications/"))


def test_opening_a_notification_marks_it_read_and_follows_its_link(app, client, login_as):
    user = login_as("worker")
    _notify(app, user.id, 1, link="/notifications/")
    with app.app_context():
        note_id = db.session.scalar(select(Notification.id))
    response = client.post(f"/notifications/{note_id}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/"
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is not None


def test_notification_of_someone_else_is_404_and_stays_unread(app, client, login_as, make_user):
    login_as("worker")
    other = make_user()
    _notify(app, other.id, 1)
    with app.app_context():
        note_id = db.session.scalar(select(Notification.id))
    assert client.post(f"/notifications/{note_id}/open").status_code == 404
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is None


def test_notification_with_foreign_link_does_not_redirect_offsite(app, client, login_as):
    user = login_as("worker")
    _notify(app, user.id, 1, link="https://evil.example/")
    with app.app_context():
        note_id = db.session.scalar(select(Notification.id))
    assert client.post(f"/notifications/{note_id}/open").headers["Location"] == "/notifications/"


def test_mark_all_read(app, client, login_as):
    user = login_as("worker")
    _notify(app, user.id, 4)
    assert "已将 4 条通知标为已读" in html_text(client.post("/notifications/read-all", follow_redirects=True))
    assert ">0<" in html_text(client.get("/notifications/badge", headers={"HX-Request": "true"}))


def test_empty_notifications_page_explains_itself(client, login_as):
    login_as("worker")
    assert "还没有通知" in html_text(client.get("/notifications/"))


def test_language_choice_is_remembered_on_the_account(app, client, login_as):
    user = login_as("worker")
    client.post("/locale", data={"locale": "en", "next": "/"})
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
    client.post("/auth/logout")
    client.post("/locale", data={"locale": "zh_CN"})  # anonymous choice on the login page
    client.post("/auth/login", data={"employee_no": user.employee_no, "password": "Correct-Horse-42"})
    assert "My space" in html_text(client.get("/"))


def test_unknown_language_is_refused(client):
    assert client.post("/locale", data={"locale": "xx"}).status_code == 400


@pytest.mark.parametrize("path,data", [
    ("/auth/logout", {}),
    ("/notifications/read-all", {}),
    ("/locale", {"locale": "en"}),
])
def test_post_without_csrf_token_is_400_and_changes_nothing(app, client, login_as, path, data):
    user = login_as("worker")
    response = client.post(path, data=data, csrf=False)
    assert response.status_code == 400
    assert "安全令牌" in html_text(response)
    assert client.get("/").status_code == 200  # still signed in: logout did not happen
    with app.app_context():
        assert db.session.get(User, user.id).locale is None


def test_csrf_token_works_as_form_field_and_as_header(client, login_as):
    login_as("worker")
    token = client.csrf_token()
    assert client.post("/locale", data={"locale": "en", "csrf_token": token}, csrf=False).status_code == 303
    assert client.post("/locale", data={"locale": "zh_CN"}, headers={"X-CSRFToken": token},
                       csrf=False).status_code == 303


def _page_tokens(response) -> list[str]:
    """Every CSRF token a page carries: the htmx header on <body> and each form's hidden field."""
    body = response.get_data(as_text=True)
    return (re.findall(r'"X-CSRFToken": "([^"]+)"', body)
            + re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', body))


def test_a_sessions_signed_token_is_reused_on_later_pages_and_belongs_to_that_session(app, client, login_as,
                                                                                      make_user, monkeypatch):
    import time
    from functools import partial

    import flask_wtf.csrf
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class AnHourLater(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) + 3600

    login_as("worker")
    first = _page_tokens(client.get("/suggestions/new"))
    assert len(first) >= 3 and len(set(first)) == 1  # the header, the navbar's forms and the page's form agree
    # An hour later Flask-WTF would sign with another timestamp; the page keeps the session's signed token.
    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", partial(URLSafeTimedSerializer, signer=AnHourLater))
    later = _page_tokens(client.get("/suggestions/new"))
    assert set(later) == set(first)
    assert client.post("/locale", data={"locale": "en", "csrf_token": first[0]}, csrf=False).status_code == 303

    other = app.test_client()  # another person's browser
    lead = make_user(roles=("lead",))
    assert AuthActions(other).login(lead.employee_no).status_code == 303
    theirs = _page_tokens(other.get("/"))
    assert theirs and set(theirs).isdisjoint(first)
    refused = other.post("/locale", data={"locale": "en", "csrf_token": first[0]}, csrf=False)
    assert refused.status_code == 400

    AuthActions(client).logout()  # signing out and in again gives the session a new raw token and a new page token
    assert AuthActions(client).login(lead.employee_no).status_code == 303
    again = _page_tokens(client.get("/"))
    assert again and set(again).isdisjoint(first)
    assert client.post("/locale", data={"locale": "zh_CN", "csrf_token": again[0]}, csrf=False).status_code == 303


def test_login_form_needs_csrf_too(client, make_user):
    make_user(employee_no="csrf1")
    response = client.post("/auth/login", data={"employee_no": "csrf1", "password": "Correct-Horse-42"},
                           csrf=False)
    assert response.status_code == 400


def test_cursor_round_trip_and_garbage():
    from decimal import Decimal

    values = [utcnow(), 42, "文字", Decimal("1.50")]
    assert decode_cursor(encode_cursor(values), 4) == values
    assert decode_cursor("not-base64!!", 2) is None
    assert decode_cursor(encode_cursor([1]), 2) is None


def test_keyset_pages_cover_every_row_once(app, make_user):
    from blueprints.core.pagination import keyset_page

    ids = {make_user().id for _ in range(23)}
    with app.test_request_context():
        app.config["PAGE_SIZE"] = 5
        seen, cursor, pages = [], None, 0
        while True:
            page = keyset_page(select(User), [User.created_at, User.id], cursor=cursor, count=True)
            seen += [u.id for u in page.items]
            pages += 1
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen)) and pages == 5
        assert page.total == 23 and not page.total_capped
        back = keyset_page(select(User), [User.created_at, User.id], before=page.prev_cursor)
        assert [u.id for u in back.items] == seen[-8:-3]


def test_capped_count_stops_at_the_cap(app, make_user):
    from blueprints.core.pagination import capped_count

    for _ in range(7):
        make_user()
    with app.app_context():
        assert capped_count(select(User), cap=5) == (5, True)
        assert capped_count(select(User), cap=10) == (7, False)


def test_login_sessions_expire(app, client, auth, make_user):
    make_user(employee_no="exp1")
    auth.login("exp1")
    from blueprints.core.models import LoginSession

    with app.app_context():
        for row in db.session.scalars(select(LoginSession)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/").status_code == 302


def test_htmx_request_after_the_session_ended_navigates_to_login(client):
    response = client.get("/notifications/badge", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/auth/login"
    plain = client.get("/notifications/?x=1")
    assert plain.status_code == 302 and "next=" in plain.headers["Location"]


def test_select_options_escape_and_mark_the_chosen_value():
    from blueprints.core.web import select_options

    html = str(select_options([(1, "<b>一车间</b>"), ("2", 'x" onmouseover="y'), (3, "三")], selected="3"))
    assert "<b>" not in html and "&lt;b&gt;一车间&lt;/b&gt;" in html
    assert 'onmouseover="y' not in html and "x&#34; onmouseover=&#34;y" in html
    assert '<option value="3" selected>三</option>' in html and html.count("selected") == 1
    assert "selected" not in str(select_options([(1, "a")], None))


def test_no_badge_is_shown_without_unread_notifications_but_the_polling_element_stays(app, client, login_as):
    user = login_as("worker")
    body = html_text(client.get("/"))
    badge = re.search(r'<span id="notification-badge"[^>]*>', body).group(0)
    assert " hidden" in badge and "bg-secondary" not in badge  # no grey "0"
    assert 'hx-trigger="every' in badge  # still polls, so a new notification shows up without a reload
    _notify(app, user.id, 2)
    fragment = html_text(client.get("/notifications/badge", headers={"HX-Request": "true"}))
    shown = re.search(r'<span id="notification-badge"[^>]*>', fragment).group(0)
    assert " hidden" not in shown and ">2<" in fragment


def test_the_english_person_picker_placeholder_fits_the_narrowest_picker(client, login_as):
    """The picker's search box is ~280 px wide at its narrowest (the roster's bulk column at 992 px); at 14 px a
    placeholder over ~34 characters was cut off in English."""
    login_as("worker", locale="en")
    body = html_text(client.get("/workshops/new"))
    placeholders = re.findall(r'<input type="search"[^>]*placeholder="([^"]+)"[^>]*data-picker-max', body,
                              re.S)
    assert placeholders and all(len(text) <= 34 for text in placeholders), placeholders
    assert "employee no." in placeholders[0]  # still says what it searches


def test_template_gettext_translates_escapes_and_keeps_the_languages_apart(app):
    from flask import render_template_string
    from flask_babel import force_locale

    page = '{{ _("退出") }}|{{ _("已将 %(n)s 条通知标为已读。", n="<b>5</b>") }}|{{ gettext("退出") }}'
    with app.test_request_context("/"):
        chinese = render_template_string(page)
        with force_locale("en"):
            english = render_template_string(page)
        again = render_template_string(page)  # the kept texts of one language never answer for the other
    assert chinese == again == "退出|已将 &lt;b&gt;5&lt;/b&gt; 条通知标为已读。|退出"
    assert english == "Sign out|Marked &lt;b&gt;5&lt;/b&gt; notifications as read.|Sign out"
