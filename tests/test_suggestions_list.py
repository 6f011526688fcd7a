"""The list: search, filters, visibility, sorting, pages, export; constant query counts for the list and the queue."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from blueprints.core.models import AuditLog
from blueprints.core.types import utcnow
from blueprints.suggestions.models import Suggestion
from extensions import db
from tests.conftest import both_backends, html_text
from tests.jobs_helpers import export_file


def _titles(response) -> set[str]:
    import re

    return set(re.findall(r'class="fw-semibold">([^<]+)</a>', html_text(response)))


@both_backends
def test_search_finds_chinese_substrings_in_title_problem_proposal_and_serial(client, login_as, make_user,
                                                                              make_suggestion):
    login_as()
    author = make_user()
    coolant = make_suggestion(author, title="冷却液回收", problem="普通问题", proposal="普通措施")
    make_suggestion(author, title="照明改造", problem="夜班车间照度不足", proposal="普通措施")
    make_suggestion(author, title="工装夹具", problem="普通问题", proposal="采用快换定位销")
    assert _titles(client.get("/suggestions/?q=回收")) == {"冷却液回收"}
    assert _titles(client.get("/suggestions/?q=照度")) == {"照明改造"}
    assert _titles(client.get("/suggestions/?q=定位销")) == {"工装夹具"}
    assert _titles(client.get("/suggestions/?q=普通 问题")) == {"冷却液回收", "工装夹具"}
    assert _titles(client.get(f"/suggestions/?q={coolant.serial.lower()}")) == {"冷却液回收"}


@both_backends
def test_percent_and_underscore_match_themselves(client, login_as, make_user, make_suggestion):
    login_as()
    author = make_user()
    make_suggestion(author, title="合格率达到100%")
    make_suggestion(author, title="合格率达到1000")
    make_suggestion(author, title="型号A_B改进")
    make_suggestion(author, title="型号AxB改进")
    assert _titles(client.get("/suggestions/?q=100%25")) == {"合格率达到100%"}
    assert _titles(client.get("/suggestions/?q=A_B")) == {"型号A_B改进"}
    # SQL metacharacters are harmless text.
    response = client.get("/suggestions/?q=' OR 1=1 --")
    assert response.status_code == 200 and _titles(response) == set()


def test_filters_category_status_department_workshop_year_and_mine(app, client, auth, suggestion_setup,
                                                                   make_suggestion, make_department, make_user):
    world = suggestion_setup
    # A plant of the author's own enterprise: workers see the submitted suggestions of their enterprise only.
    plant = make_department(name="一厂", parent=world.team)
    floor = make_department(name="一厂车间", parent=plant)
    far = make_user(department=floor)
    make_suggestion(world.author, title="甲的建议", workshop=world.workshop, category="design")
    make_suggestion(far, title="车间的建议", workshop=None, status="accepted")
    make_suggestion(world.colleague, title="合作的建议", coauthors=[world.author], workshop=world.other_workshop)
    make_suggestion(world.colleague, title="去年的建议", year=utcnow().year - 1)
    auth.login(world.author.employee_no)
    assert _titles(client.get("/suggestions/?category=design")) == {"甲的建议"}
    assert _titles(client.get("/suggestions/?status=accepted")) == {"车间的建议"}
    assert _titles(client.get(f"/suggestions/?department={plant.id}")) == {"车间的建议"}
    assert _titles(client.get(f"/suggestions/?workshop={world.workshop.id}")) == {"甲的建议"}
    assert "车间的建议" in _titles(client.get("/suggestions/?workshop=none"))
    assert _titles(client.get(f"/suggestions/?year={utcnow().year - 1}")) == {"去年的建议"}
    assert _titles(client.get("/suggestions/?mine=1")) == {"甲的建议", "合作的建议"}
    # Junk in the filters is ignored, never an error.
    assert client.get("/suggestions/?department=abc&year=x&status=nope&sort=evil&after=%%%").status_code == 200


@both_backends
def test_a_department_filter_covers_its_subtree_at_every_level_and_follows_a_move(app, client, login_as, make_user,
                                                                                  make_department, make_suggestion):
    """An enterprise or lower filters by its subtree's ids, a district by its path (services.lists.DepartmentSubtree);
    both see every row of the subtree, and a department moved to another enterprise is filtered by its new place at
    once, though each filter's statements are kept between requests."""
    from blueprints.core.models import Department
    from blueprints.core.people import update_department

    city = make_department(name="市总工会", kind="federation")
    district = make_department(name="东城区总工会", parent=city, kind="district")
    first = make_department(name="甲厂", parent=district, kind="enterprise")
    second = make_department(name="乙厂", parent=district, kind="enterprise")
    moving = make_department(name="甲厂班组", parent=first)
    staying = make_department(name="乙厂班组", parent=second)
    make_suggestion(make_user(department=moving), title="班组的建议")
    make_suggestion(make_user(department=staying), title="乙厂的建议")
    make_suggestion(make_user(department=first), title="甲厂本部的建议")
    make_suggestion(make_user(department=make_department(name="别处", parent=city, kind="district")),
                    title="别区的建议")
    login_as("admin")

    def titles(department) -> set[str]:
        return _titles(client.get(f"/suggestions/?department={department.id}"))

    everyone_in_district = {"班组的建议", "乙厂的建议", "甲厂本部的建议"}
    assert titles(district) == everyone_in_district
    assert titles(first) == {"班组的建议", "甲厂本部的建议"}
    assert titles(second) == {"乙厂的建议"}
    assert titles(moving) == {"班组的建议"}

    with app.app_context():
        update_department(db.session.get(Department, moving.id), moving.code, moving.name,
                          db.session.get(Department, second.id))
        db.session.commit()
    assert titles(first) == {"甲厂本部的建议"}
    assert titles(second) == {"班组的建议", "乙厂的建议"}
    assert titles(moving) == {"班组的建议"}
    assert titles(district) == everyone_in_district
    # A refresh of the results that names a department which no longer exists shows nothing rather than everything.
    gone = make_department(name="已撤销", parent=first)
    with app.app_context():
        db.session.delete(db.session.get(Department, gone.id))
        db.session.commit()
    fragment = client.get(f"/suggestions/?department={gone.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and _titles(fragment) == set()


def test_drafts_are_listed_only_for_their_author_and_co_authors(client, auth, suggestion_setup, make_suggestion):
    world = suggestion_setup
    make_suggestion(world.author, status="draft", title="私人草稿", coauthors=[world.coauthor])
    make_suggestion(world.author, title="公开建议")
    for who, sees in ((world.author, True), (world.coauthor, True), (world.colleague, False), (world.admin, False)):
        auth.login(who.employee_no)
        assert ("私人草稿" in _titles(client.get("/suggestions/"))) is sees, who.name
        assert "公开建议" in _titles(client.get("/suggestions/"))
        auth.logout()


def test_sorting_and_keyset_pages(app, client, login_as, make_user, make_suggestion):
    login_as()
    author = make_user()
    now = utcnow()
    for n in range(25):
        make_suggestion(author, title=f"建议{n:02d}", listed_at=now - timedelta(hours=n), endorsement_count=n % 7)
    first = client.get("/suggestions/")
    titles = _titles(first)
    assert len(titles) == 20 and "建议00" in titles and "建议24" not in titles
    import re

    after = re.search(r'href="/suggestions/\?after=([^"&]+)"', html_text(first)).group(1)
    second = _titles(client.get(f"/suggestions/?after={after}"))
    assert second == {f"建议{n:02d}" for n in range(20, 25)}
    oldest = _titles(client.get("/suggestions/?sort=old"))
    assert "建议24" in oldest and "建议00" not in oldest
    body = html_text(client.get("/suggestions/?sort=endorsed"))
    first_row = re.search(r'class="fw-semibold">([^<]+)</a>', body).group(1)
    assert first_row in {f"建议{n:02d}" for n in range(25) if n % 7 == 6}


def _row_of(response, title: str) -> str:
    """The <tr> of the list that links to `title`."""
    import re

    rows = re.findall(r"<tr>.*?</tr>", html_text(response), flags=re.S)
    return next(row for row in rows if f">{title}</a>" in row)


def test_a_row_rendered_once_shows_each_viewer_their_own_badges_and_always_the_latest_values(
        app, client, auth, suggestion_setup, make_suggestion):
    """The list reuses each row's HTML (suggestions/rows.py) keyed by everything it shows: the author's "mine"
    badge never reaches a colleague, and an edit, an endorsement or another language shows at once."""
    world = suggestion_setup
    suggestion = make_suggestion(world.author, title="复用的一行")
    auth.login(world.author.employee_no)
    assert "我的" in _row_of(client.get("/suggestions/"), "复用的一行")
    auth.logout()
    auth.login(world.colleague.employee_no)
    row = _row_of(client.get("/suggestions/"), "复用的一行")
    assert "我的" not in row and "作者甲" in row
    with app.app_context():
        db.session.get(Suggestion, suggestion.id).title = "改过的一行"
        db.session.get(Suggestion, suggestion.id).endorsement_count = 7
        db.session.commit()
    row = _row_of(client.get("/suggestions/"), "改过的一行")
    assert '<td class="text-end">7</td>' in row
    client.post("/locale", data={"locale": "en"})
    row = _row_of(client.get("/suggestions/"), "改过的一行")
    assert "Awaiting review" in row and "Reviewed by the union" in row and "待审核" not in row


def test_one_url_serves_the_fragment_and_the_page(client, login_as, make_user, make_suggestion):
    login_as()
    make_suggestion(make_user(), title="片段里的建议")
    fragment = client.get("/suggestions/?q=片段", headers={"HX-Request": "true"})
    page = client.get("/suggestions/?q=片段")
    assert "<html" not in html_text(fragment) and "片段里的建议" in html_text(fragment)
    assert "<html" in html_text(page) and "片段里的建议" in html_text(page)
    assert "HX-Request" in fragment.headers["Vary"]
    assert len(fragment.data) < len(page.data) * 0.5


def test_export_is_the_filtered_visible_list_and_is_audited(app, client, auth, suggestion_setup, make_suggestion):
    world = suggestion_setup
    make_suggestion(world.author, title="导出甲", category="design")
    make_suggestion(world.author, title="导出乙", category="invention")
    make_suggestion(world.colleague, title="别人的草稿", status="draft", category="design")
    auth.login(world.author.employee_no)
    response = export_file(client, "/suggestions/export?category=design")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "标题")
    assert [r[1] for r in rows[1:]] == ["导出甲"]
    assert rows[1][4] == world.author.name
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "suggestion.export")) == 1


