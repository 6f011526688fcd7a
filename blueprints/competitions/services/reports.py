"""Progress reports: an enrolled unit's figures and narrative per period, the organiser's decision, and the
idempotent reminder of overdue reports."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import url_for
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from blueprints.competitions import queries
from blueprints.competitions.models import (
    REPORTED,
    Competition,
    Enrolment,
    Report,
    ReportAttachment,
    ReportFigure,
    ReportReminder,
)
from blueprints.core import audit, scopes, uploads
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import UNION_KINDS, Department, RoleGrant
from blueprints.core.notify import notify, notify_each
from blueprints.core.org import ancestor_ids
from blueprints.core.states import Transition, can_move, machine
from blueprints.core.types import utcnow
from extensions import db

REPORT_TRANSITIONS = machine(
    Transition("submit", ("draft", "returned"), "submitted", "unit"),
    Transition("accept", ("submitted",), "accepted", "organiser"),
    Transition("return", ("submitted",), "returned", "organiser", needs_reason=True),
)
EDITABLE = ("draft", "returned")
FIGURE_MAX = Decimal(10) ** 12


def parse_figure(raw: str | None, field_name: str) -> Decimal | None:
    """A typed figure: blank → None; otherwise a non-negative number with at most two decimals."""
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(N_("“%(value)s”不是有效的数字。"), field=field_name, value=text[:20]) from None
    if not value.is_finite() or abs(value) >= FIGURE_MAX:
        raise DomainError(N_("“%(value)s”不是有效的数字。"), field=field_name, value=text[:20])
    if value < 0:
        raise DomainError(N_("数值不能为负数。"), field=field_name)
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(N_("最多保留两位小数。"), field=field_name)
    return value


@dataclass
class ReportData:
    unit_id: int
    period_start: date
    figures: dict[int, str] = field(default_factory=dict)  # indicator id → typed text
    narrative: str = ""
    uploads: list = field(default_factory=list)  # core.uploads.CheckedUpload
    submit: bool = False


def _period(competition: Competition, start: date) -> tuple[date, date]:
    for period in queries.periods(competition):
        if period[0] == start:
            if period[0] > local_today():
                raise DomainError(N_("这个填报周期还没有开始。"), field="period")
            return period
    raise DomainError(N_("这个填报周期不在竞赛期间内。"), field="period")


def _check_unit(competition: Competition, unit_id: int, actor) -> Department:
    enrolled = db.session.scalar(select(Enrolment).where(Enrolment.competition_id == competition.id,
                                                         Enrolment.unit_id == unit_id,
                                                         Enrolment.status == "enrolled"))
    unit = db.session.get(Department, unit_id)
    if enrolled is None or unit is None:
        raise DomainError(N_("这个单位没有报名这项竞赛，不能填报。"), field="unit_id")
    if not scopes.scope_of(actor, "admin").covers_path(unit.path):
        raise DomainError(N_("您只能为自己管理范围内的单位填报。"), field="unit_id")
    return unit


def _figures(competition: Competition, data: ReportData) -> dict[int, Decimal]:
    values: dict[int, Decimal] = {}
    missing = []
    for indicator in queries.indicators_of(competition.id):
        if indicator.source != REPORTED:
            continue
        value = parse_figure(data.figures.get(indicator.id), f"figure_{indicator.id}")
        if value is None:
            missing.append(indicator)
        else:
            values[indicator.id] = value
    if data.submit and missing:
        raise DomainError(N_("提交前请填写“%(name)s”的数值。"), field=f"figure_{missing[0].id}",
                          name=missing[0].name)
    return values


def save_report(competition: Competition, data: ReportData, actor) -> Report:
    """Save (and optionally submit) a unit's report for a period of a running competition."""
    if competition.status != "running":
        raise DomainError(N_("竞赛不在进行中，不能填报。"))
    _check_unit(competition, data.unit_id, actor)
    start, end = _period(competition, data.period_start)
    values = _figures(competition, data)
    report = db.session.scalar(select(Report).where(Report.competition_id == competition.id,
                                                    Report.unit_id == data.unit_id, Report.period_start == start))
    if report is not None and report.status not in EDITABLE:
        raise DomainError(N_("这期报表已提交或已通过，不能再修改。"))
    if report is None:
        report = Report(competition_id=competition.id, unit_id=data.unit_id, period_start=start, period_end=end,
                        status="draft", created_by_id=actor.id)
        db.session.add(report)
        db.session.flush()
    report.narrative, report.updated_at = data.narrative.strip(), utcnow()
    db.session.execute(delete(ReportFigure).where(ReportFigure.report_id == report.id))
    db.session.add_all(ReportFigure(report_id=report.id, indicator_id=iid, value=v) for iid, v in values.items())
    for upload in data.uploads:
        stored = uploads.store(upload, actor.id)
        db.session.flush()
        db.session.add(ReportAttachment(report_id=report.id, file_id=stored.id))
    if data.submit:
        report.status, report.submitted_at = "submitted", utcnow()
    code = "competition.report_submitted" if data.submit else "competition.report_saved"
    audit.record(code, target=competition, actor=actor, detail=f"report {report.id} unit {report.unit_id} "
                 f"{start.isoformat()}")
    return report


