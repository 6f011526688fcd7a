"""Business rules of innovation workshops: who may do what, the status machine, eligibility, membership,
achievements and level history. Every function only flushes; the view commits once.

Founding members: the registration form names them by 工号 with a person picker. They become active members as
soon as the workshop is saved (as a draft), so the eligibility rule "at least N active members including the lead"
can be met before submitting. The registrant vouches for them, as on the union's paper form; while the workshop
is a draft they are edited on the same form, they are told when the union approves it, and each can leave at any
time. After approval, people join by asking and the lead (or a deputy) approves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, case, delete, func, inspect, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from blueprints.core import audit
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.grants import admins_at
from blueprints.core.i18n import N_
from blueprints.core.models import Department, Role, User
from blueprints.core.notify import notify, notify_many
from blueprints.core.people import escape_like
from blueprints.core.scopes import scope_of
from blueprints.core.settings import get_setting, register
from blueprints.core.states import Transition, actions_from, can_move, machine
from blueprints.core.types import utcnow
from blueprints.core.uploads import CheckedUpload, delete_stored, read_uploads, store
from blueprints.workshops.chain import close_on_revoke
from blueprints.workshops.labels import ACHIEVEMENT_LABELS, LEVEL_LABELS, STATUS_LABELS
from blueprints.workshops.models import (
    ACHIEVEMENT_KINDS,
    KINDS,
    LEVELS,
    Achievement,
    LevelChange,
    Workshop,
    WorkshopMember,
)
from blueprints.workshops.queries import (
    admin_clause,
    admin_covers,
    can_view,
    decidable_clause,
    is_lead,
    managed_workshops_query,
    people_shown_clause,
    reviewer_ids,
    visible_clause,
)
from extensions import db

# Eligibility rules for submitting a workshop, edited by the union at /admin/settings.
register("workshops.min_members", 3, N_("工作室申报条件：至少在册成员数（含负责人）"), int, overridable=True)
register("workshops.min_description_chars", 20, N_("工作室申报条件：简介至少字数"), int, overridable=True)
register("workshops.max_led_per_person", 3, N_("工作室申报条件：每人最多领办的工作室数（待审批和已批准）"), int,
         overridable=True)

EDITABLE_STATUSES = ("draft", "approved")  # pending waits for the union; rejected and revoked are closed
MAX_FOUNDING_MEMBERS = 30
# What a refused transition says, one sentence per action so each reads well in every language.
WRONG_STATUS = {
    "submit": N_("工作室“%(name)s”当前是“%(status)s”状态，不能提交审批。"),
    "approve": N_("工作室“%(name)s”当前是“%(status)s”状态，不能批准。"),
    "reject": N_("工作室“%(name)s”当前是“%(status)s”状态，不能驳回。"),
    "revoke": N_("工作室“%(name)s”当前是“%(status)s”状态，不能撤销。"),
}
# A workshop registered directly at a level above enterprise is decided by the city (a whole-tree admin).
CITY_DECIDES = {
    "approve": N_("“%(name)s”申报的是%(level)s工作室，由市总工会审批。"),
    "reject": N_("“%(name)s”申报的是%(level)s工作室，由市总工会审批。"),
}
REASON_MISSING = {"reject": N_("请填写驳回原因。"), "revoke": N_("请填写撤销原因。")}


# The workshop status machine, written once: draft → pending → approved | rejected, then approved → revoked.
# The actor "manager" is the lead or an active deputy; "admin" a union admin.
TRANSITIONS = machine(
    Transition("submit", ("draft",), "pending", actor="manager"),
    Transition("approve", ("pending",), "approved", actor="admin"),
    Transition("reject", ("pending",), "rejected", actor="admin", needs_reason=True),
    Transition("revoke", ("approved",), "revoked", actor="admin", needs_reason=True),
)


# --- Who may do what ----------------------------------------------------------------------------------------


def membership_of(user_id: int, workshop_id: int) -> WorkshopMember | None:
    """The person's row in the workshop (any status), or None."""
    return db.session.scalar(select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id,
                                                          WorkshopMember.user_id == user_id))


def is_manager(user, workshop: Workshop, membership: WorkshopMember | None) -> bool:
    """The user is the lead or an active deputy."""
    if is_lead(user, workshop):
        return True
    return membership is not None and membership.status == "active" and membership.role == "deputy"


def can_edit(user, workshop: Workshop, membership: WorkshopMember | None) -> bool:
    """Only the lead and deputies edit, and only while the workshop is a draft or approved."""
    return workshop.status in EDITABLE_STATUSES and is_manager(user, workshop, membership)


def can_delete(user, workshop: Workshop) -> bool:
    """The lead may delete a draft (never sent) or a rejected workshop (to register it again under its name)."""
    return workshop.status in ("draft", "rejected") and is_lead(user, workshop)


def can_manage_roster(user, workshop: Workshop, membership: WorkshopMember | None) -> bool:
    """Approve or decline join requests and remove members: the lead and deputies of an approved workshop."""
    return workshop.status == "approved" and is_manager(user, workshop, membership)


def can_manage_deputies(user, workshop: Workshop) -> bool:
    """Appoint and remove deputies, hand the lead over: the lead of an approved workshop."""
    return workshop.status == "approved" and is_lead(user, workshop)


def can_manage_achievements(user, workshop: Workshop, membership: WorkshopMember | None) -> bool:
    """Achievements are recorded by whoever may edit the workshop."""
    return can_edit(user, workshop, membership)


def can_change_level(user, workshop: Workshop) -> bool:
    """Only the city (a whole-tree admin) changes the level of an approved workshop directly; an enterprise union
    recommends it up the chain instead (chain.py)."""
    return workshop.status == "approved" and scope_of(user, "admin").everything


