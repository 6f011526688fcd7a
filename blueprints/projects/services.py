"""Rules of key projects: who may register one (an admin over the owner enterprise), dates that make sense, and
milestones inside the project's time. Functions check, write, audit and flush; the view commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select

from blueprints.competitions.models import PROJECT_LEVELS, PROJECT_STATUSES, Milestone, Project
from blueprints.core import audit, scopes
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import Department, User
from extensions import db

END_BEFORE_START = N_("计划竣工日期不能早于计划开工日期。")
MILESTONE_TOO_EARLY = N_("节点的计划日期不能早于项目的计划开工日期（%(start)s）。")
FUTURE_ACTUAL = N_("实际完成日期不能晚于今天（%(today)s）。")
OWNER_OUTSIDE = N_("请选择您管理范围内的一家企业作为业主单位。")
MILESTONES_BEFORE = N_("节点“%(name)s”的计划日期（%(on)s）早于新的计划开工日期，请先调整该节点。")


@dataclass
class ProjectData:
    """What the project form gives."""

    name: str
    level: str
    owner_id: int | None
    location: str
    planned_start: date
    planned_end: date
    status: str
    description: str = ""


def _owner(actor: User, owner_id: int | None) -> Department:
    """The owner must be an enterprise node inside the actor's admin scope."""
    owner = db.session.get(Department, owner_id) if owner_id else None
    if owner is None or owner.kind != "enterprise" or not scopes.covers(actor, "admin", owner):
        raise DomainError(OWNER_OUTSIDE, field="owner_id")
    return owner


def _check(data: ProjectData) -> None:
    if data.level not in PROJECT_LEVELS:
        raise DomainError(N_("请选择项目级别。"), field="level")
    if data.status not in PROJECT_STATUSES:
        raise DomainError(N_("请选择项目状态。"), field="status")
    if data.planned_end < data.planned_start:
        raise DomainError(END_BEFORE_START, field="planned_end")


def create_project(actor: User, data: ProjectData) -> Project:
    """Register a key project of an enterprise in the actor's scope."""
    _check(data)
    owner = _owner(actor, data.owner_id)
    project = Project(name=data.name.strip(), level=data.level, owner_id=owner.id, location=data.location.strip(),
                      planned_start=data.planned_start, planned_end=data.planned_end, status=data.status,
                      description=data.description.strip(), created_by_id=actor.id)
    db.session.add(project)
    db.session.flush()
    audit.record("project.created", target=project, actor=actor, detail=f"{owner.code}: {project.name}")
    return project


def update_project(actor: User, project: Project, data: ProjectData) -> None:
    """Change a project; a new planned start may not leave a milestone before it."""
    _check(data)
    owner = _owner(actor, data.owner_id)
    earliest = db.session.execute(select(Milestone.name, Milestone.planned_on)
                                  .where(Milestone.project_id == project.id,
                                         Milestone.planned_on < data.planned_start)
                                  .order_by(Milestone.planned_on).limit(1)).first()
    if earliest is not None:
        raise DomainError(MILESTONES_BEFORE, field="planned_start", name=earliest.name,
                          on=earliest.planned_on.isoformat())
    before = project.status
    project.name, project.level, project.owner_id = data.name.strip(), data.level, owner.id
    project.location, project.description = data.location.strip(), data.description.strip()
    project.planned_start, project.planned_end, project.status = data.planned_start, data.planned_end, data.status
    db.session.flush()
    audit.record("project.updated", target=project, actor=actor,
                 detail=f"{before} -> {project.status}" if before != project.status else "")


def _check_milestone(project: Project, planned_on: date, actual_on: date | None) -> None:
    if planned_on < project.planned_start:
        raise DomainError(MILESTONE_TOO_EARLY, field="planned_on", start=project.planned_start.isoformat())
    today = local_today()
    if actual_on is not None and actual_on > today:
        raise DomainError(FUTURE_ACTUAL, field="actual_on", today=today.isoformat())


def add_milestone(actor: User, project: Project, name: str, planned_on: date, actual_on: date | None) -> Milestone:
    """A new milestone (节点) of the project."""
    _check_milestone(project, planned_on, actual_on)
    milestone = Milestone(project_id=project.id, name=name.strip(), planned_on=planned_on, actual_on=actual_on)
    db.session.add(milestone)
    db.session.flush()
    audit.record("project.milestone_added", target=project, actor=actor, detail=f"{milestone.name} {planned_on}")
    return milestone


def update_milestone(actor: User, project: Project, milestone: Milestone, name: str, planned_on: date,
                     actual_on: date | None) -> None:
    """Change a milestone's name or dates (the actual date records it done)."""
    _check_milestone(project, planned_on, actual_on)
    milestone.name, milestone.planned_on, milestone.actual_on = name.strip(), planned_on, actual_on
    db.session.flush()
    audit.record("project.milestone_updated", target=project, actor=actor,
                 detail=f"{milestone.name} {planned_on} / {actual_on or '-'}")


def delete_milestone(actor: User, project: Project, milestone: Milestone) -> None:
    """Remove a milestone."""
    name = milestone.name
    db.session.execute(delete(Milestone).where(Milestone.id == milestone.id))
    audit.record("project.milestone_deleted", target=project, actor=actor, detail=name)


def milestone_count(project_id: int) -> int:
    """How many milestones a project has."""
    return db.session.scalar(select(func.count(Milestone.id)).where(Milestone.project_id == project_id)) or 0
