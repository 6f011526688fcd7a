"""Achievements with attachments (and the upload refusals of QUALITY §7), and the admin's level history."""
from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from blueprints.core.models import StoredFile
from blueprints.workshops.models import Achievement, LevelChange
from extensions import db
from tests.conftest import both_backends, html_text
from tests.fixtures_workshops import (
    workshop_audit,
    workshop_docx_bytes,
    workshop_notes,
    workshop_pdf_bytes,
    workshop_row,
)


def achievements(app, workshop_id: int) -> list[Achievement]:
    with app.app_context():
        rows = db.session.scalars(select(Achievement).where(Achievement.workshop_id == workshop_id)
                                  .order_by(Achievement.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def stored_files(app) -> list[StoredFile]:
    with app.app_context():
        rows = db.session.scalars(select(StoredFile).order_by(StoredFile.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def form(**overrides) -> dict:
    data = {"title": "一种数控车床快速装夹夹具", "kind": "patent", "achieved_on": "2023-05-01",
            "description": "装夹时间由 15 分钟缩短到 3 分钟。"}
    data.update(overrides)
    return data


@pytest.fixture
def lead_workshop(auth, make_user, make_workshop):
    lead = make_user()
    made = make_workshop(lead=lead)
    auth.login(lead.employee_no)
    return made


@both_backends
def test_add_an_achievement_with_an_attachment(app, client, lead_workshop):
    data = form(file=(io.BytesIO(workshop_pdf_bytes()), "专利证书.pdf"))
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/new", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("#achievements")
    [achievement] = achievements(app, lead_workshop.id)
    assert (achievement.title, achievement.kind, achievement.achieved_on) == ("一种数控车床快速装夹夹具", "patent",
                                                                             date(2023, 5, 1))
    [stored] = stored_files(app)
    assert achievement.file_id == stored.id and stored.original_name == "专利证书.pdf"
    assert stored.content_type == "application/pdf"
    page = html_text(client.get(f"/workshops/{lead_workshop.id}"))
    assert "一种数控车床快速装夹夹具" in page and "专利证书.pdf" in page
    assert workshop_audit(app, "workshop.achievement_added")


def test_add_without_a_file(app, client, lead_workshop):
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/new", data=form(kind="technique"))
    assert response.status_code == 303
    assert achievements(app, lead_workshop.id)[0].file_id is None and stored_files(app) == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("证书.pdf", b"<html><script>alert(1)</script></html>", "的内容与扩展名不符"),
    ("照片.png", b"MZ\x90\x00\x03\x00\x00\x00", "的内容与扩展名不符"),
    ("脚本.exe", b"MZ\x90\x00", "不支持“脚本.exe”的文件类型"),
    ("空文件.pdf", b"", "是空的"),
    ("报告.docx", b"PK\x03\x04not really a zip", "的内容与扩展名不符"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(app, client, lead_workshop, name, content, message):
    data = form(file=(io.BytesIO(content), name))
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/new", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = html_text(response)
    assert message in page and "其他内容已保留，请重新选择文件。" in page
    assert 'value="一种数控车床快速装夹夹具"' in page and "装夹时间由 15 分钟缩短到 3 分钟。" in page
    assert achievements(app, lead_workshop.id) == [] and stored_files(app) == []
    assert not upload_dir(app).exists() or not any(p.is_file() for p in upload_dir(app).rglob("*"))


@pytest.mark.app_config({"MAX_UPLOAD_BYTES": 1024})
def test_an_oversized_attachment_is_refused(app, client, lead_workshop):
    big = workshop_pdf_bytes() + b"0" * 2048
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/new",
                           data=form(file=(io.BytesIO(big), "大文件.pdf")), content_type="multipart/form-data")
    assert "超过" in html_text(response) and "请压缩后再上传" in html_text(response)
    assert achievements(app, lead_workshop.id) == []


@pytest.mark.app_config({"MAX_CONTENT_LENGTH": 4096})
def test_a_request_over_the_app_limit_gets_413(app, client, lead_workshop):
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/new",
                           data=form(file=(io.BytesIO(b"%PDF-" + b"0" * 10000), "大.pdf")),
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "文件过大" in html_text(response)
    assert achievements(app, lead_workshop.id) == []


def test_achievement_date_in_the_future_is_refused(app, client, lead_workshop):
    future = (date.today() + timedelta(days=3)).isoformat()
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/new", data=form(achieved_on=future))
    assert "取得日期不能晚于今天。" in html_text(response)
    assert achievements(app, lead_workshop.id) == []


def test_edit_replaces_the_attachment_and_deletes_the_old_file(app, client, lead_workshop):
    client.post(f"/workshops/{lead_workshop.id}/achievements/new",
                data=form(file=(io.BytesIO(workshop_pdf_bytes()), "旧.pdf")), content_type="multipart/form-data")
    [achievement] = achievements(app, lead_workshop.id)
    [old] = stored_files(app)
    old_path = upload_dir(app) / old.storage_key[:2] / old.storage_key
    assert old_path.exists()
    page = html_text(client.get(f"/workshops/{lead_workshop.id}/achievements/{achievement.id}/edit"))
    assert 'value="一种数控车床快速装夹夹具"' in page and "旧.pdf" in page
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/{achievement.id}/edit",
                           data=form(title="改名后的成果", file=(io.BytesIO(workshop_docx_bytes()), "新.docx")),
                           content_type="multipart/form-data")
    assert response.status_code == 303
    [new] = stored_files(app)
    assert new.original_name == "新.docx" and not old_path.exists()
    assert achievements(app, lead_workshop.id)[0].title == "改名后的成果"
    # Remove the attachment altogether.
    client.post(f"/workshops/{lead_workshop.id}/achievements/{achievement.id}/edit",
                data=form(remove_file="y"))
    assert stored_files(app) == [] and achievements(app, lead_workshop.id)[0].file_id is None


def test_a_refused_replacement_keeps_the_old_file(app, client, lead_workshop):
    client.post(f"/workshops/{lead_workshop.id}/achievements/new",
                data=form(file=(io.BytesIO(workshop_pdf_bytes()), "旧.pdf")), content_type="multipart/form-data")
    [achievement] = achievements(app, lead_workshop.id)
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/{achievement.id}/edit",
                           data=form(title="不该保存", file=(io.BytesIO(b"not a pdf"), "坏.pdf")),
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "的内容与扩展名不符" in html_text(response)
    assert achievements(app, lead_workshop.id)[0].title == "一种数控车床快速装夹夹具"
    assert [f.original_name for f in stored_files(app)] == ["旧.pdf"]


def test_delete_an_achievement_and_its_file(app, client, lead_workshop):
    client.post(f"/workshops/{lead_workshop.id}/achievements/new",
                data=form(file=(io.BytesIO(workshop_pdf_bytes()), "证书.pdf")), content_type="multipart/form-data")
    [achievement] = achievements(app, lead_workshop.id)
    response = client.post(f"/workshops/{lead_workshop.id}/achievements/{achievement.id}/delete")
    assert response.status_code == 303
    assert achievements(app, lead_workshop.id) == [] and stored_files(app) == []
    assert workshop_audit(app, "workshop.achievement_deleted")


def test_members_cannot_touch_achievements_and_ids_must_match(app, client, auth, make_user, make_workshop):
    member = make_user()
    lead = make_user()
    mine = make_workshop(lead=lead, members=[member])
    other = make_workshop()
    auth.login(lead.employee_no)
    client.post(f"/workshops/{other.id}/achievements/new", data=form())  # 403: not their workshop
    assert achievements(app, other.id) == []
    auth.logout()
    # Put one achievement in the other workshop directly and try to reach it through "mine".
    with app.app_context():
        foreign = Achievement(workshop_id=other.id, title="别人的成果", kind="award")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    auth.login(lead.employee_no)
    assert client.get(f"/workshops/{mine.id}/achievements/{foreign_id}/edit").status_code == 404
    assert client.post(f"/workshops/{mine.id}/achievements/{foreign_id}/delete").status_code == 404
    assert len(achievements(app, other.id)) == 1
    auth.logout()
    auth.login(member.employee_no)
    assert client.post(f"/workshops/{mine.id}/achievements/new", data=form()).status_code == 403


# --- Level history -----------------------------------------------------------------------------------------


def test_admin_changes_the_level_with_a_date(app, client, login_as, make_workshop):
    login_as("worker", "admin")
    made = make_workshop(level="enterprise")
    page = html_text(client.get(f"/workshops/{made.id}/level"))
    assert "当前级别：企业级" in page
    response = client.post(f"/workshops/{made.id}/level",
                           data={"level": "city", "changed_on": "2024-06-01", "note": "市总工会〔2024〕12号"})
    assert response.status_code == 303
    assert workshop_row(app, made.id).level == "city"
    with app.app_context():
        history = db.session.scalars(select(LevelChange).where(LevelChange.workshop_id == made.id)
                                     .order_by(LevelChange.changed_on)).all()
        assert [(h.from_level, h.to_level, h.changed_on) for h in history] == [
            (None, "enterprise", date(2021, 1, 1)), ("enterprise", "city", date(2024, 6, 1))]
    assert workshop_notes(app, made.lead_id) == ["工作室“%(name)s”的级别已调整，请查看级别变更记录。"]
    assert workshop_audit(app, "workshop.level_changed")[0][2] == "enterprise -> city 2024-06-01"
    profile = html_text(client.get(f"/workshops/{made.id}"))
    assert "企业级 → 市级" in profile and "市总工会〔2024〕12号" in profile


@pytest.mark.parametrize(("data", "message"), [
    ({"level": "enterprise", "changed_on": "2024-06-01"}, "新级别与当前级别（企业级）相同。"),
    ({"level": "city", "changed_on": (date.today() + timedelta(days=5)).isoformat()}, "变更日期不能晚于今天。"),
    ({"level": "city", "changed_on": "2020-06-01"}, "变更日期不能早于上一次级别变更（2021-01-01）。"),
    ({"level": "city", "changed_on": ""}, "请填写变更日期。"),
])
def test_bad_level_changes_are_refused(app, client, login_as, make_workshop, data, message):
    login_as("worker", "admin")
    made = make_workshop(level="enterprise")
    response = client.post(f"/workshops/{made.id}/level", data=data)
    assert response.status_code == 200 and message in html_text(response)
    assert workshop_row(app, made.id).level == "enterprise"
    with app.app_context():
        assert len(db.session.scalars(select(LevelChange.id).where(LevelChange.workshop_id == made.id)).all()) == 1


def test_only_admins_change_levels_and_only_of_approved_workshops(app, client, auth, make_user, login_as,
                                                                  make_workshop):
    lead = make_user(roles=("worker", "lead"))
    made = make_workshop(level="enterprise", lead=lead)
    auth.login(lead.employee_no)
    assert client.post(f"/workshops/{made.id}/level", data={"level": "city", "changed_on": "2024-01-01"}
                       ).status_code == 403
    auth.logout()
    login_as("worker", "admin")
    pending = make_workshop(status="pending")
    assert client.get(f"/workshops/{pending.id}/level").status_code == 403
    assert workshop_row(app, made.id).level == "enterprise"
