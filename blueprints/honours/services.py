"""The honours chain (SPEC §7–8), in the shape of workshops/chain.py so it can move onto a shared core chain: the
enterprise union nominates, the district or industry union (core.org.union_above) forwards or declines, the city
(a whole-tree admin) approves or declines. A nomination for a district/industry-level honour is decided by that
union itself. Every step is a conditional UPDATE (two admins deciding at once decide once), a dated step row, an
audit row and notifications. Functions only flush.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from blueprints.core import audit, scopes
from blueprints.core.errors import DomainError
from blueprints.core.evidence import Subject, evidence_for
from blueprints.core.grants import admins_at
from blueprints.core.i18n import N_
from blueprints.core.models import Department, RoleGrant, User
from blueprints.core.notify import notify_many
from blueprints.core.org import CHAIN_UNIONS, WORKPLACE_KINDS, ancestor_ids, union_above
from blueprints.core.states import Transition, machine
from blueprints.core.types import utcnow
from blueprints.honours.labels import HONOUR_LABELS, LEVEL_LABELS, STATUS_LABELS, STEP_LABELS, SUBJECT_LABELS
from blueprints.honours.models import HONOURS, LEVELS, OPEN_STATUSES, SUBJECT_KINDS, Nomination, NominationStep
from extensions import db

# The nomination's status machine. The actor word is the union level that decides in the source status.
CHAIN = machine(
    Transition("forward", ("nominated",), "forwarded", actor="union"),
    Transition("approve", ("nominated", "forwarded"), "approved", actor="union|city"),
    Transition("decline", ("nominated", "forwarded"), "declined", actor="union|city", needs_reason=True),
)
DECIDER = {"nominated": "union", "forwarded": "city"}  # which level decides an open nomination
# Which subjects each honour is for: 奖状 a unit; 奖章, 劳模, 技术能手 a person; 工人先锋号 a team or unit.
HONOUR_SUBJECTS = {"labour_award": ("unit",), "labour_medal": ("person",), "pioneer": ("team", "unit"),
                   "model_worker": ("person",), "skill_master": ("person",), "innovation": SUBJECT_KINDS,
                   "other": SUBJECT_KINDS}
SUBJECT_NODE_KINDS = {"unit": ("enterprise", "branch", "floor"), "team": ("floor", "team")}
EVIDENCE_MAX_LINES = 100

WRONG_STATE = N_("这项推荐当前是“%(status)s”，不能再%(step)s。")
WRONG_LEVEL = {
    "union": N_("这项推荐正等待区县（产业）工会审核，您所在的层级不能处理。"),
    "city": N_("这项推荐由市总工会审定，您所在的层级不能处理。"),
}
REASON_MISSING = N_("不予通过时请填写原因。")
ALREADY_OPEN = N_("%(subject)s 的%(year)s年度“%(honour)s”推荐已经在审核中了。")
OUTSIDE_PERSON = N_("工号为 %(no)s 的职工不在您的管理范围内。")
OUTSIDE_UNIT = N_("请选择您管理范围内的单位或班组。")
UNION_DECIDES = N_("区县（产业）级荣誉由区县（产业）工会直接审定，无需转报市总工会。")
MUST_FORWARD = N_("%(level)s荣誉须转报市总工会审定，区县（产业）工会不能直接批准。")
AUDIT_ACTIONS = {"forward": "honour.forwarded", "approve": "honour.approved", "decline": "honour.declined"}


@dataclass
class NominationData:
    """What the nomination form gives."""

    subject_kind: str
    department_id: int | None
    employee_no: str
    honour: str
    honour_name: str
    level: str
    year: int
    summary: str
    evidence: str


# --- Levels -------------------------------------------------------------------------------------------------------


def admin_level(user, department: Department | None) -> str | None:
    """The highest level at which the user holds admin over a subject node: "city" (a whole-tree admin), "union" (a
    grant on the district or industry union above it), "enterprise" (any other covering grant), or None."""
    scope = scopes.scope_of(user, "admin")
    if scope.everything:
        return "city"
    if department is None or not scope.covers_path(department.path):
        return None
    on_union = db.session.scalar(
        select(RoleGrant.id).join(Department, Department.id == RoleGrant.department_id)
        .where(RoleGrant.user_id == user.id, RoleGrant.role == "admin",
               Department.id.in_(ancestor_ids(department.path)), Department.kind.in_(CHAIN_UNIONS)).limit(1))
    return "union" if on_union is not None else "enterprise"


def can_decide(user, nomination: Nomination, department: Department) -> bool:
    """The open nomination waits for the user's level."""
    return (nomination.status in DECIDER and user.has_role("admin")
            and admin_level(user, department) == DECIDER[nomination.status])


