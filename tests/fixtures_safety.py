"""A small federation for the hazard-report tests (import the fixture in the test module).

市总工会 → 松北区总工会 → 滨江重工 (A: 机加车间/数控一班, 焊接车间/焊接一班, 行政部) and → 松北电机 (B: 绕线班).
The reporter works in 数控一班; the responsible department of the tests is 焊接车间 (its people: `rectifier`);
`officer` holds the safety grant over A, `officer_b` over B, `admin_a` the admin grant over A; `worker` is a plain
worker of A's 行政部 and `worker_b` one of B.
"""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from PIL import Image

from blueprints.core import grants
from blueprints.core.models import Department, User
from extensions import db

REPORTER_NAME = "隐患举报人"
REPORTER_NO = "wb7731"


def jpeg(size=(64, 48), colour=(200, 40, 40)) -> bytes:
    """A real little JPEG."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 20)).save(out, "PNG")
    return out.getvalue()


def _granted(app, make_user, department, role: str, name: str, home=None, employee_no=None) -> User:
    user = make_user(name=name, department=home or department, employee_no=employee_no)
    with app.app_context():
        grants.grant(db.session.get(User, user.id), role, db.session.get(Department, department.id))
        db.session.commit()
    return user


@pytest.fixture
def hz(app, make_department, make_user):
    root = make_department("市总工会", kind="federation")
    district = make_department("松北区总工会", parent=root, kind="district")
    a = make_department("滨江重工", parent=district)
    machining = make_department("机加车间", parent=a, kind="floor")
    cnc = make_department("数控一班", parent=machining, kind="team")
    welding = make_department("焊接车间", parent=a, kind="floor")
    weld_team = make_department("焊接一班", parent=welding, kind="team")
    office = make_department("行政部", parent=a, kind="floor")
    b = make_department("松北电机", parent=district)
    b_team = make_department("绕线班", parent=b, kind="team")
    return SimpleNamespace(
        root=root, district=district, a=a, machining=machining, cnc=cnc, welding=welding, weld_team=weld_team,
        office=office, b=b, b_team=b_team,
        reporter=make_user(name=REPORTER_NAME, employee_no=REPORTER_NO, department=cnc),
        rectifier=make_user(name="焊接班长", department=weld_team),
        rectifier_head=make_user(name="焊接车间主任", department=welding),
        worker=make_user(name="行政职员", department=office),
        worker_b=make_user(name="松北职工", department=b_team),
        officer=_granted(app, make_user, a, "safety", "滨江安全员"),
        officer2=_granted(app, make_user, a, "safety", "滨江安全员二"),
        officer_b=_granted(app, make_user, b, "safety", "松北安全员"),
        admin_a=_granted(app, make_user, a, "admin", "滨江工会干事"),
        admin_b=_granted(app, make_user, b, "admin", "松北工会干事"),
    )


def report(client, auth, user, department, *, photos=(), description="二号行车钢丝绳断股", kind="accident",
           severity="major", place="行车轨道南侧", **extra):
    """Post the report form as `user`; returns the response (signed out afterwards)."""
    auth.login(user.employee_no)
    data = {"department_id": str(department.id), "place": place, "kind": kind, "description": description,
            "proposed_severity": severity, **extra}
    if photos:
        data["photos"] = [(io.BytesIO(body), name) for name, body in photos]
    response = client.post("/safety/hazards/new", data=data, content_type="multipart/form-data")
    auth.logout()
    return response


def act(client, auth, user, hazard_id: int, step: str, data: dict, files=()):
    """Post an action form (triage, assign, close, verify) as `user`; returns the response (signed out after)."""
    auth.login(user.employee_no)
    payload = dict(data)
    kwargs = {}
    if files:
        payload["photos"] = [(io.BytesIO(body), name) for name, body in files]
        kwargs["content_type"] = "multipart/form-data"
    response = client.post(f"/safety/hazards/{hazard_id}/{step}", data=payload, **kwargs)
    auth.logout()
    return response