def may_act(user, workshop: Workshop, action: str, membership: WorkshopMember | None) -> bool:
    """Whether the user's role allows this transition at all (whatever the workshop's status)."""
    rule = TRANSITIONS[action]
    if rule.actor == "admin":
        return admin_covers(user, workshop)
    return is_manager(user, workshop, membership)


def can_transition(user, workshop: Workshop, action: str, membership: WorkshopMember | None) -> bool:
    """The transition leaves the current status and the user's role allows it."""
    return can_move(TRANSITIONS, action, workshop.status) and may_act(user, workshop, action, membership)


def allowed_actions(user, workshop: Workshop, membership: WorkshopMember | None) -> list[str]:
    """The transitions this user can make now, in table order."""
    return [action for action in actions_from(TRANSITIONS, workshop.status)
            if may_act(user, workshop, action, membership)]


def can_join(user, workshop: Workshop, membership: WorkshopMember | None) -> bool:
    """Anyone not already in (or asking to join) an approved workshop may ask to join it."""
    return workshop.status == "approved" and (membership is None or membership.status in ("left", "declined"))


def can_leave(user, workshop: Workshop, membership: WorkshopMember | None) -> bool:
    """An active member or deputy may leave; the lead must hand over first."""
    return membership is not None and membership.status == "active" and not is_lead(user, workshop)


@dataclass(frozen=True)
class Access:
    """The answers of the permission functions for one user and workshop, for templates to show buttons."""

    view: bool
    edit: bool
    delete: bool
    roster: bool
    deputies: bool
    achievements: bool
    level: bool
    join: bool
    leave: bool
    is_lead: bool
    is_manager: bool
    actions: tuple[str, ...]


def access_for(user, workshop: Workshop, membership: WorkshopMember | None) -> Access:
    """Evaluate every permission function once for the page."""
    return Access(
        view=can_view(user, workshop, membership),
        edit=can_edit(user, workshop, membership),
        delete=can_delete(user, workshop),
        roster=can_manage_roster(user, workshop, membership),
        deputies=can_manage_deputies(user, workshop),
        achievements=can_manage_achievements(user, workshop, membership),
        level=can_change_level(user, workshop),
        join=can_join(user, workshop, membership),
        leave=can_leave(user, workshop, membership),
        is_lead=is_lead(user, workshop),
        is_manager=is_manager(user, workshop, membership),
        actions=tuple(allowed_actions(user, workshop, membership)),
    )


# --- Registration and editing -------------------------------------------------------------------------------


@dataclass
class WorkshopData:
    """What the registration / edit form carries."""

    name: str
    kind: str
    level: str
    department_id: int | None
    field: str
    founded_on: date | None
    description: str


def _check_data(data: WorkshopData, exclude_id: int | None = None) -> None:
    data.name = (data.name or "").strip()
    if not data.name:
        raise DomainError(N_("请填写工作室名称。"), field="name")
    taken = db.session.scalar(select(Workshop.id).where(func.lower(Workshop.name) == data.name.lower()))
    if taken is not None and taken != exclude_id:
        raise DomainError(N_("已有名为“%(name)s”的工作室，请换一个名称。"), field="name", name=data.name)
    if data.kind not in KINDS:
        raise DomainError(N_("请选择工作室类别。"), field="kind")
    if data.level not in LEVELS:
        raise DomainError(N_("请选择工作室级别。"), field="level")
    if data.founded_on is not None and data.founded_on > local_today():
        raise DomainError(N_("成立日期不能晚于今天。"), field="founded_on")
    if data.department_id is not None and db.session.get(Department, data.department_id) is None:
        raise DomainError(N_("所属单位不存在。"), field="department_id")


def resolve_founding_members(employee_nos: list[str], lead: User) -> list[User]:
    """The people named as founding members (the lead left out); unknown or deactivated 工号 are refused."""
    from blueprints.core.people import resolve_people

    nos = [no for no in employee_nos if no.lower() != lead.employee_no.lower()]
    if len(nos) > MAX_FOUNDING_MEMBERS:
        raise DomainError(N_("创始成员最多 %(n)s 人，其他人可以在批准后申请加入。"), field="members",
                          n=MAX_FOUNDING_MEMBERS)
    users, missing, inactive = resolve_people(nos)
    if missing:
        raise DomainError(N_("找不到这些工号：%(nos)s。"), field="members", nos="、".join(missing))
    if inactive:
        raise DomainError(N_("这些人员的账号已停用：%(nos)s。"), field="members", nos="、".join(inactive))
    return users


def create_workshop(actor: User, lead: User, data: WorkshopData, founding: list[User]) -> Workshop:
    """Register a draft workshop with its lead and founding members as active members."""
    _check_data(data)
    if not lead.active:
        raise DomainError(N_("负责人的账号已停用。"), field="lead")
    if actor.id != lead.id and not scope_of(actor, "admin").everything \
            and not admin_covers(actor, Workshop(department_id=data.department_id)):
        # An admin registers workshops for others only inside their own scope.
        raise DomainError(N_("所属单位不在您的管理范围内。"), field="department_id")
    workshop = Workshop(name=data.name, kind=data.kind, level=data.level, lead_id=lead.id,
                        department_id=data.department_id, field=(data.field or "").strip(),
                        founded_on=data.founded_on, description=(data.description or "").strip(), status="draft")
    db.session.add(workshop)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two people registering the same name at the same moment: the unique index decides.
        raise DomainError(N_("已有名为“%(name)s”的工作室，请换一个名称。"), field="name", name=data.name) from None
    now = utcnow()
    db.session.add(WorkshopMember(workshop_id=workshop.id, user_id=lead.id, role="lead", status="active",
                                  requested_at=now, joined_at=now))
    for person in founding:
        db.session.add(WorkshopMember(workshop_id=workshop.id, user_id=person.id, role="member", status="active",
                                      requested_at=now, joined_at=now))
    db.session.flush()
    audit.record("workshop.created", target=workshop, actor=actor,
                 detail=f"{workshop.name}; lead={lead.employee_no}; founding={len(founding)}")
    if actor.id != lead.id:
        notify(lead.id, N_("工会管理员为您登记了工作室“%(name)s”（草稿），请完善后提交审批。"),
               link=f"/workshops/{workshop.id}", name=workshop.name)
    return workshop


