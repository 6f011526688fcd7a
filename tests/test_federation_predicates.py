"""Every domain's scope condition equals a reference predicate (SPEC §7, QUALITY §11): random trees, random grants
and random records; what the SQL returns is exactly the records whose department lies under one of the user's
granted nodes (or all of them for a whole-tree grant). On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from blueprints.core import grants
from blueprints.core.models import Department, RoleGrant, User
from blueprints.core.people import create_department, users_query
from blueprints.core.scopes import scope_of
from blueprints.suggestions.models import Suggestion
from blueprints.suggestions.queries import admin_clause as suggestion_admin_clause
from blueprints.training.models import TrainingSession
from blueprints.training.queries import managed_clause
from blueprints.workshops.models import Workshop
from blueprints.workshops.queries import admin_clause as workshop_admin_clause
from extensions import db
from tests.conftest import both_backends


@st.composite
def worlds(draw):
    """A tree (parent index < own index), granted nodes (None = the whole tree) and records placed on nodes."""
    size = draw(st.integers(min_value=1, max_value=10))
    parents = [None] + [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, size)]
    granted = draw(st.lists(st.one_of(st.none(), st.integers(0, size - 1)), max_size=3, unique=True))
    placed = draw(st.lists(st.one_of(st.none(), st.integers(0, size - 1)), min_size=1, max_size=8))
    return parents, granted, placed


def _build(parents, granted, placed, viewer_id, role):
    """The world in the database; returns (node ids, record department ids)."""
    for model in (Suggestion, TrainingSession, Workshop, RoleGrant):
        db.session.execute(delete(model))
    db.session.execute(delete(User).where(User.id != viewer_id))
    db.session.execute(delete(Department))
    nodes: list[Department] = []
    for index, parent in enumerate(parents):
        parent_node = nodes[parent] if parent is not None else None
        nodes.append(create_department(f"P{index}", f"单位{index}", parent_node,
                                       kind="enterprise" if parent_node is None else "team"))
    viewer = db.session.get(User, viewer_id)
    viewer.role_mask = 1
    for index in granted:
        grants.grant(viewer, role, nodes[index] if index is not None else None)
    return [node.id for node in nodes]


def _expected(parents, granted, placed, ids):
    def ancestors(i):
        while i is not None:
            yield i
            i = parents[i]

    if None in granted:
        return list(range(len(placed)))
    return [n for n, where in enumerate(placed) if where is not None and any(a in granted for a in ancestors(where))]


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@both_backends
@SETTINGS
@given(worlds())
def test_people_suggestions_workshops_and_sessions_follow_the_grants(app, make_user, world):
    parents, granted, placed = world
    viewer = make_user(employee_no="viewer", roles=("worker",)) if not hasattr(app, "_viewer") else app._viewer
    app._viewer = viewer
    with app.test_request_context():
        ids = _build(parents, granted, placed, viewer.id, "admin")
        # The same records for every domain: a person, a suggestion, a workshop and a session on each place.
        author = User(employee_no="author", name="作者", password_hash="x")
        db.session.add(author)
        db.session.flush()
        people, suggestions, workshops = [], [], []
        for n, where in enumerate(placed):
            department_id = ids[where] if where is not None else None
            person = User(employee_no=f"p{n}", name=f"人员{n}", password_hash="x", department_id=department_id)
            suggestion = Suggestion(title=f"建议{n}", category="suggestion", problem="问题", proposal="措施",
                                    author_id=author.id, department_id=department_id, status="submitted", year=2026)
            workshop = Workshop(name=f"工作室{n}", kind="worker", level="enterprise", lead_id=author.id,
                                department_id=department_id, status="pending")
            db.session.add_all([person, suggestion, workshop])
            db.session.flush()
            people.append(person.id)
            suggestions.append(suggestion.id)
            workshops.append(workshop.id)
        db.session.commit()
        me = db.session.get(User, viewer.id)
        expected = _expected(parents, granted, placed, ids)
        scope = scope_of(me, "admin")
        got_people = set(db.session.scalars(users_query(scope=scope).with_only_columns(User.id)
                                            .where(User.id.in_(people))))
        got_suggestions = set(db.session.scalars(select(Suggestion.id).where(suggestion_admin_clause(me))))
        got_workshops = set(db.session.scalars(select(Workshop.id).where(workshop_admin_clause(me))))
        if not granted:
            assert scope.empty
        else:
            assert got_people == {people[n] for n in expected}
        assert got_suggestions == {suggestions[n] for n in expected}
        assert got_workshops == {workshops[n] for n in expected}


@both_backends
@SETTINGS
@given(worlds())
def test_training_sessions_follow_the_hr_grants(app, make_user, world):
    parents, granted, placed = world
    viewer = make_user(employee_no="hrviewer", roles=("worker",)) if not hasattr(app, "_hr") else app._hr
    app._hr = viewer
    with app.test_request_context():
        ids = _build(parents, granted, placed, viewer.id, "hr")
        # A session organised on a node; an unplaced one is city-level, which only whole-tree HR manage.
        from datetime import timedelta

        from blueprints.core.types import utcnow

        start = utcnow() + timedelta(days=3)
        sessions = []
        for n, where in enumerate(placed):
            session_row = TrainingSession(title=f"培训{n}", kind="skills", starts_at=start,
                                          ends_at=start + timedelta(hours=2), signup_deadline=start, capacity=10,
                                          status="open",
                                          organiser_id=ids[where] if where is not None else None,
                                          manager_id=viewer.id, created_by_id=viewer.id)
            db.session.add(session_row)
            db.session.flush()
            sessions.append(session_row.id)
        db.session.commit()
        me = db.session.get(User, viewer.id)
        got = set(db.session.scalars(select(TrainingSession.id).where(managed_clause(me))))
        assert got == {sessions[n] for n in _expected(parents, granted, placed, ids)}


pytestmark = pytest.mark.slow
