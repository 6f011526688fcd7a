"""Assessment of a closed competition: per-cell scores, weighted totals and ranking, provisional results with an
objection window, objections and answers, then final results (status assessed). Every change is audited."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from blueprints.competitions import queries
from blueprints.competitions.models import REPORTED, Competition, Indicator, Objection, Report, ReportFigure, ScoreCell
from blueprints.competitions.scoring import Standing, rank, weighted_total
from blueprints.competitions.services.reports import parse_figure, unit_admins
from blueprints.core import audit, scopes
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.indicators import compute_figures
from blueprints.core.notify import notify, notify_each
from blueprints.core.types import utcnow
from extensions import db


def _scoring_open(competition: Competition) -> None:
    if competition.status != "closed":
        raise DomainError(N_("竞赛结束后、最终结果发布前才能评分。"))


def _upsert(competition_id: int, unit_id: int, indicator_id: int, score: Decimal, actor) -> Decimal | None:
    """Write one cell; answers the score it replaced (None for a new cell). A cell another organiser created at the
    same moment is updated instead (the unique row)."""
    stmt = select(ScoreCell).where(ScoreCell.competition_id == competition_id, ScoreCell.unit_id == unit_id,
                                   ScoreCell.indicator_id == indicator_id)
    cell = db.session.scalar(stmt)
    if cell is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScoreCell(competition_id=competition_id, unit_id=unit_id, indicator_id=indicator_id,
                                         score=score, scored_by_id=actor.id))
                db.session.flush()
            return None
        except IntegrityError:
            cell = db.session.scalar(stmt)
    old = cell.score
    cell.score, cell.scored_by_id, cell.scored_at = score, actor.id, utcnow()
    return old


def save_scores(competition: Competition, unit_id: int, raw: dict[int, str], actor) -> int:
    """Score one enrolled unit on the indicators typed (blank boxes are left as they are); 0 ≤ score ≤ maximum.
    Answers how many cells changed."""
    _scoring_open(competition)
    if unit_id not in {e.unit_id for e in queries.enrolments_of(competition.id)}:
        raise DomainError(N_("这个单位没有报名这项竞赛。"))
    indicators = queries.indicators_of(competition.id)
    values: dict[int, Decimal] = {}
    for indicator in indicators:
        value = parse_figure(raw.get(indicator.id), f"score_{unit_id}_{indicator.id}")
        if value is None:
            continue
        if value > indicator.max_score:
            raise DomainError(N_("“%(name)s”的得分不能超过满分 %(max)s。"), field=f"score_{unit_id}_{indicator.id}",
                              name=indicator.name, max=f"{indicator.max_score:g}")
        values[indicator.id] = value
    changed = 0
    for indicator in indicators:
        if indicator.id not in values:
            continue
        old = _upsert(competition.id, unit_id, indicator.id, values[indicator.id], actor)
        if old != values[indicator.id]:
            changed += 1
            audit.record("competition.scored", target=competition, actor=actor,
                         detail=f"unit {unit_id} indicator {indicator.id}: {old if old is not None else '-'} -> "
                                f"{values[indicator.id]}")
    return changed


@dataclass
class ResultsTable:
    indicators: list[Indicator]
    standings: list[Standing]
    cells: dict[tuple[int, int], Decimal]
    reported: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    computed: dict[tuple[int, int], Decimal] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all((s.unit_id, i.id) in self.cells for s in self.standings for i in self.indicators)


def _reported_sums(competition_id: int) -> dict[tuple[int, int], Decimal]:
    rows = db.session.execute(select(Report.unit_id, ReportFigure.indicator_id, ReportFigure.value)
                              .join(Report, Report.id == ReportFigure.report_id)
                              .where(Report.competition_id == competition_id, Report.status == "accepted")).all()
    sums: dict[tuple[int, int], Decimal] = {}
    for unit_id, indicator_id, value in rows:
        sums[(unit_id, indicator_id)] = sums.get((unit_id, indicator_id), Decimal(0)) + value
    return sums


def results_table(competition: Competition, *, with_figures: bool = False) -> ResultsTable:
    """Indicators, each enrolled unit's weighted total and rank, the scores; with the reported figures (summed
    over accepted reports) and the computed ones when the scoring sheet needs them."""
    indicators = queries.indicators_of(competition.id)
    enrolments = queries.enrolments_of(competition.id)
    cells = {key: cell.score for key, cell in queries.score_cells(competition.id).items()}
    standings = rank([Standing(e.unit_id, e.unit.name, weighted_total(
        {i.id: cells[(e.unit_id, i.id)] for i in indicators if (e.unit_id, i.id) in cells}, indicators))
        for e in enrolments])
    table = ResultsTable(indicators, standings, cells)
    if with_figures:
        table.reported = _reported_sums(competition.id)
        units = queries.unit_map(enrolments)
        for indicator in indicators:
            if indicator.source != REPORTED:
                for unit_id, value in compute_figures(indicator.source, units, competition.starts_on,
                                                      competition.ends_on).items():
                    table.computed[(unit_id, indicator.id)] = value
    return table


def _unit_admin_ids(competition: Competition) -> list[int]:
    admins = unit_admins(queries.unit_map(queries.enrolments_of(competition.id)))
    return sorted({user_id for ids in admins.values() for user_id in ids})


def publish_provisional(competition: Competition, objections_until: date | None, actor) -> None:
    """Show the results as provisional, open for objections until the given date (today or later)."""
    _scoring_open(competition)
    if objections_until is None or objections_until < local_today():
        raise DomainError(N_("异议截止日期不能早于今天。"), field="objections_until")
    table = results_table(competition)
    if not table.standings:
        raise DomainError(N_("没有报名单位，无法发布结果。"))
    if not table.complete:
        raise DomainError(N_("还有单位的指标没有评分，请全部评完后再发布。"))
    first = competition.results_published_at is None
    competition.results_published_at, competition.objections_until = utcnow(), objections_until
    audit.record("competition.results_provisional", target=competition, actor=actor,
                 detail=f"objections until {objections_until.isoformat()}")
    if first:
        notify_each((user_id, N_("《%(name)s》评审结果已公示，如有异议请在 %(until)s 前提出。"),
                     f"/competitions/{competition.id}/results",
                     {"name": competition.name, "until": objections_until.isoformat()})
                    for user_id in _unit_admin_ids(competition))


def objection_window_open(competition: Competition) -> bool:
    return (competition.status == "closed" and competition.results_published_at is not None
            and competition.objections_until is not None and local_today() <= competition.objections_until)


def raise_objection(competition: Competition, unit_id: int | None, reason: str, actor) -> Objection:
    """A unit's admin objects to the provisional results with a reason, inside the window."""
    if not objection_window_open(competition):
        raise DomainError(N_("现在不在异议期内。"))
    enrolment = next((e for e in queries.enrolments_of(competition.id) if e.unit_id == unit_id), None)
    if enrolment is None or not scopes.scope_of(actor, "admin").covers_path(enrolment.unit.path) \
            or queries.organises(actor, competition):
        raise DomainError(N_("只能为本单位提出异议（主办单位不对自己的评审结果提出异议）。"), field="unit_id")
    if not reason.strip():
        raise DomainError(N_("请写明异议的理由。"), field="reason")
    objection = Objection(competition_id=competition.id, unit_id=enrolment.unit_id, reason=reason.strip(),
                          status="open", raised_by_id=actor.id)
    db.session.add(objection)
    db.session.flush()
    audit.record("competition.objection_raised", target=competition, actor=actor,
                 detail=f"objection {objection.id} unit {enrolment.unit_id}")
    if competition.created_by_id:
        notify(competition.created_by_id, N_("《%(name)s》收到“%(unit)s”的异议，请答复。"),
               f"/competitions/{competition.id}/results", name=competition.name, unit=enrolment.unit.name)
    return objection


