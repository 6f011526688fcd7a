"""The federation's foundation (SPEC §7): organisation levels, scoped grants and the one scope module."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, literal, select

from blueprints.core import grants, org, scopes
from blueprints.core.errors import DomainError
from blueprints.core.models import Department, RoleGrant, User
from blueprints.core.people import create_department, create_user, update_department
from extensions import db
from tests.conftest import both_backends


@pytest.fixture
def city(make_department):
    """市总工会 → 松北区总工会 → enterprises A and B (each with a plant and a team); 产业工会 → enterprise C."""
    root = make_department("市总工会", kind="federation")
    district = make_department("松北区总工会", parent=root)
    industry = make_department("建设交通物流工会", parent=root, kind="industry")
    a = make_department("滨江重工", parent=district)
    a_plant = make_department("一分厂", parent=a)
    a_team = make_department("数控一班", parent=make_department("机加车间", parent=a_plant))
    b = make_department("松北电机", parent=district)
    b_team = make_department("绕线班", parent=b, kind="team")
    c = make_department("龙江建工", parent=industry)
    return {"root": root, "district": district, "industry": industry, "a": a, "a_plant": a_plant, "a_team": a_team,
            "b": b, "b_team": b_team, "c": c}


def _get(model, ident):
    return db.session.get(model, ident)


# --- Organisation levels -----------------------------------------------------------------------------------------


def test_kinds_default_to_the_next_level_down(app, city):
    assert [city[k].kind for k in ("root", "district", "a", "a_plant", "a_team", "b_team")] == \
        ["federation", "district", "enterprise", "branch", "team", "team"]


@pytest.mark.parametrize(("kind", "parent_key", "message"), [
    ("enterprise", "a", "不能放在"),            # no enterprise under an enterprise
    ("district", "district", "不能放在"),       # a district only under the federation
    ("enterprise", None, "必须归属"),            # once a federation exists, enterprises sit under a union
    ("federation", None, "只能有一个"),          # one root
    ("branch", None, "必须放在上级组织下面"),
])
def test_placements_that_break_the_levels_are_refused(app, city, kind, parent_key, message):
    with app.app_context():
        before = db.session.scalar(select(db.func.count(Department.id)))
        parent = _get(Department, city[parent_key].id) if parent_key else None
        with pytest.raises(DomainError) as refused:
            create_department("X1", "新单位", parent, kind=kind)
        assert message in str(refused.value)
        db.session.rollback()
        assert db.session.scalar(select(db.func.count(Department.id))) == before


def test_a_node_cannot_move_under_its_own_descendant_nor_change_kind_over_its_children(app, city):
    with app.app_context():
        plant = _get(Department, city["a_plant"].id)
        with pytest.raises(DomainError, match="下级部门"):
            update_department(plant, plant.code, plant.name, _get(Department, city["a_team"].id))
        db.session.rollback()
        enterprise = _get(Department, city["a"].id)
        with pytest.raises(DomainError, match="不能放在"):
            update_department(enterprise, enterprise.code, enterprise.name, _get(Department, city["district"].id),
                              kind="team")  # its branch cannot sit under a team
        db.session.rollback()
        assert _get(Department, city["a"].id).kind == "enterprise"


def test_enterprise_moves_between_unions_and_its_subtree_follows(app, city):
    with app.app_context():
        enterprise = _get(Department, city["b"].id)
        update_department(enterprise, enterprise.code, enterprise.name, _get(Department, city["industry"].id))
        db.session.commit()
        team = _get(Department, city["b_team"].id)
        assert team.path.startswith(_get(Department, city["industry"].id).path)


def test_workers_belong_at_enterprise_level_or_below(app, city):
    with app.app_context():
        with pytest.raises(DomainError, match="企业及以下"):
            create_user(employee_no="w900", name="职工", department_id=city["district"].id, password="Pw-900-long")
        db.session.rollback()
        staff, _ = create_user(employee_no="s900", name="区工会干事", department_id=city["district"].id,
                               roles=("worker", "admin"), password="Pw-900-long")
        assert staff.department_id == city["district"].id


def test_single_enterprise_portal_keeps_top_level_enterprises(app, make_department):
    """Without a federation root (a Part I installation) enterprises may stay at the top."""
    top = make_department("独立企业")
    assert top.kind == "enterprise" and top.parent_id is None


# --- Scopes ------------------------------------------------------------------------------------------------------


def _admin_over(app, make_user, node_key, city, role="admin"):
    user = make_user(roles=("worker",))
    with app.app_context():
        person = _get(User, user.id)
        grants.grant(person, role, _get(Department, city[node_key].id) if node_key else None)
        db.session.commit()
    return user


def _in_scope(app, user_id, role):
    with app.test_request_context():
        user = _get(User, user_id)
        scope = scopes.scope_of(user, role)
        return set(db.session.scalars(select(Department.id).where(scope.path_clause(Department.path))))


def test_an_enterprise_admin_sees_their_enterprise_only(app, make_user, city):
    admin_a = _admin_over(app, make_user, "a", city)
    ids = _in_scope(app, admin_a.id, "admin")
    assert ids == {city[k].id for k in ("a", "a_plant", "a_team")} | {city["a_team"].parent_id}
    assert city["b"].id not in ids and city["root"].id not in ids
    assert _in_scope(app, admin_a.id, "hr") == set()  # a grant is per role


def test_a_district_admin_sees_its_enterprises_and_a_root_grant_sees_everything(app, make_user, city):
    district_admin = _admin_over(app, make_user, "district", city)
    ids = _in_scope(app, district_admin.id, "admin")
    assert {city["a_team"].id, city["b_team"].id} <= ids and city["c"].id not in ids
    root_admin = _admin_over(app, make_user, "root", city)
    with app.app_context():
        everything = set(db.session.scalars(select(Department.id)))
    assert _in_scope(app, root_admin.id, "admin") == everything


def test_overlapping_grants_collapse_to_the_wider_one(app, make_user, city):
    user = _admin_over(app, make_user, "a_plant", city)
    with app.app_context():
        grants.grant(_get(User, user.id), "admin", _get(Department, city["a"].id))
        db.session.commit()
    with app.test_request_context():
        scope = scopes.scope_of(_get(User, user.id), "admin")
        assert scope.paths == (city["a"].path,)


@st.composite
def _trees_and_grants(draw):
    """A random tree (parent index < own index) and a random set of granted nodes."""
    size = draw(st.integers(min_value=1, max_value=14))
    parents = [None] + [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, size)]
    granted = draw(st.sets(st.integers(min_value=0, max_value=size - 1), max_size=4))
    return parents, granted


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_trees_and_grants())
def test_scope_equals_the_union_of_granted_subtrees(app, make_user, data):
    parents, granted = data
    user = make_user(roles=("worker",))
    with app.app_context():
        db.session.execute(delete(RoleGrant))
        db.session.execute(delete(Department))
        nodes: list[Department] = []
        for index, parent in enumerate(parents):
            parent_node = nodes[parent] if parent is not None else None
            nodes.append(create_department(f"H{index}", f"节点{index}", parent_node,
                                           kind="enterprise" if parent_node is None else "team"))
        person = _get(User, user.id)
        person.role_mask = 1
        for index in granted:
            grants.grant(person, "hr", nodes[index])
        db.session.commit()
        ids = [node.id for node in nodes]

    def ancestors(i):
        while i is not None:
            yield i
            i = parents[i]

    expected = {ids[i] for i in range(len(parents)) if any(a in granted for a in ancestors(i))}
    assert _in_scope(app, user.id, "hr") == expected


# --- Grants ------------------------------------------------------------------------------------------------------


def test_grants_stay_inside_the_granting_admins_scope(app, make_user, city):
    admin_a = _admin_over(app, make_user, "a", city)
    target = make_user(roles=("worker",))
    with app.test_request_context():
        actor = _get(User, admin_a.id)
        person = _get(User, target.id)
        grants.grant(person, "hr", _get(Department, city["a_plant"].id), actor=actor)
        for node in (city["b"], city["district"], None):
            with pytest.raises(DomainError, match="管理范围"):
                grants.grant(person, "hr", _get(Department, node.id) if node else None, actor=actor)
        with pytest.raises(DomainError, match="不能按范围"):
            grants.grant(person, "lead", _get(Department, city["a"].id), actor=actor)
        with pytest.raises(DomainError, match="已经拥有"):
            grants.grant(person, "hr", _get(Department, city["a_plant"].id), actor=actor)
        db.session.commit()
        held = grants.grants_of(target.id)
        assert [(row.role, node.id) for row, node in held] == [("hr", city["a_plant"].id)]
        assert _get(User, target.id).has_role("hr")


def test_revoking_the_last_grant_of_a_role_clears_the_role(app, make_user, city):
    user = _admin_over(app, make_user, "a", city, role="safety")
    with app.app_context():
        (row, _node), = grants.grants_of(user.id)
        grants.revoke(row)
        db.session.commit()
        assert not _get(User, user.id).has_role("safety")
        assert grants.grants_of(user.id) == []


def test_the_last_root_admin_keeps_their_grant(app, make_user, city):
    root_admin = make_user(roles=("worker", "admin"))  # the factory gives a whole-tree grant
    with app.app_context():
        (row, _node), = grants.grants_of(root_admin.id)
        with pytest.raises(DomainError, match="最后一位"):
            grants.revoke(row)
        db.session.rollback()
    make_user(roles=("worker", "admin"))  # a second one: now it may go
    with app.app_context():
        (row, _node), = grants.grants_of(root_admin.id)
        grants.revoke(row)
        db.session.commit()
        assert not _get(User, root_admin.id).has_role("admin")


def test_the_enterprise_of_a_node(app, city):
    with app.app_context():
        assert org.enterprise_of(_get(Department, city["a_team"].id)).id == city["a"].id
        assert org.enterprise_of(_get(Department, city["a"].id)).id == city["a"].id
        assert org.enterprise_of(_get(Department, city["district"].id)) is None



@both_backends
def test_the_user_loaders_enterprise_path_agrees_with_the_tree(app, city):
    """scopes.home_enterprise_path (the SQL the user loader runs, reading the ancestors named in the path) gives the
    enterprise org.enterprise_of finds, at every depth, and nothing above enterprise level or without a department."""
    with app.app_context():
        for key, node in city.items():
            path = db.session.scalar(select(scopes.home_enterprise_path(literal(node.id))))
            enterprise = org.enterprise_of(_get(Department, node.id))
            assert path == (enterprise.path if enterprise is not None else None), key
        assert db.session.scalar(select(scopes.home_enterprise_path(literal(None)))) is None


def test_the_union_above_and_the_admins_of_each_level(app, make_user, city):
    """The chain's levels, written once in core: the union above a node, and who acts at the union and the city."""
    union_admin = _admin_over(app, make_user, "district", city)
    city_admin = make_user(roles=("worker", "admin"))  # a whole-tree grant
    _admin_over(app, make_user, "a", city)  # an enterprise admin acts at neither level
    with app.app_context():
        assert org.union_above(_get(Department, city["a_team"].id)).id == city["district"].id
        assert org.union_above(_get(Department, city["c"].id)).id == city["industry"].id
        assert org.union_above(_get(Department, city["district"].id)).id == city["district"].id
        assert org.union_above(_get(Department, city["root"].id)) is None
        assert grants.admins_at(_get(Department, city["a_team"].id), "union") == [union_admin.id]
        assert grants.admins_at(_get(Department, city["c"].id), "union") == []
        assert grants.admins_at(None, "city") == [city_admin.id]


