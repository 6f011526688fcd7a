"""The recommendation chain along the union levels (SPEC §7), written once for every domain that recommends upwards.

A thing of an enterprise (a workshop, an awarded suggestion, later an honours nomination) is recommended by its
enterprise union, forwarded or declined by the district or industry union above the enterprise, and approved or
declined by the city (a whole-tree admin). The three levels are the words "enterprise", "union" and "city";
`acting_level` tells, from the user's admin grants (core.scopes, core.org.union_above's chain unions), at which level a
user acts for a department. Statuses and moves::

    recommended --forward (union)--> forwarded --approve (city)--> approved
    recommended --decline (union, reason)--> declined <--decline (city, reason)-- forwarded

An enterprise with no union above it (a portal without a federation), or a recommendation made by a union or city
admin themselves, starts as `forwarded`: it waits for the city. Every step is one conditional UPDATE on the status
read (two admins deciding at once decide once; the loser gets a clear refusal), one dated step row (actor, time,
reason, level reached), one audit row, and notifications: the owners of the thing and everyone who acted before hear
of each step, the next level's admins hear that something waits for them. Functions only flush; the caller's
`web.action` commits or rolls back.

The adapter contract — a domain subclasses `ChainAdapter` and passes its instance to every function here:

Tables (a domain keeps its own two tables):
- `model`: the recommendation, with columns `id`, `status` (STATUSES), `updated_at`; built by `new_record`.
- `step_model`: its steps, with `id`, `recommendation_id`, `actor_id` and the time column named by `step_time`;
  built by `new_step`.
- `subject_key`: the recommendation's column naming the thing (e.g. `workshop_id`), for `history`.

Hooks (subject = the domain object recommended):
- `department(subject)`: the node whose enterprise and unions decide (None: only the city acts).
- `check_recommend(actor, subject, level)`: raise DomainError when the thing may not be recommended by an actor
  acting at `level` (wrong status, wrong kind, already recommended …). `recommending_levels` lists the levels that
  may recommend at all.
- `new_record(subject, actor, status, level, enterprise, union)` / `new_step(record, move, actor, reason, level,
  union)`: the rows; `level` is where the recommendation now stands ("union" or "city"), `union` the district or
  industry union node (or None), so a domain may store a level word or an organisation kind.
- `moved_values(target, level)`: extra columns the conditional UPDATE sets (e.g. clearing an "open" marker).
- `on_approve(actor, subject, record, reason)`: what the city's approval does to the thing (raise a workshop's level;
  nothing more for a suggestion, whose approved recommendation is the 市级优秀成果 mark). May raise DomainError.
- `owners(subject)`: user ids who hear of every step; `params(subject)`: the notification's parameters;
  `link(subject)` / `waiting_link(subject)`: where the owners' and the next level's notifications point.
- `audit_target(subject)`, `audit_prefix(subject)`.
- `clean_reason(text, required)`: the reason stripped and checked (DomainError on field "reason").
- `waiting_base()`: SELECT of the recommendations with `Department` joined as the node of the thing, for
  `waiting_statement` to filter by level and scope.

Texts: `status_labels`, `step_labels` (used in refusals), `told[move]` (to owners and earlier actors, parameters
`params(subject)` plus `reason`), `waiting_message[move]` (to the next level), `wrong_level[level]`,
`reason_missing`, `outside`, and `audit_actions[move]` (each needs a label in core/audit_labels.py).

A third domain (honours nominations: enterprise → district/industry → city) adds its two tables, one adapter
subclass with these hooks and texts, and calls `recommend`, `decide`, `history`, `waiting_statement`,
`moves_for` from its services and views.
"""
from __future__ import annotations

from sqlalchemy import exists, false, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.grants import admins_at
from blueprints.core.i18n import N_
from blueprints.core.models import Department, RoleGrant, User
from blueprints.core.notify import notify_many
from blueprints.core.org import CHAIN_UNIONS, ancestor_ids, enterprise_of, union_above
from blueprints.core.scopes import scope_of
from blueprints.core.states import Transition, machine
from blueprints.core.types import utcnow
from extensions import db

