"""Read queries of key projects, scoped in ONE place (`_in_scope`): an admin sees the projects whose owner
enterprise lies in their admin scope. Other domains may build on these (the competitions' project picker)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, func, select

from blueprints.competitions.models import Competition, Milestone, Project, competition_projects
from blueprints.core import pickers, scopes
from blueprints.core.models import Department
from extensions import db

UNCOVERED_LIMIT = 20
CHOICES_LIMIT = 500


def _in_scope(user, owner_path_column=Department.path):
    """SQL: the owner enterprise (joined as Department) lies in the user's admin scope."""
    return scopes.scope_of(user, "admin").path_clause(owner_path_column)


def manages(user, owner: Department | None) -> bool:
    """Whether the user holds admin over the project's owner enterprise."""
    return owner is not None and scopes.covers(user, "admin", owner)


def load(project_id: int) -> tuple[Project, Department] | None:
    """The project and its owner enterprise (one query), or None."""
    row = db.session.execute(select(Project, Department).join(Department, Department.id == Project.owner_id)
                             .where(Project.id == project_id)).first()
    return (row[0], row[1]) if row is not None else None


def _covered():
    """SQL: some competition covers the project."""
    return exists().where(competition_projects.c.project_id == Project.id)


def list_query(user, *, level: str | None = None, status: str | None = None, owner_id: int | None = None,
               uncovered: bool = False):
    """SELECT (project, owner name, milestones, milestones done, competitions) of the projects in scope, filtered:
    one statement whatever the number of rows."""
    total = (select(func.count(Milestone.id)).where(Milestone.project_id == Project.id)
             .correlate(Project).scalar_subquery())
    done = (select(func.count(Milestone.id)).where(Milestone.project_id == Project.id, Milestone.actual_on.is_not(None))
            .correlate(Project).scalar_subquery())
    competitions = (select(func.count()).select_from(competition_projects)
                    .where(competition_projects.c.project_id == Project.id).correlate(Project).scalar_subquery())
    stmt = (select(Project, Department.name.label("owner_name"), total.label("milestones"),
                   done.label("milestones_done"), competitions.label("competitions"))
            .join(Department, Department.id == Project.owner_id).where(_in_scope(user)))
    if level:
        stmt = stmt.where(Project.level == level)
    if status:
        stmt = stmt.where(Project.status == status)
    if owner_id:
        stmt = stmt.where(Project.owner_id == owner_id)
    if uncovered:
        stmt = stmt.where(~_covered())
    return stmt


def count_query(user, **filters):
    """The same rows as list_query, without the per-row counts (for the page's total)."""
    return list_query(user, **filters).with_only_columns(Project.id)


def uncovered_started(user, limit: int = UNCOVERED_LIMIT) -> tuple[list, int]:
    """The union's standing to-do: started projects in scope that no competition covers — the first `limit` rows
    (project, owner name), oldest start first, and how many there are (two queries)."""
    condition = and_(Project.status == "started", ~_covered(), _in_scope(user))
    rows = db.session.execute(
        select(Project, Department.name).join(Department, Department.id == Project.owner_id).where(condition)
        .order_by(Project.planned_start, Project.id).limit(limit)).all()
    how_many = db.session.scalar(select(func.count(Project.id)).join(Department, Department.id == Project.owner_id)
                                 .where(condition)) or 0
    return rows, how_many


def milestones(project_id: int) -> list[Milestone]:
    """The project's milestones by planned date."""
    return list(db.session.scalars(select(Milestone).where(Milestone.project_id == project_id)
                                   .order_by(Milestone.planned_on, Milestone.id)))


def milestone_state(milestone: Milestone, today: date) -> str:
    """done (an actual date), overdue (planned date passed), or due."""
    if milestone.actual_on is not None:
        return "done"
    return "overdue" if milestone.planned_on < today else "due"


def competitions_of(project_id: int) -> list:
    """The competitions covering the project: (competition, organiser name), newest year first (one query)."""
    return db.session.execute(
        select(Competition, Department.name).join(competition_projects,
                                                  competition_projects.c.competition_id == Competition.id)
        .join(Department, Department.id == Competition.organiser_id)
        .where(competition_projects.c.project_id == project_id)
        .order_by(Competition.year.desc(), Competition.id.desc())).all()


def owner_choices(user) -> list[tuple[int, str]]:
    """Enterprises an admin may name as a project's owner: the enterprise nodes in their admin scope."""
    rows = db.session.execute(select(Department.id, Department.name)
                              .where(Department.kind == "enterprise", _in_scope(user))
                              .order_by(Department.path).limit(CHOICES_LIMIT))
    return [(row.id, row.name) for row in rows]


def project_choices(user) -> list[tuple[int, str]]:
    """Key projects in the user's admin scope as (id, name), for a competition's project picker."""
    rows = db.session.execute(select(Project.id, Project.name).join(Department, Department.id == Project.owner_id)
                              .where(_in_scope(user)).order_by(Project.name, Project.id).limit(CHOICES_LIMIT))
    return [(row.id, row.name) for row in rows]


def load_milestone(project_id: int, milestone_id: int) -> Milestone | None:
    """A milestone of this project (another project's milestone id answers None)."""
    return db.session.scalar(select(Milestone).where(Milestone.id == milestone_id,
                                                     Milestone.project_id == project_id))


# The owner pickers of the project form and the list's filter (core.pickers): enterprises of the admin scope (a
# city has hundreds of enterprises).
pickers.department_source("project-owners", lambda user, _params: and_(Department.kind == "enterprise",
                                                                        _in_scope(user)))