@both_backends
def test_a_scopes_path_prefix_can_be_read_from_an_index_on_postgresql(app, city):
    """PostgreSQL reads `path LIKE '<root>%'` (every scope and subtree filter) from ix_departments_path_prefix, not
    by reading every department: a city has 26,501 (migration 0029). SQLite has no such index to check.

    The root is written into the SQL, not bound: a statement psycopg has prepared gets PostgreSQL's generic plan
    after a few runs, and a generic plan of `LIKE $1 || '%'` scans every department (core.scopes.PathUnder)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL operator-class index")
        enterprise, team = db.session.get(Department, city["a"].id), db.session.get(Department, city["a_team"].id)
        stmt = select(Department.id).where(scopes.Scope("admin", paths=(enterprise.path,)).path_clause(Department.path))
        compiled = stmt.compile(db.engine, compile_kwargs={"render_postcompile": True})
        assert f"'{enterprise.path}'" in str(compiled), str(compiled)
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # the test's tree is small enough to scan
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
        found = db.session.scalars(stmt).all()
    assert "ix_departments_path_prefix" in plan, plan
    assert enterprise.id in found and team.id in found and city["b"].id not in found


@both_backends
def test_path_under_holds_exactly_the_subtree_and_sqlite_reads_it_from_the_path_index(app):
    """A subtree is its root and what lies below it, never a sibling whose id starts with the same digits
    ("/1/20/" is not under "/1/2/"); SQLite finds it with a range on ix_departments_path instead of a scan."""
    with app.app_context():
        def under(path: str, root: str) -> bool:
            return bool(db.session.scalar(select(scopes.path_under(literal(path), root))))

        assert under("/1/2/", "/1/2/") and under("/1/2/7/", "/1/2/") and under("/1/2/7/30/", "/1/2/")
        assert not under("/1/20/", "/1/2/") and not under("/1/", "/1/2/") and not under("/3/2/", "/1/2/")
        if db.engine.dialect.name == "sqlite":
            stmt = select(Department.id).where(scopes.path_under(Department.path, "/1/2/"))
            compiled = stmt.compile(db.engine, compile_kwargs={"render_postcompile": True})
            plan = " ".join(str(row[-1]) for row in
                            db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled)))
            assert "ix_departments_path (path>? AND path<?)" in plan, plan
