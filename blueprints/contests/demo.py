"""Demo skills contests (SPEC §14, issue 17): enterprise 1's people as entrants and judges.

- 数控车工 (scoring): theory judged by 3 (worker10-12, all submitted; one flagged spread for the chief judge),
  practical by 5 (worker10, worker13-16; worker10's sheet still open, so worker10 has a sheet waiting).
- 焊工 (provisional): results published, worker1 first, an open objection by another entrant.
- 维修电工 (final, earlier this year): prizes, 技术能手 and certificates (worker1 first prize).
- 装配钳工 (registration): quotas per plant, two nominated, one application waiting; worker1 may apply.
- enterprise 2's 绕线工 contest in registration (its own people only).
The chief judge of enterprise 1's contests is worker17; the judges of the last two are worker18-20.
"""
from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from blueprints.contests import services
from blueprints.contests.models import Contest, Entrant, Item, Judge, Objection, Quota, Score
from blueprints.core.clock import local_today
from blueprints.core.types import utcnow
from extensions import db

PLANTS = ("BJHI-M1", "BJHI-M2", "BJHI-PW", "BJHI-MT")


def _contest(ctx, name, trade, status, held_in_days, organiser="BJHI", chief="worker17", **extra) -> Contest:
    contest = Contest(name=name, trade=trade, level="enterprise", organiser_id=ctx.departments[organiser].id,
                      held_on=local_today() + timedelta(days=held_in_days), venue=extra.pop("venue", "实训基地一号厂房"),
                      status=status, chief_judge_id=ctx.users[chief].id if chief else None,
                      created_by_id=ctx.users["hr1"].id, **extra)
    db.session.add(contest)
    db.session.flush()
    return contest


def _items(contest, spec) -> list[Item]:
    items = [Item(contest_id=contest.id, name=name, kind=kind, weight=Decimal(weight), max_score=Decimal(100),
                  spread_limit=Decimal(limit), position=i) for i, (name, kind, weight, limit) in enumerate(spec)]
    db.session.add_all(items)
    db.session.flush()
    return items


def _plant_of(ctx, user) -> int:
    path = next(d.path for d in ctx.departments.values() if d.id == user.department_id)
    return next((ctx.departments[code].id for code in PLANTS if path.startswith(ctx.departments[code].path)),
                ctx.departments["BJHI"].id)


def _entrants(ctx, contest, employee_nos, rng, numbered=True) -> list[Entrant]:
    """Confirmed entrants with quotas that fit them exactly (plus one spare), numbered in a random draw."""
    people = [ctx.users[no] for no in employee_nos]
    units = [_plant_of(ctx, person) for person in people]
    for unit_id in sorted(set(units)):
        db.session.add(Quota(contest_id=contest.id, unit_id=unit_id, quota=units.count(unit_id) + 1))
    numbers = list(range(1, len(people) + 1))
    rng.shuffle(numbers)
    entrants = [Entrant(contest_id=contest.id, user_id=person.id, unit_id=unit, status="confirmed",
                        number=number if numbered else None, added_by_id=ctx.users["e1admin"].id)
                for person, unit, number in zip(people, units, numbers, strict=True)]
    db.session.add_all(entrants)
    db.session.flush()
    return entrants


def _panel(ctx, contest, item, employee_nos, submitted=True) -> list[Judge]:
    judges = [Judge(contest_id=contest.id, item_id=item.id, user_id=ctx.users[no].id,
                    status="submitted" if submitted else "open", submitted_at=utcnow() if submitted else None)
              for no in employee_nos]
    db.session.add_all(judges)
    db.session.flush()
    return judges


def _score(judges, item, entrants, table) -> None:
    """table[i][j]: judge j's score of entrant i (None: not scored yet)."""
    for entrant, row in zip(entrants, table, strict=True):
        for judge, value in zip(judges, row, strict=True):
            if value is not None:
                db.session.add(Score(judge_id=judge.id, item_id=item.id, entrant_id=entrant.id, score=Decimal(value)))
    db.session.flush()


