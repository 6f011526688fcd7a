"""Type-ahead pickers for departments and workshops (issue 19 item 3): no page lists every one in a <select>.

A *source* names one allowed set: the rows a field accepts for the signed-in user (and, for some, for a record the
request names in its parameters). The same source answers the type-ahead route `/pick/<source>` (at most
PICK_LIMIT matches) and validates what a form posts, so the route never shows a row the field would refuse: a
scoped admin cannot discover departments outside their scope by typing.

Core knows departments; a domain registers its own sources (workshops, a competition's units…) with `register`.

Resolving what a form or a filter box sent (`resolve`), in this order:
1. `<name>-pick`: a choice from the no-JS candidate list (radio buttons), an id;
2. `<name>` (the hidden id the script fills) when the text box still shows that row's label or name, or when the
   text box was not sent at all (an API call or an old test posting only the id);
3. otherwise the typed text: an exact, unique name (or full label) inside the allowed set is taken; else the form
   comes back with the matching rows (at most PICK_LIMIT) to choose from. An empty text box means no choice.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, or_, select, true
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from blueprints.core.i18n import N_
from blueprints.core.models import Department
from blueprints.core.scopes import Scope, scope_of
from blueprints.core.types import INT_MAX
from extensions import db

PICK_LIMIT = 20
PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class Choice:
    """One row a picker offers: its value (an id, or a fixed key such as "none") and what the user reads."""

    value: str
    label: str


@dataclass(frozen=True)
class Source:
    """An allowed set: `allowed(user, params)` is a WHERE clause on `model` (which has `id` and `name`).

    `paths`: label departments with their path ("滨江重工 › 动力分公司"), so same-named units are told apart.
    `params`: the request arguments the set depends on (e.g. a competition id); the builder must answer an empty
    set when the user may not see that record. `extras(user)`: fixed choices offered before the rows (bounded).
    """

    name: str
    model: type
    allowed: Callable[[object, Mapping[str, str]], ColumnElement[bool]]
    paths: bool = False
    params: tuple[str, ...] = ()
    extras: Callable[[object], list[Choice]] | None = None
    order: Callable[[], list] | None = None


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Make a source known to the route and the fields (a domain calls this when it is imported)."""
    _SOURCES[source.name] = source
    return source


def get_source(name: str) -> Source | None:
    return _SOURCES.get(name)