def update_workshop(actor: User, workshop: Workshop, data: WorkshopData, founding: list[User] | None) -> None:
    """Save edits. Name, kind and level are what the union approves, so they change only while a draft;
    founding members too (afterwards people join by request)."""
    if workshop.status not in EDITABLE_STATUSES:
        raise DomainError(N_("“%(name)s”当前是“%(status)s”状态，不能修改。"), name=workshop.name,
                          status=STATUS_LABELS[workshop.status])
    if workshop.status != "draft":
        data.name, data.kind, data.level = workshop.name, workshop.kind, workshop.level
    _check_data(data, exclude_id=workshop.id)
    workshop.name = data.name
    workshop.kind = data.kind
    workshop.level = data.level
    workshop.department_id = data.department_id
    workshop.field = (data.field or "").strip()
    workshop.founded_on = data.founded_on
    workshop.description = (data.description or "").strip()
    if workshop.status == "draft" and founding is not None:
        _replace_founding_members(workshop, founding)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DomainError(N_("已有名为“%(name)s”的工作室，请换一个名称。"), field="name", name=data.name) from None
    audit.record("workshop.updated", target=workshop, actor=actor, detail=workshop.name)


def _replace_founding_members(workshop: Workshop, founding: list[User]) -> None:
    wanted = {u.id for u in founding}
    rows = db.session.scalars(select(WorkshopMember).where(WorkshopMember.workshop_id == workshop.id)).all()
    present = set()
    now = utcnow()
    for row in rows:
        if row.user_id == workshop.lead_id:
            continue
        if row.user_id in wanted:
            present.add(row.user_id)
            row.status, row.role, row.joined_at, row.left_at = "active", "member", row.joined_at or now, None
        else:
            db.session.delete(row)  # a draft's member list is the lead's to rewrite; nothing was ever approved
    for uid in wanted - present:
        db.session.add(WorkshopMember(workshop_id=workshop.id, user_id=uid, role="member", status="active",
                                      requested_at=now, joined_at=now))


def founding_member_nos(workshop_id: int) -> list[str]:
    """工号 of the active non-lead members, in joining order (to fill the draft's form)."""
    stmt = (select(User.employee_no).join(WorkshopMember, WorkshopMember.user_id == User.id)
            .where(WorkshopMember.workshop_id == workshop_id, WorkshopMember.status == "active",
                   WorkshopMember.role != "lead").order_by(WorkshopMember.id))
    return list(db.session.scalars(stmt))


def delete_workshop(actor: User, workshop: Workshop) -> None:
    """Delete a draft or rejected workshop with everything in it (files too)."""
    if workshop.status not in ("draft", "rejected"):
        raise DomainError(N_("只有草稿或未通过的工作室可以删除。"))
    # Re-read under a row lock: of two deletes sent at once only the first finds the row (and audits).
    status = db.session.scalar(select(Workshop.status).where(Workshop.id == workshop.id).with_for_update())
    if status is None:
        raise DomainError(N_("工作室“%(name)s”已经被删除了。"), name=workshop.name)
    if status not in ("draft", "rejected"):
        raise DomainError(N_("只有草稿或未通过的工作室可以删除。"))
    files = db.session.scalars(select(Achievement).where(Achievement.workshop_id == workshop.id,
                                                         Achievement.file_id.is_not(None))).all()
    from blueprints.core.models import StoredFile

    for achievement in files:
        stored = db.session.get(StoredFile, achievement.file_id)
        achievement.file_id = None
        if stored is not None:
            delete_stored(stored)
    audit.record("workshop.deleted", target=workshop, actor=actor, detail=f"{workshop.name} ({workshop.status})")
    db.session.delete(workshop)
    db.session.flush()


# --- Eligibility --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityCheck:
    """One eligibility rule evaluated for a workshop, worded for the checklist and for the error message."""

    key: str
    ok: bool
    requirement: str
    current: str
    field: str | None

    @property
    def problem(self) -> str:
        """The unmet rule, as the form shows it."""
        return _("%(requirement)s（%(current)s）", requirement=self.requirement, current=self.current)


class IneligibleError(DomainError):
    """Submitting was refused because rules are not met; `unmet` lists them for the form."""

    def __init__(self, unmet: list[EligibilityCheck]):
        super().__init__(N_("还不能提交审批，未满足的条件：%(rules)s"),
                         rules="；".join(check.problem for check in unmet))
        self.unmet = unmet


