"""The people search index (core.person_index): the same answers as the LIKE predicate it replaced, on both
databases, kept in step with every way people are written, and used by the user list and the picker."""
from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import delete, func, insert, select, update

from blueprints.core import people, person_index
from blueprints.core.models import PersonSearchKey, User
from extensions import db
from tests.conftest import both_backends

# Characters that make the rule interesting: common name characters, both cases of ASCII letters, digits, LIKE's
# wildcards and escape, a space, a full-width letter, a letter outside ASCII in both cases, a character beyond the
# Basic Multilingual Plane, and the largest one in it.
ALPHABET = "张王伟芳李小明子aAbBzZ09_%\\ ＡÄä𠀀\uffff"
names = st.text(alphabet=ALPHABET, min_size=1, max_size=8)
numbers = st.text(alphabet="aAbZ09_-", min_size=1, max_size=6)
queries = st.text(alphabet=ALPHABET, min_size=1, max_size=4)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _reference(q: str, rows) -> set[int]:
    """The old LIKE predicate, said in Python (ASCII letters case-insensitive, as SQLite's LIKE)."""
    return {uid for uid, name, pinyin, no in rows if person_index.matches(q, name, pinyin, no)}


def _like_predicate(q: str):
    """The SQL the search used before the index (for the SQLite cross-check)."""
    term = people.escape_like(q.strip().lower())
    from sqlalchemy import or_

    return or_(func.lower(User.employee_no).like(f"{term}%", escape="\\"),
               User.name.like(f"%{term}%", escape="\\"),
               User.name_pinyin.like(f"{term}%", escape="\\"),
               User.name_pinyin.like(f"% {term}%", escape="\\"))


@both_backends
@SETTINGS
@given(people_=st.lists(st.tuples(names, numbers, st.booleans()), min_size=1, max_size=12,
                        unique_by=lambda p: p[1].lower()),
       qs=st.lists(queries, min_size=1, max_size=6))
def test_index_answers_as_the_like_predicate(app, people_, qs):
    with app.app_context():
        db.session.execute(delete(User))
        for name, no, active in people_:
            db.session.add(User(employee_no=no, name=name, name_pinyin=people.pinyin_key(name), active=active))
        db.session.flush()
        rows = db.session.execute(select(User.id, User.name, User.name_pinyin, User.employee_no)).all()
        active_ids = set(db.session.scalars(select(User.id).where(User.active.is_(True))))
        for q in qs + [name[1:3] for name, _no, _a in people_] + [no[:2] for _name, no, _a in people_]:
            expected = _reference(q, rows)
            for dense in (1, 10**9):  # the EXISTS probe and the IN list: both forms of the clause
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(person_index, "dense_threshold", lambda _people, dense=dense: dense)
                    found = set(db.session.scalars(select(User.id).where(people.person_search_clause(q))))
                assert found == expected, (q, dense)
            # The user list's count reads the key range once per person: no one twice, no one missing.
            counted = db.session.scalars(people.users_query(q, counting=True)).all()
            assert sorted(counted) == sorted(expected), q
            filtered = db.session.scalars(people.users_query(q, active=True, counting=True)).all()  # joins users
            assert sorted(filtered) == sorted(expected & active_ids), q
            if db.engine.dialect.name == "sqlite":  # the very predicate it replaced, where LIKE folds ASCII
                assert found == set(db.session.scalars(select(User.id).where(_like_predicate(q)))), q
        db.session.rollback()


def test_the_dense_threshold_grows_with_the_square_root_of_the_people():
    assert person_index.dense_threshold(0) == person_index.MIN_DENSE
    assert person_index.dense_threshold(100_000) == 632
    assert person_index.dense_threshold(10**6) == 2000
    assert person_index.dense_threshold(10**8) == person_index.PROBE_KEYS


@both_backends
def test_a_common_term_walks_the_people_and_a_rare_one_fetches_them(app, make_users, count_queries):
    make_users(150, prefix="cm")
    with app.app_context():
        assert person_index.is_dense("cm") and not person_index.is_dense("cm0001")
        common = str(people.person_search_clause("cm").compile())
        rare = str(people.person_search_clause("cm0001").compile())
    assert "EXISTS" in common and " IN " in rare and "EXISTS" not in rare