def test_formulas_typed_in_a_title_are_not_exported_as_formulas(client, login_as, make_user, make_suggestion):
    login_as()
    make_suggestion(make_user(), title="=HYPERLINK(\"http://evil\")")
    sheet = load_workbook(io.BytesIO(export_file(client, "/suggestions/export").data)).active
    assert sheet.cell(row=2, column=2).value.startswith("'=")


# --- Query counts (QUALITY P1) -----------------------------------------------------------------------------------


def _bulk_suggestions(app, author, workshop, n, coauthor=None):
    from blueprints.suggestions.models import SuggestionCoauthor

    with app.app_context():
        now = utcnow()
        rows = [Suggestion(title=f"批量{i}", category="renovation", author_id=author.id,
                           department_id=author.department_id, workshop_id=workshop.id, status="submitted",
                           year=now.year, serial=f"WX-{now.year}-{i + 1:04d}", created_at=now, submitted_at=now,
                           listed_at=now - timedelta(minutes=i)) for i in range(n)]
        db.session.add_all(rows)
        db.session.flush()
        if coauthor is not None:
            db.session.add_all(SuggestionCoauthor(suggestion_id=row.id, user_id=coauthor.id) for row in rows)
        db.session.commit()


@pytest.mark.parametrize("url, blind, bound", [("/suggestions/", False, 5), ("/suggestions/", True, 6),
                                               ("/suggestions/review", True, 6)])
