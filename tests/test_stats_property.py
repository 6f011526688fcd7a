"""The statistics figures (blueprints/stats/services.py) against a naive recount (QUALITY §11): Hypothesis builds a
random federation (a city, district and industry unions, enterprises and the units below them, people placed at
enterprise level or below, some inactive), random suggestions in random statuses and years with co-authors and
reward lines, workshops with members, and training sessions with enrolments; for every scope of the tree (and the
whole tree) each figure the report shows equals a plain Python count over the rows built, and a scope's additive
figures equal the sum over its child units plus what sits on the scope's own node."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from blueprints.core.clock import local_year
from blueprints.core.models import Department, User
from blueprints.core.people import department_tree, head_counts
from blueprints.stats import services
from blueprints.stats.models import ParticipationTarget
from blueprints.suggestions.models import ADOPTED, CATEGORIES, RewardShare, Suggestion, SuggestionCoauthor
from blueprints.suggestions.models import STATUSES as SUGGESTION_STATUSES
from blueprints.training.models import KINDS, Enrollment, TrainingSession
from blueprints.training.models import STATUSES as SESSION_STATUSES
from blueprints.workshops.models import LEVELS, Workshop, WorkshopMember
from extensions import db

YEAR = local_year() - 1  # a year wholly past: every session of it started before now
ADDITIVE = ("head_count", "participants", "submitted", "adopted", "benefit", "person_times", "minutes", "trainees",
            "passed", "failed")
ROW_FIGURES = (*ADDITIVE, "sessions")


def _at(year: int, month: int, day: int = 15) -> datetime:
    """Noon in Shanghai on that day (04:00 UTC): well inside the local month whatever the bounds' rounding."""
    return datetime(year, month, day, 4, 0, tzinfo=UTC)


@st.composite
def federations(draw):
    """A plan of the world: tree, people and records, all as indexes (no database ids yet)."""
    unions = draw(st.lists(st.sampled_from(("district", "industry")), min_size=1, max_size=2))
    enterprises = draw(st.lists(st.integers(0, len(unions) - 1), min_size=1, max_size=3))
    # Units below the enterprises: each under an enterprise or an earlier unit (indexes into the workplaces).
    units = []
    for i in range(draw(st.integers(0, 4))):
        units.append(draw(st.integers(0, len(enterprises) + i - 1)))
    workplaces = len(enterprises) + len(units)
    people = draw(st.lists(st.tuples(st.integers(0, workplaces - 1), st.sampled_from((True, True, True, False))),
                           min_size=1, max_size=9))
    n = len(people)
    person = st.integers(0, n - 1)
    suggestions = draw(st.lists(st.fixed_dictionaries({
        "author": person, "coauthors": st.lists(person, max_size=2, unique=True),
        "status": st.sampled_from(SUGGESTION_STATUSES), "year": st.sampled_from((YEAR - 1, YEAR, YEAR, YEAR + 1)),
        "category": st.sampled_from(CATEGORIES), "month": st.integers(1, 12), "benefit": st.integers(0, 500000),
        "awarded": st.sampled_from((YEAR - 1, YEAR, YEAR)), "award_month": st.integers(1, 12),
        "paid": st.booleans(), "amount": st.integers(1, 300000),
    }), max_size=8))
    workshops = draw(st.lists(st.fixed_dictionaries({
        "place": st.integers(0, workplaces - 1), "lead": person, "level": st.sampled_from(LEVELS),
        "status": st.sampled_from(("approved", "approved", "revoked", "pending")),
        "decided": st.sampled_from((None, YEAR - 1, YEAR, YEAR + 1)), "decided_month": st.integers(1, 12),
        "members": st.lists(st.tuples(person, st.sampled_from(("active", "left", "requested")),
                                      st.sampled_from((YEAR - 1, YEAR, YEAR + 1)),
                                      st.sampled_from((None, YEAR - 1, YEAR))), max_size=3, unique_by=lambda m: m[0]),
    }), max_size=2))
    sessions = draw(st.lists(st.fixed_dictionaries({
        "kind": st.sampled_from(KINDS), "status": st.sampled_from(SESSION_STATUSES),
        "year": st.sampled_from((YEAR - 1, YEAR, YEAR)), "month": st.integers(1, 12),
        "minutes": st.sampled_from((30, 90, 120, 240)),
        "enrolments": st.lists(st.tuples(person, st.sampled_from(("confirmed", "confirmed", "waitlisted", "cancelled")),
                                         st.sampled_from((None, "present", "absent")),
                                         st.sampled_from((None, "pass", "fail"))), max_size=4,
                               unique_by=lambda e: e[0]),
    }), max_size=3))
    return {"unions": unions, "enterprises": enterprises, "units": units, "people": people,
            "suggestions": suggestions, "workshops": workshops, "sessions": sessions}