def decide_report(competition: Competition, report: Report, action: str, comment: str, actor) -> None:
    """The organiser accepts a submitted report or returns it with a comment; the reporter is told."""
    if action not in ("accept", "return") or not can_move(REPORT_TRANSITIONS, action, report.status):
        raise DomainError(N_("这期报表当前不能进行这个操作。"))
    comment = comment.strip()
    if REPORT_TRANSITIONS[action].needs_reason and not comment:
        raise DomainError(N_("退回时请写明原因，方便单位修改。"), field="comment")
    old, report.status = report.status, REPORT_TRANSITIONS[action].target
    report.comment, report.decided_at, report.decided_by_id = comment, utcnow(), actor.id
    audit.record(f"competition.report_{action}", target=competition, actor=actor,
                 detail=f"report {report.id} {old} -> {report.status}")
    if report.created_by_id:
        message = (N_("《%(name)s》%(period)s 的进度报表已通过。") if action == "accept"
                   else N_("《%(name)s》%(period)s 的进度报表被退回：%(comment)s"))
        notify(report.created_by_id, message, url_for("competitions.reports", competition_id=competition.id),
               name=competition.name, period=report.period_start.strftime("%Y-%m"), comment=comment)


def unit_admins(unit_paths: dict[int, str]) -> dict[int, list[int]]:
    """unit id → the admins granted on the unit or a workplace node above it (not the union's staff). One query."""
    node_ids = {node for path in unit_paths.values() for node in ancestor_ids(path)}
    rows = db.session.execute(select(RoleGrant.user_id, RoleGrant.department_id)
                              .join(Department, Department.id == RoleGrant.department_id)
                              .where(RoleGrant.role == "admin", RoleGrant.department_id.in_(node_ids),
                                     Department.kind.not_in(UNION_KINDS))).all()
    found: dict[int, list[int]] = {}
    for unit_id, path in unit_paths.items():
        above = set(ancestor_ids(path))
        found[unit_id] = sorted({user_id for user_id, dept_id in rows if dept_id in above})
    return found


def _claim(competition_id: int, unit_id: int, start: date) -> bool:
    """Record the reminder of one period; False when another run already did (the unique row)."""
    try:
        with db.session.begin_nested():
            db.session.add(ReportReminder(competition_id=competition_id, unit_id=unit_id, period_start=start))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def remind_overdue(today: date | None = None) -> int:
    """Tell the admins of every unit with an overdue report, once per competition, unit and period."""
    due = queries.overdue(queries.live_competitions(), today)
    if not due:
        return 0
    sent_before = set(db.session.execute(select(ReportReminder.competition_id, ReportReminder.unit_id,
                                                ReportReminder.period_start)).all())
    fresh = [(c, u, s, e) for c, u, s, e in due if (c.id, u, s) not in sent_before]
    paths = dict(db.session.execute(select(Department.id, Department.path)
                                    .where(Department.id.in_({u for _c, u, _s, _e in fresh}))).all())
    admins = unit_admins(paths)
    message = N_("《%(name)s》%(period)s 的进度报表已逾期，请尽快填报。")
    notes = []
    for competition, unit_id, start, _end in fresh:
        if not _claim(competition.id, unit_id, start):
            continue
        link = f"/competitions/{competition.id}/reports"
        notes.extend((user_id, message, link, {"name": competition.name, "period": start.strftime("%Y-%m")})
                     for user_id in admins.get(unit_id, []))
    return notify_each(notes)