def moves_for(user, nomination: Nomination, department: Department) -> list[str]:
    """The moves the user may make on the nomination now (for the buttons; the service checks again)."""
    if not can_decide(user, nomination, department):
        return []
    if nomination.status == "nominated":
        return ["approve", "decline"] if nomination.level == "union" else ["forward", "decline"]
    return ["approve", "decline"]


def can_edit(user, nomination: Nomination, department: Department) -> bool:
    """The evidence and summary stay editable while the nomination is open: by the level that decides it now, and
    by the nominating enterprise union until the union above has acted."""
    if nomination.status not in OPEN_STATUSES or not user.has_role("admin"):
        return False
    level = admin_level(user, department)
    return level == DECIDER[nomination.status] or (nomination.status == "nominated" and level == "enterprise")


def edit_evidence(actor: User, nomination: Nomination, department: Department, summary: str, evidence: str) -> None:
    """Replace the nomination's summary and evidence lines (audited)."""
    if not can_edit(actor, nomination, department):
        raise DomainError(N_("这项推荐当前是“%(status)s”，您不能再修改事迹材料。"),
                          status=str(STATUS_LABELS[nomination.status]))
    nomination.summary = (summary or "").strip()
    nomination.evidence = _clean_evidence(evidence)
    db.session.flush()
    audit.record("honour.evidence_edited", target=nomination, actor=actor,
                 detail=f"{len(nomination.evidence_lines)} lines")


# --- Subjects and evidence ----------------------------------------------------------------------------------------


def resolve_subject(actor: User, kind: str, department_id: int | None,
                    employee_no: str) -> tuple[Department, User | None]:
    """The nominated node (and person), refused unless it lies in the actor's admin scope."""
    if kind not in SUBJECT_KINDS:
        raise DomainError(N_("请选择推荐对象类别。"), field="subject_kind")
    if kind == "person":
        no = (employee_no or "").strip()
        if not no:
            raise DomainError(N_("请填写被推荐人的工号。"), field="employee_no")
        person = db.session.scalar(select(User).where(func.lower(User.employee_no) == no.lower(),
                                                      User.active.is_(True)))
        department = db.session.get(Department, person.department_id) if person and person.department_id else None
        if person is None or department is None or not scopes.covers(actor, "admin", department) \
                or department.kind not in WORKPLACE_KINDS:
            raise DomainError(OUTSIDE_PERSON, field="employee_no", no=no)
        return department, person
    department = db.session.get(Department, department_id) if department_id else None
    if department is None or not scopes.covers(actor, "admin", department):
        raise DomainError(OUTSIDE_UNIT, field="department_id")
    if department.kind not in SUBJECT_NODE_KINDS[kind]:
        raise DomainError(N_("“%(name)s”不是可以作为%(kind)s推荐的单位。"), field="department_id",
                          name=department.name, kind=str(SUBJECT_LABELS[kind]))
    return department, None