# --- Building the world --------------------------------------------------------------------------------------------


def _clear() -> None:
    for model in (RewardShare, SuggestionCoauthor, Suggestion, Enrollment, TrainingSession, WorkshopMember, Workshop,
                  ParticipationTarget, User, Department):
        db.session.execute(delete(model))


def _node(code: str, kind: str, parent: Department | None) -> Department:
    node = Department(code=code, name=f"单位{code}", kind=kind, parent_id=parent.id if parent else None,
                      depth=parent.depth + 1 if parent else 0, path="/")
    db.session.add(node)
    db.session.flush()
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    return node


def _tree(plan) -> tuple[list[Department], list[int | None], list[int]]:
    """The nodes (root, unions, enterprises, units), each node's parent index, and the workplaces' node indexes."""
    nodes, parents = [_node("C", "federation", None)], [None]
    for i, kind in enumerate(plan["unions"]):
        nodes.append(_node(f"U{i}", kind, nodes[0]))
        parents.append(0)
    workplaces = []
    for i, union in enumerate(plan["enterprises"]):
        nodes.append(_node(f"E{i}", "enterprise", nodes[1 + union]))
        parents.append(1 + union)
        workplaces.append(len(nodes) - 1)
    for i, parent in enumerate(plan["units"]):
        nodes.append(_node(f"T{i}", "team", nodes[workplaces[parent]]))
        parents.append(workplaces[parent])
        workplaces.append(len(nodes) - 1)
    return nodes, parents, workplaces


def _suggestions(plan, people: list[User]) -> None:
    for n, row in enumerate(plan["suggestions"]):
        author = people[row["author"]]
        status = row["status"]
        suggestion = Suggestion(
            title=f"建议{n}", category=row["category"], problem="问题", proposal="措施", author_id=author.id,
            department_id=author.department_id, status=status, year=row["year"],
            serial=None if status == "draft" else f"T-{n:04d}", listed_at=_at(row["year"], row["month"]),
            created_at=_at(row["year"], row["month"]),
            annual_benefit=Decimal(row["benefit"]) / 100 if status in services.IMPLEMENTED else None,
            awarded_at=_at(row["awarded"], row["award_month"]) if status == "awarded" else None)
        db.session.add(suggestion)
        db.session.flush()
        coauthors = [i for i in row["coauthors"] if i != row["author"]]
        db.session.add_all(SuggestionCoauthor(suggestion_id=suggestion.id, user_id=people[i].id, position=p)
                           for p, i in enumerate(coauthors))
        if status == "awarded":
            for i in [row["author"], *coauthors]:
                db.session.add(RewardShare(suggestion_id=suggestion.id, user_id=people[i].id, share_bp=10000,
                                           amount=Decimal(row["amount"]) / 100,
                                           status="paid" if row["paid"] else "pending"))


