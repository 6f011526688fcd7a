"""The competitions domain's published read API: who may see and run a competition, the queries behind its pages
and panels, the offer of competitions other domains file records under, report periods and overdue reports, and
the coverage figures of the statistics page. Other domains read competitions through this module and models."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from blueprints.competitions.models import (
    REPORT_GRACE_DAYS,
    Competition,
    Enrolment,
    Indicator,
    Objection,
    Project,
    Report,
    ScoreCell,
    competition_projects,
)
from blueprints.core import pickers, scopes
from blueprints.core.clock import local_today
from blueprints.core.models import UNION_KINDS, Department
from blueprints.core.org import ancestor_ids
from extensions import db

ENROLLABLE_KINDS = ("enterprise", "branch", "floor", "team")
DONE_REPORT = ("submitted", "accepted")  # a period with such a report is not overdue

# --- Access rules -----------------------------------------------------------------------------------------------


def organises(user, competition: Competition) -> bool:
    """An admin whose scope covers the organising union node runs the competition (edit, enrol, accept, score)."""
    return bool(user and user.is_authenticated and user.has_role("admin")
                and scopes.scope_of(user, "admin").covers_path(competition.organiser.path))


def admin_units(user, enrolments) -> list:
    """The enrolments among `enrolments` whose unit lies in the user's admin scope (they report and object)."""
    if not (user and user.is_authenticated and user.has_role("admin")):
        return []
    scope = scopes.scope_of(user, "admin")
    return [e for e in enrolments if scope.covers_path(e.unit.path)]


def units_shown(user, competition: Competition, enrolments) -> list:
    """The enrolled units a viewer sees by name on the competition page: all of them for the organiser; else those
    in their admin scope or their own enterprise (other enterprises' participation is theirs to tell)."""
    if organises(user, competition):
        return list(enrolments)
    scope = scopes.scope_of(user, "admin")
    home = getattr(user, "home_path", None)
    return [e for e in enrolments if scope.covers_path(e.unit.path) or (home and e.unit.path.startswith(home))]


def _viewer_path(user) -> str | None:
    department_id = getattr(user, "department_id", None)
    if department_id is None:
        return None
    return db.session.scalar(select(Department.path).where(Department.id == department_id))


def visible_clause(user):
    """SQL for "the user may see it": organised in their admin scope (drafts too); or published and organised by a
    node above (or at) their department or admin scope, or with a unit enrolled inside their enterprise or scope."""
    scope = scopes.scope_of(user, "admin")
    if scope.everything:
        return Competition.id.is_not(None)
    path = _viewer_path(user)
    above = set(ancestor_ids(path or ""))
    for root in scope.paths:
        above.update(ancestor_ids(root))
    home = getattr(user, "home_path", None) or (path if path and _is_enterprise_path(path) else None)
    unit = aliased(Department)
    enrolled_here = [scope.path_clause(unit.path)]
    if home:
        enrolled_here.append(unit.path.startswith(home))
    enrolled = exists().where(Enrolment.competition_id == Competition.id, Enrolment.status == "enrolled",
                              unit.id == Enrolment.unit_id, or_(*enrolled_here))
    published = Competition.status != "draft"
    return or_(scope.department_clause(Competition.organiser_id),
               and_(published, or_(Competition.organiser_id.in_(above) if above else False, enrolled)))


def _is_enterprise_path(path: str) -> bool:
    ids = ancestor_ids(path)
    return bool(db.session.scalar(select(exists().where(Department.id.in_(ids), Department.kind == "enterprise"))))


def can_view(user, competition: Competition) -> bool:
    """Whether the user may open the competition (one query unless they organise it)."""
    if organises(user, competition):
        return True
    return bool(db.session.scalar(select(exists().where(Competition.id == competition.id, visible_clause(user)))))


def organiser_choices(user) -> list[tuple[int, str]]:
    """Union nodes (city, district, industry) in the user's admin scope: who may organise a competition."""
    scope = scopes.scope_of(user, "admin")
    rows = db.session.scalars(select(Department).where(Department.kind.in_(UNION_KINDS),
                                                       scope.path_clause(Department.path))
                              .order_by(Department.depth, Department.code))
    return [(d.id, "\u3000" * d.depth + d.name) for d in rows]


