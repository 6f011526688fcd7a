"""Suggestions inside the federation (SPEC §7, QUALITY §11): an enterprise admin works on their enterprise's
suggestions only (404 audited for another's, never a row of it in a list, count, search, export or ledger), workers
see the submitted suggestions of their own enterprise, each enterprise keeps its own reward ledger, and the
recommendation chain for 市级优秀职工创新成果 goes enterprise → district union → city, once per step."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from blueprints.core import grants
from blueprints.core.models import AuditLog, Department, Notification, User
from blueprints.suggestions.models import RecommendationStep, RewardShare, Suggestion, SuggestionRecommendation
from extensions import db
from tests.conftest import both_backends, html_text
from tests.jobs_helpers import export_file
from tests.test_suggestions_concurrency import POOL, _all_at_once, _clients

A_TITLE = "滨江重工独有的冷却液回收建议"
B_TITLE = "松北电机独有的绕线张力改进建议"
B_WAITING = "松北电机待审的工装夹具建议"


def _admin_over(app, make_user, department, name: str) -> User:
    """A union admin whose only grant is over `department` (placed at that node)."""
    user = make_user(name=name, department=department)
    with app.app_context():
        grants.grant(db.session.get(User, user.id), "admin", db.session.get(Department, department.id))
        db.session.commit()
    return user


@pytest.fixture
def fed(app, make_department, make_user, make_suggestion):
    """市总工会 → 松北区总工会 → 滨江重工 (A); 市总工会 → 道里区总工会 → 松北电机 (B); an admin over each node."""
    root = make_department("市总工会", kind="federation")
    district_a = make_department("松北区总工会", parent=root, kind="district")
    district_b = make_department("道里区总工会", parent=root, kind="district")
    a = make_department("滨江重工", parent=district_a)
    a_team = make_department("数控一班", parent=a, kind="team")
    b = make_department("松北电机", parent=district_b)
    b_team = make_department("绕线班", parent=b, kind="team")
    world = SimpleNamespace(
        root=root, district_a=district_a, district_b=district_b, a=a, b=b,
        author_a=make_user(name="滨江作者", department=a_team),
        coauthor_a=make_user(name="滨江合作者", department=a_team),
        colleague_a=make_user(name="滨江同事", department=a_team),
        author_b=make_user(name="松北作者", department=b_team),
        admin_a=_admin_over(app, make_user, a, "滨江工会干事"),
        admin_b=_admin_over(app, make_user, b, "松北工会干事"),
        union_a=_admin_over(app, make_user, district_a, "松北区总工会干事"),
        union_b=_admin_over(app, make_user, district_b, "道里区总工会干事"),
        city=make_user(name="市总工会干事", roles=("admin", "worker"), department=root),
    )
    world.sa = make_suggestion(world.author_a, status="implemented", title=A_TITLE, coauthors=[world.coauthor_a])
    world.sb = make_suggestion(world.author_b, status="implemented", title=B_TITLE)
    world.sb_waiting = make_suggestion(world.author_b, status="submitted", title=B_WAITING)
    return world


def _award(client, auth, admin, suggestion, people) -> None:
    auth.login(admin.employee_no)
    share = {f"share-{person.id}": str(100 // len(people)) for person in people}
    if len(people) == 2:
        share = {f"share-{people[0].id}": "50", f"share-{people[1].id}": "50"}
    response = client.post(f"/suggestions/{suggestion.id}/award",
                           data={"grade": "second", "amount": "1000", **share})
    assert response.status_code == 303, html_text(response)[:500]
    auth.logout()


def _text(response) -> str:
    """A page's HTML, or every cell of a workbook, as one string."""
    if response.mimetype.endswith("sheet"):
        rows = load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
        return "\n".join(" ".join("" if cell is None else str(cell) for cell in row) for row in rows)
    return html_text(response)


def _count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _denials(app) -> int:
    return _count(app, AuditLog, AuditLog.action == "access.denied")


# --- Scope: lists, counts, searches, exports, ledger -------------------------------------------------------------


ADMIN_PAGES = ("/suggestions/", "/suggestions/?q=松北", "/suggestions/?q=绕线张力", "/suggestions/?status=implemented",
               "/suggestions/similar?title=绕线张力改进",
               "/suggestions/review?status=all", "/suggestions/review?status=implemented",
               "/suggestions/review?status=submitted", "/suggestions/rewards", "/suggestions/rewards?q=松北",
               "/suggestions/recommendations")