def _scoring(ctx, rng) -> None:
    contest = _contest(ctx, "2026年滨江重工数控车工技术比武", "数控车工", "scoring", -2,
                       description="岗位练兵成果检验：理论考试与实操加工两项，实操为轴类零件加工。")
    theory, practical = _items(contest, [("理论考试", "theory", 30, 15), ("实操加工", "practical", 70, 10)])
    entrants = _entrants(ctx, contest, ["worker31", "worker42", "worker53", "worker64", "worker75", "worker86"], rng)
    _score(_panel(ctx, contest, theory, ["worker10", "worker11", "worker12"]), theory, entrants, [
        (86, 88, 85), (92, 70, 88), (78, 80, 79), (90, 91, 93), (65, 68, 66), (84, 82, 85)])  # 2nd: spread 22
    judges = _panel(ctx, contest, practical, ["worker13", "worker14", "worker15", "worker16"])
    judges.append(_panel(ctx, contest, practical, ["worker10"], submitted=False)[0])
    _score(judges, practical, entrants, [
        (88, 90, 87, 89, 88), (80, 82, 79, 81, None), (75, 77, 74, 76, None), (91, 93, 92, 90, None),
        (70, 72, 71, 69, None), (85, 84, 86, 83, None)])


def _published(ctx, rng, name, trade, status, days, entrant_nos, table) -> tuple[Contest, list[Entrant]]:
    contest = _contest(ctx, name, trade, status, days, first_prizes=1, second_prizes=1, third_prizes=1, titles=1)
    items = _items(contest, [("理论考试", "theory", 30, 15), ("实操", "practical", 70, 10)])
    entrants = _entrants(ctx, contest, entrant_nos, rng)
    for item, scores in zip(items, table, strict=True):
        _score(_panel(ctx, contest, item, ["worker18", "worker19", "worker20"]), item, entrants, scores)
    services._store_results(contest)
    return contest, entrants


def seed(ctx) -> None:
    """Four contests in the states the demo shows (direct rows; no notifications)."""
    rng = random.Random(18)  # noqa: S311  (repeatable demo data)
    _scoring(ctx, rng)
    theory = [(95, 94, 96), (82, 85, 84), (88, 86, 87), (70, 72, 71)]
    practical = [(93, 92, 94), (86, 88, 87), (80, 82, 81), (75, 74, 76)]
    contest, entrants = _published(ctx, rng, "2026年焊工技术比武", "焊工", "provisional", -10,
                                   ["worker1", "worker2", "worker3", "worker4"], [theory, practical])
    contest.objections_until = local_today() + timedelta(days=3)
    db.session.add(Objection(contest_id=contest.id, entrant_id=entrants[1].id,
                             reason="实操项目第二道工序的评分标准与赛前公布的不一致，请复核我的实操成绩。"))
    final, winners = _published(ctx, rng, "2026年上半年维修电工技术比武", "维修电工", "final", -200,
                                ["worker1", "worker5", "worker6"], [theory[:3], practical[:3]])
    for entrant in winners:
        if entrant.prize or entrant.title:
            entrant.certificate_no = (f"JS{final.held_on.year}-{final.id:04d}-{entrant.rank:03d}-"
                                      f"{entrant.number:03d}")
    winners[0].upgrade_to = "技师"
    _registration(ctx)
    _enterprise2(ctx)
    db.session.flush()


def _registration(ctx) -> None:
    """Enterprise 1's 装配钳工 contest open for registration: every plant has 3 places, two people nominated and one
    application waiting for its unit (worker2 … the rest of enterprise 1 may apply, e.g. worker1)."""
    contest = _contest(ctx, "2027年装配钳工技术比武", "装配钳工", "registration", 45, chief=None,
                       venue="装配车间实训区")
    _items(contest, [("理论考试", "theory", 40, 15), ("实操", "practical", 60, 10)])
    for code in PLANTS:
        db.session.add(Quota(contest_id=contest.id, unit_id=ctx.departments[code].id, quota=3))
    for no, status in (("worker101", "confirmed"), ("worker102", "confirmed"), ("worker103", "applied")):
        person = ctx.users[no]
        db.session.add(Entrant(contest_id=contest.id, user_id=person.id, unit_id=_plant_of(ctx, person),
                               status=status, added_by_id=ctx.users["e1admin"].id if status == "confirmed"
                               else person.id))


def _enterprise2(ctx) -> None:
    contest = _contest(ctx, "松北电机绕线工技术比武", "绕线工", "registration", 20, organiser="SBDJ", chief=None,
                       venue="电机装配车间")
    _items(contest, [("理论考试", "theory", 40, 15), ("实操", "practical", 60, 10)])
    unit = ctx.departments["SBDJ"]
    db.session.add(Quota(contest_id=contest.id, unit_id=unit.id, quota=3))
    person = ctx.users["e2worker2"]
    db.session.add(Entrant(contest_id=contest.id, user_id=person.id, unit_id=unit.id, status="confirmed"))
