"""The live hints of the suggestion pages (award preview, similar titles): what their htmx requests carry, that
typing never makes them abort each other (an aborted htmx request logs htmx:sendAbort as a console error), and
which title pieces the similar-titles hint compares."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

from blueprints.suggestions.services import lists
from tests.conftest import html_text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "suggestions"


class _Page(HTMLParser):
    """The elements of a page with their attributes, and the form each field belongs to."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._forms: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._forms.append(attributes.get("id"))
        self.elements.append({"tag": tag, "attrs": attributes, "form": self._forms[-1] if self._forms else None})

    def handle_endtag(self, tag):
        if tag == "form" and self._forms:
            self._forms.pop()


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _matches(element: dict, selector: str) -> bool:
    """The few CSS selectors hx-include uses here: "#form", "#form [name=x]", "#form [name^=x]", "#id"."""
    selector = selector.strip()
    attrs, name = element["attrs"], element["attrs"].get("name")
    scoped = re.fullmatch(r"#([\w-]+)\s+\[name(\^?)=([\w-]+)\]", selector)
    if scoped:
        form_id, prefix, value = scoped.groups()
        return element["form"] == form_id and name is not None and (name.startswith(value) if prefix
                                                                    else name == value)
    whole = re.fullmatch(r"#([\w-]+)", selector)
    if whole:
        return attrs.get("id") == whole.group(1) or (element["form"] == whole.group(1) and name is not None)
    raise AssertionError(f"selector the test does not understand: {selector}")


def _request_params(page: _Page, element: dict) -> list[tuple[str, str]]:
    """The name/value pairs htmx adds to the element's GET from its hx-include (fields with a name only)."""
    include = element["attrs"].get("hx-include", "")
    fields = [e for e in page.elements if e["tag"] in ("input", "select", "textarea") and e["attrs"].get("name")
              and any(_matches(e, part) for part in include.split(","))]
    return [(e["attrs"]["name"], e["attrs"].get("value", "")) for e in fields]


def _by_id(page: _Page, element_id: str) -> dict:
    return next(e for e in page.elements if e["attrs"].get("id") == element_id)


def test_the_award_preview_never_puts_the_csrf_token_or_the_reason_in_its_url(client, auth, suggestion_setup,
                                                                               make_suggestion):
    world = suggestion_setup
    suggestion = make_suggestion(world.author, status="implemented", workshop=world.workshop,
                                 coauthors=[world.coauthor])
    auth.login(world.admin.employee_no)
    page = _parse(client.get(f"/suggestions/{suggestion.id}/award").get_data(as_text=True))
    preview = _by_id(page, "award-preview")
    token = next(e["attrs"]["value"] for e in page.elements if e["attrs"].get("name") == "csrf_token")
    assert preview["attrs"].get("hx-get") and not preview["attrs"].get("hx-post")

    params = _request_params(page, preview)
    names = {name for name, _value in params}
    assert "csrf_token" not in names and "reason" not in names
    assert names == {"amount", f"share-{world.author.id}", f"share-{world.coauthor.id}"}
    url = f"{preview['attrs']['hx-get']}?{urlencode(params)}"
    assert token not in url
    # The request the page sends still computes the split (1000 yuan, 50 % each).
    body = html_text(client.get(url, headers={"HX-Request": "true"}))
    assert body.count("¥500.00") == 2 and "¥1,000.00" in body


def test_live_hints_queue_their_requests_instead_of_aborting_them():
    for name, element_id in (("award.html", "award-preview"), ("form.html", "similar")):
        source = (TEMPLATES / name).read_text(encoding="utf-8")
        tag = re.search(rf'<div id="{element_id}"[^>]*>', source).group(0)
        sync = re.search(r'hx-sync="([^"]*)"', tag).group(1)
        # replace and abort cancel the request in flight, which htmx reports as an htmx:sendAbort console error.
        assert sync == "this:queue last", f"{name}: hx-sync={sync}"


@pytest.mark.parametrize("pair, filler", [
    ("的合", True), ("备的", True), ("与改", True), ("为了", True), ("是在", True), ("对于", True),
    ("合理", False), ("在线", False), ("对比", False), ("是否", False), ("车床", False), ("CN", False),
])
def test_filler_pairs_are_the_ones_holding_a_particle_or_only_function_characters(pair, filler):
    assert lists.is_filler_pair(pair) is filler


def test_title_pieces_leave_out_filler_pairs():
    assert lists.title_pieces("设备的合理化改造") == ["设备", "合理", "理化", "化改", "改造"]


def test_the_similar_hint_ignores_titles_that_share_only_filler(client, login_as, make_user, make_suggestion):
    author = make_user()
    unrelated = make_suggestion(author, title="食堂的合并方案")
    related = make_suggestion(author, title="设备合理化改造方案")
    login_as()
    body = html_text(client.get("/suggestions/similar", query_string={"title": "车间的合理布局"},
                                headers={"HX-Request": "true"}))
    assert related.title in body
    assert unrelated.title not in body
