"""Every figure of the statistics checked against the hand-built organisation of tests/fixtures_stats.py, whose
answers were worked out by hand: department table cells, totals, the subtree filter, targets and their
inheritance, the participation breakdown, suggestions by month/category/status, rewards, workshops, rankings,
training, and the year boundaries in Asia/Shanghai."""
from __future__ import annotations

from decimal import Decimal

import pytest

from blueprints.core.models import Department
from blueprints.core.people import department_tree, head_counts
from blueprints.stats import services
from extensions import db
from tests.conftest import both_backends
from tests.fixtures_stats import EXPECTED_2025


class Viewer:
    """Someone holding `roles` (the report only asks for the id and the roles)."""

    def __init__(self, user_id: int, roles):
        self.id, self.roles = user_id, set(roles)

    def has_role(self, *keys) -> bool:
        return bool(self.roles & set(keys))


def _report(app, org, year: int = 2025, root: str | None = "ENT", roles=("admin",), user: str = "admin"):
    """Build the report as a user with `roles` would see it (in a request context: services read the config)."""
    with app.test_request_context():
        tree = department_tree()
        dept = db.session.get(Department, org.departments[root]) if root else None
        return services.build_report(Viewer(org.users[user], roles), services.make_scope(year, dept), tree)


def _cells(row):
    return (row.head_count, row.participants, row.submitted, row.adopted, row.benefit, row.person_times,
            row.minutes, row.sessions)


@both_backends
def test_department_table_and_total_of_the_enterprise(app, stats_org):
    report = _report(app, stats_org)
    assert [row.department.code for row in report.rows] == ["ENT-P1", "ENT-P2"]
    p1, p2 = report.rows
    assert _cells(p1) == EXPECTED_2025["P1"]
    assert _cells(p2) == EXPECTED_2025["P2"]
    assert _cells(report.total) == EXPECTED_2025["ENT"]
    # Rates, targets (P1 inherits the enterprise's 85 %), progress and "under target".
    assert p1.rate == Decimal("85.7") and p1.target.rate == 85 and p1.target.inherited_by(p1.department.id)
    assert p1.target.department_name == "示范集团"
    assert p1.progress == Decimal("100.8") and not p1.under_target
    assert p2.rate == Decimal("66.7") and p2.target.rate == 70 and not p2.target.inherited_by(p2.department.id)
    assert p2.progress == Decimal("95.2") and p2.under_target
    total = report.total
    assert total.rate == Decimal("80.0") and total.target.rate == 85 and total.under_target
    assert total.progress == Decimal("94.1")
    assert total.adoption_rate == Decimal("60.0") and total.per_head == Decimal("0.50")
    assert total.hours == Decimal("8.0") and total.trainees == 3
    assert (total.passed, total.failed, total.pass_rate) == (1, 1, Decimal("50.0"))
    assert (p1.passed, p1.failed, p1.pass_rate) == (1, 1, Decimal("50.0"))
    assert (p2.passed, p2.failed, p2.pass_rate) == (0, 0, None)
    assert p2.hours == Decimal("3.0") and p1.hours == Decimal("5.0")


@both_backends
def test_subtree_filter_shows_the_teams_of_a_plant(app, stats_org):
    report = _report(app, stats_org, root="P1")
    t1, t2 = report.rows
    assert (t1.department.code, t2.department.code) == ("ENT-P1-T1", "ENT-P1-T2")
    assert _cells(t1) == EXPECTED_2025["T1"]
    assert _cells(t2) == EXPECTED_2025["T2"]
    assert _cells(report.total) == EXPECTED_2025["P1"]
    # T1 has its own target (90 %) and misses it; T2 inherits the enterprise's (P1 has none) and beats it.
    assert t1.rate == Decimal("80.0") and t1.target.rate == 90 and t1.under_target and t1.progress == Decimal("88.9")
    assert t2.rate == Decimal("100.0") and t2.target.rate == 85
    assert t2.target.department_id == stats_org.departments["ENT"]
    assert not t2.under_target and t2.progress == Decimal("117.6")
    assert report.breakdown.total == 6


def test_a_team_without_sub_departments_is_its_own_only_row(app, stats_org):
    report = _report(app, stats_org, root="T1")
    assert [row.department.code for row in report.rows] == ["ENT-P1-T1"]
    assert _cells(report.rows[0]) == _cells(report.total) == EXPECTED_2025["T1"]


