"""My-space cards of the statistics domain: my record (everyone), awards to grant (admins), and a summary of the
competition year for admins, leads and HR. Each card is one query of scalar subqueries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, false, func, or_, select

from blueprints.core import scopes
from blueprints.core.models import Department, User
from blueprints.core.myspace import Panel, panel_provider
from blueprints.stats import services
from blueprints.stats.models import ParticipationTarget
from blueprints.stats.record import written_by
from blueprints.suggestions.models import ADOPTED, RewardShare, Suggestion
from blueprints.training.models import Enrollment, TrainingSession
from blueprints.workshops.queries import managed_workshops_query
from extensions import db


def _count(stmt):
    return stmt.scalar_subquery()


@panel_provider
def my_record_panel(user) -> Panel:
    """Everyone: my competition year in four numbers, and the way to my full record (one query)."""
    scope = services.make_scope(services.default_year())
    counted = and_(written_by(user.id), services.submitted_in(scope))
    trainings = (select(func.count(Enrollment.id)).select_from(Enrollment)
                 .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
                 .where(Enrollment.user_id == user.id, services.person_time(), services.held_in(scope)))
    row = db.session.execute(select(
        _count(select(func.count(Suggestion.id)).where(counted)),
        _count(select(func.count(Suggestion.id)).where(counted, Suggestion.status.in_(ADOPTED))),
        _count(trainings),
        _count(select(func.count(Enrollment.id)).where(Enrollment.user_id == user.id,
                                                       Enrollment.certificate_no.is_not(None))),
    )).one()
    return Panel("stats/_panel_record.html", order=35,
                 context={"year": scope.year, "submitted": row[0], "adopted": row[1], "trainings": row[2],
                          "certificates": row[3]})


@panel_provider
def awards_panel(user) -> Panel | None:
    """Admins: implemented suggestions waiting for a grade and reward, and ledger lines waiting to be paid."""
    if not user.has_role("admin"):
        return None
    scope = scopes.scope_of(user, "admin")
    mine = scope.department_clause(Suggestion.department_id)
    # Every kind of line of the shared ledger: a suggestion's by its suggestion, any other by the unit that pays it.
    pending = (select(RewardShare.id).outerjoin(Suggestion, Suggestion.id == RewardShare.suggestion_id)
               .where(RewardShare.status == "pending",
                      or_(and_(RewardShare.kind == "suggestion", mine),
                          and_(RewardShare.kind != "suggestion", scope.department_clause(RewardShare.department_id)))))
    row = db.session.execute(select(
        _count(select(func.count(Suggestion.id)).where(Suggestion.status == "implemented", mine)),
        _count(select(func.count(RewardShare.id)).where(RewardShare.id.in_(pending))),
        _count(select(services.money_sum(RewardShare.amount)).where(RewardShare.id.in_(pending))),
    )).one()
    return Panel("stats/_panel_awards.html", order=12,
                 context={"to_award": row[0], "to_pay": row[1], "to_pay_amount": row[2]})


@dataclass
class YearSummary:
    """The numbers of the summary card (None where the role does not see them)."""

    year: int
    participants: int | None = None
    head_count: int | None = None
    target: int | None = None
    submitted: int | None = None
    adopted: int | None = None
    person_times: int | None = None
    sessions: int | None = None
    minutes: int | None = None
    passed: int | None = None
    failed: int | None = None
    ws_received: int | None = None
    ws_adopted: int | None = None
    ws_benefit: object = None

    @property
    def hours(self):
        return services.hours(self.minutes)

    @property
    def pass_rate(self):
        return services.percent(self.passed or 0, (self.passed or 0) + (self.failed or 0))

    @property
    def rate(self):
        return services.percent(self.participants or 0, self.head_count)

    @property
    def under_target(self) -> bool:
        return (self.target is not None and self.head_count is not None
                and (self.participants or 0) * 100 < self.target * self.head_count)


def _headline_target(admin: scopes.Scope, year: int):
    """The headline target: the single top-level department's for whole-tree admins (several enterprises have no
    common one), the scope node's for an admin of one node."""
    stmt = (select(ParticipationTarget.rate).join(Department, Department.id == ParticipationTarget.department_id)
            .where(ParticipationTarget.year == year).limit(1))
    if admin.everything:
        single_top = select(func.count(Department.id)).where(Department.parent_id.is_(None)).scalar_subquery() == 1
        return stmt.where(Department.parent_id.is_(None), single_top)
    if len(admin.paths) == 1:
        return stmt.where(Department.path == admin.paths[0])
    return stmt.where(false())


def year_summary(user) -> YearSummary:
    """The competition year so far for the user's roles, inside each role's scope (one query)."""
    scope = services.make_scope(services.default_year())
    summary = YearSummary(year=scope.year)
    columns, names = [], []

    def add(name, stmt):
        names.append(name)
        columns.append(_count(stmt))

    if user.has_role("admin"):
        admin = scopes.scope_of(user, "admin")
        people = services.participant_ids(scope).subquery()
        in_org = and_(User.active.is_(True), User.department_id.is_not(None),
                      admin.department_clause(User.department_id))
        add("participants", select(func.count(User.id)).join(people, people.c.user_id == User.id).where(in_org))
        add("head_count", select(func.count(User.id)).where(in_org))
        add("target", _headline_target(admin, scope.year))
        submitted = and_(services.submitted_in(scope), Suggestion.department_id.is_not(None),
                         admin.department_clause(Suggestion.department_id))
        add("submitted", select(func.count(Suggestion.id)).where(submitted))
        add("adopted", select(func.count(Suggestion.id)).where(submitted, Suggestion.status.in_(ADOPTED)))
    if user.has_role("hr"):
        held = (select(Enrollment.id, Enrollment.session_id, Enrollment.result,
                       services.session_minutes().label("minutes"))
                .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
                .where(services.held_in(scope), services.person_time(),
                       Enrollment.user_id.in_(select(User.id).where(
                           scopes.scope_of(user, "hr").department_clause(User.department_id)))).subquery())
        add("person_times", select(func.count(held.c.id)))
        add("sessions", select(func.count(func.distinct(held.c.session_id))))
        add("minutes", select(func.coalesce(func.sum(held.c.minutes), 0)))
        add("passed", select(func.count(held.c.id)).where(held.c.result == "pass"))
        add("failed", select(func.count(held.c.id)).where(held.c.result == "fail"))
    if user.has_role("lead"):
        managed = managed_workshops_query(user.id)
        mine = and_(Suggestion.workshop_id.in_(managed), services.submitted_in(scope))
        add("ws_received", select(func.count(Suggestion.id)).where(mine))
        add("ws_adopted", select(func.count(Suggestion.id)).where(mine, Suggestion.status.in_(ADOPTED)))
        add("ws_benefit", select(services.money_sum(case((Suggestion.status.in_(services.IMPLEMENTED),
                                                           Suggestion.annual_benefit)))).where(mine))
    if columns:
        for name, value in zip(names, db.session.execute(select(*columns)).one(), strict=True):
            setattr(summary, name, value)
    return summary


@panel_provider
def summary_panel(user) -> Panel | None:
    """Admins, leads and HR: this competition year at a glance, linking to /stats/ (one query)."""
    if not services.can_view_stats(user):
        return None
    return Panel("stats/_panel_summary.html", order=55, context={"summary": year_summary(user)})
