"""A stateful property test of the waitlist (QUALITY §2): random sequences of signup, cancel, leave waitlist, raise
and lower capacity, HR bulk add, HR move and HR removal, checked after every step against a plain Python model and
against the invariants: confirmed <= capacity, nobody waits while a seat is free, positions are 1..n with no gaps,
one active enrollment per person, the counters equal the rows, and each promotion is told exactly once.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from blueprints.core.errors import DomainError
from blueprints.core.models import Notification, User
from blueprints.training import services
from blueprints.training.models import Enrollment, TrainingSession
from extensions import db

PEOPLE = 6
SOMEONE = st.integers(min_value=0, max_value=PEOPLE - 1)  # an index into World.people


@dataclass
class World:
    """What the machine works with, made by the test's fixtures: the app, a session factory, people and an HR user."""

    app: object
    make_session: object
    people: list[int]
    nos: dict[int, str]
    hr_id: int


@dataclass
class Model:
    """The plain Python model of one session: a capacity, the confirmed set and the ordered waitlist."""

    capacity: int
    confirmed: set[int] = field(default_factory=set)
    waitlist: list[int] = field(default_factory=list)
    promotions: Counter = field(default_factory=Counter)

    def active(self, person: int) -> bool:
        return person in self.confirmed or person in self.waitlist

    def promote(self) -> None:
        while len(self.confirmed) < self.capacity and self.waitlist:
            person = self.waitlist.pop(0)
            self.confirmed.add(person)
            self.promotions[person] += 1

    def add(self, person: int) -> None:
        if not self.waitlist and len(self.confirmed) < self.capacity:
            self.confirmed.add(person)
        else:
            self.waitlist.append(person)

    def remove(self, person: int) -> None:
        if person in self.confirmed:
            self.confirmed.discard(person)
            self.promote()
        else:
            self.waitlist.remove(person)

    def move(self, person: int, position: int) -> None:
        self.waitlist.remove(person)
        self.waitlist.insert(position - 1, person)

    def move_refused(self, person: int, position: int) -> bool:
        return (person not in self.waitlist or position > len(self.waitlist)
                or self.waitlist.index(person) + 1 == position)


def _rows_of(session_id: int):
    """The session, its enrollment rows and how often each person was told of a promotion (read fresh)."""
    training_session = db.session.get(TrainingSession, session_id)
    rows = db.session.execute(select(Enrollment.user_id, Enrollment.status, Enrollment.waitlist_position)
                              .where(Enrollment.session_id == session_id)).all()
    told = dict(db.session.execute(
        select(Notification.user_id, func.count()).where(
            Notification.link == f"/training/{session_id}",
            Notification.message.contains("转为正式学员")).group_by(Notification.user_id)).all())
    return training_session, rows, told


def _check(model: Model, training_session: TrainingSession, rows, told) -> None:
    """The rows agree with the model and keep every invariant."""
    confirmed = [r.user_id for r in rows if r.status == "confirmed"]
    waiting = sorted((r for r in rows if r.status == "waitlisted"), key=lambda r: r.waitlist_position)
    active = confirmed + [r.user_id for r in waiting]
    assert len(confirmed) <= training_session.capacity == model.capacity
    assert not waiting or len(confirmed) == training_session.capacity, "someone waits while a seat is free"
    assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
    assert len(active) == len(set(active)), "two active enrollments for one person"
    assert (training_session.confirmed_count, training_session.waitlist_count) == (len(confirmed), len(waiting))
    assert set(confirmed) == model.confirmed and [r.user_id for r in waiting] == model.waitlist
    assert told == {p: n for p, n in model.promotions.items() if n}