def answer_objection(competition: Competition, objection_id: int | None, answer: str, actor) -> None:
    """The organiser answers an open objection (a changed score is made, and audited, on the scoring sheet)."""
    objection = db.session.scalar(select(Objection).where(Objection.id == (objection_id or 0),
                                                          Objection.competition_id == competition.id))
    if objection is None or objection.status != "open":
        raise DomainError(N_("这条异议已经答复过了。"))
    if not answer.strip():
        raise DomainError(N_("请填写答复意见。"), field="answer")
    objection.status, objection.answer = "answered", answer.strip()
    objection.answered_by_id, objection.answered_at = actor.id, utcnow()
    audit.record("competition.objection_answered", target=competition, actor=actor, detail=f"objection {objection.id}")
    if objection.raised_by_id:
        notify(objection.raised_by_id, N_("您对《%(name)s》提出的异议已答复。"),
               f"/competitions/{competition.id}/results", name=competition.name)


def finalise(competition: Competition, actor) -> None:
    """Final results after the objection window, every objection answered: the competition becomes assessed."""
    if competition.status != "closed" or competition.results_published_at is None:
        raise DomainError(N_("请先公示评审结果。"))
    if local_today() <= competition.objections_until:
        raise DomainError(N_("异议期到 %(until)s 结束，之后才能发布最终结果。"),
                          until=competition.objections_until.isoformat())
    if any(o.status == "open" for o in queries.objections_of(competition.id)):
        raise DomainError(N_("还有异议没有答复。"))
    if not results_table(competition).complete:
        raise DomainError(N_("还有单位的指标没有评分，请全部评完后再发布。"))
    competition.status, competition.updated_at = "assessed", utcnow()
    audit.record("competition.finalise", target=competition, actor=actor, detail="closed -> assessed")