# Exports run as background jobs: started by a POST, read back from the job's file.
ADMIN_EXPORTS = ("/suggestions/export", "/suggestions/export?q=绕线", "/suggestions/rewards/export")


def test_an_enterprise_admin_never_sees_another_enterprises_suggestion_anywhere(client, auth, fed):
    _award(client, auth, fed.admin_b, fed.sb, [fed.author_b])
    _award(client, auth, fed.admin_a, fed.sa, [fed.author_a, fed.coauthor_a])
    auth.login(fed.admin_a.employee_no)
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response)
        assert B_TITLE not in text and B_WAITING not in text and "松北作者" not in text, url
    for url in ADMIN_EXPORTS:
        text = _text(export_file(client, url))
        assert B_TITLE not in text and B_WAITING not in text and "松北作者" not in text, url
    # Their own enterprise's suggestion is there (the pages are not simply empty).
    assert A_TITLE in _text(client.get("/suggestions/rewards"))
    assert A_TITLE in _text(export_file(client, "/suggestions/export"))
    assert A_TITLE in _text(client.get("/suggestions/review?status=all"))


def test_queue_counts_hold_only_the_admins_scope(app, client, auth, fed, make_suggestion):
    from blueprints.suggestions import services

    make_suggestion(fed.author_a, status="submitted", title="滨江待审建议")
    for admin, waiting in ((fed.admin_a, 1), (fed.admin_b, 1), (fed.union_a, 1), (fed.union_b, 1), (fed.city, 2)):
        with app.test_request_context():
            user = db.session.get(User, admin.id)
            counts = services.queue_counts(user)
            assert (counts["submitted"], counts["implemented"]) == (waiting, waiting), admin.name
    # The tab badge shows the same number.
    auth.login(fed.admin_a.employee_no)
    page = _text(client.get("/suggestions/review/counts", headers={"HX-Request": "true"}))
    assert "ms-1\">1</span>" in page


def test_workers_see_the_submitted_suggestions_of_their_own_enterprise(client, auth, fed):
    auth.login(fed.colleague_a.employee_no)
    listing = _text(client.get("/suggestions/"))
    assert A_TITLE in listing and B_TITLE not in listing and B_WAITING not in listing
    assert B_TITLE not in _text(client.get("/suggestions/?q=绕线张力"))
    assert B_TITLE not in _text(export_file(client, "/suggestions/export"))
    assert B_TITLE not in _text(client.get("/suggestions/similar?title=绕线张力改进建议"))
    before = _denials(client.application)
    assert client.get(f"/suggestions/{fed.sb.id}").status_code == 404
    assert client.post(f"/suggestions/{fed.sb.id}/endorse").status_code == 404
    assert client.post(f"/suggestions/{fed.sb.id}/comments", data={"body": "看看"}).status_code == 404
    assert _denials(client.application) > before
    assert client.get(f"/suggestions/{fed.sa.id}").status_code == 200


OUT_OF_SCOPE = (("GET", "/suggestions/{id}"), ("GET", "/suggestions/{id}/award"),
                ("POST", "/suggestions/{id}/award"), ("GET", "/suggestions/{id}/award/preview?amount=1"),
                ("POST", "/suggestions/{id}/reassign"), ("GET", "/suggestions/{id}/decide/accept"),
                ("POST", "/suggestions/{id}/decide/reject"), ("POST", "/suggestions/{id}/recommend"),
                ("POST", "/suggestions/{id}/recommendation/forward"), ("POST", "/suggestions/{id}/notes"))