class Waitlist(RuleBasedStateMachine):
    """Service calls on one fresh session, each mirrored on the model; `world` is set by the test."""

    world: World

    @initialize(capacity=st.integers(min_value=1, max_value=4))
    def start(self, capacity):
        self.session_id = self.world.make_session(capacity=capacity).id
        self.model = Model(capacity)

    # --- helpers -----------------------------------------------------------------------------------------------

    def _do(self, action, refused: bool):
        """Run one service call like a view would (commit on success, roll back on refusal)."""
        with self.world.app.app_context():
            try:
                action()
            except DomainError:
                db.session.rollback()
                assert refused, "the service refused something the model allows"
            else:
                db.session.commit()
                assert not refused, "the service allowed something the model refuses"

    def _session(self):
        return db.session.get(TrainingSession, self.session_id)

    def _enrollment_id(self, person):
        return db.session.scalar(select(Enrollment.id).where(
            Enrollment.session_id == self.session_id, Enrollment.user_id == person,
            Enrollment.status.in_(("confirmed", "waitlisted"))))

    def _withdraw(self, person, refused: bool):
        self._do(lambda: services.withdraw(self._session(), db.session.get(User, person)), refused)

    def _hr(self):
        return db.session.get(User, self.world.hr_id)

    # --- rules -------------------------------------------------------------------------------------------------

    @rule(who=SOMEONE)
    def signup(self, who):
        person = self.world.people[who]
        refused = self.model.active(person)
        self._do(lambda: services.signup(self._session(), db.session.get(User, person)), refused)
        if not refused:
            self.model.add(person)

    @rule(who=SOMEONE)
    def cancel(self, who):
        person = self.world.people[who]
        if not self.model.active(person):
            self._withdraw(person, True)
        elif person in self.model.confirmed:
            self._withdraw(person, False)
            self.model.remove(person)

    @rule(who=SOMEONE)
    def leave_waitlist(self, who):
        person = self.world.people[who]
        if person in self.model.waitlist:
            self._withdraw(person, False)
            self.model.remove(person)

    @rule(more=st.integers(min_value=1, max_value=3))
    def raise_capacity(self, more):
        self._do(lambda: services.change_capacity(self._session(), self.model.capacity + more), False)
        self.model.capacity += more
        self.model.promote()

    @rule(fewer=st.integers(min_value=1, max_value=3))
    def lower_capacity(self, fewer):
        new = self.model.capacity - fewer
        refused = new < 1 or new < len(self.model.confirmed)
        self._do(lambda: services.change_capacity(self._session(), new), refused)
        if not refused:
            self.model.capacity = new

    @rule(chosen=st.lists(SOMEONE, min_size=1, max_size=PEOPLE))
    def hr_bulk_add(self, chosen):
        people = [self.world.people[who] for who in chosen]
        lines = []
        self._do(lambda: lines.extend(services.bulk_enroll(
            self._session(), [self.world.nos[p] for p in people], self._hr())), False)
        seen = set()
        for person, line in zip(people, lines, strict=True):
            if person in seen:
                assert line.outcome == "duplicate"
                continue
            seen.add(person)
            if self.model.active(person):
                assert line.outcome == "already"
            else:
                self.model.add(person)
                assert line.outcome == ("confirmed" if person in self.model.confirmed else "waitlisted")

    @rule(who=SOMEONE, position=st.integers(min_value=1, max_value=PEOPLE))
    def hr_move(self, who, position):
        person = self.world.people[who]
        refused = self.model.move_refused(person, position)
        self._do(lambda: services.move_in_waitlist(self._session(), self._enrollment_id(person) or 0, position,
                                                   "测试调整", self._hr()), refused)
        if not refused:
            self.model.move(person, position)

    @rule(who=SOMEONE)
    def hr_remove(self, who):
        person = self.world.people[who]
        refused = not self.model.active(person)
        self._do(lambda: services.remove_trainee(self._session(), self._enrollment_id(person) or 0, self._hr()),
                 refused)
        if not refused:
            self.model.remove(person)

    # --- invariants --------------------------------------------------------------------------------------------

    @invariant()
    def database_matches_model_and_invariants(self):
        with self.world.app.app_context():
            training_session, rows, told = _rows_of(self.session_id)
            db.session.remove()
        _check(self.model, training_session, rows, told)


@pytest.mark.slow
def test_waitlist_state_machine(app, make_session, session_people, make_user):
    people = session_people(PEOPLE, prefix="sm")
    Waitlist.world = World(app=app, make_session=make_session, people=people, hr_id=make_user(roles=("hr",)).id,
                           nos={uid: f"sm{i:04d}" for i, uid in enumerate(people, start=1)})
    run_state_machine_as_test(Waitlist, settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
