"""Bad input on the suggestion form: every refusal is clear, keeps what was typed and stores nothing."""
from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import func, select

from blueprints.core.models import StoredFile
from blueprints.suggestions.models import Suggestion, SuggestionAttachment
from extensions import db
from tests.conftest import html_text
from tests.fixtures_suggestions import PDF_BYTES, png_bytes


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _post_new(client, data, files=None):
    if files is not None:
        data = dict(data, files=files)
        return client.post("/suggestions/new", data=data, content_type="multipart/form-data")
    return client.post("/suggestions/new", data=data)


def test_missing_fields_are_all_named_at_once_and_what_was_typed_stays(app, client, login_as, suggestion_form_data):
    login_as()
    response = _post_new(client, suggestion_form_data(title="", category="", problem="", proposal="只写了措施",
                                                      expected_benefit=""))
    body = html_text(response)
    assert response.status_code == 200
    for message in ("请填写标题", "请选择类别", "提交前请填写现状与问题", "提交前请填写预期效益"):
        assert message in body
    assert "只写了措施" in body
    assert _count(app, Suggestion) == 0


def test_a_draft_needs_only_title_and_category(app, client, login_as, suggestion_form_data):
    login_as()
    response = _post_new(client, suggestion_form_data(action="draft", problem="", proposal="", expected_benefit=""))
    assert response.status_code == 303
    assert _count(app, Suggestion) == 1


@pytest.mark.parametrize("field, limit", [("title", 100), ("problem", 3000), ("proposal", 5000),
                                          ("expected_benefit", 2000)])
def test_overlong_text_is_refused_with_its_limit(app, client, login_as, suggestion_form_data, field, limit):
    login_as()
    body = html_text(_post_new(client, suggestion_form_data(**{field: "长" * (limit + 1)})))
    assert f"最多 {limit} 个字" in body
    assert _count(app, Suggestion) == 0


@pytest.mark.parametrize("coauthors, message", [
    ("nobody99", "找不到这些工号：nobody99"),
    ("{inactive}", "账号已停用"),
    ("{me}", "不必再把自己列为合作者"),
    ("a1, a2, a3, a4, a5, a6", "合作者最多 5 人"),
])
def test_bad_co_authors_are_refused_and_the_typed_list_is_kept(app, client, login_as, make_user,
                                                               suggestion_form_data, coauthors, message):
    me = login_as()
    inactive = make_user(employee_no="gone1", active=False)
    for n in range(1, 7):
        make_user(employee_no=f"a{n}")
    typed = coauthors.format(inactive=inactive.employee_no, me=me.employee_no)
    body = html_text(_post_new(client, suggestion_form_data(coauthors=typed, title="我的标题还在")))
    assert message in body
    assert typed.split(",")[0] in body and "我的标题还在" in body
    assert _count(app, Suggestion) == 0


def test_co_authors_by_employee_number_in_any_separator(app, client, login_as, make_user, suggestion_form_data):
    login_as()
    first, second = make_user(employee_no="zs01"), make_user(employee_no="ls02")
    assert _post_new(client, suggestion_form_data(coauthors="zs01，ls02")).status_code == 303
    with app.app_context():
        from blueprints.suggestions.models import SuggestionCoauthor

        rows = db.session.execute(select(SuggestionCoauthor.user_id, SuggestionCoauthor.position)
                                  .order_by(SuggestionCoauthor.position)).all()
    assert rows == [(first.id, 0), (second.id, 1)]


def test_a_workshop_that_is_not_approved_cannot_receive_suggestions(app, client, login_as, suggestion_form_data,
                                                                   make_suggestion_workshop):
    login_as()
    pending = make_suggestion_workshop(status="pending")
    body = html_text(_post_new(client, suggestion_form_data(workshop_id=str(pending.id))))
    assert "is-invalid" in body
    assert _count(app, Suggestion) == 0


def test_the_default_workshop_is_one_the_author_belongs_to(client, auth, suggestion_setup):
    auth.login(suggestion_setup.author.employee_no)
    body = html_text(client.get("/suggestions/new"))
    assert f'name="workshop_id" value="{suggestion_setup.workshop.id}"' in body
    assert f'value="{suggestion_setup.workshop.name}"' in body  # the picker's text box shows its name


# --- Uploads -----------------------------------------------------------------------------------------------------


@pytest.mark.app_config({"MAX_UPLOAD_BYTES": 1024})
def test_a_file_that_is_too_big_is_refused_and_nothing_is_stored(app, client, login_as, suggestion_form_data):
    login_as()
    big = PDF_BYTES + b"0" * 2048
    body = html_text(_post_new(client, suggestion_form_data(), files=[(io.BytesIO(big), "大文件.pdf")]))
    assert "超过 0 MB" in body or "请压缩后再上传" in body
    assert "重新选择文件" in body  # the browser cannot keep the chosen files: say so
    assert _count(app, Suggestion) == 0 and _count(app, StoredFile) == 0


@pytest.mark.parametrize("name, content, message", [
    ("方案.pdf", b"<html><script>alert(1)</script></html>", "内容与扩展名不符"),
    ("照片.png", PDF_BYTES, "内容与扩展名不符"),
    ("工具.exe", b"MZ\x90\x00", "不支持"),
    ("空的.pdf", b"", "是空的"),
])
def test_files_whose_contents_do_not_match_are_refused(app, client, login_as, suggestion_form_data, name, content,
                                                       message):
    login_as()
    response = _post_new(client, suggestion_form_data(), files=[(io.BytesIO(content), name)])
    assert message in html_text(response)
    assert _count(app, Suggestion) == 0 and _count(app, StoredFile) == 0


