"""Factory fixtures of the workshops domain (registered in conftest.pytest_plugins)."""
from __future__ import annotations

import io
import itertools
import zipfile
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from blueprints.core.models import Role
from extensions import db

_names = itertools.count(1)

WORKSHOP_DESCRIPTION = "以数控加工为方向的创新工作室，专攻薄壁件和异形件的加工难题，并带徒传艺。"


@pytest.fixture
def make_workshop(app, make_user):
    """Factory: make_workshop(status=..., lead=..., members=[users], deputies=[users], requested=[users], ...)
    -> SimpleNamespace(id, name, status, lead_id, member_ids={user_id: workshop_members.id}).

    Builds the rows directly (any status), the way the services would have left them. The one workshop factory: the
    suggestions tests use it as make_suggestion_workshop."""
    from blueprints.workshops.models import LevelChange, Workshop, WorkshopMember

    def make(status: str = "approved", lead=None, members=(), deputies=(), requested=(), name: str | None = None,
             kind: str = "master", level: str = "enterprise", department=None, field: str = "数控加工",
             description: str = WORKSHOP_DESCRIPTION, founded_on: date = date(2020, 5, 1),
             reason: str | None = None) -> SimpleNamespace:
        lead = lead or make_user(roles=("worker", "lead"))
        n = next(_names)
        now = datetime.now(UTC)
        with app.app_context():
            workshop = Workshop(name=name or f"测试创新工作室{n}", kind=kind, level=level, lead_id=lead.id,
                                department_id=department.id if department else None, field=field,
                                founded_on=founded_on, description=description, status=status,
                                status_reason=reason)
            if status != "draft":
                workshop.submitted_at = now
            if status in ("approved", "rejected", "revoked"):
                workshop.decided_at = now
            db.session.add(workshop)
            db.session.flush()
            rows = {lead.id: WorkshopMember(workshop_id=workshop.id, user_id=lead.id, role="lead", status="active",
                                            joined_at=now)}
            for user in members:
                rows[user.id] = WorkshopMember(workshop_id=workshop.id, user_id=user.id, role="member",
                                               status="active", joined_at=now)
            for user in deputies:
                rows[user.id] = WorkshopMember(workshop_id=workshop.id, user_id=user.id, role="deputy",
                                               status="active", joined_at=now)
            for user in requested:
                rows[user.id] = WorkshopMember(workshop_id=workshop.id, user_id=user.id, role="member",
                                               status="requested")
            db.session.add_all(rows.values())
            if status in ("approved", "revoked"):
                db.session.add(LevelChange(workshop_id=workshop.id, from_level=None, to_level=level,
                                           changed_on=date(2021, 1, 1), note=""))
            db.session.commit()
            return SimpleNamespace(id=workshop.id, name=workshop.name, status=status, lead_id=lead.id,
                                   member_ids={uid: row.id for uid, row in rows.items()})

    return make


@pytest.fixture
def workshop_team(make_user, make_workshop):
    """An approved workshop with a lead, a deputy, a member, an outsider and one open join request."""
    lead = make_user(roles=("worker", "lead"), name="王振华")
    deputy = make_user(roles=("worker", "lead"), name="陶娟")
    member = make_user(name="秦凤英")
    requester = make_user(name="戴志明")
    outsider = make_user(name="李明")
    workshop = make_workshop(lead=lead, deputies=[deputy], members=[member], requested=[requester],
                             name="王振华数控技能大师工作室")
    return SimpleNamespace(workshop=workshop, lead=lead, deputy=deputy, member=member, requester=requester,
                           outsider=outsider)


@pytest.fixture
def workshop_roles(app):
    """Helper: the role keys a user holds now (read from the database)."""
    from blueprints.core.models import User

    def roles(user_id: int) -> set[str]:
        with app.app_context():
            return {role.key for role in Role if db.session.get(User, user_id).role_mask & role}

    return roles


def workshop_pdf_bytes() -> bytes:
    """A tiny file that really is a PDF."""
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def workshop_docx_bytes() -> bytes:
    """A minimal .docx (zip with the parts the sniffer looks for)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def workshop_row(app, workshop_id: int):
    """The workshop as stored now (detached), or None."""
    from blueprints.workshops.models import Workshop

    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is not None:
            db.session.expunge(workshop)
        return workshop


def workshop_members(app, workshop_id: int) -> dict[int, tuple[str, str]]:
    """{user_id: (role, status)} of every row of the workshop."""
    from sqlalchemy import select

    from blueprints.workshops.models import WorkshopMember

    with app.app_context():
        rows = db.session.execute(select(WorkshopMember.user_id, WorkshopMember.role, WorkshopMember.status)
                                  .where(WorkshopMember.workshop_id == workshop_id)).all()
        return {uid: (role, status) for uid, role, status in rows}


def workshop_audit(app, prefix: str = "") -> list[tuple[str, str | None, str]]:
    """(action, target_id, detail) of the audit rows whose action starts with prefix, oldest first."""
    from sqlalchemy import select

    from blueprints.core.models import AuditLog

    with app.app_context():
        rows = db.session.execute(select(AuditLog.action, AuditLog.target_id, AuditLog.detail)
                                  .where(AuditLog.action.startswith(prefix)).order_by(AuditLog.id)).all()
        return [tuple(row) for row in rows]


def workshop_notes(app, user_id: int) -> list[str]:
    """The notification msgids a user received, oldest first."""
    from sqlalchemy import select

    from blueprints.core.models import Notification

    with app.app_context():
        return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user_id)
                                       .order_by(Notification.id)))