def eligibility(workshop: Workshop) -> list[EligibilityCheck]:
    """Evaluate every eligibility rule (settings) for the workshop; two queries."""
    # An enterprise may set its own rules (settings by level): the workshop's unit decides whose apply.
    unit = db.session.get(Department, workshop.department_id) if workshop.department_id else None
    min_members = int(get_setting("workshops.min_members", unit))
    min_chars = int(get_setting("workshops.min_description_chars", unit))
    max_led = int(get_setting("workshops.max_led_per_person", unit))
    members = db.session.scalar(select(func.count()).select_from(WorkshopMember).where(
        WorkshopMember.workshop_id == workshop.id, WorkshopMember.status == "active")) or 0
    led = db.session.scalar(select(func.count()).select_from(Workshop).where(
        Workshop.lead_id == workshop.lead_id, Workshop.id != workshop.id,
        Workshop.status.in_(("pending", "approved")))) or 0
    chars = len((workshop.description or "").strip())
    return [
        EligibilityCheck("min_members", members >= min_members,
                         _("至少 %(min)s 名在册成员（含负责人）", min=min_members),
                         _("目前 %(n)s 名", n=members), "members"),
        EligibilityCheck("min_description_chars", chars >= min_chars,
                         _("工作室简介至少 %(min)s 个字", min=min_chars), _("目前 %(n)s 个字", n=chars),
                         "description"),
        EligibilityCheck("max_led_per_person", led < max_led,
                         _("负责人领办的待审批或已批准工作室不超过 %(max)s 个", max=max_led),
                         _("另有 %(n)s 个", n=led), None),
    ]


# --- The status machine -------------------------------------------------------------------------------------