def test_keys_of_a_person():
    keys = person_index.search_keys("张三丰", "zhangsanfeng zsf", "W0012A")
    assert keys == {"张三丰", "三丰", "丰", "zhangsanfeng zsf", "zsf", "w0012a"}
    assert person_index.search_keys("", "", "") == set()
    assert person_index.successor("ab") == "ac"
    assert person_index.successor("a\U0010ffff") == "b"
    assert person_index.successor("\U0010ffff") is None
    assert person_index.successor("\ud7ff") == "\ue000"


def _keys_of(user_id: int) -> set[str]:
    return set(db.session.scalars(select(PersonSearchKey.key).where(PersonSearchKey.user_id == user_id)))


@both_backends
def test_keys_follow_create_rename_renumber_and_delete(app, make_department):
    dept = make_department()
    with app.app_context():
        user, _temp = people.create_user(employee_no="Q100", name="李小明", department_id=dept.id)
        db.session.commit()
        assert _keys_of(user.id) == {"李小明", "小明", "明", "lixiaoming lxm", "lxm", "q100"}
        people.update_user(user, employee_no="Z900", name="王芳", department_id=dept.id, job_title="",
                           skill_level="无", phone=None, email=None, roles=["worker"])
        db.session.commit()
        assert _keys_of(user.id) == {"王芳", "芳", "wangfang wf", "wf", "z900"}
        assert [u.id for u, _d in people.find_people("wf")] == [user.id]
        assert people.find_people("lxm") == [] and people.find_people("Q1") == []
        # A change of another column leaves the keys alone; a bulk rename through the session re-keys.
        user.job_title = "钳工"
        db.session.commit()
        assert _keys_of(user.id) == {"王芳", "芳", "wangfang wf", "wf", "z900"}
        db.session.execute(update(User).where(User.id == user.id).values(name="赵六", name_pinyin="zhaoliu zl"))
        db.session.commit()
        assert _keys_of(user.id) == {"赵六", "六", "zhaoliu zl", "zl", "z900"}
        uid = user.id
        db.session.execute(delete(User).where(User.id == uid))
        db.session.commit()
        assert _keys_of(uid) == set()


@both_backends
def test_bulk_insert_through_the_session_is_keyed(app):
    with app.app_context():
        db.session.execute(insert(User), [{"employee_no": f"B{i}", "name": f"孙{i}", "name_pinyin": f"sun{i} s"}
                                          for i in range(3)])
        db.session.commit()
        ids = db.session.scalars(select(User.id).where(User.employee_no.like("B%")).order_by(User.employee_no)).all()
        assert [u.id for u, _d in people.find_people("孙")] == ids
        assert _keys_of(ids[1]) == {"孙1", "1", "sun1 s", "s", "b1"}
        # The other shapes of an INSERT: one row in .values(), several rows in .values([...]), a Core table insert.
        db.session.execute(insert(User).values(employee_no="V1", name="钱一", name_pinyin="qianyi qy"))
        db.session.execute(insert(User).values([{"employee_no": "V2", "name": "钱二", "name_pinyin": "qianer qe"},
                                                {"employee_no": "V3", "name": "钱三", "name_pinyin": "qiansan qs"}]))
        db.session.execute(User.__table__.insert(), [{"employee_no": "V4", "name": "钱四", "name_pinyin": "qiansi qs"}])
        db.session.commit()
        assert [u.employee_no for u, _d in people.find_people("钱")] == ["V1", "V2", "V3", "V4"]


@both_backends
def test_reindex_rebuilds_every_key(app, make_user):
    first = make_user(employee_no="R1", name="周杰")
    with app.app_context():
        db.session.execute(delete(PersonSearchKey))
        assert people.find_people("周") == []
        assert person_index.reindex(db.session) >= 1
        assert [u.id for u, _d in people.find_people("周")] == [first.id]
        db.session.execute(delete(PersonSearchKey))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["reindex-people"])
    assert result.exit_code == 0 and "rebuilt" in result.output
    with app.app_context():
        assert [u.id for u, _d in people.find_people("zj")] == [first.id]