def as_id(value) -> int | None:
    """A posted value as a row id, or None when it is no id a column can hold."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:  # "²".isdigit() is true, but int() refuses it
        return None
    number = int(text)
    return number if 0 < number <= INT_MAX else None


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _extras(source: Source, user) -> list[Choice]:
    return list(source.extras(user)) if source.extras is not None else []


def _labels_for(source: Source, rows, user=None, params: Mapping[str, str] | None = None) -> list[Choice]:
    """Choices for (id, name[, path]) rows; departments get their path label in one extra query at most. With a
    user, the path names only ancestors inside the source's allowed set (a scoped admin's labels start at the top
    of their scope and never name the units above it)."""
    if not source.paths:
        return [Choice(str(row.id), row.name) for row in rows]
    ancestors = {int(part) for row in rows for part in row.path.strip("/").split("/") if part}
    known = {row.id: (row.name, getattr(row, "kind", None)) for row in rows}
    missing = ancestors - set(known)
    if missing:
        stmt = select(Department.id, Department.name, Department.kind).where(Department.id.in_(missing))
        if user is not None:
            stmt = stmt.where(source.allowed(user, _clean_params(source, params)))
        known.update({i: (n, k) for i, n, k in db.session.execute(stmt)})
    choices = []
    for row in rows:
        names = []
        for part in row.path.strip("/").split("/"):
            if not part:
                continue
            if int(part) not in known:
                continue  # above the user's part of the tree
            name, kind = known[int(part)]
            if kind == "federation" and int(part) != row.id:
                continue  # the city root is above everyone: it would only lengthen every label
            names.append(name)
        choices.append(Choice(str(row.id), PATH_SEPARATOR.join(names) or row.name))
    return choices


def _columns(source: Source):
    model = source.model
    cols = [model.id, model.name]
    if source.paths:
        cols += [model.path, model.kind]
    return cols


def _clean_params(source: Source, params: Mapping[str, str] | None) -> dict[str, str]:
    params = params or {}
    return {key: str(params.get(key, ""))[:32] for key in source.params}


def search(source: Source, q: str, user, params: Mapping[str, str] | None = None,
           limit: int = PICK_LIMIT) -> list[Choice]:
    """At most `limit` rows of the allowed set whose name contains `q` (an empty `q`: the first rows, top of the tree
    first), exact names first; fixed extras whose label contains `q` come before them."""
    q = (q or "").strip()[:50]
    model = source.model
    params = _clean_params(source, params)
    found = [c for c in _extras(source, user) if not q or q in c.label]
    stmt = select(*_columns(source)).where(source.allowed(user, params))
    order: list = []
    if q:
        like = model.name.like(f"%{_escape_like(q)}%", escape="\\")
        stmt = stmt.where(or_(like, model.code == q) if source.paths else like)
        order.append(case((model.name == q, 0), else_=1))
    if source.order is not None:
        order += list(source.order())
    else:
        order += [model.depth, model.code] if source.paths else [model.name]
    order.append(model.id)
    rows = db.session.execute(stmt.order_by(*order).limit(max(limit - len(found), 0))).all()
    return found + _labels_for(source, rows, user, params)


def labels(source: Source, values: Sequence, user=None, params: Mapping[str, str] | None = None) -> dict[str, str]:
    """value → label for the given values (ids or extras), whatever the allowed set (to show a stored choice)."""
    result = {c.value: c.label for c in _extras(source, user) if c.value in {str(v) for v in values}}
    ids = {as_id(v) for v in values} - {None}
    if ids:
        rows = db.session.execute(select(*_columns(source)).where(source.model.id.in_(ids))).all()
        result.update({c.value: c.label for c in _labels_for(source, rows, user, params)})
    return result


def allowed_choices(source: Source, values: Sequence, user, params: Mapping[str, str] | None = None) -> list[Choice]:
    """The given values that lie in the allowed set, with their labels (one query, plus one for path labels)."""
    params = _clean_params(source, params)
    wanted = {str(v) for v in values}
    chosen = [c for c in _extras(source, user) if c.value in wanted]
    ids = {as_id(v) for v in wanted} - {None}
    if ids:
        rows = db.session.execute(select(*_columns(source)).where(source.model.id.in_(ids),
                                                                  source.allowed(user, params))).all()
        chosen += _labels_for(source, rows, user, params)
    return chosen


def exact_matches(source: Source, text: str, user, params: Mapping[str, str] | None = None) -> list[Choice]:
    """Rows of the allowed set named exactly `text` (or whose full label is `text`), at most two found per name."""
    text = text.strip()
    extras = [c for c in _extras(source, user) if c.label == text]
    if extras:
        return extras
    last = text.split(PATH_SEPARATOR.strip())[-1].strip() if source.paths else text
    params = _clean_params(source, params)
    rows = db.session.execute(select(*_columns(source)).where(source.model.name == last, source.allowed(user, params))
                              .order_by(source.model.id).limit(PICK_LIMIT)).all()
    choices = _labels_for(source, rows, user, params)
    if len(choices) > 1:  # a full path typed or picked tells same-named units apart
        by_label = [c for c in choices if _same(c.label, text)]
        return by_label or choices
    return choices


def _same(label: str, text: str) -> bool:
    squash = lambda s: "".join(s.split()).replace("›", ">")  # noqa: E731
    return squash(label) == squash(text)


REFUSED = N_("所选的项不在您可以选择的范围内，请重新选择。")
NOT_FOUND = N_("没有找到“%(q)s”，请换个关键词。")
CHOOSE_ONE = N_("有多个“%(q)s”，请在下面选择一个。")


@dataclass
class Resolution:
    """What a picker sent, resolved: the value (None: nothing chosen), its label, and when the text matched
    several rows or none, the candidates to choose from and the message (a msgid with its arguments)."""

    value: str | None = None
    label: str = ""
    text: str = ""
    candidates: list[Choice] = field(default_factory=list)
    error: str | None = None
    error_args: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        """The message in the user's language, as a field's error list (empty when resolved)."""
        if not self.error:
            return []
        from flask_babel import gettext

        return [gettext(self.error, **self.error_args)]

    @property
    def shown(self) -> str:
        """What the text box shows: the chosen row's label, else the text being resolved."""
        return self.label or self.text

    @property
    def id(self) -> int | None:
        """The chosen value as an id (None for nothing or a fixed extra)."""
        return as_id(self.value)

    def frozen(self) -> Shown:
        """What the page shows of it, hashable: a key of core.web.cached_fragment (the filter forms)."""
        return Shown(self.value, self.shown, tuple(self.errors), tuple(self.candidates))


@dataclass(frozen=True)
class Shown:
    """A resolved picker as its box shows it (Resolution.frozen): what filter_picker reads, and nothing else."""

    value: str | None
    shown: str
    errors: tuple[str, ...] = ()
    candidates: tuple[Choice, ...] = ()


