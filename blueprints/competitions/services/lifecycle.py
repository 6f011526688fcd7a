"""Competitions: creation and editing with indicators, the status machine, enrolment and withdrawal of units."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert, select

from blueprints.competitions import queries
from blueprints.competitions.models import KINDS, REPORT_FREQUENCIES, REPORTED, Competition, Enrolment, Indicator
from blueprints.competitions.models import competition_projects as projects_table
from blueprints.core import audit, scopes
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.indicators import get_computed
from blueprints.core.models import UNION_KINDS, Department
from blueprints.core.states import Transition, actions_from, can_move, machine
from blueprints.core.types import utcnow
from extensions import db

TRANSITIONS = machine(
    Transition("publish", ("draft",), "published", "organiser"),
    Transition("start", ("published",), "running", "organiser"),
    Transition("close", ("running",), "closed", "organiser"),
    Transition("finalise", ("closed",), "assessed", "organiser"),
)
EDITABLE = ("draft", "published")
ENROLMENT_OPEN = ("published", "running")
HUNDRED = Decimal(100)
MAX_INDICATORS = 20


@dataclass
class IndicatorData:
    name: str
    unit: str
    weight: Decimal
    max_score: Decimal
    source: str = REPORTED


@dataclass
class CompetitionData:
    name: str
    kind: str
    organiser_id: int | None
    year: int
    starts_on: date
    ends_on: date
    report_frequency: str = "monthly"
    rules: str = ""
    indicators: list[IndicatorData] = field(default_factory=list)
    project_ids: list[int] = field(default_factory=list)


def is_editable(competition: Competition) -> bool:
    return competition.status in EDITABLE


def allowed_actions(competition: Competition) -> list[str]:
    """The status moves the organiser may make now (finalise has its own page: the results)."""
    return [a for a in actions_from(TRANSITIONS, competition.status) if a != "finalise"]


def _check_indicators(indicators: list[IndicatorData]) -> None:
    if not indicators:
        raise DomainError(N_("请至少设置一项考核指标。"), field="indicators")
    if len(indicators) > MAX_INDICATORS:
        raise DomainError(N_("考核指标最多 %(n)s 项。"), field="indicators", n=MAX_INDICATORS)
    for item in indicators:
        if not item.name.strip():
            raise DomainError(N_("每项指标都要填写名称。"), field="indicators")
        if item.weight <= 0 or item.max_score <= 0:
            raise DomainError(N_("指标“%(name)s”的权重和满分都必须大于 0。"), field="indicators", name=item.name)
        if item.source != REPORTED and get_computed(item.source) is None:
            raise DomainError(N_("指标“%(name)s”的数据来源无效。"), field="indicators", name=item.name)
    total = sum((item.weight for item in indicators), Decimal(0))
    if total != HUNDRED:
        raise DomainError(N_("各项指标的权重合计必须为 100%%，现在是 %(total)s%%。"), field="indicators",
                          total=f"{total:.2f}".rstrip("0").rstrip("."))


def _check(data: CompetitionData, actor) -> Department:
    if data.kind not in KINDS:
        raise DomainError(N_("请选择竞赛类别。"), field="kind")
    if data.report_frequency not in REPORT_FREQUENCIES:
        raise DomainError(N_("请选择填报周期。"), field="report_frequency")
    organiser = db.session.get(Department, data.organiser_id) if data.organiser_id else None
    if organiser is None or organiser.kind not in UNION_KINDS \
            or not scopes.scope_of(actor, "admin").covers_path(organiser.path):
        raise DomainError(N_("主办单位必须是您管理范围内的工会（市总、区县或产业工会）。"), field="organiser_id")
    if data.ends_on < data.starts_on:
        raise DomainError(N_("结束日期不能早于开始日期。"), field="ends_on")
    if data.year not in (data.starts_on.year, data.ends_on.year):
        raise DomainError(N_("年度应与竞赛起止日期所在年份一致。"), field="year")
    _check_indicators(data.indicators)
    allowed = {pid for pid, _name in queries.project_choices(organiser)}
    if set(data.project_ids) - allowed:
        raise DomainError(N_("只能选择主办单位范围内的重点项目。"), field="project_ids")
    return organiser


def _write_details(competition: Competition, data: CompetitionData) -> None:
    db.session.execute(delete(Indicator).where(Indicator.competition_id == competition.id))
    for position, item in enumerate(data.indicators):
        db.session.add(Indicator(competition_id=competition.id, name=item.name.strip(), unit=item.unit.strip(),
                                 weight=item.weight, max_score=item.max_score, source=item.source,
                                 position=position))
    db.session.execute(delete(projects_table).where(projects_table.c.competition_id == competition.id))
    if data.project_ids:
        db.session.execute(insert(projects_table), [{"competition_id": competition.id, "project_id": pid}
                                                    for pid in sorted(set(data.project_ids))])


def _apply(competition: Competition, data: CompetitionData) -> None:
    competition.name, competition.kind = data.name.strip(), data.kind
    competition.organiser_id, competition.year = data.organiser_id, data.year
    competition.starts_on, competition.ends_on = data.starts_on, data.ends_on
    competition.report_frequency, competition.rules = data.report_frequency, data.rules.strip()


def create_competition(data: CompetitionData, actor) -> Competition:
    """A new competition, saved as a draft with its indicators and covered projects."""
    _check(data, actor)
    competition = Competition(status="draft", created_by_id=actor.id)
    _apply(competition, data)
    db.session.add(competition)
    db.session.flush()
    _write_details(competition, data)
    audit.record("competition.created", target=competition, actor=actor, detail=competition.name)
    return competition


def update_competition(competition: Competition, data: CompetitionData, actor) -> None:
    """Change a draft or published competition (indicators included: no report exists before it runs)."""
    if not is_editable(competition):
        raise DomainError(N_("竞赛开始后不能再修改基本信息和指标。"))
    _check(data, actor)
    _apply(competition, data)
    competition.updated_at = utcnow()
    _write_details(competition, data)
    audit.record("competition.updated", target=competition, actor=actor, detail=competition.name)


def transition(competition: Competition, action: str, actor) -> None:
    """Publish, start, close (finalise goes through the results)."""
    if not can_move(TRANSITIONS, action, competition.status) or action == "finalise":
        raise DomainError(N_("当前状态下不能进行这个操作。"))
    if action == "start" and competition.status == "published" and not queries.enrolments_of(competition.id):
        raise DomainError(N_("还没有单位报名，不能开始竞赛。"))
    old, competition.status = competition.status, TRANSITIONS[action].target
    competition.updated_at = utcnow()
    audit.record(f"competition.{action}", target=competition, actor=actor, detail=f"{old} -> {competition.status}")


def _unit_for(competition: Competition, unit_id: int | None, actor) -> Department:
    unit = db.session.get(Department, unit_id) if unit_id else None
    if unit is None or unit.kind not in queries.ENROLLABLE_KINDS \
            or not unit.path.startswith(competition.organiser.path):
        raise DomainError(N_("只能为主办单位范围内的企业或基层单位报名。"), field="unit_id")
    if not scopes.scope_of(actor, "admin").covers_path(unit.path):
        raise DomainError(N_("您只能为自己管理范围内的单位报名。"), field="unit_id")
    return unit


def enrol(competition: Competition, unit_id: int | None, actor) -> Enrolment:
    """Enrol a unit (by the organiser, or by the unit's own admin) while the competition is published or running."""
    if competition.status not in ENROLMENT_OPEN:
        raise DomainError(N_("竞赛发布后、结束前才能报名。"))
    unit = _unit_for(competition, unit_id, actor)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.competition_id == competition.id,
                                                          Enrolment.unit_id == unit.id))
    if enrolment is not None and enrolment.status == "enrolled":
        raise DomainError(N_("“%(name)s”已经报名了。"), field="unit_id", name=unit.name)
    if enrolment is None:
        enrolment = Enrolment(competition_id=competition.id, unit_id=unit.id)
        db.session.add(enrolment)
    enrolment.status, enrolment.enrolled_by_id, enrolment.enrolled_at = "enrolled", actor.id, utcnow()
    db.session.flush()
    audit.record("competition.enrolled", target=competition, actor=actor, detail=f"unit {unit.id} {unit.name}")
    return enrolment


def withdraw(competition: Competition, enrolment_id: int | None, actor) -> None:
    """Take a unit out (the organiser or the unit's admin) before the competition closes."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.id == (enrolment_id or 0),
                                                          Enrolment.competition_id == competition.id))
    if enrolment is None or enrolment.status != "enrolled":
        raise DomainError(N_("这个单位没有报名这项竞赛。"))
    if competition.status not in ENROLMENT_OPEN:
        raise DomainError(N_("竞赛结束后不能再退出。"))
    unit = db.session.get(Department, enrolment.unit_id)
    if not scopes.scope_of(actor, "admin").covers_path(unit.path):
        raise DomainError(N_("您只能为自己管理范围内的单位办理退出。"))
    enrolment.status = "withdrawn"
    audit.record("competition.withdrawn", target=competition, actor=actor, detail=f"unit {unit.id} {unit.name}")