def test_participation_breakdown_counts_each_way_of_taking_part(app, stats_org):
    breakdown = _report(app, stats_org).breakdown
    # suggestions: a1 a2 b1 c1 (a5 left the company, z1 has no department); workshops: a1 a3 c1 c3;
    # training: a4 b1 (absent still took part) a2 c1 b2 (waitlisted).
    assert (breakdown.total, breakdown.suggestion, breakdown.workshop, breakdown.training) == (8, 4, 4, 5)


@both_backends
def test_suggestions_by_month_category_status_and_rewards(app, stats_org):
    report = _report(app, stats_org)
    figures = report.suggestions
    months = {category: [i + 1 for i, n in enumerate(counts) if n] for category, counts in figures.by_month.items()}
    # s2 at 00:30 on 1 January (Shanghai) is January; s3 at 23:30 on 31 December is December.
    assert months == {"invention": [1], "renovation": [3], "design": [5], "rationalization": [7],
                      "suggestion": [12], "creation": []}
    assert figures.by_category_status == {("invention", "implemented"): 1, ("renovation", "awarded"): 1,
                                          ("design", "submitted"): 1, ("rationalization", "accepted"): 1,
                                          ("suggestion", "rejected"): 1}
    assert figures.category_total("design") == 1 and figures.status_total("accepted") == 1
    # Awarded in 2025: s1 (1000, half paid) and the 2024 idea s10 (200, paid).
    assert (figures.granted, figures.paid, figures.awards) == (Decimal("1200.00"), Decimal("700.00"), 2)
    assert isinstance(figures.granted, Decimal)
    second = _report(app, stats_org, root="P2").suggestions
    assert (second.granted, second.paid, second.awards) == (Decimal("0.00"), Decimal("0.00"), 0)
    team = _report(app, stats_org, root="T2").suggestions
    assert (team.granted, team.paid, team.awards) == (Decimal("200.00"), Decimal("200.00"), 1)


def test_workshops_by_level_and_their_ranking(app, stats_org):
    report = _report(app, stats_org)
    # W1 (city); W2 pending, W3 revoked, W4 approved only at 00:00 on 1 January 2026.
    assert report.levels == {"enterprise": 0, "city": 1, "province": 0, "national": 0}
    assert [(w.name, w.received, w.adopted, w.implemented, w.awarded, w.benefit)
            for w in report.workshop_ranking] == [("统计一号工作室", 3, 2, 2, 1, Decimal("12500.50"))]
    assert _report(app, stats_org, root="P2").workshop_ranking == []


def test_innovation_stars_rank_adopted_suggestions_then_benefit(app, stats_org):
    stars = _report(app, stats_org).stars
    assert [(s.employee_no, s.adopted, s.benefit) for s in stars] == [
        ("st-a1", 2, Decimal("12500.50")), ("st-a2", 1, Decimal("10000.00")), ("st-a5", 1, Decimal("0.00"))]
    assert stars[0].department == "甲班"


def test_team_ranking_skips_teams_below_three_people(app, stats_org):
    teams = _report(app, stats_org).teams
    # T2 has only two people; P2 has no sub-departments, so it is ranked as a team.
    assert [(t.department.code, t.participants, t.head_count, t.rate) for t in teams] == [
        ("ENT-P1-T1", 4, 5, Decimal("80.0")), ("ENT-P2", 2, 3, Decimal("66.7"))]