LEVELS = ("enterprise", "union", "city")
STATUSES = ("recommended", "forwarded", "approved", "declined")
OPEN_STATUSES = ("recommended", "forwarded")
MOVES = machine(
    Transition("forward", ("recommended",), "forwarded", actor="union"),
    Transition("approve", ("forwarded",), "approved", actor="city"),
    Transition("decline", ("recommended", "forwarded"), "declined", actor="union|city", needs_reason=True),
)
DECIDER = {"recommended": "union", "forwarded": "city"}  # the level that decides an open recommendation
OFFERED = {"union": ("forward", "decline"), "city": ("approve", "decline")}  # what a page offers each level

UNKNOWN_MOVE = N_("未知的操作。")
WRONG_STATE = N_("这条推荐当前是“%(status)s”，不能再%(step)s。")


class ChainAdapter:
    """A domain's recommendation: its tables, texts and the hooks listed in the module docstring."""

    domain = ""
    model: type
    step_model: type
    step_time = "acted_at"
    subject_key = ""
    recommending_levels: tuple[str, ...] = ("enterprise", "union", "city")
    status_labels: dict = {}
    step_labels: dict = {}
    told: dict = {}
    waiting_message: dict = {}
    audit_actions: dict = {}
    wrong_level = {
        "union": N_("这条推荐正等待区县（产业）工会审核，您所在的层级不能处理。"),
        "city": N_("这条推荐由市总工会审定，您所在的层级不能处理。"),
    }
    reason_missing = N_("不予推荐时请填写原因。")
    outside = N_("这条记录不在您的管理范围内。")

    def department(self, subject) -> Department | None:
        raise NotImplementedError

    def check_recommend(self, actor, subject, level: str) -> None:
        """Raise DomainError when the subject may not be recommended now."""

    def new_record(self, subject, actor, status: str, level: str, enterprise, union):
        raise NotImplementedError

    def new_step(self, record, move: str, actor, reason: str, level: str, union):
        raise NotImplementedError

    def moved_values(self, target: str, level: str) -> dict:
        return {}

    def on_approve(self, actor, subject, record, reason: str) -> None:
        """What the city's approval does to the subject (nothing by default: the approved record is the mark)."""

    def owners(self, subject) -> list[int]:
        return []

    def params(self, subject) -> dict:
        return {}

    def link(self, subject) -> str | None:
        return None

    def waiting_link(self, subject) -> str | None:
        return self.link(subject)

    def audit_target(self, subject):
        return subject

    def audit_prefix(self, subject) -> str:
        return ""

    def clean_reason(self, text: str | None, required: bool) -> str:
        reason = (text or "").strip()
        if required and not reason:
            raise DomainError(self.reason_missing, field="reason")
        return reason

    def waiting_base(self):
        raise NotImplementedError


# --- Levels -------------------------------------------------------------------------------------------------------


def acting_level(user, department: Department | None) -> str | None:
    """The level at which the user acts for a record of `department`: "city" (a whole-tree admin), "union" (an admin
    grant on the district or industry union above it), "enterprise" (another covering admin grant), or None."""
    scope = scope_of(user, "admin")
    if scope.everything:
        return "city"
    if department is None or not scope.covers_path(department.path):
        return None
    on_union = db.session.scalar(
        select(RoleGrant.id).join(Department, Department.id == RoleGrant.department_id)
        .where(RoleGrant.user_id == user.id, RoleGrant.role == "admin",
               Department.id.in_(ancestor_ids(department.path)), Department.kind.in_(CHAIN_UNIONS)).limit(1))
    return "union" if on_union is not None else "enterprise"


def can_recommend(adapter: ChainAdapter, user, subject) -> bool:
    """An admin at a recommending level over the subject, and the domain's conditions hold."""
    if not user.has_role("admin"):
        return False
    level = acting_level(user, adapter.department(subject))
    if level not in adapter.recommending_levels:
        return False
    try:
        adapter.check_recommend(user, subject, level)
    except DomainError:
        return False
    return True