def _workshops(plan, nodes, workplaces, people: list[User]) -> None:
    for n, row in enumerate(plan["workshops"]):
        decided = _at(row["decided"], row["decided_month"]) if row["decided"] is not None else None
        workshop = Workshop(name=f"工作室{n}", kind="worker", level=row["level"], lead_id=people[row["lead"]].id,
                            department_id=nodes[workplaces[row["place"]]].id, status=row["status"], decided_at=decided)
        db.session.add(workshop)
        db.session.flush()
        for person, status, joined, left in row["members"]:
            db.session.add(WorkshopMember(
                workshop_id=workshop.id, user_id=people[person].id, role="member", status=status,
                joined_at=_at(joined, 3) if status != "requested" else None,
                left_at=_at(left, 9) if status == "left" and left is not None else None))


def _sessions(plan, people: list[User]) -> None:
    for n, row in enumerate(plan["sessions"]):
        starts = _at(row["year"], row["month"], 10)
        session_row = TrainingSession(title=f"培训{n}", kind=row["kind"], starts_at=starts,
                                      ends_at=starts + timedelta(minutes=row["minutes"]), signup_deadline=starts,
                                      capacity=50, status=row["status"])
        db.session.add(session_row)
        db.session.flush()
        for person, status, attendance, result in row["enrolments"]:
            db.session.add(Enrollment(session_id=session_row.id, user_id=people[person].id, status=status,
                                      attendance=attendance, result=result))


def _build(plan):
    _clear()
    nodes, parents, workplaces = _tree(plan)
    people = []
    for n, (place, active) in enumerate(plan["people"]):
        person = User(employee_no=f"s{n}", name=f"人员{n}", password_hash="x", active=active,
                      department_id=nodes[workplaces[place]].id)
        db.session.add(person)
        people.append(person)
    db.session.flush()
    _suggestions(plan, people)
    _workshops(plan, nodes, workplaces, people)
    _sessions(plan, people)
    db.session.commit()
    return nodes, parents, workplaces


# --- The naive recount ---------------------------------------------------------------------------------------------


class Recount:
    """Every figure counted in plain Python from the plan, for the people whose node satisfies `inside`."""

    def __init__(self, plan, parents, workplaces):
        self.plan = plan
        self.parents = parents
        self.place = [workplaces[place] for place, _active in plan["people"]]  # person -> node index
        self.active = [active for _place, active in plan["people"]]

    def under(self, node: int, scope: int | None) -> bool:
        """The node lies in the scope's subtree (None: the whole tree)."""
        while node is not None:
            if node == scope or scope is None:
                return True
            node = self.parents[node]
        return False

    def submitted(self, row) -> bool:
        return row["year"] == YEAR and row["status"] not in ("draft", "withdrawn")

    def participants(self, inside) -> dict[str, set[int]]:
        ways: dict[str, set[int]] = {"suggestion": set(), "workshop": set(), "training": set()}
        for row in self.plan["suggestions"]:
            if self.submitted(row):
                ways["suggestion"] |= {row["author"], *row["coauthors"]}
        for row in self.plan["workshops"]:
            approved = ((row["status"] == "approved" and (row["decided"] is None or row["decided"] <= YEAR))
                        or (row["status"] == "revoked" and row["decided"] is not None and row["decided"] >= YEAR))
            for person, status, joined, left in row["members"]:
                left = left if status == "left" else None
                if approved and status in ("active", "left") and joined <= YEAR and (left is None or left >= YEAR):
                    ways["workshop"].add(person)
        for row in self.plan["sessions"]:
            if row["year"] == YEAR and row["status"] not in ("draft", "cancelled"):
                ways["training"] |= {p for p, status, _a, _r in row["enrolments"] if status != "cancelled"}
        return {way: {p for p in found if self.active[p] and inside(self.place[p])} for way, found in ways.items()}

    def person_times(self, inside):
        """(session index, row, person, result) of each person-time of a held session."""
        for s, row in enumerate(self.plan["sessions"]):
            if row["year"] != YEAR or row["status"] not in services.HELD_STATUSES:
                continue
            for person, status, attendance, result in row["enrolments"]:
                if status == "confirmed" and attendance != "absent" and inside(self.place[person]):
                    yield s, row, person, result

    def line(self, inside) -> dict:
        """The figures of one table line (or total) for the people and records whose node satisfies `inside`."""
        taken = self.participants(inside)
        mine = [row for row in self.plan["suggestions"]
                if self.submitted(row) and inside(self.place[row["author"]])]
        times = list(self.person_times(inside))
        return {
            "head_count": sum(1 for p, active in enumerate(self.active) if active and inside(self.place[p])),
            "participants": len(set().union(*taken.values())),
            "submitted": len(mine), "adopted": sum(1 for row in mine if row["status"] in ADOPTED),
            "benefit": sum((Decimal(row["benefit"]) / 100 for row in mine if row["status"] in services.IMPLEMENTED),
                           Decimal("0.00")),
            "person_times": len(times), "minutes": sum(row["minutes"] for _s, row, _p, _r in times),
            "trainees": len({p for _s, _row, p, _r in times}),
            "passed": sum(1 for *_x, r in times if r == "pass"), "failed": sum(1 for *_x, r in times if r == "fail"),
            "sessions": len({s for s, *_x in times}),
        }


