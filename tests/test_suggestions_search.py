"""City-scale search: the index stays in step with edits, each search path returns exactly the matching rows,
short terms are bounded to the newest suggestions, and filter boxes stay small on a large department tree."""
from __future__ import annotations

import html
import re

import pytest

from blueprints.suggestions import search
from blueprints.suggestions.models import Suggestion
from extensions import db
from tests.conftest import both_backends, html_text


def _titles(response) -> set[str]:
    return {html.unescape(t) for t in re.findall(r'class="fw-semibold">([^<]+)</a>', html_text(response))}


@both_backends
def test_the_index_follows_edits_and_deletes(app, client, login_as, make_user, make_suggestion):
    login_as()
    author = make_user()
    kept = make_suggestion(author, title="液压站漏油治理", problem="普通问题", proposal="普通措施")
    gone = make_suggestion(author, title="液压站噪声治理", problem="普通问题", proposal="普通措施")
    assert _titles(client.get("/suggestions/?q=液压站")) == {"液压站漏油治理", "液压站噪声治理"}
    with app.app_context():
        db.session.get(Suggestion, kept.id).title = "空压机漏气治理"
        db.session.delete(db.session.get(Suggestion, gone.id))
        db.session.commit()
    assert _titles(client.get("/suggestions/?q=液压站")) == set()
    assert _titles(client.get("/suggestions/?q=空压机漏")) == {"空压机漏气治理"}


@both_backends
def test_rare_and_common_terms_give_the_same_rows_as_a_scan(app, client, login_as, make_user, make_suggestion,
                                                           monkeypatch):
    login_as()
    author = make_user()
    for n in range(4):
        make_suggestion(author, title=f"输送带跑偏{n}号", problem="普通问题", proposal="普通措施")
    make_suggestion(author, title="照明线路老化", problem="输送带旁照明不足", proposal="普通措施")
    make_suggestion(author, title="无关建议", problem="普通问题", proposal="普通措施")
    expected = {f"输送带跑偏{n}号" for n in range(4)} | {"照明线路老化"}
    with app.test_request_context():
        assert not search.plan("输送带").many
    assert _titles(client.get("/suggestions/?q=输送带")) == expected

    # More hits than the probe takes: the list walks in its own order and tests each row instead.
    monkeypatch.setattr(search, "PROBE_CAP", 2)
    with app.test_request_context():
        planned = search.plan("输送带")
        assert planned.many and planned.over_cap
    assert _titles(client.get("/suggestions/?q=输送带")) == expected
    # PostgreSQL spots a common term among the newest rows before asking the index (SQLite never needs to).
    monkeypatch.setattr(search, "PROBE_CAP", 2000)
    monkeypatch.setattr(search, "COMMON_AMONG_RECENT", 3)
    with app.test_request_context():
        planned = search.plan("输送带")
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        assert planned.many != sqlite and not planned.over_cap
    assert _titles(client.get("/suggestions/?q=输送带")) == expected
    # With another filter the count is really counted, not claimed from the probe.
    page = html_text(client.get("/suggestions/?q=输送带&status=submitted"))
    assert "共 5 条" in page


@both_backends
def test_short_terms_search_only_the_newest_suggestions_and_say_so(client, login_as, make_user, make_suggestion,
                                                                  monkeypatch):
    login_as()
    author = make_user()
    for n in range(5):
        make_suggestion(author, title=f"水泵改进{n}", problem="普通问题", proposal="普通措施")
    make_suggestion(author, title="最新的无关建议", problem="普通问题", proposal="普通措施")
    page = client.get("/suggestions/?q=水泵")
    assert _titles(page) == {f"水泵改进{n}" for n in range(5)}
    assert "输入 3 个字以上可搜索全部" in html_text(page)

    monkeypatch.setattr(search, "RECENT_WINDOW", 3)
    # The newest three are 水泵改进3, 水泵改进4 and the unrelated one: only two matches are in the window.
    assert _titles(client.get("/suggestions/?q=水泵")) == {"水泵改进3", "水泵改进4"}
    longer = client.get("/suggestions/?q=水泵改进")
    assert _titles(longer) == {f"水泵改进{n}" for n in range(5)}
    assert "输入 3 个字以上可搜索全部" not in html_text(longer)


@both_backends
def test_quotes_and_search_syntax_are_plain_text(client, login_as, make_user, make_suggestion):
    login_as()
    author = make_user()
    make_suggestion(author, title='型号"K2"夹具改进', problem="普通问题", proposal="普通措施")
    make_suggestion(author, title="夹具 OR 改进 NEAR 模板", problem="普通问题", proposal="普通措施")
    assert _titles(client.get('/suggestions/?q="K2"夹具')) == {'型号"K2"夹具改进'}
    assert _titles(client.get("/suggestions/?q=OR 改进 NEAR")) == {"夹具 OR 改进 NEAR 模板"}
    for q in ('"', '"""', "*", "NOT", "a:b", "(((", "^夹具"):
        assert client.get("/suggestions/", query_string={"q": q}).status_code == 200


def test_filter_boxes_show_the_top_of_a_large_tree_and_the_chosen_department(app, client, login_as,
                                                                             make_department, monkeypatch):
    from blueprints.core import people

    login_as()
    city = make_department(name="市总")
    plants = [make_department(name=f"分厂{n}", parent=city) for n in range(3)]
    teams = [make_department(name=f"班组{p}-{t}", parent=plant) for p, plant in enumerate(plants) for t in range(3)]
    monkeypatch.setattr(people, "FILTER_DEPARTMENT_CAP", 5)
    # The list's department box is a type-ahead picker: the page names no department until one is chosen, and
    # then shows the chosen one with its path.
    page = html_text(client.get("/suggestions/"))
    assert "分厂2" not in page and "班组0-0" not in page
    chosen = html_text(client.get(f"/suggestions/?department={teams[4].id}"))
    assert "市总 › 分厂1 › 班组1-1" in chosen and "班组0-0" not in chosen
    assert "班组1-1" in html_text(client.get("/pick/departments-view?q=班组1"))
    with app.app_context():
        names = [label.strip("\u3000") for _, label in people.department_filter_choices(teams[4].id)]
    # The chosen team sits under its plant, in tree order.
    assert names == ["市总", "分厂0", "分厂1", "班组1-1", "分厂2"]
    # However small the cap, the top two levels stay: they are the useful part of a city's tree.
    monkeypatch.setattr(people, "FILTER_DEPARTMENT_CAP", 1)
    with app.app_context():
        names = [label.strip("\u3000") for _, label in people.department_filter_choices()]
    assert names == ["市总", "分厂0", "分厂1", "分厂2"]


@pytest.mark.parametrize("q", ["泵", "模具", "数控车床"])
def test_plans_always_end_with_the_exact_test(app, q):
    with app.test_request_context():
        planned = search.plan(q)
    compiled = str(planned.condition.compile(compile_kwargs={"literal_binds": True}))
    assert f"%{q}%" in compiled and (planned.bounded == (len(q) < search.INDEXED_TERM_LENGTH))
