"""A session's life: create, edit (capacity follows the waitlist rules), and its moves through the status machine."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from blueprints.core import audit, scopes
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from blueprints.core.notify import notify_many
from blueprints.core.types import utcnow
from blueprints.training.models import ACTIVE_STATUSES, KINDS, Enrollment, SessionDepartment, TrainingSession
from blueprints.training.queries import is_city_level
from blueprints.training.services import seats
from blueprints.training.services.records import issue_certificates
from blueprints.training.services.rules import (
    EDITABLE,
    ROSTER_OPEN,
    TRANSITIONS,
    can_transition,
    local_text,
    session_link,
)
from extensions import db

# --- HR: sessions -----------------------------------------------------------------------------------------


@dataclass
class SessionData:
    """The editable fields of a session, already validated by the form and converted to UTC."""

    title: str
    kind: str
    description: str
    instructor: str
    location: str
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime
    capacity: int
    department_ids: list[int]
    skill_levels: list[str]
    manager_id: int | None
    organiser_id: int | None = None  # None: city-level
    competition_id: int | None = None  # filed under a running competition (SPEC §8)


def _check_data(data: SessionData) -> None:
    if data.kind not in KINDS:
        raise DomainError(N_("请选择培训类型。"), field="kind")
    if data.ends_at <= data.starts_at:
        raise DomainError(N_("结束时间必须晚于开始时间。"), field="ends_at")
    if data.signup_deadline > data.starts_at:
        raise DomainError(N_("报名截止时间不能晚于开始时间。"), field="signup_deadline")
    if data.capacity < 1:
        raise DomainError(N_("名额至少为 1。"), field="capacity")


def _check_organiser(data: SessionData, actor: User) -> None:
    """The organiser lies in the actor's HR scope (city level: whole-tree HR only), and every eligible department
    inside the organiser's subtree."""
    organiser = db.session.get(Department, data.organiser_id) if data.organiser_id is not None else None
    if data.organiser_id is not None and organiser is None:
        raise DomainError(N_("请选择主办单位。"), field="organiser")
    if not scopes.covers(actor, "hr", organiser):
        if organiser is None:
            raise DomainError(N_("只有全市的培训管理员才能组织全市范围的培训，请选择您负责的单位。"), field="organiser")
        raise DomainError(N_("您不负责“%(name)s”的培训，请选择您负责的单位。"), field="organiser", name=organiser.name)
    manager = db.session.get(User, data.manager_id) if data.manager_id not in (None, actor.id) else None
    if manager is not None and not scopes.covers(manager, "hr", organiser):
        if organiser is None:
            raise DomainError(N_("%(name)s 不是全市的培训管理员，不能做全市培训的负责人。"), field="manager",
                              name=manager.name)
        raise DomainError(N_("%(name)s 不负责%(unit)s的培训，不能做这个场次的负责人。"), field="manager",
                          name=manager.name, unit=organiser.name)
    ids = list(dict.fromkeys(data.department_ids))
    if not ids:
        return
    rows = db.session.execute(select(Department.id, Department.path, Department.name)
                              .where(Department.id.in_(ids))).all()
    if len(rows) != len(ids):
        raise DomainError(N_("限定部门中有不存在的部门，请重新选择。"), field="departments")
    if is_city_level(organiser):
        return
    outside = [row.name for row in rows if not row.path.startswith(organiser.path)]
    if outside:
        raise DomainError(N_("限定部门必须在主办单位“%(unit)s”之内：%(names)s 不在其中。"), field="departments",
                          unit=organiser.name, names="、".join(outside))


def _check_competition(data: SessionData, current: int | None = None) -> None:
    """A session is filed under a running competition with a unit enrolled at or above its organiser."""
    from blueprints.competitions.queries import department_path, may_file

    if data.competition_id is None or data.competition_id == current:
        return
    if not may_file(data.competition_id, department_path(data.organiser_id)):
        raise DomainError(N_("主办单位没有参加这项竞赛（或竞赛不在进行中），不能归入。"), field="competition_id")


def _set_departments(training_session: TrainingSession, department_ids: list[int]) -> None:
    from sqlalchemy import delete

    db.session.execute(delete(SessionDepartment).where(SessionDepartment.session_id == training_session.id))
    ids = list(dict.fromkeys(department_ids))
    if ids:
        db.session.execute(insert(SessionDepartment),
                           [{"session_id": training_session.id, "department_id": d} for d in ids])


def create_session(data: SessionData, actor: User) -> TrainingSession:
    """A new session as a draft; HR opens it for signup when ready."""
    _check_data(data)
    _check_organiser(data, actor)
    _check_competition(data)
    training_session = TrainingSession(
        title=data.title, kind=data.kind, description=data.description, instructor=data.instructor,
        location=data.location, starts_at=data.starts_at, ends_at=data.ends_at, signup_deadline=data.signup_deadline,
        capacity=data.capacity, skill_levels=list(data.skill_levels), status="draft",
        manager_id=data.manager_id or actor.id, created_by_id=actor.id, confirmed_count=0, waitlist_count=0,
        organiser_id=data.organiser_id, competition_id=data.competition_id)
    db.session.add(training_session)
    db.session.flush()
    _set_departments(training_session, data.department_ids)
    audit.record("training.created", target=training_session, actor=actor, detail=data.title)
    return training_session