def _row_figures(row) -> dict:
    return {name: getattr(row, name) for name in ROW_FIGURES}


def _check_scope(recount: Recount, plan, nodes, scope_index: int | None) -> None:
    root = nodes[scope_index] if scope_index is not None else None
    tree = department_tree()
    scope = services.make_scope(YEAR, root)
    lines = services.table_departments(tree, root)
    rows, total = services.department_rows(scope, lines, tree=tree, counts=head_counts(), targets={})
    inside = lambda node: recount.under(node, scope_index)  # noqa: E731
    assert _row_figures(total) == recount.line(inside), f"total of scope {scope_index}"
    index_of = {node.id: i for i, node in enumerate(nodes)}
    for row in rows:
        line_index = index_of[row.department.id]
        assert _row_figures(row) == recount.line(lambda node, i=line_index: recount.under(node, i)), line_index
    if scope_index is not None and [d.id for d in lines] != [root.id]:
        # Additive figures: the child lines plus what sits on the scope's own node make the total.
        own = recount.line(lambda node: node == scope_index)
        for name in ADDITIVE:
            assert getattr(total, name) == sum(getattr(row, name) for row in rows) + own[name], name

    taken = recount.participants(inside)
    breakdown = services.participation_breakdown(scope)
    assert (breakdown.total, breakdown.suggestion, breakdown.workshop, breakdown.training) == (
        len(set().union(*taken.values())), len(taken["suggestion"]), len(taken["workshop"]), len(taken["training"]))
    _check_suggestions(recount, plan, scope, inside)
    _check_workshops_and_training(recount, plan, scope, inside)


def _check_suggestions(recount: Recount, plan, scope, inside) -> None:
    figures = services.suggestion_figures(scope)
    mine = [row for row in plan["suggestions"] if recount.submitted(row) and inside(recount.place[row["author"]])]
    assert figures.by_category_status == dict(Counter((row["category"], row["status"]) for row in mine))
    by_month = {category: [0] * 12 for category in CATEGORIES}
    for row in mine:
        by_month[row["category"]][row["month"] - 1] += 1
    assert figures.by_month == by_month
    awarded = [row for row in plan["suggestions"] if row["status"] == "awarded" and row["awarded"] == YEAR
               and inside(recount.place[row["author"]])]
    lines = [(row, 1 + len([i for i in row["coauthors"] if i != row["author"]])) for row in awarded]
    granted = sum((Decimal(row["amount"]) / 100 * n for row, n in lines), Decimal("0.00"))
    paid = sum((Decimal(row["amount"]) / 100 * n for row, n in lines if row["paid"]), Decimal("0.00"))
    assert (figures.granted, figures.paid, figures.awards) == (granted, paid, len(awarded))