# --- Pages --------------------------------------------------------------------------------------------------


def load(competition_id: int) -> Competition | None:
    """A competition with its organiser."""
    return db.session.scalars(select(Competition).options(selectinload(Competition.organiser))
                              .where(Competition.id == competition_id)).one_or_none()


def competitions_list(user, *, year: int | None = None, kind: str | None = None, status: str | None = None):
    """The list: competitions visible to the user, filtered, with organiser name and enrolled unit count."""
    enrolled = (select(func.count(Enrolment.id)).where(Enrolment.competition_id == Competition.id,
                                                       Enrolment.status == "enrolled")
                .correlate(Competition).scalar_subquery())
    stmt = (select(Competition, Department.name, enrolled)
            .join(Department, Department.id == Competition.organiser_id).where(visible_clause(user)))
    if year:
        stmt = stmt.where(Competition.year == year)
    if kind:
        stmt = stmt.where(Competition.kind == kind)
    if status:
        stmt = stmt.where(Competition.status == status)
    return stmt


def indicators_of(competition_id: int) -> list[Indicator]:
    return list(db.session.scalars(select(Indicator).where(Indicator.competition_id == competition_id)
                                   .order_by(Indicator.position, Indicator.id)))


def enrolments_of(competition_id: int, *, active_only: bool = True) -> list[Enrolment]:
    """The competition's enrolled units (with their department), in tree order."""
    stmt = (select(Enrolment).join(Department, Department.id == Enrolment.unit_id)
            .options(selectinload(Enrolment.unit)).where(Enrolment.competition_id == competition_id)
            .order_by(Department.path))
    if active_only:
        stmt = stmt.where(Enrolment.status == "enrolled")
    return list(db.session.scalars(stmt))


def unit_map(enrolments) -> dict[int, str]:
    """unit id → materialised path, the shape core.indicators' functions take."""
    return {e.unit_id: e.unit.path for e in enrolments}


def projects_of(competition_id: int) -> list[Project]:
    return list(db.session.scalars(select(Project).join(competition_projects,
                                                        competition_projects.c.project_id == Project.id)
                                   .where(competition_projects.c.competition_id == competition_id)
                                   .options(selectinload(Project.owner)).order_by(Project.name)))


def project_choices(organiser: Department) -> list[tuple[int, str]]:
    """Key projects whose owner lies in the organiser's subtree."""
    rows = db.session.execute(select(Project.id, Project.name).join(Department, Department.id == Project.owner_id)
                              .where(Department.path.startswith(organiser.path)).order_by(Project.name)).all()
    return [(pid, name) for pid, name in rows]


def has_projects(organiser: Department) -> bool:
    """Whether any key project lies in the organiser's subtree (the form's hint when none does)."""
    return bool(db.session.scalar(select(exists().where(Project.owner_id == Department.id,
                                                        Department.path.startswith(organiser.path)))))


def objections_of(competition_id: int) -> list[Objection]:
    return list(db.session.scalars(select(Objection).options(selectinload(Objection.unit))
                                   .where(Objection.competition_id == competition_id)
                                   .order_by(Objection.raised_at, Objection.id)))


def score_cells(competition_id: int) -> dict[tuple[int, int], ScoreCell]:
    """(unit id, indicator id) → its score row."""
    rows = db.session.scalars(select(ScoreCell).where(ScoreCell.competition_id == competition_id))
    return {(c.unit_id, c.indicator_id): c for c in rows}


# --- Filing other domains' records under a competition ----------------------------------------------------


def filing_clause(department_path: str | None):
    """SQL: running competitions a record of this department may be filed under — those with an enrolled unit at
    or above the department."""
    ids = ancestor_ids(department_path or "")
    if not ids:
        return Competition.id.is_(None)
    enrolled = exists().where(Enrolment.competition_id == Competition.id, Enrolment.status == "enrolled",
                              Enrolment.unit_id.in_(ids))
    return and_(Competition.status == "running", enrolled)