def change_capacity(training_session: TrainingSession, capacity: int, actor=None) -> list[int]:
    """Set the number of seats: lowering below the confirmed count is refused; raising promotes from the waitlist."""
    training_session = seats.lock_session(training_session.id)
    if capacity < 1:
        raise DomainError(N_("名额至少为 1。"), field="capacity")
    if capacity < training_session.confirmed_count:
        raise DomainError(N_("已有 %(confirmed)s 人确认参加，名额不能少于 %(confirmed)s（您填写的是 %(capacity)s）。"
                             "如需减少名额，请先在名单中移除学员。"),
                          field="capacity", confirmed=training_session.confirmed_count, capacity=capacity)
    old = training_session.capacity
    if capacity == old:
        return []
    training_session.capacity = capacity
    db.session.flush()
    audit.record("training.capacity_changed", target=training_session, actor=actor, detail=f"{old} -> {capacity}")
    return seats.promote_waitlist(training_session, actor) if capacity > old else []


def update_session(training_session: TrainingSession, data: SessionData, actor: User) -> list[int]:
    """Edit a session that is not over; trainees hear about a new time or place. Returns promoted user ids."""
    _check_data(data)
    _check_organiser(data, actor)
    training_session = seats.lock_session(training_session.id)
    if training_session.status not in EDITABLE:
        raise DomainError(N_("已结束或已取消的场次不能再修改。"))
    _check_competition(data, training_session.competition_id)
    old_capacity = training_session.capacity
    promoted = change_capacity(training_session, data.capacity, actor)
    moved = (data.starts_at != training_session.starts_at or data.ends_at != training_session.ends_at
             or data.location != training_session.location)
    changed = _apply_data(training_session, data) or training_session.capacity != old_capacity
    if not changed:  # the same form saved twice at once: the second finds nothing to change, and records nothing
        return promoted
    if moved and training_session.status in ROSTER_OPEN:
        people = db.session.scalars(select(Enrollment.user_id).where(
            Enrollment.session_id == training_session.id, Enrollment.status.in_(ACTIVE_STATUSES))).all()
        notify_many(people, N_("培训《%(title)s》的时间或地点有变更：%(start)s 开始，地点：%(location)s。"),
                    link=session_link(training_session.id), title=training_session.title,
                    start=local_text(training_session.starts_at),
                    location=training_session.location or "—")
    audit.record("training.updated", target=training_session, actor=actor)
    return promoted


def _apply_data(training_session: TrainingSession, data: SessionData) -> bool:
    """Copy the form's fields onto the (locked, freshly read) session; True when any of them differed."""
    changed = False
    for name in ("title", "kind", "description", "instructor", "location", "starts_at", "ends_at", "signup_deadline"):
        if getattr(training_session, name) != getattr(data, name):
            setattr(training_session, name, getattr(data, name))
            changed = True
    if list(training_session.skill_levels or []) != list(data.skill_levels):
        training_session.skill_levels = list(data.skill_levels)
        changed = True
    manager_id = data.manager_id or training_session.manager_id
    if manager_id != training_session.manager_id:
        training_session.manager_id = manager_id
        changed = True
    for name in ("organiser_id", "competition_id"):
        if getattr(data, name) != getattr(training_session, name):
            setattr(training_session, name, getattr(data, name))
            changed = True
    current = set(db.session.scalars(select(SessionDepartment.department_id)
                                     .where(SessionDepartment.session_id == training_session.id)))
    if current != set(data.department_ids):
        _set_departments(training_session, data.department_ids)
        changed = True
    db.session.flush()
    return changed


def transition(training_session: TrainingSession, action: str, actor: User, reason: str = "") -> TrainingSession:
    """Move a session through the status machine (open, close, complete, cancel) with its side effects."""
    training_session = seats.lock_session(training_session.id)
    if not can_transition(training_session, action):
        raise DomainError(N_("当前状态下不能执行这个操作。"))
    old = training_session.status
    if TRANSITIONS[action].needs_reason:
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(N_("取消场次必须填写原因，它会通知给所有报名的人。"), field="reason")
    if action == "cancel":
        _cancel_everyone(training_session, reason, actor)
        training_session.status_reason = reason[:1000]
    elif action == "open" and training_session.signup_deadline <= utcnow():
        raise DomainError(N_("报名截止时间已过，请先修改截止时间再发布。"))
    elif action == "complete" and utcnow() < training_session.starts_at:
        raise DomainError(N_("培训还没有开始，不能标记为已结束。"))
    training_session.status = TRANSITIONS[action].target
    db.session.flush()
    if action == "complete":
        issue_certificates(training_session, actor)
    audit.record(f"training.{action}", target=training_session, actor=actor,
                 detail=f"{old} -> {training_session.status} {reason}")
    return training_session


def _cancel_everyone(training_session: TrainingSession, reason: str, actor: User) -> None:
    people = db.session.scalars(select(Enrollment.user_id).where(
        Enrollment.session_id == training_session.id, Enrollment.status.in_(ACTIVE_STATUSES))).all()
    db.session.execute(
        update(Enrollment).where(Enrollment.session_id == training_session.id, Enrollment.status.in_(ACTIVE_STATUSES))
        .values(status="cancelled", waitlist_position=None, cancelled_at=utcnow(), cancelled_by_id=actor.id)
        .execution_options(synchronize_session=False))
    training_session.confirmed_count = 0
    training_session.waitlist_count = 0
    notify_many(people, N_("培训《%(title)s》（原定 %(start)s 开始）已取消，您的报名随之取消。原因：%(reason)s"),
                link=session_link(training_session.id), title=training_session.title,
                start=local_text(training_session.starts_at),
                reason=reason[:200])
