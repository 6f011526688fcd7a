"""Who reaches what: drafts and their files stay private, reviewer and admin pages are closed to others, and every
route of the domain is in the access matrix below."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from blueprints.core.models import AuditLog
from extensions import db
from tests.conftest import html_text
from tests.fixtures_suggestions import PDF_BYTES, png_bytes

# Every route of the domain: (method, how its URL is built) and who may open it. A new route without an entry here
# fails test_every_route_is_in_the_matrix, so nobody adds a page without deciding who may see it.
# "any" = every signed-in user, "reviewer" = admins and workshop leads/deputies, "admin" = union admins,
# "object" = decided per suggestion (tested separately).
ROUTES = {
    "suggestions.index": ("GET", "/suggestions/", "any"),
    "suggestions.export": ("POST", "/suggestions/export", "any"),
    "suggestions.similar": ("GET", "/suggestions/similar?title=车床", "any"),
    "suggestions.new": ("GET", "/suggestions/new", "any"),
    "suggestions.detail": ("GET", "/suggestions/{id}", "object"),
    "suggestions.edit": ("GET", "/suggestions/{id}/edit", "object"),
    "suggestions.download": ("GET", "/suggestions/{id}/files/{file}", "object"),
    "suggestions.submit": ("POST", "/suggestions/{id}/submit", "object"),
    "suggestions.withdraw": ("POST", "/suggestions/{id}/withdraw", "object"),
    "suggestions.comment": ("POST", "/suggestions/{id}/comments", "object"),
    "suggestions.endorse": ("POST", "/suggestions/{id}/endorse", "object"),
    "suggestions.add_note": ("POST", "/suggestions/{id}/notes", "object"),
    "suggestions.decide": ("GET", "/suggestions/{id}/decide/accept", "object"),
    "suggestions.reassign": ("POST", "/suggestions/{id}/reassign", "admin"),
    "suggestions.award": ("GET", "/suggestions/{id}/award", "admin"),
    "suggestions.award_preview": ("GET", "/suggestions/{id}/award/preview", "admin"),
    "suggestions.review": ("GET", "/suggestions/review", "reviewer"),
    "suggestions.review_counts": ("GET", "/suggestions/review/counts", "reviewer"),
    "suggestions.review_item": ("GET", "/suggestions/review/item/{id}", "reviewer"),
    "suggestions.review_bulk": ("POST", "/suggestions/review/bulk", "reviewer"),
    "suggestions.answer_templates": ("GET", "/suggestions/review/templates", "reviewer"),
    "suggestions.delete_answer_template": ("POST", "/suggestions/review/templates/999/delete", "reviewer"),
    "suggestions.rewards": ("GET", "/suggestions/rewards", "admin"),
    "suggestions.rewards_export": ("POST", "/suggestions/rewards/export", "admin"),
    "suggestions.rewards_pay": ("POST", "/suggestions/rewards/pay", "admin"),
    "suggestions.recommend": ("POST", "/suggestions/{id}/recommend", "admin"),
    "suggestions.recommendation_decide": ("POST", "/suggestions/{id}/recommendation/forward", "admin"),
    "suggestions.recommendations": ("GET", "/suggestions/recommendations", "admin"),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("suggestions.")}
    assert endpoints == set(ROUTES)


def _url(template: str, suggestion_id: int, file_id: int = 1) -> str:
    return template.format(id=suggestion_id, file=file_id)


def test_signed_out_visitors_are_sent_to_login_everywhere(client, suggestion_setup, make_suggestion):
    suggestion = make_suggestion(suggestion_setup.author, workshop=suggestion_setup.workshop)
    for endpoint, (method, template, _who) in ROUTES.items():
        response = client.open(_url(template, suggestion.id), method=method)
        assert response.status_code in (302, 303), endpoint
        assert "/auth/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize("who, allowed", [("colleague", set()), ("lead", {"reviewer"}), ("deputy", {"reviewer"}),
                                          ("admin", {"reviewer", "admin"})])
def test_role_pages_are_closed_to_everyone_else(app, client, auth, suggestion_setup, make_suggestion, who, allowed):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop)
    auth.login(getattr(world, who).employee_no)
    for endpoint, (method, template, level) in ROUTES.items():
        if level not in ("reviewer", "admin"):
            continue
        response = client.open(_url(template, suggestion.id), method=method,
                               headers={"HX-Request": "true"} if endpoint == "suggestions.review_item" else None)
        if level in allowed:
            assert response.status_code in (200, 303, 404), (endpoint, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, response.status_code)


def test_a_lead_without_an_approved_workshop_sees_why_the_queue_is_empty(client, login_as):
    login_as("lead", "worker")
    response = client.get("/suggestions/review")
    assert response.status_code == 200
    assert "您目前没有可审核的工作室" in html_text(response)


def test_a_deputy_who_is_only_a_worker_still_reviews(client, auth, suggestion_setup, make_suggestion):
    world = suggestion_setup
    make_suggestion(world.author, workshop=world.workshop, title="副负责人能看到的建议")
    auth.login(world.deputy.employee_no)
    assert "副负责人能看到的建议" in html_text(client.get("/suggestions/review"))


def _draft_with_file(app, client, auth, world, suggestion_form_data):
    auth.login(world.author.employee_no)
    data = suggestion_form_data(action="draft", coauthors=world.coauthor.employee_no)
    data["files"] = [(io.BytesIO(PDF_BYTES), "方案.pdf")]
    response = client.post("/suggestions/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    suggestion_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        from blueprints.suggestions.models import SuggestionAttachment

        attachment_id = db.session.scalar(select(SuggestionAttachment.id))
    auth.logout()
    return suggestion_id, attachment_id


@pytest.mark.parametrize("who", ["colleague", "lead", "admin"])
def test_someone_elses_draft_and_its_file_are_not_found(app, client, auth, suggestion_setup, suggestion_form_data,
                                                        who):
    world = suggestion_setup
    suggestion_id, attachment_id = _draft_with_file(app, client, auth, world, suggestion_form_data)
    auth.login(getattr(world, who).employee_no)
    for method, url in (("GET", f"/suggestions/{suggestion_id}"), ("GET", f"/suggestions/{suggestion_id}/edit"),
                        ("GET", f"/suggestions/{suggestion_id}/files/{attachment_id}"),
                        ("POST", f"/suggestions/{suggestion_id}/submit"),
                        ("POST", f"/suggestions/{suggestion_id}/withdraw"),
                        ("POST", f"/suggestions/{suggestion_id}/comments"),
                        ("POST", f"/suggestions/{suggestion_id}/endorse"),
                        ("GET", f"/suggestions/{suggestion_id}/decide/accept")):
        assert client.open(url, method=method).status_code == 404, url
    listing = html_text(client.get("/suggestions/?mine="))
    assert f"/suggestions/{suggestion_id}\"" not in listing
    with app.app_context():
        denials = db.session.scalar(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.action == "access.denied"))
        assert denials >= 1


def test_the_author_and_co_author_open_the_draft_and_download_its_file(app, client, auth, suggestion_setup,
                                                                       suggestion_form_data):
    world = suggestion_setup
    suggestion_id, attachment_id = _draft_with_file(app, client, auth, world, suggestion_form_data)
    for who in (world.author, world.coauthor):
        auth.login(who.employee_no)
        assert client.get(f"/suggestions/{suggestion_id}").status_code == 200
        response = client.get(f"/suggestions/{suggestion_id}/files/{attachment_id}")
        assert response.status_code == 200
        assert response.data == PDF_BYTES
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        auth.logout()
    # Only the author edits; the co-author is refused.
    auth.login(world.coauthor.employee_no)
    assert client.get(f"/suggestions/{suggestion_id}/edit").status_code == 403


def test_a_file_is_only_reachable_through_its_own_suggestion(app, client, auth, suggestion_setup,
                                                             suggestion_form_data, make_suggestion):
    world = suggestion_setup
    private_id, attachment_id = _draft_with_file(app, client, auth, world, suggestion_form_data)
    public = make_suggestion(world.colleague, workshop=world.workshop)
    auth.login(world.colleague.employee_no)
    # The colleague may see their public suggestion, but the draft's file id does not belong to it.
    assert client.get(f"/suggestions/{public.id}/files/{attachment_id}").status_code == 404
    assert client.get(f"/suggestions/{private_id}/files/{attachment_id}").status_code == 404


def test_submitted_files_are_downloadable_by_colleagues(app, client, auth, suggestion_setup, suggestion_form_data):
    world = suggestion_setup
    auth.login(world.author.employee_no)
    data = suggestion_form_data(workshop_id=str(world.workshop.id))
    data["files"] = [(io.BytesIO(png_bytes()), "现场.png")]
    response = client.post("/suggestions/new", data=data, content_type="multipart/form-data")
    suggestion_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        from blueprints.suggestions.models import SuggestionAttachment

        attachment_id = db.session.scalar(select(SuggestionAttachment.id))
    auth.logout()
    auth.login(world.colleague.employee_no)
    response = client.get(f"/suggestions/{suggestion_id}/files/{attachment_id}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "attachment" in response.headers["Content-Disposition"]


def test_reviewer_notes_are_hidden_from_authors_and_colleagues(app, client, auth, suggestion_setup, make_suggestion):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop, coauthors=[world.coauthor])
    auth.login(world.lead.employee_no)
    assert client.post(f"/suggestions/{suggestion.id}/notes", data={"body": "机密：成本偏高"}).status_code == 303
    assert "机密：成本偏高" in html_text(client.get(f"/suggestions/{suggestion.id}"))
    auth.logout()
    auth.login(world.deputy.employee_no)
    assert "机密：成本偏高" in html_text(client.get(f"/suggestions/{suggestion.id}"))
    for who in (world.author, world.coauthor, world.colleague, world.other_lead):
        auth.logout()
        auth.login(who.employee_no)
        assert "机密：成本偏高" not in html_text(client.get(f"/suggestions/{suggestion.id}"))
        assert client.post(f"/suggestions/{suggestion.id}/notes", data={"body": "我也想写"}).status_code == 403


def test_reward_amounts_show_only_to_the_rewarded_and_admins(app, client, auth, suggestion_setup, make_suggestion):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop,
                                 coauthors=[world.coauthor])
    auth.login(world.admin.employee_no)
    client.post(f"/suggestions/{suggestion.id}/award", data={
        "grade": "second", "amount": "1000", f"share-{world.author.id}": "50", f"share-{world.coauthor.id}": "50"})
    for who, sees in ((world.author, True), (world.coauthor, True), (world.admin, True), (world.colleague, False),
                      (world.lead, False)):
        auth.logout()
        auth.login(who.employee_no)
        page = html_text(client.get(f"/suggestions/{suggestion.id}"))
        assert "二等奖" in page
        assert ("¥500.00" in page) is sees, who.name


def test_every_state_changing_route_needs_the_csrf_token(app, client, auth, suggestion_setup, make_suggestion,
                                                         suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, workshop=world.workshop)
    auth.login(world.admin.employee_no)
    posts = [(endpoint, template) for endpoint, (method, template, _who) in ROUTES.items() if method == "POST"]
    posts += [("suggestions.decide", "/suggestions/{id}/decide/reject"), ("suggestions.new", "/suggestions/new"),
              ("suggestions.award", "/suggestions/{id}/award")]
    for endpoint, template in posts:
        response = client.post(_url(template, suggestion.id), data={"comment": "x", "body": "x"}, csrf=False)
        assert response.status_code == 400, endpoint
    assert suggestion_row(suggestion.id).status == "submitted"
    # The same request with the token as a form field (not the header) goes through.
    response = client.post(f"/suggestions/{suggestion.id}/decide/reject", csrf=False,
                           data={"comment": "与规程冲突", "csrf_token": client.csrf_token()})
    assert response.status_code == 303
    assert suggestion_row(suggestion.id).status == "rejected"