def filing_choices(department_path: str | None, keep_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the competitions a record of the department may be filed under (one query); `keep_id`, the
    record's current competition, stays offered even after the competition has closed."""
    condition = filing_clause(department_path)
    if keep_id:
        condition = or_(condition, Competition.id == keep_id)
    rows = db.session.execute(select(Competition.id, Competition.name, Competition.year).where(condition)
                              .order_by(Competition.year.desc(), Competition.name)).all()
    return [(cid, f"{name}（{year}）") for cid, name, year in rows]


def may_file(competition_id: int, department_path: str | None) -> bool:
    """Whether a record of the department may be filed under the competition now."""
    return bool(db.session.scalar(select(exists().where(Competition.id == competition_id,
                                                        filing_clause(department_path)))))


def department_path(department_id: int | None) -> str | None:
    if department_id is None:
        return None
    return db.session.scalar(select(Department.path).where(Department.id == department_id))


# --- Report periods and overdue reports -------------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def periods(competition: Competition) -> list[tuple[date, date]]:
    """The report periods of a competition: calendar months (or quarters) clipped to its dates."""
    step = 3 if competition.report_frequency == "quarterly" else 1
    start = _month_start(competition.starts_on)
    if step == 3:
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    found = []
    while start <= competition.ends_on and len(found) < 240:
        end = _add_months(start, step) - timedelta(days=1)
        found.append((max(start, competition.starts_on), min(end, competition.ends_on)))
        start = _add_months(start, step)
    return found


def due_on(period_end: date) -> date:
    """The last day a period's report is on time."""
    return period_end + timedelta(days=REPORT_GRACE_DAYS)


def reports_of(competition_id: int, unit_ids=None) -> dict[tuple[int, date], Report]:
    """(unit id, period start) → report."""
    stmt = select(Report).where(Report.competition_id == competition_id)
    if unit_ids is not None:
        stmt = stmt.where(Report.unit_id.in_(list(unit_ids)))
    return {(r.unit_id, r.period_start): r for r in db.session.scalars(stmt)}


def overdue(competitions, today: date | None = None, unit_scope=None) -> list[tuple[Competition, int, date, date]]:
    """(competition, unit id, period start, period end) of every report still missing, draft or returned after
    its period ended plus the grace days, for running or closed competitions (three queries in all)."""
    today = today or local_today()
    live = [c for c in competitions if c.status in ("running", "closed")]
    if not live:
        return []
    ids = [c.id for c in live]
    enrol_stmt = (select(Enrolment.competition_id, Enrolment.unit_id)
                  .where(Enrolment.competition_id.in_(ids), Enrolment.status == "enrolled"))
    if unit_scope is not None:
        enrol_stmt = enrol_stmt.join(Department, Department.id == Enrolment.unit_id).where(
            unit_scope.path_clause(Department.path))
    units: dict[int, list[int]] = {}
    for competition_id, unit_id in db.session.execute(enrol_stmt):
        units.setdefault(competition_id, []).append(unit_id)
    done = set(db.session.execute(select(Report.competition_id, Report.unit_id, Report.period_start)
                                  .where(Report.competition_id.in_(ids), Report.status.in_(DONE_REPORT))).all())
    found = []
    for competition in live:
        for start, end in periods(competition):
            if due_on(end) >= today:
                continue
            found.extend((competition, unit_id, start, end) for unit_id in units.get(competition.id, [])
                         if (competition.id, unit_id, start) not in done)
    return found


def live_competitions() -> list[Competition]:
    return list(db.session.scalars(select(Competition).where(Competition.status.in_(("running", "closed")))))


def unit_names(unit_ids) -> dict[int, str]:
    ids = list(set(unit_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())


# --- My space: the competitions of a unit admin's units ---------------------------------------------------


def my_units_competitions(user) -> list[tuple[Competition, Enrolment]]:
    """Running or published competitions with a unit enrolled inside the admin's scope (below union level)."""
    scope = scopes.scope_of(user, "admin")
    if scope.empty:
        return []
    rows = db.session.execute(
        select(Competition, Enrolment).join(Enrolment, Enrolment.competition_id == Competition.id)
        .join(Department, Department.id == Enrolment.unit_id)
        .options(selectinload(Competition.organiser), selectinload(Enrolment.unit))
        .where(Enrolment.status == "enrolled", Competition.status.in_(("published", "running", "closed")),
               scope.path_clause(Department.path), Department.kind.not_in(UNION_KINDS))
        .order_by(Competition.ends_on, Competition.id).limit(20)).all()
    return [(c, e) for c, e in rows]


# --- Statistics: 企业参赛面 and key project coverage ---------------------------------------------------------


def enterprise_participation(scope) -> tuple[int, int]:
    """(enterprises in scope with a unit — itself or a node below it — enrolled in a running competition,
    enterprises in scope). One query."""
    unit = aliased(Department)
    taking_part = (exists().where(Enrolment.unit_id == unit.id, unit.path.startswith(Department.path),
                                  Enrolment.status == "enrolled", Competition.id == Enrolment.competition_id,
                                  Competition.status == "running"))
    total, with_competition = db.session.execute(
        select(func.count(Department.id), func.count(Department.id).filter(taking_part))
        .where(Department.kind == "enterprise", scope.path_clause(Department.path))).one()
    return int(with_competition or 0), int(total or 0)


def project_coverage(scope) -> tuple[int, int]:
    """(started key projects in scope covered by a published, running, closed or assessed competition, started key
    projects in scope). One query."""
    covered = exists().where(competition_projects.c.project_id == Project.id,
                             Competition.id == competition_projects.c.competition_id,
                             Competition.status != "draft")
    total, with_competition = db.session.execute(
        select(func.count(Project.id), func.count(Project.id).filter(covered))
        .join(Department, Department.id == Project.owner_id)
        .where(Project.status == "started", scope.path_clause(Department.path))).one()
    return int(with_competition or 0), int(total or 0)


def report_details(report_ids) -> tuple[dict[int, list], dict[int, list]]:
    """report id → [(indicator name, unit, value)] and → [(file id, file name)] for the listed reports (two queries)."""
    from blueprints.competitions.models import ReportAttachment, ReportFigure
    from blueprints.core.models import StoredFile

    ids = list(report_ids)
    figures: dict[int, list] = {}
    files: dict[int, list] = {}
    if not ids:
        return figures, files
    for report_id, name, unit, value in db.session.execute(
            select(ReportFigure.report_id, Indicator.name, Indicator.unit, ReportFigure.value)
            .join(Indicator, Indicator.id == ReportFigure.indicator_id)
            .where(ReportFigure.report_id.in_(ids)).order_by(Indicator.position, Indicator.id)):
        figures.setdefault(report_id, []).append((name, unit, value))
    for report_id, file_id, name in db.session.execute(
            select(ReportAttachment.report_id, StoredFile.id, StoredFile.original_name)
            .join(StoredFile, StoredFile.id == ReportAttachment.file_id).where(ReportAttachment.report_id.in_(ids))):
        files.setdefault(report_id, []).append((file_id, name))
    return figures, files


def _enrollable(user, params):
    """The enrolment form's units (core.pickers), for an admin who may see the competition named in the
    parameters (anyone else is offered nothing)."""
    from sqlalchemy import false

    competition_id = pickers.as_id(params.get("competition"))
    competition = load(competition_id) if competition_id else None
    if competition is None or not user.has_role("admin") or not can_view(user, competition):
        return false()
    kinds = ("enterprise", "branch") if organises(user, competition) else ENROLLABLE_KINDS
    return and_(Department.path.startswith(competition.organiser.path), Department.kind.in_(kinds),
                scopes.scope_of(user, "admin").path_clause(Department.path))


pickers.department_source("competition-units", _enrollable, params=("competition",))


def _coverable_projects(user, _params):
    """Key projects a competition form may offer (core.pickers): owned inside the user's admin scope; saving checks
    that they lie under the chosen organiser (lifecycle), as the multiple select's choices did."""
    owners = select(Department.id).where(scopes.scope_of(user, "admin").path_clause(Department.path))
    return Project.owner_id.in_(owners)


# A city has a thousand key projects: the form's project box is a type-ahead picker, not a multiple select.
pickers.register(pickers.Source("competition-projects", Project, _coverable_projects))