@both_backends
def test_training_by_month_and_kind(app, stats_org):
    training = _report(app, stats_org).training
    # X2 starts 00:30 on 1 January 2025 in Shanghai (still 2024 in UTC): January. X1 in March.
    assert training.person_times_by_month == [2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert training.minutes_by_month == [360, 0, 120, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    safety, skills = training.by_kind["safety"], training.by_kind["skills"]
    assert (safety.sessions, safety.person_times, safety.hours, safety.pass_rate) == (1, 1, Decimal("2.0"),
                                                                                      Decimal("100.0"))
    assert (skills.sessions, skills.person_times, skills.hours, skills.pass_rate) == (1, 2, Decimal("6.0"),
                                                                                      Decimal("0.0"))
    assert training.by_kind["drill"].person_times == 0  # X3 was cancelled
    assert training.by_kind["contest"].person_times == 0  # X4 is in 2026


@both_backends
def test_year_boundaries_in_shanghai_time(app, stats_org):
    later = _report(app, stats_org, year=2026)
    # 2026: X4 (00:30 on 1 January in Shanghai) and W4 (approved at 00:00) belong here, with c2; W1 still runs.
    assert later.total.participants == 3  # a1 and a3 (W1), c2 (W4 and X4)
    assert later.total.person_times == 1 and later.total.minutes == 300 and later.total.submitted == 0
    assert later.levels == {"enterprise": 1, "city": 1, "province": 0, "national": 0}
    assert later.total.target is None
    earlier = _report(app, stats_org, year=2024)
    # 2024: s7 and s10 (b2); b2 in W1 until 23:59 on 31 December; a1 and a3 in W1; c3 in W3 (revoked in 2025).
    assert earlier.total.submitted == 2 and earlier.total.adopted == 2
    assert earlier.total.participants == 4
    assert earlier.total.target.rate == 50 and earlier.total.under_target
    assert earlier.suggestions.granted == Decimal("0.00")  # s10 was awarded in 2025


def test_parts_follow_the_roles(app, stats_org):
    hr = _report(app, stats_org, roles=("hr", "worker"))
    assert hr.parts == {"training"}
    assert hr.training is not None and hr.suggestions is None and hr.stars is None and hr.breakdown is None
    assert _cells(hr.total)[5:] == EXPECTED_2025["ENT"][5:] and hr.total.participants == 0
    lead = _report(app, stats_org, roles=("lead", "worker"))
    assert lead.parts == {"workshops", "stars", "my_workshops"}
    assert lead.rows == [] and lead.total is None and lead.workshop_ranking and lead.stars


def test_a_leads_own_workshops(app, stats_org):
    with app.test_request_context():
        mine = services.my_workshops(Viewer(stats_org.users["a1"], ("lead", "worker")), services.make_scope(2025))
    [w1] = mine.workshops
    # Members now: a1 and a3 (b2 and c1 left). Suggestions of 2025 sent to W1: s1, s2, s3.
    assert (w1.members, w1.received, w1.adopted, w1.implemented, w1.awarded, w1.waiting) == (2, 3, 2, 2, 1, 0)
    assert w1.benefit == Decimal("12500.50") and w1.adoption_rate == Decimal("66.7")
    assert mine.by_month["invention"][0] == 1 and mine.by_month["suggestion"][11] == 1


def test_target_inheritance_walks_up_the_path(app, stats_org):
    with app.app_context():
        tree = {d.code: d for d in department_tree()}
        targets = services.targets_for(2025)
        assert services.effective_target(tree["ENT-P1-T1"], targets).rate == 90
        assert services.effective_target(tree["ENT-P1-T2"], targets).rate == 85
        assert services.effective_target(tree["ENT-P2"], targets).rate == 70
        assert services.effective_target(tree["ENT-P2"], {}) is None
        assert head_counts()[tree["ENT"].id] == 10


@pytest.mark.parametrize("raw, expected", [("", None), ("  ", None), ("85", 85), ("85%", 85), (" 0 ", 0),
                                           ("100", 100), ("85％", 85)])
def test_parse_rate_accepts_whole_percentages(app, raw, expected):
    with app.app_context():
        assert services.parse_rate(raw) == expected


@pytest.mark.parametrize("raw", ["101", "-5", "85.5", "abc", "1e2", "0100000"])
def test_parse_rate_refuses_anything_else(app, raw):
    from blueprints.core.errors import DomainError

    with app.app_context(), pytest.raises(DomainError):
        services.parse_rate(raw)


def test_sorting_puts_rows_without_a_value_last(app, stats_org):
    report = _report(app, stats_org)
    rows = report.rows
    assert [r.department.code for r in services.sort_rows(rows, "rate", True)] == ["ENT-P1", "ENT-P2"]
    assert [r.department.code for r in services.sort_rows(rows, "rate", False)] == ["ENT-P2", "ENT-P1"]
    assert [r.department.code for r in services.sort_rows(rows, "pass_rate", True)] == ["ENT-P1", "ENT-P2"]
    assert [r.department.code for r in services.sort_rows(rows, "pass_rate", False)] == ["ENT-P1", "ENT-P2"]