def moves_for(adapter: ChainAdapter, user, subject, record) -> tuple[str, ...]:
    """The moves the user may make on the record now (none unless it waits for the user's level)."""
    if record is None or record.status not in DECIDER or not user.has_role("admin"):
        return ()
    level = DECIDER[record.status]
    return OFFERED[level] if acting_level(user, adapter.department(subject)) == level else ()


# --- Steps --------------------------------------------------------------------------------------------------------


def recommend(adapter: ChainAdapter, actor, subject, reason: str = ""):
    """The enterprise union recommends the subject: it waits for the union above, or for the city when there is none
    or when a union or city admin recommended it themselves."""
    department = adapter.department(subject)
    level = acting_level(actor, department)
    if level is None or not actor.has_role("admin"):
        raise DomainError(adapter.outside)
    adapter.check_recommend(actor, subject, level)
    if level not in adapter.recommending_levels:
        raise DomainError(adapter.outside)
    text = adapter.clean_reason(reason, required=False)
    union = union_above(department)
    to_union = level == "enterprise" and union is not None
    status, reached = ("recommended", "union") if to_union else ("forwarded", "city")
    record = adapter.new_record(subject, actor, status, reached, enterprise_of(department), union)
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        # Another admin recommended it a moment ago: the table's unique key keeps one; say why in the domain's words.
        adapter.check_recommend(actor, subject, level)
        raise DomainError(adapter.outside) from None
    db.session.add(adapter.new_step(record, "recommend", actor, text, reached, union))
    db.session.flush()
    audit.record(adapter.audit_actions["recommend"], target=adapter.audit_target(subject), actor=actor,
                 detail=f"{adapter.audit_prefix(subject)}-> {status} at {reached}" + (f"; {text}" if text else ""))
    _announce(adapter, actor, subject, record, "recommend", text, reached, department)
    return record


def decide(adapter: ChainAdapter, actor, subject, record, move: str, reason: str = "") -> None:
    """Forward, approve or decline an open recommendation, at the level it waits for."""
    rule = MOVES.get(move)
    if rule is None:
        raise DomainError(UNKNOWN_MOVE)
    source = record.status
    if not rule.allows(source):
        raise DomainError(WRONG_STATE, status=str(adapter.status_labels[source]), step=str(adapter.step_labels[move]))
    needed = DECIDER[source]
    department = adapter.department(subject)
    if acting_level(actor, department) != needed:
        raise DomainError(adapter.wrong_level[needed])
    text = adapter.clean_reason(reason, required=rule.needs_reason)
    reached = needed if move == "decline" else "city"
    _move(adapter, record, source, rule.target, reached, move)
    if move == "approve":
        adapter.on_approve(actor, subject, record, text)
    union = union_above(department)
    db.session.add(adapter.new_step(record, move, actor, text, reached, union))
    db.session.flush()
    audit.record(adapter.audit_actions[move], target=adapter.audit_target(subject), actor=actor,
                 detail=f"{adapter.audit_prefix(subject)}{source} -> {rule.target}" + (f"; {text}" if text else ""))
    _announce(adapter, actor, subject, record, move, text, reached, department)


def close(adapter: ChainAdapter, actor, subject, record, reason: str) -> bool:
    """End an open recommendation declined because the subject itself ended (e.g. a revoked workshop): a step and an
    audit row, no notification (the domain tells of the ending itself). False when it was decided meanwhile."""
    source = record.status
    if source not in OPEN_STATUSES:
        return False
    reached = DECIDER[source]
    values = {"status": "declined", "updated_at": utcnow(), **adapter.moved_values("declined", reached)}
    closed = db.session.execute(update(adapter.model).where(adapter.model.id == record.id,
                                                            adapter.model.status == source)
                                .values(**values).execution_options(synchronize_session=False)).rowcount
    if closed != 1:
        return False
    db.session.refresh(record)
    db.session.add(adapter.new_step(record, "decline", actor, reason, reached,
                                    union_above(adapter.department(subject))))
    db.session.flush()
    audit.record(adapter.audit_actions["decline"], target=adapter.audit_target(subject), actor=actor,
                 detail=f"{adapter.audit_prefix(subject)}{source} -> declined; {reason}")
    return True