def evidence_text(department: Department, person: User | None) -> str:
    """The evidence lines the records give about the subject, one a line (for the form to edit)."""
    subject = (Subject(user_id=person.id, department_id=department.id, path=department.path) if person is not None
               else Subject(department_id=department.id, path=department.path))
    lines = evidence_for(subject)[:EVIDENCE_MAX_LINES]
    return "\n".join(f"{line.on.isoformat()} {line.text}" if line.on else line.text for line in lines)


def _clean_evidence(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > EVIDENCE_MAX_LINES:
        raise DomainError(N_("事迹材料最多 %(n)s 行。"), field="evidence", n=EVIDENCE_MAX_LINES)
    return "\n".join(lines)


def subject_name(department: Department, person: User | None) -> str:
    """How notifications and messages name the subject."""
    return f"{person.name}（{department.name}）" if person is not None else department.name


def honour_text(nomination: Nomination) -> str:
    """The honour's name (the typed name for "other")."""
    return nomination.honour_name or str(HONOUR_LABELS.get(nomination.honour, nomination.honour))


# --- Steps --------------------------------------------------------------------------------------------------------


def _step(nomination: Nomination, action: str, actor: User, reason: str, reached: str) -> None:
    db.session.add(NominationStep(nomination_id=nomination.id, action=action, actor_id=actor.id,
                                  acted_at=utcnow(), reason=reason, reached=reached))


def _check_choice(data: NominationData) -> None:
    if data.honour not in HONOURS:
        raise DomainError(N_("请选择荣誉。"), field="honour")
    if data.honour == "other" and not (data.honour_name or "").strip():
        raise DomainError(N_("选择“其他荣誉”时请填写荣誉名称。"), field="honour_name")
    if data.level not in LEVELS:
        raise DomainError(N_("请选择推荐级别。"), field="level")
    if data.subject_kind not in HONOUR_SUBJECTS[data.honour]:
        raise DomainError(N_("“%(honour)s”不能推荐给这类对象。"), field="subject_kind",
                          honour=str(HONOUR_LABELS[data.honour]))


def _first_status(actor_level: str | None, union: Department | None, honour_level: str) -> str:
    """Where a new nomination starts: at the union above (nominated), or at the city (forwarded) when the union or
    the city nominates, or when the enterprise sits under no union."""
    if actor_level == "enterprise" and union is not None:
        return "nominated"
    if actor_level == "union" and honour_level == "union":
        return "nominated"
    return "forwarded"


def nominate(actor: User, data: NominationData) -> Nomination:
    """An admin nominates a unit, team or person of their scope; the nomination waits for the next level."""
    _check_choice(data)
    department, person = resolve_subject(actor, data.subject_kind, data.department_id, data.employee_no)
    actor_level = admin_level(actor, department)
    union = union_above(department)
    status = _first_status(actor_level, union, data.level)
    open_key = f"{data.honour}:{data.year}:{department.id}:{person.id if person else '-'}"
    nomination = Nomination(honour=data.honour, honour_name=(data.honour_name or "").strip()
                            if data.honour == "other" else "", level=data.level, year=data.year,
                            subject_kind=data.subject_kind, department_id=department.id,
                            user_id=person.id if person else None, open_key=open_key, status=status,
                            summary=(data.summary or "").strip(), evidence=_clean_evidence(data.evidence),
                            nominated_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(nomination)
            db.session.flush()
    except IntegrityError:
        # The same subject is already on its way for this honour and year (perhaps nominated a moment ago).
        raise DomainError(ALREADY_OPEN, subject=subject_name(department, person), year=data.year,
                          honour=honour_text(nomination)) from None
    reached = union.kind if status == "nominated" and union is not None else "federation"
    _step(nomination, "nominate", actor, "", reached)
    db.session.flush()
    audit.record("honour.nominated", target=nomination, actor=actor,
                 detail=f"{data.subject_kind} {department.code}{' ' + person.employee_no if person else ''}: "
                        f"{data.honour} @ {data.level}; {status}")
    deciders = admins_at(department, "union" if status == "nominated" else "city")
    notify_many([uid for uid in deciders if uid != actor.id], N_("%(subject)s 被推荐为“%(honour)s”，请审核。"),
                link=f"/honours/{nomination.id}", subject=subject_name(department, person),
                honour=honour_text(nomination))
    return nomination


def _check_move(actor: User, nomination: Nomination, department: Department, move: str, reason: str) -> str:
    """Refuse a move at the wrong state or level, or without its reason; returns the source status."""
    rule = CHAIN[move]
    source = nomination.status
    if not rule.allows(source):
        raise DomainError(WRONG_STATE, status=str(STATUS_LABELS[source]), step=str(STEP_LABELS[move]))
    needed = DECIDER[source]
    if admin_level(actor, department) != needed:
        raise DomainError(WRONG_LEVEL[needed])
    if move == "forward" and nomination.level == "union":
        raise DomainError(UNION_DECIDES)
    if move == "approve" and source == "nominated" and nomination.level != "union":
        raise DomainError(MUST_FORWARD, level=str(LEVEL_LABELS[nomination.level]))
    if rule.needs_reason and not reason:
        raise DomainError(REASON_MISSING, field="reason")
    return source


def decide(actor: User, nomination: Nomination, department: Department, move: str, reason: str = "") -> None:
    """Forward, approve or decline an open nomination, at the level it waits for."""
    reason = (reason or "").strip()
    source = _check_move(actor, nomination, department, move, reason)
    rule = CHAIN[move]
    values = {"status": rule.target, "updated_at": utcnow()}
    if rule.target not in OPEN_STATUSES:
        values["open_key"] = None
    # Conditional on the status read: of two admins deciding at once, one moves the row.
    moved = db.session.execute(update(Nomination).where(Nomination.id == nomination.id, Nomination.status == source)
                               .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(nomination)
    if moved != 1:
        raise DomainError(WRONG_STATE, status=str(STATUS_LABELS[nomination.status]), step=str(STEP_LABELS[move]))
    union = union_above(department)
    at_union = DECIDER[source] == "union" and union is not None
    reached = union.kind if at_union and move != "forward" else "federation"
    _step(nomination, move, actor, reason, reached)
    db.session.flush()
    audit.record(AUDIT_ACTIONS[move], target=nomination, actor=actor,
                 detail=f"{source} -> {rule.target}" + (f"; reason: {reason}" if reason else ""))
    _tell(actor, nomination, department, move, reason)


def _tell(actor: User, nomination: Nomination, department: Department, move: str, reason: str) -> None:
    """Everyone who acted before hears of the step; a forward tells the city's admins; an approved person hears."""
    link = f"/honours/{nomination.id}"
    person = db.session.get(User, nomination.user_id) if nomination.user_id else None
    params = {"subject": subject_name(department, person), "honour": honour_text(nomination)}
    earlier = db.session.scalars(select(NominationStep.actor_id).where(
        NominationStep.nomination_id == nomination.id, NominationStep.actor_id.is_not(None)))
    concerned = [uid for uid in earlier if uid != actor.id]
    if move == "forward":
        notify_many(concerned, N_("%(subject)s 的“%(honour)s”推荐已转报市总工会。"), link=link, **params)
        city = [uid for uid in admins_at(department, "city") if uid != actor.id]
        notify_many(city, N_("%(subject)s 被推荐为“%(honour)s”，请审定。"), link=link, **params)
    elif move == "approve":
        notify_many(concerned, N_("%(subject)s 的“%(honour)s”推荐已获批准。"), link=link, **params)
        if person is not None and person.id != actor.id:
            notify_many([person.id], N_("祝贺您获得“%(honour)s”荣誉！"), link=f"/stats/people/{person.id}",
                        honour=params["honour"])
    else:
        notify_many(concerned, N_("%(subject)s 的“%(honour)s”推荐未获通过，原因：%(reason)s"), link=link,
                    reason=reason, **params)