@pytest.mark.parametrize("method, template", OUT_OF_SCOPE)
def test_another_enterprises_suggestion_is_not_found_audited_and_unchanged(app, client, auth, fed, method,
                                                                           template):
    auth.login(fed.admin_a.employee_no)
    before = _denials(app)
    data = {"grade": "second", "amount": "1000", f"share-{fed.author_b.id}": "100", "workshop_id": "",
            "comment": "不行", "reason": "x", "body": "备注"} if method == "POST" else None
    response = client.open(template.format(id=fed.sb.id), method=method, data=data,
                           headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert _denials(app) == before + 1
    with app.app_context():
        row = db.session.get(Suggestion, fed.sb.id)
        assert (row.status, row.grade, row.workshop_id) == ("implemented", None, None)
    assert _count(app, RewardShare) == 0 and _count(app, SuggestionRecommendation) == 0


def test_paying_another_enterprises_ledger_line_is_not_found_and_pays_nothing(app, client, auth, fed):
    _award(client, auth, fed.admin_b, fed.sb, [fed.author_b])
    _award(client, auth, fed.admin_a, fed.sa, [fed.author_a, fed.coauthor_a])
    with app.app_context():
        ids = [str(i) for i in db.session.scalars(select(RewardShare.id))]
    auth.login(fed.admin_a.employee_no)
    before = _denials(app)
    response = client.post("/suggestions/rewards/pay", data={"paid_on": "2026-01-10", "ids": ids})
    assert response.status_code == 404 and _denials(app) == before + 1
    assert _count(app, RewardShare, RewardShare.status == "paid") == 0


def test_each_enterprise_keeps_its_own_ledger_and_the_city_sees_all_with_the_enterprise(app, client, auth, fed):
    _award(client, auth, fed.admin_b, fed.sb, [fed.author_b])
    _award(client, auth, fed.admin_a, fed.sa, [fed.author_a, fed.coauthor_a])
    auth.login(fed.admin_b.employee_no)
    rows = list(load_workbook(io.BytesIO(export_file(client, "/suggestions/rewards/export").data))
                .active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == [B_TITLE] and "企业" not in rows[0]
    auth.logout()
    auth.login(fed.city.employee_no)
    page = _text(client.get("/suggestions/rewards"))
    assert A_TITLE in page and B_TITLE in page and "滨江重工" in page and "松北电机" in page
    rows = list(load_workbook(io.BytesIO(export_file(client, "/suggestions/rewards/export").data))
                .active.iter_rows(values_only=True))
    assert rows[0][-1] == "企业"
    assert sorted((row[1], row[-1]) for row in rows[1:]) == sorted(
        [(A_TITLE, "滨江重工"), (A_TITLE, "滨江重工"), (B_TITLE, "松北电机")])


def test_a_new_suggestion_for_the_union_tells_only_the_admins_whose_scope_holds_it(app, client, auth, fed,
                                                                                  suggestion_form_data):
    auth.login(fed.author_a.employee_no)
    assert client.post("/suggestions/new", data=suggestion_form_data(title="滨江的新建议")).status_code == 303
    arrival = "新建议待审核：%(serial)s《%(title)s》"
    told = {uid for (uid,) in _rows(app, select(Notification.user_id).where(Notification.message == arrival))}
    assert told == {fed.admin_a.id, fed.union_a.id, fed.city.id}


def _rows(app, stmt) -> list:
    with app.app_context():
        return list(db.session.execute(stmt).all())


def test_scoped_lists_cost_the_same_queries_for_few_and_many_rows(app, client, auth, fed, make_suggestion,
                                                                   count_queries):
    counts = []
    for extra in (50, 100):  # more than a page either way, so both have a next page
        for n in range(extra):
            make_suggestion(fed.author_a if n % 2 else fed.author_b, title=f"批量建议{n}")
        auth.login(fed.admin_a.employee_no)
        for url in ("/suggestions/", "/suggestions/review?status=all", "/suggestions/rewards"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        auth.logout()
    assert counts[:3] == counts[3:], counts


# --- The recommendation chain ----------------------------------------------------------------------------------


def _post(client, auth, who, url, **data):
    auth.login(who.employee_no)
    response = client.post(url, data=data)
    auth.logout()
    return response


def _recommendation(app, suggestion_id):
    with app.app_context():
        row = db.session.scalar(select(SuggestionRecommendation)
                                .where(SuggestionRecommendation.suggestion_id == suggestion_id))
        if row is not None:
            db.session.expunge(row)
        return row


def _told(app, user_id: int, fragment: str) -> int:
    return _count(app, Notification, Notification.user_id == user_id, Notification.message.like(f"%{fragment}%"))


def test_the_chain_from_enterprise_to_district_to_city(app, client, auth, fed):
    _award(client, auth, fed.admin_a, fed.sa, [fed.author_a, fed.coauthor_a])
    base = f"/suggestions/{fed.sa.id}"
    assert _post(client, auth, fed.admin_a, f"{base}/recommend", reason="效益显著").status_code == 303
    rec = _recommendation(app, fed.sa.id)
    assert (rec.status, rec.level, rec.enterprise_id, rec.union_id) == ("recommended", "union", fed.a.id,
                                                                        fed.district_a.id)
    assert _told(app, fed.author_a.id, "已被推荐") == 1 and _told(app, fed.coauthor_a.id, "已被推荐") == 1
    assert _told(app, fed.union_a.id, "待您审核") == 1
    assert _told(app, fed.union_b.id, "待您审核") == 0 and _told(app, fed.city.id, "待您审核") == 0

    # The district's queue lists it; another district's and the city's do not (yet).
    auth.login(fed.union_a.employee_no)
    assert A_TITLE in _text(client.get("/suggestions/recommendations"))
    auth.logout()
    for other in (fed.union_b, fed.city):
        auth.login(other.employee_no)
        assert A_TITLE not in _text(client.get("/suggestions/recommendations"))
        auth.logout()

    assert _post(client, auth, fed.union_a, f"{base}/recommendation/forward", reason="同意转报").status_code == 303
    rec = _recommendation(app, fed.sa.id)
    assert (rec.status, rec.level) == ("forwarded", "city")
    assert _told(app, fed.city.id, "待您审核") == 1 and _told(app, fed.author_a.id, "已转报") == 1
    auth.login(fed.city.employee_no)
    assert A_TITLE in _text(client.get("/suggestions/recommendations"))
    auth.logout()

    assert _post(client, auth, fed.city, f"{base}/recommendation/approve").status_code == 303
    rec = _recommendation(app, fed.sa.id)
    assert (rec.status, rec.level) == ("approved", "city")
    assert _told(app, fed.author_a.id, "已被评为市级优秀职工创新成果") == 1
    steps = _rows(app, select(RecommendationStep.action, RecommendationStep.level, RecommendationStep.actor_id,
                              RecommendationStep.reason).order_by(RecommendationStep.id))
    assert [tuple(step) for step in steps] == [("recommend", "union", fed.admin_a.id, "效益显著"),
                                               ("forward", "city", fed.union_a.id, "同意转报"),
                                               ("approve", "city", fed.city.id, "")]
    actions = {a for (a,) in _rows(app, select(AuditLog.action).where(AuditLog.action.like("suggestion.recommend%")))}
    assert actions == {"suggestion.recommend", "suggestion.recommend_forward", "suggestion.recommend_approve"}
    auth.login(fed.author_a.employee_no)
    page = _text(client.get(base))
    assert "市级优秀职工创新成果推荐" in page and "同意转报" in page and "效益显著" in page
    assert "已评为市级优秀职工创新成果" in page


def _recommended(client, auth, fed):
    _award(client, auth, fed.admin_a, fed.sa, [fed.author_a, fed.coauthor_a])
    assert _post(client, auth, fed.admin_a, f"/suggestions/{fed.sa.id}/recommend").status_code == 303
    return f"/suggestions/{fed.sa.id}"


def _steps(app) -> int:
    return _count(app, RecommendationStep)


def test_a_step_at_the_wrong_level_is_refused_and_changes_nothing(app, client, auth, fed):
    base = _recommended(client, auth, fed)
    # The enterprise admin cannot forward their own recommendation; the district cannot approve for the city.
    auth.login(fed.admin_a.employee_no)
    response = client.post(f"{base}/recommendation/forward", follow_redirects=True)
    assert "区县（产业）工会办理" in html_text(response)
    auth.logout()
    assert _post(client, auth, fed.union_a, f"{base}/recommendation/approve").status_code == 303
    assert (_recommendation(app, fed.sa.id).status, _steps(app)) == ("recommended", 1)
    # Another district's admin does not even see the suggestion.
    assert _post(client, auth, fed.union_b, f"{base}/recommendation/forward").status_code == 404
    assert (_recommendation(app, fed.sa.id).status, _steps(app)) == ("recommended", 1)


def test_declining_needs_a_reason_and_tells_the_authors_why(app, client, auth, fed):
    base = _recommended(client, auth, fed)
    auth.login(fed.union_a.employee_no)
    response = client.post(f"{base}/recommendation/decline", data={"reason": "  "}, follow_redirects=True)
    assert "请填写不予推荐的理由" in html_text(response)
    auth.logout()
    assert (_recommendation(app, fed.sa.id).status, _steps(app)) == ("recommended", 1)
    assert _post(client, auth, fed.union_a, f"{base}/recommendation/decline", reason="创新性不足").status_code == 303
    rec = _recommendation(app, fed.sa.id)
    assert (rec.status, rec.level) == ("declined", "union")
    declined = _rows(app, select(Notification.params).where(Notification.user_id == fed.author_a.id,
                                                            Notification.message.like("%未获推荐%")))
    assert [params["reason"] for (params,) in declined] == ["创新性不足"]
    # Declined is final: no step moves it again.
    for who, step in ((fed.union_a, "forward"), (fed.city, "approve"), (fed.city, "decline")):
        _post(client, auth, who, f"{base}/recommendation/{step}", reason="再议")
    assert (_recommendation(app, fed.sa.id).status, _steps(app)) == ("declined", 2)


def test_the_city_declines_with_a_reason(app, client, auth, fed):
    base = _recommended(client, auth, fed)
    _post(client, auth, fed.union_a, f"{base}/recommendation/forward")
    assert _post(client, auth, fed.city, f"{base}/recommendation/decline").status_code == 303
    assert _recommendation(app, fed.sa.id).status == "forwarded"
    _post(client, auth, fed.city, f"{base}/recommendation/decline", reason="名额已满")
    rec = _recommendation(app, fed.sa.id)
    assert (rec.status, rec.level) == ("declined", "city")


def test_only_an_awarded_suggestion_is_recommended_and_only_once(app, client, auth, fed):
    url = f"/suggestions/{fed.sa.id}/recommend"
    auth.login(fed.admin_a.employee_no)
    response = client.post(url, follow_redirects=True)
    assert "只有已评奖的建议才能推荐" in html_text(response)
    auth.logout()
    assert _count(app, SuggestionRecommendation) == 0
    _recommended(client, auth, fed)
    auth.login(fed.admin_a.employee_no)
    assert "已经推荐过了" in html_text(client.post(url, follow_redirects=True))
    assert _count(app, SuggestionRecommendation) == 1 and _steps(app) == 1
    # A worker of the enterprise cannot recommend at all.
    auth.logout()
    assert _post(client, auth, fed.colleague_a, url).status_code == 403


def test_an_enterprise_without_a_union_above_recommends_straight_to_the_city(app, client, auth, make_department,
                                                                            make_user, make_suggestion):
    plant = make_department("独立企业")  # a single-enterprise portal: no federation root
    author = make_user(department=plant)
    admin = make_user(roles=("admin", "worker"))
    suggestion = make_suggestion(author, status="implemented")
    _award(client, auth, admin, suggestion, [author])
    assert _post(client, auth, admin, f"/suggestions/{suggestion.id}/recommend").status_code == 303
    rec = _recommendation(app, suggestion.id)
    assert (rec.status, rec.level, rec.union_id) == ("forwarded", "city", None)


@pytest.mark.parametrize("app", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.app_config(POOL)
def test_two_city_admins_deciding_at_once_decide_once(app, client, auth, fed, make_user):
    base = _recommended(client, auth, fed)
    _post(client, auth, fed.union_a, f"{base}/recommendation/forward")
    second = make_user(roles=("admin", "worker"))
    clients = _clients(app, [fed.city, second] * 3)
    responses = _all_at_once([lambda c=c: c.post(f"{base}/recommendation/approve") for c in clients])
    assert [r.status_code for r in responses if r.status_code >= 500] == []
    assert _recommendation(app, fed.sa.id).status == "approved"
    assert _count(app, RecommendationStep, RecommendationStep.action == "approve") == 1
    assert _count(app, AuditLog, AuditLog.action == "suggestion.recommend_approve") == 1
    assert _told(app, fed.author_a.id, "已被评为市级优秀职工创新成果") == 1


def test_a_bulk_decision_leaves_out_and_never_names_another_enterprises_suggestion(app, client, auth, fed):
    auth.login(fed.admin_a.employee_no)
    assert client.post("/suggestions/review/templates", data={
        "kind": "reject", "title": "不符合", "body": "不符合本年度重点方向。"}).status_code == 303
    with app.app_context():
        from blueprints.suggestions.models import AnswerTemplate

        template_id = db.session.scalar(select(AnswerTemplate.id))
        serial = db.session.get(Suggestion, fed.sb_waiting.id).serial
    response = client.post("/suggestions/review/bulk", data={"action": "reject", "template_id": str(template_id),
                                                            "ids": [str(fed.sb_waiting.id)]}, follow_redirects=True)
    assert serial not in html_text(response)
    with app.app_context():
        assert db.session.get(Suggestion, fed.sb_waiting.id).status == "submitted"


def test_a_workshop_profile_lists_only_the_adopted_suggestions_the_viewer_may_see(client, auth, fed, make_workshop,
                                                                                  make_suggestion):
    workshop = make_workshop(department=fed.a)
    make_suggestion(fed.author_a, status="accepted", workshop=workshop, title="滨江经工作室采纳的建议")
    for who, sees in ((fed.colleague_a, True), (fed.author_b, False), (fed.city, True)):
        auth.login(who.employee_no)
        page = html_text(client.get(f"/workshops/{workshop.id}"))
        assert ("滨江经工作室采纳的建议" in page) is sees, who.name
        auth.logout()


def test_the_queue_offers_only_the_workshops_of_the_admins_scope(client, auth, fed, make_workshop):
    make_workshop(department=fed.a, name="滨江数控工作室")
    make_workshop(department=fed.b, name="松北绕线工作室")
    # The queue's workshop box is a type-ahead picker: its matches are what the filter accepts.
    auth.login(fed.admin_a.employee_no)
    page = html_text(client.get("/pick/review-workshops?q=工作室"))
    assert "滨江数控工作室" in page and "松北绕线工作室" not in page
    foreign = html_text(client.get("/suggestions/review",
                                   query_string={"workshop": "", "workshop-q": "松北绕线工作室"}))
    assert "没有找到" in foreign
    auth.logout()
    auth.login(fed.city.employee_no)
    page = html_text(client.get("/pick/review-workshops?q=工作室"))
    assert "滨江数控工作室" in page and "松北绕线工作室" in page


# --- The list's shared first-page statements ----------------------------------------------------------------------


@both_backends
def test_shared_first_page_statements_show_each_viewer_exactly_their_own_rows(app, client, auth, fed,
                                                                              make_suggestion):
    """The list's first page is built once per kind of viewer and reused with each viewer's own values: in two
    rounds over viewers of the same shapes (the second all from the cache), every page shows exactly the rows of that
    viewer's own statement, built fresh for the real user."""
    from blueprints.suggestions.services import lists

    make_suggestion(fed.author_a, status="draft", title="滨江作者自己的草稿")
    make_suggestion(fed.author_b, status="draft", title="松北作者自己的草稿")
    make_suggestion(fed.colleague_a, status="submitted", title="滨江同事提交的建议")
    viewers = (fed.admin_a, fed.admin_b, fed.union_a, fed.union_b, fed.author_a, fed.author_b, fed.colleague_a,
               fed.coauthor_a, fed.city)
    with app.app_context():
        titles = set(db.session.scalars(select(Suggestion.title)))
        expected = {}
        for viewer in viewers:
            user = db.session.get(User, viewer.id)
            rows = db.session.execute(lists.list_rows_statement(user, lists.ListFilters())).all()
            expected[viewer.id] = {row[0].title for row in rows}
    assert len({frozenset(seen) for seen in expected.values()}) >= 5  # the viewers really see different lists
    lists.PAGE_STATEMENTS.clear()
    for _round in range(2):
        for viewer in viewers:
            auth.login(viewer.employee_no)
            page = html_text(client.get("/suggestions/"))
            shown = {title for title in titles if title in page}
            assert shown == expected[viewer.id], viewer.name
            auth.logout()
    # Nine viewers, four shapes: admins of one node each, union admins, workers, the whole-tree admin.
    assert len(lists.PAGE_STATEMENTS) <= 4


def test_a_shared_statement_run_without_a_viewers_values_fails_instead_of_using_anothers(app, fed):
    """The stand-in's parameters carry no values, so a statement reused without them cannot show someone else's
    rows: SQLAlchemy refuses to run it."""
    from sqlalchemy.exc import StatementError

    from blueprints.core.scopes import ViewerParameters
    from blueprints.suggestions.services import lists

    with app.test_request_context():
        viewer = ViewerParameters(db.session.get(User, fed.admin_a.id))
        narrow = lists.filtered_statement(viewer, lists.ListFilters(), select(Suggestion.id))
        assert set(viewer.params) == {"viewer_id", "viewer_department", "viewer_admin_path_0"}
        assert len(db.session.execute(narrow, viewer.params).all()) == 1  # 滨江重工's one suggestion
        with pytest.raises(StatementError):
            db.session.execute(narrow, {"viewer_id": fed.admin_a.id}).all()
