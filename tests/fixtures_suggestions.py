"""Factory fixtures of the suggestions domain (registered in conftest.pytest_plugins)."""
from __future__ import annotations

import itertools
import struct
import zlib
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from blueprints.core.clock import local_today, local_year
from blueprints.core.types import utcnow
from extensions import db

_n = itertools.count(1)


def png_bytes() -> bytes:
    """A real (1x1) PNG, so content sniffing accepts it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def make_suggestion_workshop(make_workshop):
    """The workshops domain's factory (make_workshop) under the name these tests use: an approved (or other status)
    workshop with a lead, deputies and members, all active."""
    return make_workshop


@pytest.fixture
def suggestion_setup(make_user, make_suggestion_workshop, make_department):
    """A small world: author, co-author, colleague, a workshop with lead, deputy and member, another workshop's
    lead, and an admin. Returns a namespace of detached users plus the workshops."""
    from types import SimpleNamespace

    team = make_department(name="数控一班")
    author = make_user(name="作者甲", department=team)
    coauthor = make_user(name="合作者乙", department=team)
    # Everyone works in the same enterprise: workers see the submitted suggestions of their own enterprise only.
    colleague = make_user(name="同事丙", department=team)
    lead = make_user(name="负责人丁", roles=("lead", "worker"), department=team)
    deputy = make_user(name="副负责人戊", department=team)
    member = make_user(name="成员己", department=team)
    other_lead = make_user(name="别的负责人庚", roles=("lead", "worker"), department=team)
    admin = make_user(name="管理员辛", roles=("admin", "worker"))
    workshop = make_suggestion_workshop(lead=lead, deputies=[deputy], members=[member, author])
    other_workshop = make_suggestion_workshop(lead=other_lead)
    return SimpleNamespace(author=author, coauthor=coauthor, colleague=colleague, lead=lead, deputy=deputy,
                           member=member, other_lead=other_lead, admin=admin, workshop=workshop,
                           other_workshop=other_workshop, team=team)


@pytest.fixture
def make_suggestion(app):
    """Factory: a suggestion put straight into any status (serial given unless it is a never-submitted draft)."""
    from blueprints.suggestions import services
    from blueprints.suggestions.models import Suggestion, SuggestionCoauthor

    def make(author, status: str = "submitted", workshop=None, coauthors=(), title: str | None = None,
             private: bool | None = None, year: int | None = None, at: datetime | None = None, **fields):
        """`at` is when it was written, listed and submitted (default now); `year` defaults to at's local year."""
        with app.app_context():
            now = at or utcnow()
            year = year or local_year(now)
            suggestion = Suggestion(
                title=title or f"测试建议{next(_n)}", category=fields.pop("category", "renovation"),
                problem=fields.pop("problem", "冷却液浪费严重"), proposal=fields.pop("proposal", "加装回收装置"),
                expected_benefit=fields.pop("expected_benefit", "每年节约 3 万元"), author_id=author.id,
                department_id=author.department_id, workshop_id=workshop.id if workshop else None, status=status,
                year=year, created_at=now, listed_at=fields.pop("listed_at", now))
            never_submitted = status == "draft" if private is None else private
            if not never_submitted:
                suggestion.serial = services.allocate_serial(year)
                suggestion.submitted_at = now
            if status in ("accepted", "implemented", "awarded"):
                suggestion.score_innovation, suggestion.score_practicality = 25, 25
                suggestion.score_benefit, suggestion.score_replicability = 22, 12
                suggestion.score_total = 84
                suggestion.decided_at = now
            if status in ("implemented", "awarded"):
                suggestion.implemented_on = local_today() - timedelta(days=3)
                suggestion.annual_benefit = Decimal("12345.67")
            for key, value in fields.items():
                setattr(suggestion, key, value)
            suggestion.coauthors = [SuggestionCoauthor(user_id=user.id, position=i) for i, user in enumerate(coauthors)]
            db.session.add(suggestion)
            db.session.commit()
            db.session.refresh(suggestion)
            db.session.expunge(suggestion)
        return suggestion

    return make


@pytest.fixture
def suggestion_row(app):
    """Read a suggestion's current row (fresh from the database) by id."""
    from blueprints.suggestions.models import Suggestion

    def read(suggestion_id: int):
        with app.app_context():
            row = db.session.get(Suggestion, suggestion_id)
            db.session.expunge(row)
            return row

    return read


@pytest.fixture
def suggestion_form_data():
    """Valid form fields of a new suggestion (override any)."""

    def data(**overrides) -> dict:
        base = {"title": "数控车床冷却液回收装置改进", "category": "renovation",
                "problem": "冷却液每班都要换，浪费大。", "proposal": "加装过滤回收装置。",
                "expected_benefit": "每年节约冷却液约 3 万元。", "workshop_id": "", "coauthors": "", "action": "submit"}
        base.update(overrides)
        return base

    return data