def _import_workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["工号", "姓名", "部门编码"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@both_backends
def test_imported_people_are_found(app, make_department, make_user):
    from blueprints.admin import imports

    dept = make_department(code="IMP")
    admin = make_user(roles=("worker", "admin"))
    existing = make_user(employee_no="IM1", name="旧名字", department=dept)
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        rows = imports.parse_file("p.xlsx", _import_workbook([("IM1", "钱新名", "IMP"), ("IM2", "钱二", "IMP")]))
        assert imports.apply_rows(rows, "Import-pass-2026", actor=actor) == (1, 1)
        db.session.commit()
        found = [u.employee_no for u, _d in people.find_people("钱")]
        assert found == ["IM1", "IM2"]
        assert people.find_people("旧名") == []
        assert [u.id for u, _d in people.find_people("qxm")] == [existing.id]


@pytest.mark.parametrize("q", ["张", "zs", "u0", "U0", "三"])
def test_user_list_and_picker_use_the_index(app, client, login_as, make_user, q):
    """The pages answer from the keys: with the keys gone, nobody is found (the old scan would still find them)."""
    make_user(employee_no="u0777", name="张三")
    login_as("worker", "admin")
    assert "张三" in client.get(f"/admin/users?q={q}").get_data(as_text=True)
    assert "张三" in client.get(f"/people/search?q={q}").get_data(as_text=True)
    with app.app_context():
        db.session.execute(delete(PersonSearchKey))
        db.session.commit()
    assert "张三" not in client.get(f"/admin/users?q={q}").get_data(as_text=True)
    assert "张三" not in client.get(f"/people/search?q={q}").get_data(as_text=True)


def test_a_common_search_walks_the_list_in_order_with_a_capped_count(app, client, login_as, make_users,
                                                                     count_queries):
    """Over 1,000 matches: the count says 1000+, the page is the closest keys (here the 工号s, in order) and the
    next page follows, in as many statements as a rare search."""
    make_users(1005, prefix="dz")
    login_as("admin")
    with count_queries() as counted:
        body = client.get("/admin/users?q=DZ").get_data(as_text=True)
    assert "1000+" in body
    assert "dz0001" in body and "dz0020" in body and "dz0021" not in body
    assert counted.count <= 6
    import re

    after = re.search(r'after=([^"&]+)', body).group(1)
    second = client.get(f"/admin/users?q=dz&after={after}").get_data(as_text=True)
    assert "dz0021" in second and "dz0001" not in second
    with count_queries() as rare:
        body = client.get("/admin/users?q=dz1005").get_data(as_text=True)
    assert "dz1005" in body and "dz1004" not in body and rare.count == counted.count


@both_backends
def test_the_user_list_search_lists_closest_matches_first_each_person_once_in_keyset_pages(app, make_user,
                                                                                          make_department):
    """A searched user list reads down the key index: people named exactly the term first (by id), then the longer
    names containing it; each person once, however many of their keys match; the filters and the scope still
    apply; pages of two chain forwards and back over exactly the same people; and a 工号 fragment lists by 工号."""
    from blueprints.core.scopes import Scope

    inside, outside = make_department(code="ULA"), make_department(code="ULB")
    longer = make_user(employee_no="P01", name="张伟明", department=inside).id
    exact = [make_user(employee_no=f"P1{i}", name="张伟", department=inside).id for i in range(3)]
    gone = make_user(employee_no="P20", name="张伟", department=inside, active=False).id
    far = make_user(employee_no="P21", name="张伟", department=outside).id
    twice = make_user(employee_no="P00", name="伟伟", department=inside).id  # keys 伟伟 and 伟 both match 伟
    make_user(employee_no="P30", name="李明", department=inside)

    def listed(q, pages=False, **filters):
        """Every page of the list, following the next links (and the pages as lists when asked)."""
        got, after = [], None
        while True:
            page = people.user_list_page(q, after=after, **filters)
            got.append([u.id for u in page.items])
            if page.next_cursor is None:
                return got if pages else [uid for chunk in got for uid in chunk]
            after = page.next_cursor

    with app.test_request_context():
        app.config["PAGE_SIZE"] = 2
        assert listed("张伟") == [*exact, gone, far, longer]
        assert people.user_list_page("张伟").total == 6
        assert listed("张伟", active=True) == [*exact, far, longer]
        assert listed("张伟", scope=Scope("admin", paths=(inside.path,))) == [*exact, gone, longer]
        assert listed("伟") == [*exact, gone, far, twice, longer]
        assert people.user_list_page("伟").total == 7  # 伟伟 counted once
        assert listed("p1") == exact  # the 工号 keys, in 工号 order
        # Back from the last page: the same pages in reverse, none repeated or skipped.
        forwards = listed("伟", pages=True)
        last = people.user_list_page("伟", after=people.user_list_page("伟", after=people.user_list_page(
            "伟").next_cursor).next_cursor)
        assert [u.id for u in last.items] == forwards[2]
        back = people.user_list_page("伟", before=last.prev_cursor)
        assert [u.id for u in back.items] == forwards[1]
        assert [u.id for u in people.user_list_page("伟", before=back.prev_cursor).items] == forwards[0]


@both_backends
def test_the_user_list_count_samples_the_keys_and_falls_back_to_every_distinct_person(app, make_user, monkeypatch):
    """A search's count: over the cap among the first keys read says "cap+"; a key range read to its end gives the
    exact count; people matching by many keys each (the sample full, few people in it) are counted down the whole
    range. Each path agrees with the people the list shows."""
    for n in range(2):
        make_user(employee_no=f"W{n}", name="伟伟伟伟")  # four keys each for 伟: 伟, 伟伟, 伟伟伟, 伟伟伟伟
    for n in range(5):
        make_user(employee_no=f"Z{n}", name="张伟")
    make_user(employee_no="L0", name="李明")
    make_user(employee_no="M0", name="伟伟明")  # its key 伟伟明 sorts after every 伟伟伟…: past the sample
    monkeypatch.setattr(people, "COUNT_CAP", 3)
    monkeypatch.setattr(people, "COUNT_SAMPLE_KEYS", 4)
    with app.test_request_context():
        assert people.users_count("张伟") == (3, True)  # five people among the first keys: over the cap
        assert people.users_count("李") == (1, False)  # the range ends inside the sample: exact
        # 伟伟: the first four keys are two people's; the third person comes later (seven keys in all).
        assert people.users_count("伟伟") == (3, False)
        assert people.users_count("伟伟", active=False) == (0, False)
        app.config["PAGE_SIZE"] = 50
        assert len(people.user_list_page("伟伟").items) == 3


@both_backends
def test_the_picker_lists_a_common_name_closest_first_and_stops_after_a_page(app, make_user, make_department,
                                                                             monkeypatch):
    """Past PICKER_FEW_KEYS matching keys the picker walks the key index: people named exactly the term come first
    (by id), then the longer names containing it; each person once, however many of their keys match; inactive
    people and people outside a scoped picker's reach are left out, and the page is still filled."""
    from blueprints.core.scopes import scope_of

    inside, outside = make_department(code="PKA"), make_department(code="PKB")
    longer = make_user(employee_no="P01", name="张伟明", department=inside)
    exact = [make_user(employee_no=f"P1{i}", name="张伟", department=inside).id for i in range(3)]
    make_user(employee_no="P20", name="张伟", department=inside, active=False)
    far = make_user(employee_no="P21", name="张伟", department=outside)
    twice = make_user(employee_no="P00", name="伟伟", department=inside)  # keys 伟伟 and 伟 both match 伟
    admin = make_user(roles=("worker", "admin"), department=inside)
    with app.app_context():
        db.session.execute(update(User).where(User.id == admin.id).values(name="管理员"))
        db.session.commit()
        # Few keys: by 工号, as before.
        assert [u.employee_no for u, _d in people.find_people("张伟")] == ["P01", "P10", "P11", "P12", "P21"]
        monkeypatch.setattr(people, "PICKER_FEW_KEYS", 2)
        assert [u.id for u, _d in people.find_people("张伟")] == [*exact, far.id, longer.id]
        assert [u.id for u, _d in people.find_people("张伟", limit=2)] == exact[:2]
        grants = (scope_of(db.session.get(User, admin.id), "admin"),)
        if not grants[0].everything:  # an admin of their department picks only inside it
            assert far.id not in [u.id for u, _d in people.find_people("张伟", scopes=grants)]
        # 伟: the key 伟 of everyone whose name ends in it, by id; then 伟伟 (伟伟 again: listed once), then 伟明.
        assert [u.id for u, _d in people.find_people("伟")] == [*exact, far.id, twice.id, longer.id]