def test_a_path_traversal_name_is_stored_under_a_generated_name(app, client, login_as, suggestion_form_data):
    login_as()
    response = _post_new(client, suggestion_form_data(), files=[(io.BytesIO(png_bytes()), "../../../etc/现场.png")])
    assert response.status_code == 303
    upload_root = os.path.realpath(app.config["UPLOAD_FOLDER"])
    with app.app_context():
        stored = db.session.scalar(select(StoredFile))
    assert stored.original_name == "现场.png"
    written = [os.path.join(d, f) for d, _dirs, files in os.walk(upload_root) for f in files]
    assert len(written) == 1
    assert os.path.realpath(written[0]).startswith(upload_root + os.sep)
    assert os.path.basename(written[0]) == stored.storage_key and ".." not in stored.storage_key


def test_more_than_five_attachments_are_refused_counting_the_ones_already_there(app, client, auth, suggestion_setup,
                                                                             suggestion_form_data):
    auth.login(suggestion_setup.author.employee_no)
    six = [(io.BytesIO(png_bytes()), f"p{n}.png") for n in range(6)]
    assert "最多上传 5 个附件" in html_text(_post_new(client, suggestion_form_data(action="draft"), files=six))
    four = [(io.BytesIO(png_bytes()), f"p{n}.png") for n in range(4)]
    response = _post_new(client, suggestion_form_data(action="draft"), files=four)
    suggestion_id = int(response.headers["Location"].rsplit("/", 1)[1])
    data = dict(suggestion_form_data(action="draft"), files=[(io.BytesIO(png_bytes()), f"q{n}.png") for n in range(2)])
    body = html_text(client.post(f"/suggestions/{suggestion_id}/edit", data=data, content_type="multipart/form-data"))
    assert "附件最多 5 个" in body
    assert _count(app, SuggestionAttachment) == 4
    # Removing one makes room.
    with app.app_context():
        first = db.session.scalar(select(SuggestionAttachment.id).order_by(SuggestionAttachment.id))
    data = dict(suggestion_form_data(action="draft"), remove_files=[str(first)],
                files=[(io.BytesIO(png_bytes()), f"r{n}.png") for n in range(2)])
    assert client.post(f"/suggestions/{suggestion_id}/edit", data=data,
                       content_type="multipart/form-data").status_code == 303
    assert _count(app, SuggestionAttachment) == 5 and _count(app, StoredFile) == 5


@pytest.mark.app_config({"MAX_CONTENT_LENGTH": 4096})
def test_an_oversized_request_gets_the_friendly_413_page(app, client, login_as, suggestion_form_data):
    login_as()
    response = _post_new(client, suggestion_form_data(), files=[(io.BytesIO(b"%PDF-" + b"0" * 8000), "x.pdf")])
    assert response.status_code == 413
    assert "文件过大" in html_text(response)
    assert _count(app, Suggestion) == 0


def test_editing_outside_draft_or_returned_is_refused(app, client, auth, suggestion_setup, make_suggestion,
                                                      suggestion_form_data, suggestion_row):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="accepted", workshop=world.workshop)
    auth.login(world.author.employee_no)
    response = client.post(f"/suggestions/{suggestion.id}/edit", data=suggestion_form_data(title="偷偷改"))
    assert response.status_code == 303
    assert suggestion_row(suggestion.id).title != "偷偷改"
    assert "不能修改" in html_text(client.get(f"/suggestions/{suggestion.id}"))


# --- XSS ---------------------------------------------------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_markup_typed_anywhere_is_shown_as_text(app, client, auth, suggestion_setup, suggestion_form_data):
    world = suggestion_setup
    auth.login(world.author.employee_no)
    response = _post_new(client, suggestion_form_data(
        title="标题" + PAYLOAD[:60], problem=PAYLOAD, proposal=PAYLOAD, expected_benefit=PAYLOAD,
        workshop_id=str(world.workshop.id)))
    suggestion_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/suggestions/{suggestion_id}/comments", data={"body": PAYLOAD})
    auth.logout()
    auth.login(world.lead.employee_no)
    client.post(f"/suggestions/{suggestion_id}/notes", data={"body": PAYLOAD})
    client.post("/suggestions/review/templates", data={"kind": "return", "title": "模板" + PAYLOAD[:30],
                                                       "body": PAYLOAD})
    client.post(f"/suggestions/{suggestion_id}/decide/return", data={"comment": PAYLOAD})
    pages = [f"/suggestions/{suggestion_id}", "/suggestions/", "/suggestions/review?status=returned",
             "/suggestions/review/templates", f"/suggestions/similar?title={suggestion_form_data()['title']}",
             "/notifications/"]
    for url in pages:
        body = html_text(client.get(url))
        assert "<script>alert" not in body and "<img src=x" not in body, url
    detail = html_text(client.get(f"/suggestions/{suggestion_id}"))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in detail
    auth.logout()
    auth.login(world.author.employee_no)
    for url in (f"/suggestions/{suggestion_id}", f"/suggestions/{suggestion_id}/edit", "/", "/notifications/"):
        body = html_text(client.get(url))
        assert "<script>alert" not in body and "<img src=x" not in body, url