def transition(actor: User, workshop: Workshop, action: str, reason: str = "") -> None:
    """Move the workshop along the status machine: checks the table, the reason and eligibility; audits and
    notifies. The caller has checked may_act (a refusal there is a 403, not a message)."""
    rule = TRANSITIONS[action]
    source = workshop.status
    if not rule.allows(source):
        raise DomainError(WRONG_STATUS[action], name=workshop.name, status=STATUS_LABELS[source])
    if action in CITY_DECIDES and workshop.level != "enterprise" and not scope_of(actor, "admin").everything:
        raise DomainError(CITY_DECIDES[action], name=workshop.name, level=LEVEL_LABELS[workshop.level])
    reason = (reason or "").strip()
    if rule.needs_reason and not reason:
        raise DomainError(REASON_MISSING[action], field="reason")
    if action == "submit":
        unmet = [check for check in eligibility(workshop) if not check.ok]
        if unmet:
            raise IneligibleError(unmet)
    # Conditional update: if two admins click at once, only one moves the row (rowcount tells which).
    now = utcnow()
    values = {"status": rule.target, "updated_at": now}
    if action == "submit":
        values.update(submitted_at=now, status_reason=None)
    else:
        values.update(decided_at=now, decided_by_id=actor.id)
        if rule.needs_reason:
            values["status_reason"] = reason
    moved = db.session.execute(update(Workshop).where(Workshop.id == workshop.id, Workshop.status == source)
                               .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(workshop)
    if moved != 1:
        raise DomainError(WRONG_STATUS[action], name=workshop.name, status=STATUS_LABELS[workshop.status])
    audit.record(f"workshop.{action}", target=workshop, actor=actor,
                 detail=f"{source} -> {rule.target}" + (f"; reason: {reason}" if reason else ""))
    _after_transition(actor, workshop, action, reason)


def _after_transition(actor: User, workshop: Workshop, action: str, reason: str) -> None:
    """Tell the people concerned; approval also grants the lead role, revocation closes the join requests."""
    link = f"/workshops/{workshop.id}"
    if action == "submit":
        notify_many(approver_ids(workshop), N_("工作室“%(name)s”已提交审批，请审核。"), link="/workshops/review",
                    name=workshop.name)
    elif action == "approve":
        _after_approval(actor, workshop)
        notify(workshop.lead_id, N_("您的工作室“%(name)s”已通过审批。"), link=link, name=workshop.name)
        others = _active_member_ids(workshop.id, exclude=workshop.lead_id)
        notify_many(others, N_("您所在的工作室“%(name)s”已通过审批。"), link=link, name=workshop.name)
    elif action == "reject":
        notify(workshop.lead_id, N_("您的工作室“%(name)s”未通过审批，原因：%(reason)s"), link=link,
               name=workshop.name, reason=reason)
    elif action == "revoke":
        members = _active_member_ids(workshop.id)
        notify_many(members, N_("工作室“%(name)s”已被撤销，原因：%(reason)s"), link=link, name=workshop.name,
                    reason=reason)
        _close_requests(workshop)
        close_on_revoke(actor, workshop, reason)


def approver_ids(workshop: Workshop) -> list[int]:
    """Active admins who may approve the workshop: those covering its department for an enterprise-level one, the
    city's (whole-tree) admins for a higher level."""
    department = db.session.get(Department, workshop.department_id) if workshop.department_id else None
    return admins_at(department, "any" if workshop.level == "enterprise" and department is not None else "city")


def _active_member_ids(workshop_id: int, exclude: int | None = None) -> list[int]:
    stmt = select(WorkshopMember.user_id).where(WorkshopMember.workshop_id == workshop_id,
                                                WorkshopMember.status == "active")
    if exclude is not None:
        stmt = stmt.where(WorkshopMember.user_id != exclude)
    return list(db.session.scalars(stmt))


def _after_approval(actor: User, workshop: Workshop) -> None:
    """Give the lead the lead role and start the level history with the approved level."""
    lead = db.session.get(User, workshop.lead_id)
    grant_lead_role(lead, actor, f"lead of workshop {workshop.id}")
    db.session.add(LevelChange(workshop_id=workshop.id, from_level=None, to_level=workshop.level,
                               changed_on=local_today(), note="", changed_by_id=actor.id))


def _close_requests(workshop: Workshop) -> None:
    """A revoked workshop takes no one in: open join requests are declined and their authors told."""
    # RETURNING names exactly the requests this UPDATE closed (not one a manager answered meanwhile).
    waiting = list(db.session.scalars(update(WorkshopMember).where(WorkshopMember.workshop_id == workshop.id,
                                                                   WorkshopMember.status == "requested")
                                      .values(status="declined").returning(WorkshopMember.user_id)
                                      .execution_options(synchronize_session=False)))
    notify_many(waiting, N_("工作室“%(name)s”已被撤销，您的加入申请已关闭。"), link=f"/workshops/{workshop.id}",
                name=workshop.name)


def grant_lead_role(user: User, actor: User | None, why: str) -> bool:
    """Give the user the `lead` role (to reach the review pages) if they lack it; audited. True if granted."""
    if user.role_mask & Role.LEAD:
        return False
    before = ",".join(sorted(user.roles))
    # Conditional: two approvals of the same person's workshops at once grant (and audit) the role once.
    granted = db.session.execute(update(User).where(User.id == user.id, User.role_mask.op("&")(int(Role.LEAD)) == 0)
                                 .values(role_mask=User.role_mask.op("|")(int(Role.LEAD)))
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(user)
    if granted != 1:
        return False
    audit.record("user.roles_changed", target=user, actor=actor,
                 detail=f"{before} -> {','.join(sorted(user.roles))} ({why})")
    return True


# --- Membership ---------------------------------------------------------------------------------------------


def _move_member(row: WorkshopMember, expect: dict, **values) -> bool:
    """Change a membership row only if it still is as the caller saw it (one conditional UPDATE), then reload it.

    Two managers clicking at once both pass the checks on what they read; the database lets one of them
    change the row, and only that one may audit and notify (QUALITY "Effects once"). False when the row moved
    meanwhile (or went: a withdrawn request)."""
    conditions = [getattr(WorkshopMember, key) == value for key, value in expect.items()]
    moved = db.session.execute(update(WorkshopMember).where(WorkshopMember.id == row.id, *conditions)
                               .values(**values).execution_options(synchronize_session=False)).rowcount
    if db.session.scalar(select(WorkshopMember.id).where(WorkshopMember.id == row.id)) is None:
        db.session.expunge(row)
        return False
    db.session.refresh(row)
    return moved == 1


def _manager_ids(workshop: Workshop) -> list[int]:
    return reviewer_ids(workshop.id)


def request_join(user: User, workshop: Workshop) -> WorkshopMember:
    """Ask to join an approved workshop; the lead and deputies are told. Asking twice is refused."""
    if workshop.status != "approved":
        raise DomainError(N_("只有已批准的工作室才能申请加入。"))
    row = membership_of(user.id, workshop.id)
    if row is not None and row.status == "active":
        raise DomainError(N_("您已经是“%(name)s”的成员了。"), name=workshop.name)
    if row is not None and row.status == "requested":
        raise DomainError(N_("您已经申请加入“%(name)s”，请等待负责人审核。"), name=workshop.name)
    now = utcnow()
    if row is None:
        row = WorkshopMember(workshop_id=workshop.id, user_id=user.id, role="member", status="requested",
                             requested_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            # A double click that raced past the check above: the unique index keeps one request.
            raise DomainError(N_("您已经申请加入“%(name)s”，请等待负责人审核。"), name=workshop.name) from None
    elif not _move_member(row, {"status": row.status}, status="requested", role="member", requested_at=now,
                          joined_at=None, left_at=None):
        # Another tab asked (or was let in) first: that one was audited and told the managers.
        raise DomainError(N_("您已经申请加入“%(name)s”，请等待负责人审核。"), name=workshop.name)
    audit.record("workshop.join_requested", target=workshop, actor=user, detail=user.employee_no)
    notify_many(_manager_ids(workshop), N_("%(person)s 申请加入工作室“%(name)s”。"), link="/workshops/requests",
                person=user.name, name=workshop.name)
    return row


def withdraw_request(user: User, workshop: Workshop) -> None:
    """Take back one's own open join request (the row goes; asking again later starts afresh)."""
    row = membership_of(user.id, workshop.id)
    if row is None or row.status != "requested":
        raise DomainError(N_("您没有待审核的加入申请。"))
    gone = db.session.execute(delete(WorkshopMember).where(WorkshopMember.id == row.id,
                                                           WorkshopMember.status == "requested")).rowcount
    db.session.expunge(row)
    if gone != 1:  # decided or withdrawn in another tab meanwhile
        raise DomainError(N_("您没有待审核的加入申请。"))
    audit.record("workshop.join_withdrawn", target=workshop, actor=user, detail=user.employee_no)


def decide_request(actor: User, workshop: Workshop, row: WorkshopMember, approve: bool) -> None:
    """The lead or a deputy approves or declines a join request; the person is told."""
    if workshop.status != "approved":
        raise DomainError(N_("工作室“%(name)s”当前是“%(status)s”状态，不能处理加入申请。"), name=workshop.name,
                          status=STATUS_LABELS[workshop.status])
    if row.status != "requested":
        raise DomainError(N_("这条申请已经处理过了（%(status)s）。"), status=_member_status_label(row.status))
    changes = {"status": "active", "joined_at": utcnow()} if approve else {"status": "declined"}
    if not _move_member(row, {"status": "requested"}, **changes):
        # Another manager decided first (or the person withdrew): only that decision is audited and told.
        if inspect(row).detached:
            raise DomainError(N_("这条申请已被申请人撤回。"))
        raise DomainError(N_("这条申请已经处理过了（%(status)s）。"), status=_member_status_label(row.status))
    person = db.session.get(User, row.user_id)
    audit.record("workshop.join_approved" if approve else "workshop.join_declined", target=workshop, actor=actor,
                 detail=person.employee_no)
    link = f"/workshops/{workshop.id}"
    if approve:
        notify(row.user_id, N_("您已加入工作室“%(name)s”。"), link=link, name=workshop.name)
    else:
        notify(row.user_id, N_("您加入工作室“%(name)s”的申请未通过。"), link=link, name=workshop.name)


def _member_status_label(status: str) -> str:
    from blueprints.workshops.labels import MEMBER_STATUS_LABELS

    return str(MEMBER_STATUS_LABELS.get(status, status))


def leave(user: User, workshop: Workshop) -> None:
    """Leave a workshop; the lead is refused until they hand the lead over. The lead is told."""
    row = membership_of(user.id, workshop.id)
    if row is None or row.status != "active":
        raise DomainError(N_("您不是“%(name)s”的在册成员。"), name=workshop.name)
    if is_lead(user, workshop):
        raise DomainError(N_("您是“%(name)s”的负责人，不能直接退出。请先把负责人移交给其他成员。"), name=workshop.name)
    if not _move_member(row, {"status": "active"}, status="left", role="member", left_at=utcnow()):
        raise DomainError(N_("您不是“%(name)s”的在册成员。"), name=workshop.name)
    audit.record("workshop.member_left", target=workshop, actor=user, detail=user.employee_no)
    notify(workshop.lead_id, N_("%(person)s 退出了工作室“%(name)s”。"), link=f"/workshops/{workshop.id}",
           person=user.name, name=workshop.name)


def remove_member(actor: User, workshop: Workshop, row: WorkshopMember) -> None:
    """Take someone off the roster: members by the lead or a deputy, deputies only by the lead."""
    if workshop.status != "approved":
        raise DomainError(N_("工作室“%(name)s”当前是“%(status)s”状态，不能调整成员。"), name=workshop.name,
                          status=STATUS_LABELS[workshop.status])
    if row.status != "active":
        raise DomainError(N_("此人已不在册。"))
    if row.user_id == workshop.lead_id:
        raise DomainError(N_("不能移除负责人。如需更换，请使用“移交负责人”。"))
    if row.role == "deputy" and not is_lead(actor, workshop):
        raise DomainError(N_("只有负责人可以移除副负责人。"))
    # The role is part of the condition: a member made deputy meanwhile is not removed by a deputy's click.
    if not _move_member(row, {"status": "active", "role": row.role}, status="left", role="member",
                        left_at=utcnow()):
        raise DomainError(N_("此人已不在册。") if row.status != "active" else N_("此人的角色刚刚变了，请刷新后再试。"))
    person = db.session.get(User, row.user_id)
    audit.record("workshop.member_removed", target=workshop, actor=actor, detail=person.employee_no)
    notify(row.user_id, N_("您已被移出工作室“%(name)s”。"), link=f"/workshops/{workshop.id}", name=workshop.name)


def set_deputy(actor: User, workshop: Workshop, row: WorkshopMember, deputy: bool) -> None:
    """The lead appoints an active member deputy (granting the lead role) or makes a deputy a member again."""
    if workshop.status != "approved":
        raise DomainError(N_("工作室“%(name)s”当前是“%(status)s”状态，不能调整成员。"), name=workshop.name,
                          status=STATUS_LABELS[workshop.status])
    if row.status != "active" or row.user_id == workshop.lead_id:
        raise DomainError(N_("只能任命在册的成员为副负责人。"))
    if deputy == (row.role == "deputy"):
        raise DomainError(N_("此人已经是副负责人了。") if deputy else N_("此人不是副负责人。"))
    if not _move_member(row, {"status": "active", "role": row.role}, role="deputy" if deputy else "member"):
        if row.status != "active":
            raise DomainError(N_("只能任命在册的成员为副负责人。"))
        raise DomainError(N_("此人已经是副负责人了。") if deputy else N_("此人不是副负责人。"))
    person = db.session.get(User, row.user_id)
    link = f"/workshops/{workshop.id}"
    if deputy:
        grant_lead_role(person, actor, f"deputy of workshop {workshop.id}")
        audit.record("workshop.deputy_appointed", target=workshop, actor=actor, detail=person.employee_no)
        notify(row.user_id, N_("您被任命为工作室“%(name)s”的副负责人。"), link=link, name=workshop.name)
    else:
        audit.record("workshop.deputy_removed", target=workshop, actor=actor, detail=person.employee_no)
        notify(row.user_id, N_("您不再担任工作室“%(name)s”的副负责人。"), link=link, name=workshop.name)


def hand_over(actor: User, workshop: Workshop, row: WorkshopMember) -> None:
    """Make another active member the lead; the former lead stays on as a deputy (and may then leave)."""
    if workshop.status != "approved":
        raise DomainError(N_("工作室“%(name)s”当前是“%(status)s”状态，不能调整成员。"), name=workshop.name,
                          status=STATUS_LABELS[workshop.status])
    if row.status != "active" or row.user_id == workshop.lead_id:
        raise DomainError(N_("只能把负责人移交给其他在册成员。"))
    # Both rows change only if they still are as read: a second click (or a second tab) hands over nothing.
    former = workshop.lead_id
    handed = db.session.execute(update(Workshop).where(Workshop.id == workshop.id, Workshop.lead_id == former,
                                                       Workshop.status == "approved")
                                .values(lead_id=row.user_id).execution_options(synchronize_session=False)).rowcount
    if handed != 1 or not _move_member(row, {"status": "active", "role": row.role}, role="lead"):
        raise DomainError(N_("负责人刚刚有了变化，请刷新页面后再试。"))
    db.session.refresh(workshop)
    old = membership_of(former, workshop.id)
    if old is not None:
        old.role = "deputy"
    db.session.flush()
    person = db.session.get(User, row.user_id)
    grant_lead_role(person, actor, f"lead of workshop {workshop.id}")
    audit.record("workshop.lead_handed_over", target=workshop, actor=actor, detail=person.employee_no)
    notify(row.user_id, N_("您已成为工作室“%(name)s”的负责人。"), link=f"/workshops/{workshop.id}",
           name=workshop.name)


# --- Achievements -------------------------------------------------------------------------------------------


@dataclass
class AchievementData:
    """What the achievement form carries."""

    title: str
    kind: str
    achieved_on: date | None
    description: str


def _check_achievement(data: AchievementData) -> None:
    data.title = (data.title or "").strip()
    if not data.title:
        raise DomainError(N_("请填写成果名称。"), field="title")
    if data.kind not in ACHIEVEMENT_KINDS:
        raise DomainError(N_("请选择成果类别。"), field="kind")
    if data.achieved_on is not None and data.achieved_on > local_today():
        raise DomainError(N_("取得日期不能晚于今天。"), field="achieved_on")


def checked_attachment(files) -> CheckedUpload | None:
    """An achievement's one attachment from the form's file inputs, checked, or None; a refused file is reported
    on the form's file field."""
    try:
        uploads = read_uploads(files)
    except DomainError as error:
        error.field = "file"
        raise
    return uploads[0] if uploads else None


def add_achievement(actor: User, workshop: Workshop, data: AchievementData,
                    upload: CheckedUpload | None) -> Achievement:
    """Record an achievement, with an optional checked attachment."""
    _check_achievement(data)
    achievement = Achievement(workshop_id=workshop.id, title=data.title, kind=data.kind,
                              achieved_on=data.achieved_on, description=(data.description or "").strip(),
                              created_by_id=actor.id)
    if upload is not None:
        stored = store(upload, actor.id)
        db.session.flush()
        achievement.file_id = stored.id
    db.session.add(achievement)
    db.session.flush()
    audit.record("workshop.achievement_added", target=workshop, actor=actor,
                 detail=f"{achievement.id} {ACHIEVEMENT_LABELS[data.kind]!s}: {achievement.title}")
    return achievement


def update_achievement(actor: User, workshop: Workshop, achievement: Achievement, data: AchievementData,
                       upload: CheckedUpload | None, remove_file: bool) -> None:
    """Edit an achievement; a new attachment replaces the old one, which is deleted."""
    from blueprints.core.models import StoredFile

    _check_achievement(data)
    achievement.title = data.title
    achievement.kind = data.kind
    achievement.achieved_on = data.achieved_on
    achievement.description = (data.description or "").strip()
    old = db.session.get(StoredFile, achievement.file_id) if achievement.file_id else None
    if upload is not None:
        stored = store(upload, actor.id)
        db.session.flush()
        achievement.file_id = stored.id
    elif remove_file:
        achievement.file_id = None
    db.session.flush()
    if old is not None and achievement.file_id != old.id:
        delete_stored(old)
    audit.record("workshop.achievement_updated", target=workshop, actor=actor,
                 detail=f"{achievement.id}: {achievement.title}")


def delete_achievement(actor: User, workshop: Workshop, achievement: Achievement) -> None:
    """Delete an achievement and its attachment."""
    from blueprints.core.models import StoredFile

    if db.session.scalar(select(Achievement.id).where(Achievement.id == achievement.id).with_for_update()) is None:
        raise DomainError(N_("这条成果已经被删除了。"))  # by a simultaneous request, which audited it
    stored = db.session.get(StoredFile, achievement.file_id) if achievement.file_id else None
    audit.record("workshop.achievement_deleted", target=workshop, actor=actor,
                 detail=f"{achievement.id}: {achievement.title}")
    db.session.delete(achievement)
    db.session.flush()
    if stored is not None:
        delete_stored(stored)


# --- Level history ------------------------------------------------------------------------------------------


def change_level(actor: User, workshop: Workshop, to_level: str, changed_on: date | None, note: str) -> LevelChange:
    """An admin records a dated level change (e.g. enterprise → city) and the workshop takes the new level."""
    if workshop.status != "approved":
        raise DomainError(N_("只有已批准的工作室才能调整级别。"))
    if to_level not in LEVELS:
        raise DomainError(N_("请选择工作室级别。"), field="level")
    if to_level == workshop.level:
        raise DomainError(N_("新级别与当前级别（%(level)s）相同。"), field="level", level=LEVEL_LABELS[to_level])
    if changed_on is None:
        raise DomainError(N_("请填写变更日期。"), field="changed_on")
    if changed_on > local_today():
        raise DomainError(N_("变更日期不能晚于今天。"), field="changed_on")
    latest = db.session.scalar(select(func.max(LevelChange.changed_on)).where(
        LevelChange.workshop_id == workshop.id))
    if latest is not None and changed_on < latest:
        raise DomainError(N_("变更日期不能早于上一次级别变更（%(date)s）。"), field="changed_on",
                          date=latest.isoformat())
    old = workshop.level
    # Conditional on the level read: two admins recording the same change at once record it once.
    moved = db.session.execute(update(Workshop).where(Workshop.id == workshop.id, Workshop.level == old,
                                                      Workshop.status == "approved")
                               .values(level=to_level).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(workshop)
    if moved != 1:
        raise DomainError(N_("工作室的级别刚刚被别人调整过（现在是%(level)s），请刷新页面后再试。"), field="level",
                          level=LEVEL_LABELS.get(workshop.level, workshop.level))
    change = LevelChange(workshop_id=workshop.id, from_level=old, to_level=to_level,
                         changed_on=changed_on, note=(note or "").strip(), changed_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    audit.record("workshop.level_changed", target=workshop, actor=actor, detail=f"{old} -> {to_level} {changed_on}")
    notify(workshop.lead_id, N_("工作室“%(name)s”的级别已调整，请查看级别变更记录。"),
           link=f"/workshops/{workshop.id}", name=workshop.name)
    return change


# --- Lists --------------------------------------------------------------------------------------------------


def active_member_count():
    """Correlated subquery: active members of the outer workshop row."""
    return (select(func.count(WorkshopMember.id))
            .where(WorkshopMember.workshop_id == Workshop.id, WorkshopMember.status == "active")
            .correlate(Workshop).scalar_subquery())


def achievement_count():
    """Correlated subquery: achievements of the outer workshop row."""
    return (select(func.count(Achievement.id)).where(Achievement.workshop_id == Workshop.id)
            .correlate(Workshop).scalar_subquery())


def search_clause(q: str):
    """Substring match on the workshop's name and field and on its lead's name (or 工号 prefix).

    Workshops number in the hundreds even for a whole city, so a LIKE scan is cheap here."""
    term = escape_like(q.strip())
    return or_(Workshop.name.like(f"%{term}%", escape="\\"), Workshop.field.like(f"%{term}%", escape="\\"),
               User.name.like(f"%{term}%", escape="\\"),
               func.lower(User.employee_no).like(f"{term.lower()}%", escape="\\"))


@dataclass
class DirectoryFilters:
    """The directory's search box and filters, read from the query string."""

    q: str = ""
    kind: str = ""
    level: str = ""
    department_id: int | None = None
    status: str = ""

    @classmethod
    def from_args(cls, args) -> DirectoryFilters:
        """Parse request.args, ignoring anything that is not a known value."""
        dept = args.get("department", type=int)
        return cls(q=args.get("q", "")[:50], kind=args.get("kind", "") if args.get("kind") in KINDS else "",
                   level=args.get("level", "") if args.get("level") in LEVELS else "",
                   department_id=dept, status=args.get("status", "") if args.get("status") in STATUS_LABELS else "")

    def as_args(self) -> dict:
        """The non-empty filters, for links (export) that keep them."""
        values = {"q": self.q, "kind": self.kind, "level": self.level, "department": self.department_id,
                  "status": self.status}
        return {k: v for k, v in values.items() if v}


def directory_query(user, filters: DirectoryFilters) -> Select:
    """Rows (Workshop, lead name, lead 工号, department name, active members) the user may see, filtered."""
    lead_no = case((people_shown_clause(user), User.employee_no), else_=literal(None))
    stmt = (select(Workshop, User.name.label("lead_name"), lead_no.label("lead_no"),
                   Department.name.label("department_name"), active_member_count().label("members"))
            .join(User, User.id == Workshop.lead_id)
            .outerjoin(Department, Department.id == Workshop.department_id)
            .where(visible_clause(user)))
    if filters.q.strip():
        stmt = stmt.where(search_clause(filters.q))
    if filters.kind:
        stmt = stmt.where(Workshop.kind == filters.kind)
    if filters.level:
        stmt = stmt.where(Workshop.level == filters.level)
    if filters.status:
        stmt = stmt.where(Workshop.status == filters.status)
    if filters.department_id:
        root = db.session.get(Department, filters.department_id)
        if root is not None:
            subtree = select(Department.id).where(Department.path.startswith(root.path))
            stmt = stmt.where(Workshop.department_id.in_(subtree))
    return stmt


def directory_export_rows(user, filters: DirectoryFilters, limit: int) -> list:
    """The directory's rows for the export, by name, with each workshop's achievement count (one query). An admin's
    export lists people, so it keeps to the workshops in their admin scope."""
    stmt = (directory_query(user, filters).add_columns(achievement_count().label("achievements"))
            .order_by(Workshop.name, Workshop.id).limit(limit))
    if user.has_role("admin"):
        stmt = stmt.where(admin_clause(user))
    return db.session.execute(stmt).all()


def review_queue_query(user) -> Select:
    """Pending workshops in the admin's scope with lead, department, member and achievement counts (the queue)."""
    return (select(Workshop, User.name.label("lead_name"), User.employee_no.label("lead_no"),
                   Department.name.label("department_name"), active_member_count().label("members"),
                   achievement_count().label("achievements"))
            .join(User, User.id == Workshop.lead_id)
            .outerjoin(Department, Department.id == Workshop.department_id)
            .where(Workshop.status == "pending", decidable_clause(user)))


def join_requests_query(user_id: int) -> Select:
    """Open join requests in the approved workshops the user leads or deputises (with requester and workshop)."""
    managed = managed_workshops_query(user_id)
    return (select(WorkshopMember, User, Workshop.name.label("workshop_name"),
                   Department.name.label("department_name"))
            .join(User, User.id == WorkshopMember.user_id)
            .join(Workshop, Workshop.id == WorkshopMember.workshop_id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(WorkshopMember.status == "requested", Workshop.status == "approved",
                   WorkshopMember.workshop_id.in_(managed)))


def open_request_count(user_id: int) -> int:
    """How many join requests wait for this lead or deputy (capped, for the request list's total)."""
    from blueprints.core.pagination import capped_count

    return capped_count(join_requests_query(user_id).with_only_columns(WorkshopMember.id))[0]


def pending_count(user) -> int:
    """How many workshops in the admin's scope wait for approval (capped, for the queue's heading)."""
    from blueprints.core.pagination import capped_count

    return capped_count(select(Workshop.id).where(Workshop.status == "pending", decidable_clause(user)))[0]


def queue_row(user, workshop: Workshop):
    """The approval queue's row for a workshop still pending (after a refused decision), else None."""
    if workshop.status != "pending":
        return None
    return db.session.execute(review_queue_query(user).where(Workshop.id == workshop.id)).first()
