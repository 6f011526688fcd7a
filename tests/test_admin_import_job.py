"""A large people import is applied by a background job (issue 19 item 4): the confirm queues it and goes to its
page, which says what was created and updated, or why nothing was; the initial password never rests in the job."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from blueprints.core import jobs
from blueprints.core.models import AuditLog, Department, Job, User
from extensions import db
from tests.conftest import both_backends, html_text
from tests.test_admin_org import HEADER, _token, _upload, _xlsx

LARGE = pytest.mark.app_config({"IMPORT_INLINE_ROWS": 1})  # two rows count as a large file here


def _preview(client, rows) -> str:
    body = html_text(_upload(client, "people.xlsx", _xlsx([HEADER, *rows])))
    assert "确认导入" in body, body[-800:]
    return _token(body)


def _jobs(app) -> list[Job]:
    with app.app_context():
        found = db.session.scalars(select(Job).where(Job.kind == "admin.import_users").order_by(Job.id)).all()
        db.session.expunge_all()
        return found


@LARGE
@both_backends
def test_a_large_import_runs_as_a_job_whose_page_reports_the_counts(app, client, login_as, make_department,
                                                                    make_user):
    login_as("worker", "admin")
    make_department("导入部", code="IMP")
    make_user(employee_no="j010", name="旧名字")
    token = _preview(client, [["j010", "新名字", "IMP", "", "", ""], ["j011", "王十一", "IMP", "焊工", "", ""]])

    answer = client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"})

    assert answer.status_code == 303 and "/jobs/" in answer.headers["Location"]
    page = client.get(answer.headers["Location"])
    assert 'id="job-outcome"' in page.get_data(as_text=True)
    assert "导入完成：新建 1 人，更新 1 人。" in html_text(page)
    assert 'id="job-result" href="/admin/users"' in page.get_data(as_text=True)  # on to the people imported
    (job,) = _jobs(app)
    assert job.status == "done" and job.total == 2 and "password_hash" not in job.params
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.employee_no == "j010")) == "新名字"
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "user.import")) == 1
    # The new person signs in with the initial password typed at the confirm, and must change it.
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"employee_no": "j011", "password": "Start-Here-2026"}
                       ).headers["Location"] == "/auth/password"


@LARGE
def test_a_refused_initial_password_queues_nothing_and_shows_the_preview_again(app, client, login_as,
                                                                                make_department):
    login_as("worker", "admin")
    make_department("导入部", code="IMP")
    token = _preview(client, [["j020", "赵二十", "IMP", "", "", ""], ["j021", "赵廿一", "IMP", "", "", ""]])
    body = html_text(client.post("/admin/import/apply", data={"token": token, "initial_password": "12345678"}))
    assert "太常见" in body and "确认导入" in body
    assert _jobs(app) == []
    again = client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"})
    assert "/jobs/" in again.headers["Location"]
    assert [job.status for job in _jobs(app)] == ["done"]
    used = client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"},
                       follow_redirects=True)
    assert "已经执行过或已过期" in html_text(used) and len(_jobs(app)) == 1


@pytest.mark.app_config({"IMPORT_INLINE_ROWS": 1, "JOBS_IMMEDIATE": False})
@both_backends
def test_an_import_that_fails_in_its_job_applies_nothing_and_says_why(app, client, login_as, make_department,
                                                                      make_user):
    login_as("worker", "admin")
    make_department("导入部", code="IMP")
    gone = make_department("将撤销", code="GONE")
    make_user(employee_no="j030", name="旧名字")
    token = _preview(client, [["j030", "新名字", "IMP", "", "", ""], ["j031", "孙三一", "GONE", "", "", ""]])
    answer = client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"})
    (job,) = _jobs(app)
    assert job.status == "queued" and job.params["password_hash"]  # waiting for a worker
    with app.app_context():
        db.session.execute(delete(Department).where(Department.id == gone.id))  # meanwhile, a row went bad
        db.session.commit()
        assert jobs.execute(job.id) == "failed"

    body = html_text(client.get(answer.headers["Location"]))
    assert "有 1 行数据有错误，没有导入任何人员。" in body
    (job,) = _jobs(app)
    assert job.status == "failed" and "password_hash" not in job.params
    with app.app_context():  # nothing half-applied: the update of the first row rolled back with the rest
        assert db.session.scalar(select(User.name).where(User.employee_no == "j030")) == "旧名字"
        assert db.session.scalar(select(User.id).where(User.employee_no == "j031")) is None
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "user.import")) == 0


@LARGE
def test_another_admins_token_queues_nothing(app, client, login_as, make_user, make_department):
    from tests.conftest import TEST_PASSWORD

    login_as("worker", "admin")
    make_department("导入部", code="IMP")
    token = _preview(client, [["j040", "孙四十", "IMP", "", "", ""], ["j041", "孙四一", "IMP", "", "", ""]])
    client.post("/auth/logout")
    other = make_user(roles=("worker", "admin"))
    client.post("/auth/login", data={"employee_no": other.employee_no, "password": TEST_PASSWORD})
    body = html_text(client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"},
                                 follow_redirects=True))
    assert "已经执行过或已过期" in body and _jobs(app) == []


def test_a_small_import_is_still_applied_in_the_request(app, client, login_as, make_department):
    login_as("worker", "admin")
    make_department("导入部", code="IMP")
    token = _preview(client, [["j050", "周五十", "IMP", "", "", ""]])
    done = client.post("/admin/import/apply", data={"token": token, "initial_password": "Start-Here-2026"},
                       follow_redirects=True)
    assert "导入完成：新建 1 人，更新 0 人" in html_text(done) and _jobs(app) == []