def test_list_and_queue_cost_the_same_queries_for_10_and_200_rows(app, client, auth, make_user, count_queries,
                                                                  make_suggestion_workshop, url, blind, bound):
    from blueprints.core.settings import set_setting

    lead = make_user(roles=("lead", "worker"))
    workshop = make_suggestion_workshop(lead=lead)
    authors = [make_user(department=None) for _ in range(2)]
    with app.test_request_context():
        set_setting("suggestions.blind_review", blind)  # on: the costliest path, identity checks on every row
        db.session.commit()
    counts = []
    for total in (10, 200):
        _bulk_suggestions(app, authors[0], workshop, total, coauthor=authors[1])
        auth.login(lead.employee_no)
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(counter.count)
        with count_queries() as fragment_counter:
            client.get(url, headers={"HX-Request": "true"})
        counts.append(fragment_counter.count)
        auth.logout()
        with app.app_context():
            db.session.execute(Suggestion.__table__.delete())
            db.session.commit()
    full_10, fragment_10, full_200, fragment_200 = counts
    assert full_10 == full_200 and fragment_10 == fragment_200, counts
    # Sign-in takes 1 (the navbar's unread count comes with the user); the list, its capped count and the filter
    # options 3; the blind-review setting 1; the reviewer's workshops 1 when blind review needs them.
    assert full_10 <= bound, counts