def _move(adapter: ChainAdapter, record, source: str, target: str, reached: str, move: str) -> None:
    """The conditional UPDATE on the status read: of two admins deciding at once, one moves the row."""
    values = {"status": target, "updated_at": utcnow(), **adapter.moved_values(target, reached)}
    moved = db.session.execute(update(adapter.model).where(adapter.model.id == record.id,
                                                           adapter.model.status == source)
                               .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(record)
    if moved != 1:
        raise DomainError(WRONG_STATE, status=str(adapter.status_labels[record.status]),
                          step=str(adapter.step_labels[move]))


def _announce(adapter: ChainAdapter, actor, subject, record, move: str, reason: str, reached: str,
              department: Department | None) -> None:
    """The owners and everyone who acted before hear of the step; the next level's admins hear that it waits."""
    step = adapter.step_model
    earlier = db.session.scalars(select(step.actor_id).where(step.recommendation_id == record.id,
                                                             step.actor_id.is_not(None)))
    params = adapter.params(subject)
    concerned = [uid for uid in [*adapter.owners(subject), *earlier] if uid != actor.id]
    notify_many(concerned, adapter.told[move], link=adapter.link(subject), reason=reason or "—", **params)
    if record.status in DECIDER and move in adapter.waiting_message:
        deciders = [uid for uid in admins_at(department, reached) if uid != actor.id]
        notify_many(deciders, adapter.waiting_message[move], link=adapter.waiting_link(subject), **params)


# --- Reading ------------------------------------------------------------------------------------------------------


def history(adapter: ChainAdapter, subject_id: int) -> list[tuple[object, list]]:
    """Every recommendation of the subject, newest first, each with its steps as (step, actor name) in order: one
    query however many recommendations and steps."""
    model, step = adapter.model, adapter.step_model
    actor = aliased(User)
    rows = db.session.execute(
        select(model, step, actor.name)
        .outerjoin(step, step.recommendation_id == model.id)
        .outerjoin(actor, actor.id == step.actor_id)
        .where(getattr(model, adapter.subject_key) == subject_id)
        .order_by(model.id.desc(), getattr(step, adapter.step_time), step.id)).all()
    found: dict[int, tuple[object, list]] = {}
    for record, step_row, name in rows:
        entry = found.setdefault(record.id, (record, []))
        if step_row is not None:
            entry[1].append((step_row, name))
    return list(found.values())


def open_in(history_rows) -> object | None:
    """The recommendation still on its way among history()'s rows."""
    return next((record for record, _steps in history_rows if record.status in OPEN_STATUSES), None)


def waiting_statement(adapter: ChainAdapter, user):
    """The adapter's waiting_base() narrowed to what waits for the user's level: the city sees what was forwarded,
    a district or industry union's admins what was recommended under their union (one query, no lookups first)."""
    stmt = adapter.waiting_base()
    scope = scope_of(user, "admin")
    if scope.everything:
        return stmt.where(adapter.model.status == "forwarded")
    if scope.empty:
        return stmt.where(false())
    union = aliased(Department)
    on_union = exists(select(RoleGrant.id).join(union, union.id == RoleGrant.department_id)
                      .where(RoleGrant.user_id == user.id, RoleGrant.role == "admin",
                             union.kind.in_(CHAIN_UNIONS), Department.path.startswith(union.path)))
    return stmt.where(adapter.model.status == "recommended", on_union)


def waiting_count(adapter: ChainAdapter, user) -> int:
    """How many recommendations wait for the user's level."""
    stmt = waiting_statement(adapter, user).order_by(None)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