def resolve(source: Source, user, *, raw: str | None, text: str | None, pick: str | None = None,
            params: Mapping[str, str] | None = None) -> Resolution:
    """Resolve a picker's posted parts (see the module docstring). `text` None: the text box was not sent."""
    raw = (raw or "").strip()
    if pick:
        found = allowed_choices(source, [pick.strip()], user, params)
        if not found:
            return Resolution(text=text or "", error=REFUSED)
        return Resolution(found[0].value, found[0].label, found[0].label)
    if not (text or "").strip() and (text is not None or not raw):
        return Resolution()  # an empty text box (or nothing sent): no choice
    if raw:
        found = allowed_choices(source, [raw], user, params)
        if found and (text is None or _same(found[0].label, text) or _same(found[0].label.split(PATH_SEPARATOR)[-1],
                                                                               text)):
            return Resolution(found[0].value, found[0].label, found[0].label)
        if text is None:
            return Resolution(error=REFUSED)
    text = (text or "").strip()[:100]
    matches = exact_matches(source, text, user, params)
    if len(matches) == 1:
        return Resolution(matches[0].value, matches[0].label, matches[0].label)
    candidates = matches or search(source, text, user, params)
    if not candidates:
        return Resolution(text=text, error=NOT_FOUND, error_args={"q": text})
    return Resolution(text=text, candidates=candidates, error=CHOOSE_ONE, error_args={"q": text})


def filter_pick(source_name: str, args: Mapping[str, str], name: str, user, *, full: bool = True,
                params: Mapping[str, str] | None = None) -> Resolution:
    """A list's filter box (GET): the value to filter on, and for a full page the box's label or candidates.

    A request that carries only the id (a pager link, an htmx refresh without the box) is taken as it is without a
    query when `full` is False: the list's own query applies the viewer's scope anyway."""
    source = _SOURCES[source_name]
    raw, text, pick = args.get(name), args.get(f"{name}-q"), args.get(f"{name}-pick")
    raw = (raw or "").strip()[:20]
    if text is None and not pick and not full:
        value = raw if as_id(raw) is not None or raw in {c.value for c in _extras(source, user)} else None
        return Resolution(value=value or None)
    result = resolve(source, user, raw=raw, text=text, pick=pick, params=params)
    if result.value is None and text is None and raw:
        result = Resolution()  # a stale or foreign id in a link: no filter, like an unknown one before
    return result


# --- Department sources ----------------------------------------------------------------------------------------


def _scoped(role: str):
    def allowed(user, _params):
        return scope_of(user, role).path_clause(Department.path)
    return allowed


def department_source(name: str, allowed, **kwargs) -> Source:
    """A source of departments (path labels), registered under `name`."""
    return register(Source(name, Department, allowed, paths=True, **kwargs))


# Departments inside the user's admin / hr / safety scope (the user form, grants, sessions…).
for _role in ("admin", "hr", "safety"):
    department_source(f"departments-{_role}", _scoped(_role))
def _view_area(user, _params):
    """The part of the tree a list's department filter may name : the whole
    tree for a whole-tree admin or in a portal without a federation root, else the user's admin scope and their
    own enterprise, so the box never names other enterprises."""
    admin = scope_of(user, "admin")
    if admin.everything or not getattr(user, "in_federation", False):
        return true()
    home = getattr(user, "home_path", None)
    return Scope("view", paths=tuple(sorted(set(admin.paths) | ({home} if home else set())))).path_clause(
        Department.path)


department_source("departments-view", _view_area)
# Departments of the user's admin or HR scope (contest organisers, mentoring…).
department_source("departments-staff", lambda user, _params: or_(scope_of(user, "admin").path_clause(Department.path),
                                                                 scope_of(user, "hr").path_clause(Department.path)))


def _whole_tree_extra(user) -> list[Choice]:
    from flask_babel import gettext

    return [Choice("all", gettext("全部（整个组织）"))] if scope_of(user, "admin").everything else []


# The scope of a grant: a node inside the admin's scope, or (whole-tree admins only) "all", the whole tree.
department_source("departments-grant", _scoped("admin"), extras=_whole_tree_extra)


# --- The form field ---------------------------------------------------------------------------------------------


