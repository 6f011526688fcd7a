"""What the list pages do once per page or per process instead of once per row or per request (QUALITY P6, issue 19
item 5) must give the same answers as the slow way: URL patterns, the navbar's unread count read with the user, the
cached menu per role set and language, the badges per language, the fast date filters and template gettext."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from flask_babel import force_locale, format_datetime

from blueprints.core import i18n, notify
from blueprints.core.web import UrlPattern
from extensions import db
from tests.conftest import both_backends, html_text


def _badge(response) -> str:
    match = re.search(r'<span id="notification-badge"[^>]*>(\d+)</span>', html_text(response))
    assert match, "no navbar badge"
    return match.group(1)


def test_url_patterns_build_what_url_for_builds(app):
    with app.test_request_context():
        detail = UrlPattern("suggestions.detail", "suggestion_id")
        decide = UrlPattern("suggestions.decide", "suggestion_id", "action", next="queue")
        inline = UrlPattern("suggestions.decide", "suggestion_id", "action", inline=1)
        for n in (1, 42, 7_364_019_250, 2**31 - 1):
            assert detail(n) == url_for("suggestions.detail", suggestion_id=n)
            for action in ("accept", "return", "reject", "implement"):
                assert decide(n, action) == url_for("suggestions.decide", suggestion_id=n, action=action,
                                                    next="queue")
                assert inline(n, action) == url_for("suggestions.decide", suggestion_id=n, action=action, inline=1)
        assert decide(5, "a b/c") == "/suggestions/5/decide/a%20b%2Fc?next=queue"  # quoted, never a new segment
        assert UrlPattern("suggestions.index", "workshop")(5) == url_for("suggestions.index", workshop=5)
        with pytest.raises(ValueError):
            UrlPattern("suggestions.decide", "action", "suggestion_id")  # holes named out of the URL's order
        with pytest.raises(ValueError):
            detail(1, 2)  # more values than holes


@both_backends
def test_the_navbar_count_comes_with_the_user_in_one_statement(app, client, login_as, count_queries):
    user = login_as()
    with app.app_context():
        for i in range(3):
            notify.notify(user.id, "测试通知 %(n)s", n=i)
        db.session.commit()
    with count_queries() as counter:
        response = client.get("/notifications/")
    assert _badge(response) == "3"
    assert not any("notifications.read_at IS NULL" in s and "users" not in s for s in counter.statements), \
        counter.statements
    # Reading them is counted again on the next page, not remembered from an earlier one.
    with app.app_context():
        notify.mark_read(user.id)
        db.session.commit()
    assert _badge(client.get("/notifications/")) == "0"


def test_a_notification_sent_during_the_request_is_counted_afresh(app, make_user):
    user = make_user()
    with app.test_request_context():
        loaded = db.session.get(type(user), user.id)
        notify.prime_unread(loaded, 0)
        assert notify.unread_for_navbar(loaded) == 0  # the count read with the user, no statement
        notify.notify(user.id, "测试通知")
        db.session.flush()
        assert notify.unread_for_navbar(loaded) == 1
    with app.test_request_context():
        notify.prime_unread(loaded, 1)
        notify.mark_read(user.id)
        db.session.flush()
        assert notify.unread_for_navbar(loaded) == 0
        db.session.rollback()


def test_the_cached_menu_follows_the_role_set_and_the_language(client, auth, make_user):
    admin = make_user(roles=("admin", "worker"))
    worker = make_user()
    auth.login(admin.employee_no)
    assert "系统管理" in html_text(client.get("/suggestions/"))
    auth.logout()
    auth.login(worker.employee_no)
    page = html_text(client.get("/suggestions/"))  # same endpoint and language, another role set
    assert "系统管理" not in page and "建议审核" not in page
    assert re.search(r'class="nav-link active" href="/suggestions/"', page)
    mine = html_text(client.get("/"))  # another endpoint: another item is active
    assert re.search(r'class="nav-link active" aria-current="page" href="/"', mine)
    assert not re.search(r'class="nav-link active" href="/suggestions/"', mine)
    client.post("/locale", data={"locale": "en", "next": "/suggestions/"})
    english = html_text(client.get("/suggestions/"))
    assert "My space" in english and "我的空间" not in english


def test_badges_are_kept_per_language(client, login_as, make_user, make_suggestion):
    login_as()
    make_suggestion(make_user(), title="双语徽章")
    assert "待审核" in html_text(client.get("/suggestions/"))
    client.post("/locale", data={"locale": "en", "next": "/"})
    english = html_text(client.get("/suggestions/"))
    assert "双语徽章" in english and "待审核" not in english


@pytest.mark.parametrize("value", [
    datetime(2026, 3, 4, 15, 59), datetime(2026, 3, 4, 16, 0), datetime(2026, 12, 31, 23, 30),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC), datetime(2026, 6, 30, 20, 5, tzinfo=UTC) + timedelta(seconds=59),
    datetime(1970, 1, 1, 0, 0), datetime(2038, 1, 19, 3, 14, 8),
])
def test_fast_date_filters_write_what_babel_writes(app, value):
    with app.test_request_context():
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                assert i18n.fmt_date(value) == format_datetime(value, "yyyy-MM-dd")
                assert i18n.fmt_datetime(value) == format_datetime(value, "yyyy-MM-dd HH:mm")
                assert i18n.fmt_date(value.date()) == value.date().isoformat().rjust(10, "0")


def test_template_gettext_follows_the_locale_of_the_moment(app):
    with app.test_request_context():
        template = app.jinja_env.from_string('{{ _("五小建议") }}|{{ pgettext("nav", "建议审核") }}|'
                                             '{{ ngettext("%(num)s 条未读通知", "%(num)s 条未读通知", 2) }}')
        with force_locale("en"):
            english = template.render()
        with force_locale("zh_CN"):
            chinese = template.render()
        with force_locale("en"):
            again = template.render()
    assert chinese == "五小建议|建议审核|2 条未读通知"
    assert english == again and "五小建议" not in english and english.split("|")[2].startswith("2 ")


def test_the_user_loader_finds_the_enterprise_without_walking_the_tree(app):
    """SQLite, given ORDER BY depth and the statistics of a real tree (few enterprises, many teams), walked every
    department along the depth index on each request."""
    from sqlalchemy import text

    from blueprints.auth.services import _loader_statement
    from blueprints.core.models import Department

    with app.test_request_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite query plan")
        # The scale seed's shape: one enterprise, then branches, floors and (most of all) teams.
        db.session.add(Department(id=1, code="E1", name="企业", path="/1/", depth=0, kind="enterprise"))
        for n in range(2, 1000):
            kind, depth = ("branch", 1) if n < 22 else ("floor", 2) if n < 100 else ("team", 3)
            db.session.add(Department(id=n, code=f"D{n}", name=f"部门{n}", parent_id=1, path=f"/1/{n}/",
                                      depth=depth, kind=kind))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        compiled = _loader_statement().compile(db.engine)
        params = tuple(compiled.params[name] if name != "token_hash" else "x" for name in compiled.positiontup)
        plan = [row[3] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), params).all()]
    assert not [step for step in plan if step.startswith("SCAN") and "departments" in step], plan


def test_the_filter_form_is_rendered_once_per_set_of_values(app, client, login_as, make_user):
    """The suggestion list's filter form comes from core.web.cached_fragment: one rendering per language and set of
    filter values, reused for anyone who filters the same way, and never showing another set's values."""
    from flask import template_rendered

    login_as()
    rendered = []

    def note(_sender, template, context, **_extra):
        if template.name == "suggestions/_filters.html":
            rendered.append(context["status"])

    template_rendered.connect(note, app)
    try:
        for _ in range(3):
            assert 'value="submitted" selected' in client.get("/suggestions/?status=submitted").get_data(as_text=True)
        other = client.get("/suggestions/?status=accepted").get_data(as_text=True)
        assert 'value="accepted" selected' in other and 'value="submitted" selected' not in other
        login_as()  # someone else, same values: the same rendering
        assert 'value="submitted" selected' in client.get("/suggestions/?status=submitted").get_data(as_text=True)
        client.post("/locale", data={"locale": "en", "next": "/"})
        assert "All statuses" in client.get("/suggestions/?status=submitted").get_data(as_text=True)
    finally:
        template_rendered.disconnect(note, app)
    assert rendered == ["submitted", "accepted", "submitted"]  # zh_CN twice, en once