def _check_workshops_and_training(recount: Recount, plan, scope, inside) -> None:
    levels = Counter()
    for row in plan["workshops"]:
        node = row["node"]
        if row["status"] == "approved" and (row["decided"] is None or row["decided"] <= YEAR) and inside(node):
            levels[row["level"]] += 1
    assert services.workshops_by_level(scope) == {level: levels.get(level, 0) for level in LEVELS}

    figures = services.training_figures(scope)
    times = list(recount.person_times(inside))
    by_month = [0] * 12
    for _s, row, _p, _r in times:
        by_month[row["month"] - 1] += 1
    assert figures.person_times_by_month == by_month
    for kind in KINDS:
        mine = [t for t in times if t[1]["kind"] == kind]
        got = figures.by_kind[kind]
        assert (got.person_times, got.minutes, got.sessions, got.trainees, got.passed, got.failed) == (
            len(mine), sum(row["minutes"] for _s, row, _p, _r in mine), len({s for s, *_x in mine}),
            len({p for _s, _row, p, _r in mine}), sum(1 for *_x, r in mine if r == "pass"),
            sum(1 for *_x, r in mine if r == "fail")), kind


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _run(app, plan) -> None:
    with app.app_context():
        nodes, parents, workplaces = _build(plan)
        for row in plan["workshops"]:
            row["node"] = workplaces[row["place"]]
        recount = Recount(plan, parents, workplaces)
        for scope_index in [None, *range(len(nodes))]:
            _check_scope(recount, plan, nodes, scope_index)
        db.session.rollback()


@SETTINGS
@given(federations())
def test_every_figure_equals_a_naive_recount_in_every_scope(app, plan):
    _run(app, plan)


@pytest.mark.postgres
@pytest.mark.parametrize("app", ["postgres"], indirect=True)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(federations())
def test_the_figures_equal_the_recount_on_postgresql(app, plan):
    _run(app, plan)


def test_a_hand_built_world_is_recounted_as_by_hand(app):
    """The recount itself, on a world small enough to count by hand: two people in enterprise E0 (one inactive),
    one in its team T0; one suggestion by the team member with the E0 worker as co-author, awarded in the year."""
    plan = {"unions": ["district"], "enterprises": [0], "units": [0], "people": [(0, True), (0, False), (1, True)],
            "suggestions": [{"author": 2, "coauthors": [0], "status": "awarded", "year": YEAR,
                             "category": "design", "month": 4, "benefit": 123456, "awarded": YEAR,
                             "award_month": 6, "paid": True, "amount": 50000}],
            "workshops": [], "sessions": [{"kind": "skills", "status": "completed", "year": YEAR, "month": 5,
                                           "minutes": 90, "enrolments": [(0, "confirmed", "present", "pass"),
                                                                         (1, "confirmed", None, "fail"),
                                                                         (2, "cancelled", None, None)]}]}
    with app.app_context():
        nodes, parents, workplaces = _build(plan)
        recount = Recount(plan, parents, workplaces)
        enterprise = recount.line(lambda node: recount.under(node, 2))
        # The inactive person is no head and no participant, but their person-time was given (it counts).
        assert enterprise == {"head_count": 2, "participants": 2, "submitted": 1, "adopted": 1,
                              "benefit": Decimal("1234.56"), "person_times": 2, "minutes": 180, "trainees": 2,
                              "passed": 1, "failed": 1, "sessions": 1}
        scope = services.make_scope(YEAR, nodes[2])
        figures = services.suggestion_figures(scope)
        assert (figures.granted, figures.paid, figures.awards) == (Decimal("1000.00"), Decimal("1000.00"), 1)
        db.session.rollback()


pytestmark = pytest.mark.slow
