"""Directory, approval queue and join-request lists: search, filters, fragments, pages, counts, export, panels."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from blueprints.workshops.models import Workshop, WorkshopMember
from extensions import db
from tests.conftest import both_backends, html_text
from tests.fixtures_workshops import workshop_audit

HX = {"HX-Request": "true"}


def bulk_workshops(app, lead_id: int, n: int, status: str = "approved", prefix: str = "批量") -> None:
    """n workshops with two members each, inserted in bulk (fast)."""
    now = datetime.now(UTC)
    with app.app_context():
        start = db.session.scalar(db.select(db.func.coalesce(db.func.max(Workshop.id), 0)))
        rows = [{"id": start + i + 1, "name": f"{prefix}工作室{i:04d}", "kind": "worker", "level": "enterprise",
                 "lead_id": lead_id, "field": "装配", "description": "", "status": status,
                 "submitted_at": now - timedelta(minutes=n - i), "created_at": now, "updated_at": now}
                for i in range(n)]
        db.session.execute(insert(Workshop.__table__), rows)
        db.session.execute(insert(WorkshopMember.__table__), [
            {"workshop_id": r["id"], "user_id": lead_id, "role": "lead", "status": "active", "requested_at": now}
            for r in rows])
        db.session.commit()


@pytest.fixture
def directory(make_user, make_department, make_workshop):
    plant = make_department("第一机械厂")
    floor = make_department("机加工车间", parent=plant)
    other = make_department("动力分公司")
    wang = make_user(name="王振华")
    liu = make_user(name="刘志强")
    make_workshop(name="王振华数控技能大师工作室", lead=wang, kind="master", level="city", department=floor,
                  field="数控加工")
    make_workshop(name="刘志强焊接劳模创新工作室", lead=liu, kind="model_worker", level="province", department=other,
                  field="焊接工艺")
    make_workshop(name="电力运维工匠创新工作室", kind="craftsman", level="enterprise", department=other,
                  field="变电运维")
    make_workshop(name="钳工技艺工作室", status="revoked", kind="worker", department=plant, field="钳工")
    return {"plant": plant, "floor": floor, "other": other}


def names_in(page: str) -> set[str]:
    every = ("王振华数控技能大师工作室", "刘志强焊接劳模创新工作室", "电力运维工匠创新工作室", "钳工技艺工作室")
    return {name for name in every if name in page}


@both_backends
def test_live_search_on_name_field_and_lead(client, login_as, directory):
    login_as("worker")
    assert names_in(html_text(client.get("/workshops/?q=数控", headers=HX))) == {"王振华数控技能大师工作室"}
    assert names_in(html_text(client.get("/workshops/?q=焊接工", headers=HX))) == {"刘志强焊接劳模创新工作室"}
    assert names_in(html_text(client.get("/workshops/?q=变电", headers=HX))) == {"电力运维工匠创新工作室"}
    assert names_in(html_text(client.get("/workshops/?q=志强", headers=HX))) == {"刘志强焊接劳模创新工作室"}
    assert names_in(html_text(client.get("/workshops/?q=工作室", headers=HX))) == names_in(
        "王振华数控技能大师工作室 刘志强焊接劳模创新工作室 电力运维工匠创新工作室 钳工技艺工作室")


def test_search_is_safe_with_sql_wildcards_and_quotes(client, login_as, directory):
    login_as("worker")
    for q in ("%", "_", "'; DROP TABLE workshops; --", "\\", "<script>"):
        response = client.get("/workshops/", query_string={"q": q}, headers=HX)
        assert response.status_code == 200
        assert names_in(html_text(response)) == set(), q
    assert "没有找到符合条件的工作室" in html_text(client.get("/workshops/?q=%25"))


def test_filters_kind_level_department_subtree_and_status(client, login_as, directory):
    login_as("worker")
    assert names_in(html_text(client.get("/workshops/?kind=master"))) == {"王振华数控技能大师工作室"}
    assert names_in(html_text(client.get("/workshops/?level=province"))) == {"刘志强焊接劳模创新工作室"}
    plant = directory["plant"].id
    assert names_in(html_text(client.get(f"/workshops/?department={plant}"))) == {"王振华数控技能大师工作室",
                                                                                 "钳工技艺工作室"}
    assert names_in(html_text(client.get("/workshops/?status=revoked"))) == {"钳工技艺工作室"}
    # Unknown values are ignored, not errors.
    assert client.get("/workshops/?kind=bogus&level=x&status=y&department=abc").status_code == 200


def test_directory_fragment_and_full_page(client, login_as, directory):
    login_as("worker")
    full = client.get("/workshops/?q=数控")
    fragment = client.get("/workshops/?q=数控", headers=HX)
    for response in (full, fragment):
        assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" in html_text(full) and 'id="q"' in html_text(full)
    assert "<html" not in html_text(fragment) and 'id="q"' not in html_text(fragment)
    assert "王振华数控技能大师工作室" in html_text(fragment)
    assert len(fragment.data) < 0.5 * len(full.data)


def test_directory_pages_by_key(app, client, login_as, make_user):
    lead = make_user()
    bulk_workshops(app, lead.id, 45)
    login_as("worker")
    first = html_text(client.get("/workshops/"))
    assert "批量工作室0000" in first and "批量工作室0019" in first and "批量工作室0020" not in first
    assert "共 45 个工作室" in first
    import re

    after = re.search(r'href="/workshops/\?after=([^"&]+)"', first).group(1)
    second = html_text(client.get(f"/workshops/?after={after}", headers=HX))
    assert "批量工作室0020" in second and "批量工作室0019" not in second


@pytest.mark.parametrize("path", ["/workshops/", "/workshops/review"])
def test_list_queries_do_not_grow_with_rows(app, client, login_as, make_user, count_queries, path):
    login_as("worker", "admin")
    lead = make_user()
    status = "pending" if path.endswith("review") else "approved"
    bulk_workshops(app, lead.id, 10, status=status, prefix="甲")
    client.get(path)  # warm up (first request loads settings, translations…)
    with count_queries() as small:
        assert client.get(path).status_code == 200
    bulk_workshops(app, lead.id, 190, status=status, prefix="乙")
    with count_queries() as large:
        page = html_text(client.get(path))
    assert "乙工作室" in page or "甲工作室" in page
    assert small.count == large.count, large.statements
    assert large.count <= 7, large.statements
    with count_queries() as fragment:
        client.get(path, headers=HX)
    # A fragment skips the queue's recommendations waiting for the viewer's level (the navbar's unread count comes
    # with the user, and the directory's department box is a type-ahead picker that costs no query until a
    # department is chosen).
    assert fragment.count == large.count - (1 if path.endswith("review") else 0)


def test_review_queue_oldest_first_fragment_and_full_page(app, client, login_as, make_user):
    login_as("worker", "admin")
    bulk_workshops(app, make_user().id, 3, status="pending", prefix="待审")
    full = client.get("/workshops/review")
    fragment = client.get("/workshops/review", headers=HX)
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    body = html_text(full)
    assert body.index("待审工作室0000") < body.index("待审工作室0002")
    assert '<span id="queue-count" class="badge text-bg-warning">3</span>' in body
    assert "<html" not in html_text(fragment) and "待审工作室0001" in html_text(fragment)


def test_approving_in_the_queue_returns_the_row_and_the_new_count(app, client, login_as, make_workshop):
    login_as("worker", "admin")
    first = make_workshop(status="pending")
    make_workshop(status="pending")
    response = client.post(f"/workshops/{first.id}/approve", headers=HX)
    body = html_text(response)
    assert response.status_code == 200 and f'id="review-{first.id}"' in body and "已批准" in body
    assert '<span id="queue-count" class="badge text-bg-warning" hx-swap-oob="true">1</span>' in body
    plain = client.post(f"/workshops/{first.id}/approve", data={"next": "/workshops/review"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/workshops/review"


def test_deciding_in_the_queue_updates_the_footer_total_too(app, client, login_as, make_workshop):
    login_as("worker", "admin")
    first = make_workshop(status="pending")
    make_workshop(status="pending")
    page = html_text(client.get("/workshops/review"))
    assert '<span id="queue-total">共 2 条</span>' in page  # the footer the in-place decision updates
    body = html_text(client.post(f"/workshops/{first.id}/reject", data={"reason": "材料不全"}, headers=HX))
    assert '<span id="queue-total" hx-swap-oob="true">共 1 条</span>' in body


def test_answering_on_the_request_list_updates_its_total(app, client, auth, make_user, make_workshop):
    lead, first, second = make_user(), make_user(), make_user()
    made = make_workshop(lead=lead, requested=[first, second])
    auth.login(lead.employee_no)
    assert '<span id="requests-total">共 2 条</span>' in html_text(client.get("/workshops/requests"))
    body = html_text(client.post(f"/workshops/{made.id}/members/{made.member_ids[first.id]}/approve",
                                 data={"from": "requests"}, headers=HX))
    assert "已同意，已加入" in body and '<span id="requests-total" hx-swap-oob="true">共 1 条</span>' in body
    on_profile = html_text(client.post(f"/workshops/{made.id}/members/{made.member_ids[second.id]}/decline",
                                       headers=HX))
    assert "requests-total" not in on_profile  # the profile page has no such total


def test_join_requests_page_lists_requests_of_my_workshops_only(app, client, auth, make_user, make_workshop):
    lead, deputy, a, b, c = (make_user() for _ in range(5))
    mine = make_workshop(lead=lead, deputies=[deputy], requested=[a, b], name="我的工作室")
    make_workshop(requested=[c], name="别人的工作室")
    for person in (lead, deputy):
        auth.login(person.employee_no)
        full = client.get("/workshops/requests")
        fragment = client.get("/workshops/requests", headers=HX)
        assert "HX-Request" in full.headers["Vary"] and "<html" not in html_text(fragment)
        body = html_text(full)
        assert a.name in body and b.name in body and c.name not in body and "别人的工作室" not in body
        auth.logout()
    auth.login(a.employee_no)
    assert "没有待处理的加入申请" in html_text(client.get("/workshops/requests"))
    # Answering from this page keeps the workshop name in the row.
    auth.logout()
    auth.login(lead.employee_no)
    response = client.post(f"/workshops/{mine.id}/members/{mine.member_ids[a.id]}/approve",
                           data={"from": "requests"}, headers=HX)
    assert "我的工作室" in html_text(response) and "已同意" in html_text(response)


def test_export_the_filtered_directory(app, client, login_as, directory):
    login_as("worker")
    response = client.get("/workshops/export.xlsx?level=city")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工作室名称", "类别", "级别")
    assert [r[0] for r in rows[1:]] == ["王振华数控技能大师工作室"]
    assert rows[1][1:5] == ("技能大师工作室", "市级", "已批准", "王振华")
    assert rows[1][8].date() == date(2020, 5, 1)
    assert workshop_audit(app, "workshop.exported")[0][2].startswith("1 rows")


def test_export_neutralises_formulas(app, client, login_as, make_workshop):
    make_workshop(name="=HYPERLINK(\"http://x\")工作室", field="+SUM(A1)")
    login_as("worker")
    sheet = load_workbook(io.BytesIO(client.get("/workshops/export.xlsx").data)).active
    row = list(sheet.iter_rows(values_only=True))[1]
    assert row[0].startswith("'=") and row[7].startswith("'+")


def test_my_space_panels(app, client, auth, make_user, make_workshop):
    admin = make_user(roles=("worker", "admin"))
    lead, worker = make_user(roles=("worker", "lead")), make_user()
    make_workshop(lead=lead, members=[worker], requested=[make_user(), make_user()], name="甲工作室")
    make_workshop(status="pending", name="乙工作室")
    make_workshop(requested=[worker], name="丙工作室")
    make_workshop(status="draft", members=[worker], name="丁工作室")
    make_workshop(status="pending", members=[worker], name="戊工作室")
    auth.login(worker.employee_no)
    home = html_text(client.get("/"))
    assert "我的工作室" in home and "甲工作室" in home and "丙工作室" in home and "申请中" in home
    assert "丁工作室" not in home  # a founding member cannot open someone else's draft, so it is not listed
    assert "戊工作室" in home and "待审批" in home
    assert "工作室加入申请" not in home and "工作室审批" not in home
    auth.logout()
    auth.login(lead.employee_no)
    home = html_text(client.get("/"))
    assert "有 2 条加入申请等您处理。" in home and 'href="/workshops/requests"' in home
    auth.logout()
    auth.login(admin.employee_no)
    home = html_text(client.get("/"))
    assert "有 2 个工作室等待审批。" in home and 'href="/workshops/review"' in home
    assert "您还没有加入创新工作室" in home


def test_panels_cost_one_query_each(app, client, auth, make_user, make_workshop, count_queries):
    admin = make_user(roles=("worker", "admin", "lead"))
    auth.login(admin.employee_no)
    client.get("/")
    with count_queries() as few:
        client.get("/")
    for _ in range(5):
        make_workshop(lead=admin, requested=[make_user()])
    with count_queries() as many:
        client.get("/")
    assert few.count == many.count


def test_join_requests_page_queries_do_not_grow_with_rows(app, client, auth, make_user, make_workshop,
                                                          count_queries):
    lead = make_user()
    made = make_workshop(lead=lead)
    people = [make_user() for _ in range(30)]
    now = datetime.now(UTC)

    def ask(users):
        with app.app_context():
            db.session.execute(insert(WorkshopMember.__table__), [
                {"workshop_id": made.id, "user_id": u.id, "role": "member", "status": "requested",
                 "requested_at": now} for u in users])
            db.session.commit()

    ask(people[:10])
    auth.login(lead.employee_no)
    client.get("/workshops/requests")
    with count_queries() as small:
        client.get("/workshops/requests")
    ask(people[10:])
    with count_queries() as large:
        page = html_text(client.get("/workshops/requests"))
    assert "共 30 条" in page
    assert small.count == large.count <= 6


def test_profile_shows_the_sections_other_domains_register(app, client, auth, make_user, make_workshop, monkeypatch):
    """The profile includes no other domain's template by name: each domain registers a section (core)."""
    from blueprints.core import profile_sections

    asked = []

    def hidden_section(workshop, viewer):
        asked.append((workshop.id, viewer.id))
        return None  # a provider may leave its section out

    monkeypatch.setattr(profile_sections, "_PROVIDERS", [*profile_sections._PROVIDERS, hidden_section])
    lead = make_user()
    made = make_workshop(lead=lead)
    auth.login(lead.employee_no)
    page = html_text(client.get(f"/workshops/{made.id}"))
    assert "经本工作室采纳的建议" in page  # the section the suggestions domain registers
    assert asked == [(made.id, lead.id)]