@both_backends
def test_pages_after_and_before_a_cursor_are_each_viewers_own_with_shared_statements(
        app, client, auth, make_department, make_user, make_suggestion):
    """Cursor pages reuse statements too (the cursor's values are parameters): two workers of different
    enterprises, the same kind of viewer, page forwards and back through their own enterprise's rows only."""
    import re

    now = utcnow()
    workers = []
    for name in ("甲厂", "乙厂"):
        team = make_department(name=f"{name}班组", parent=make_department(name=name))
        worker = make_user(department=team)
        for n in range(23):
            make_suggestion(worker, title=f"{name}建议{n:02d}", listed_at=now - timedelta(hours=n))
        workers.append((name, worker))
    for _round in range(2):
        for name, worker in workers:
            auth.login(worker.employee_no)
            first = client.get("/suggestions/")
            assert _titles(first) == {f"{name}建议{n:02d}" for n in range(20)}
            after = re.search(r'href="/suggestions/\?after=([^"&]+)"', html_text(first)).group(1)
            second = client.get(f"/suggestions/?after={after}")
            assert _titles(second) == {f"{name}建议{n:02d}" for n in range(20, 23)}
            before = re.search(r'href="/suggestions/\?before=([^"&]+)"', html_text(second)).group(1)
            assert _titles(client.get(f"/suggestions/?before={before}")) == {f"{name}建议{n:02d}" for n in range(20)}
            auth.logout()


@both_backends
def test_a_count_over_the_cap_is_remembered_for_a_moment_and_a_smaller_one_is_always_counted(
        app, client, auth, make_department, make_user, make_suggestion, monkeypatch):
    """core.pagination.OverCap: a list that showed "cap+" is not counted again for a while, per viewer; a count
    under the cap is run on every page, so a new row shows at once."""
    from sqlalchemy import delete

    from blueprints.core import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 3)

    def total(worker) -> str:
        auth.login(worker.employee_no)
        body = html_text(client.get("/suggestions/"))
        auth.logout()
        import re

        return re.search(r"共 (\S+) 条", body).group(1)

    worker_a = make_user(department=make_department(name="甲厂班组", parent=make_department(name="甲厂")))
    worker_b = make_user(department=make_department(name="乙厂班组", parent=make_department(name="乙厂")))
    own_a = [make_suggestion(worker_a, title=f"甲厂建议{n}").id for n in range(5)]
    for n in range(2):
        make_suggestion(worker_b, title=f"乙厂建议{n}")
    assert total(worker_a) == "3+"
    assert total(worker_b) == "2"  # the same statement, another enterprise's values: not the first one's memo
    with app.app_context():
        db.session.execute(delete(Suggestion).where(Suggestion.id.in_(own_a[:3])))
        db.session.commit()
    assert total(worker_a) == "3+"  # two rows left, but "3+" was seen just now
    app.extensions["portal.over_cap"].seconds = 0  # the moment has passed
    assert total(worker_a) == "2"
    make_suggestion(worker_b, title="乙厂建议2")
    assert total(worker_b) == "3"
    make_suggestion(worker_b, title="乙厂建议3")
    assert total(worker_b) == "3+"


def test_the_plain_list_counts_in_its_order_and_a_text_search_in_any_order(client, login_as, make_user,
                                                                            make_suggestion, count_queries):
    """The plain list's capped count walks the list's index like its page; a search's matches are scattered, so its
    count takes them in any order (walking the whole index for a rare word made a search 60 times slower)."""
    login_as()
    make_suggestion(make_user(), title="冷却液回收")

    def count_statement(url: str) -> str:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT COUNT(*)")]
        assert len(counts) == 1, counter.statements
        return counts[0].upper()

    assert "ORDER BY SUGGESTIONS.LISTED_AT DESC, SUGGESTIONS.ID DESC" in count_statement("/suggestions/")
    assert "ORDER BY SUGGESTIONS.LISTED_AT" not in count_statement("/suggestions/?q=回收")