class PickerField(Field):
    """A department or workshop choice through a type-ahead picker (render it with the `picker` macro).

    The posted value is still the id (wire format of the select it replaces), plus the text box `<name>-q` and,
    after a no-JS search, `<name>-pick`; `data` is the id (int), a fixed extra's key (str) or None. Validated
    against the source's allowed set for the signed-in user: an id outside it is refused and nothing is stored.
    A view sets `params` when the source depends on a record (e.g. {"competition": "5"}).
    """

    def __init__(self, label=None, validators=None, source: str = "", params: Mapping[str, str] | None = None,
                 placeholder=None, refused: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.refused = refused  # the message for a value outside the allowed set (default: pickers.REFUSED)
        self.source_name = source
        self.params = dict(params or {})
        self.placeholder = placeholder
        self.keep = None  # a stored value accepted as it is even if it left the allowed set (a view sets it)
        self.text: str | None = None
        self.candidates: list[Choice] = []
        self._parts: tuple[str | None, str | None, str | None] | None = None

    @property
    def source(self) -> Source:
        found = get_source(self.source_name)
        if found is None:
            raise LookupError(f"unknown picker source {self.source_name!r}")
        return found

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self._parts = None
        if formdata is not None and any(key in formdata for key in (self.name, f"{self.name}-q",
                                                                     f"{self.name}-pick")):
            parts = (formdata.get(self.name), formdata.get(f"{self.name}-q"), formdata.get(f"{self.name}-pick"))
            self._parts = parts
            self.raw_data = [next((p for p in parts if p and p.strip()), "")]

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = _coerce(valuelist[0])

    def pre_validate(self, form):
        if self._parts is None:
            self.data = None
            return
        raw, text, pick = self._parts
        from flask_login import current_user

        if self.keep is not None and not pick and (raw or "").strip() == str(self.keep) and (
                text is None or _same(self.chosen_label(), text)):
            self.data, self.text, self.candidates = _coerce(raw), None, []
            return

        result = resolve(self.source, current_user, raw=raw, text=text, pick=pick, params=self.params)
        self.data = _coerce(result.value)
        self.text = result.text if result.error else None
        self.candidates = result.candidates
        if result.error:
            from flask_babel import gettext

            message = self.refused if result.error == REFUSED and self.refused else result.error
            raise StopValidation(gettext(message, **result.error_args))

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    def chosen_label(self) -> str:
        """What the text box shows: the typed text when it is being resolved, else the chosen row's label."""
        if self.text is not None:
            return self.text
        if self.data in (None, ""):
            return ""
        from flask_login import current_user

        return labels(self.source, [self.data], current_user, self.params).get(str(self.data), "")


def _coerce(value):
    if value in (None, "", "None"):
        return None
    text = str(value).strip()
    if text.isdigit():
        return as_id(text)
    return text or None


class MultiPickerField(PickerField):
    """Several rows through one picker: each chosen row is a ticked checkbox named like the field (the wire format
    of the multiple select it replaces: the ids, repeated), and the text box adds one more (also without
    JavaScript: an exact unique name, else the candidates to choose from). `data` is the list of ids."""

    def __init__(self, *args, limit: int = 50, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.chosen: list[Choice] = []
        self._values: list[str] = []

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self._values = [v for v in formdata.getlist(self.name) if v.strip()] if self._parts is not None else []

    def process_formdata(self, valuelist):
        self.data = [v for v in (_coerce(x) for x in valuelist) if v is not None]

    def process_data(self, value):
        self.data = list(value or [])

    def pre_validate(self, form):
        from flask_login import current_user

        if self._parts is None:
            self.data = []
            return
        _raw, text, pick = self._parts
        wanted = list(dict.fromkeys(self._values))[:self.limit + 1]
        found = allowed_choices(self.source, wanted, current_user, self.params) if wanted else []
        by_value = {c.value: c for c in found}
        self.chosen = [by_value[v] for v in wanted if v in by_value]
        self.data = [_coerce(c.value) for c in self.chosen]
        self.text, self.candidates = None, []
        if len(self.chosen) < len(wanted):
            raise StopValidation(self._message(REFUSED))
        if len(self.chosen) > self.limit:
            from flask_babel import gettext

            raise StopValidation(gettext(TOO_MANY, n=self.limit))
        if not pick and not (text or "").strip():
            return
        result = resolve(self.source, current_user, raw=None, text=text, pick=pick, params=self.params)
        if result.error:
            self.text, self.candidates = result.text, result.candidates
            raise StopValidation(self._message(result.error, **result.error_args))
        if result.value not in by_value:
            self.chosen.append(Choice(result.value, result.label))
            self.data.append(_coerce(result.value))

    def _message(self, error: str, **args) -> str:
        from flask_babel import gettext

        return gettext(self.refused if error == REFUSED and self.refused else error, **args)

    def chosen_label(self) -> str:
        return self.text or ""

    def chosen_choices(self) -> list[Choice]:
        """The ticked rows with their labels (after validation, else looked up for the current data)."""
        if self.chosen or not self.data:
            return self.chosen
        from flask_login import current_user

        names = labels(self.source, self.data, current_user, self.params)
        return [Choice(str(v), names.get(str(v), str(v))) for v in self.data]


TOO_MANY = N_("最多选择 %(n)s 项。")
