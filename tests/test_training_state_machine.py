"""A stateful property test of the waitlist (QUALITY §2): random sequences of signup, cancel, leave waitlist, raise
and lower capacity, HR bulk add, HR move and HR removal, checked after every step against a plain Python model and
against the invariants: confirmed <= capacity, nobody waits while a seat is free, positions are 1..n with no gaps,
one active enrollment per person, the counters equal the rows, and each promotion is told exactly once.
"""
from __future__ import annotations

from collections import Counter

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


@pytest.mark.slow
def test_waitlist_state_machine(app, make_session, session_people, make_user):
    people = session_people(PEOPLE, prefix="sm")
    hr_id = make_user(roles=("hr",)).id
    nos = {uid: f"sm{i:04d}" for i, uid in enumerate(people, start=1)}

    class Waitlist(RuleBasedStateMachine):
        """The model: a capacity, the confirmed set and the ordered waitlist of one fresh session."""

        @initialize(capacity=st.integers(min_value=1, max_value=4))
        def start(self, capacity):
            self.session_id = make_session(capacity=capacity).id
            self.capacity = capacity
            self.confirmed: set[int] = set()
            self.waitlist: list[int] = []
            self.promotions: Counter = Counter()

        # --- the model's rules -------------------------------------------------------------------------------

        def _promote(self):
            while len(self.confirmed) < self.capacity and self.waitlist:
                person = self.waitlist.pop(0)
                self.confirmed.add(person)
                self.promotions[person] += 1

        def _add(self, person):
            if not self.waitlist and len(self.confirmed) < self.capacity:
                self.confirmed.add(person)
            else:
                self.waitlist.append(person)

        def _remove(self, person):
            if person in self.confirmed:
                self.confirmed.discard(person)
                self._promote()
            else:
                self.waitlist.remove(person)

        def _active(self, person):
            return person in self.confirmed or person in self.waitlist

        def _do(self, action, refused: bool):
            """Run one service call like a view would (commit on success, roll back on refusal)."""
            with app.app_context():
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

        # --- rules -------------------------------------------------------------------------------------------

        @rule(person=st.sampled_from(people))
        def signup(self, person):
            refused = self._active(person)
            self._do(lambda: services.signup(self._session(), db.session.get(User, person)), refused)
            if not refused:
                self._add(person)

        @rule(person=st.sampled_from(people))
        def cancel(self, person):
            refused = person not in self.confirmed
            if not self._active(person):
                self._do(lambda: services.withdraw(self._session(), db.session.get(User, person)), True)
            elif not refused:
                self._do(lambda: services.withdraw(self._session(), db.session.get(User, person)), False)
                self._remove(person)

        @rule(person=st.sampled_from(people))
        def leave_waitlist(self, person):
            if person in self.waitlist:
                self._do(lambda: services.withdraw(self._session(), db.session.get(User, person)), False)
                self._remove(person)

        @rule(more=st.integers(min_value=1, max_value=3))
        def raise_capacity(self, more):
            self._do(lambda: services.change_capacity(self._session(), self.capacity + more), False)
            self.capacity += more
            self._promote()

        @rule(fewer=st.integers(min_value=1, max_value=3))
        def lower_capacity(self, fewer):
            new = self.capacity - fewer
            refused = new < 1 or new < len(self.confirmed)
            self._do(lambda: services.change_capacity(self._session(), new), refused)
            if not refused:
                self.capacity = new

        @rule(chosen=st.lists(st.sampled_from(people), min_size=1, max_size=PEOPLE))
        def hr_bulk_add(self, chosen):
            lines = []
            self._do(lambda: lines.extend(services.bulk_enroll(
                self._session(), [nos[p] for p in chosen], db.session.get(User, hr_id))), False)
            seen = set()
            for person, line in zip(chosen, lines, strict=True):
                if person in seen:
                    assert line.outcome == "duplicate"
                    continue
                seen.add(person)
                if self._active(person):
                    assert line.outcome == "already"
                else:
                    self._add(person)
                    assert line.outcome == ("confirmed" if person in self.confirmed else "waitlisted")

        @rule(person=st.sampled_from(people), position=st.integers(min_value=1, max_value=PEOPLE))
        def hr_move(self, person, position):
            refused = (person not in self.waitlist or position > len(self.waitlist)
                       or self.waitlist.index(person) + 1 == position)

            def move():
                services.move_in_waitlist(self._session(), self._enrollment_id(person) or 0, position, "测试调整",
                                          db.session.get(User, hr_id))

            self._do(move, refused)
            if not refused:
                self.waitlist.remove(person)
                self.waitlist.insert(position - 1, person)

        @rule(person=st.sampled_from(people))
        def hr_remove(self, person):
            refused = not self._active(person)

            def remove():
                services.remove_trainee(self._session(), self._enrollment_id(person) or 0,
                                        db.session.get(User, hr_id))

            self._do(remove, refused)
            if not refused:
                self._remove(person)

        # --- invariants --------------------------------------------------------------------------------------

        @invariant()
        def database_matches_model_and_invariants(self):
            with app.app_context():
                training_session = self._session()
                rows = db.session.execute(select(Enrollment.user_id, Enrollment.status, Enrollment.waitlist_position)
                                          .where(Enrollment.session_id == self.session_id)).all()
                told = dict(db.session.execute(
                    select(Notification.user_id, func.count()).where(
                        Notification.link == f"/training/{self.session_id}",
                        Notification.message.contains("转为正式学员")).group_by(Notification.user_id)).all())
                db.session.remove()
            confirmed = [r.user_id for r in rows if r.status == "confirmed"]
            waiting = sorted((r for r in rows if r.status == "waitlisted"), key=lambda r: r.waitlist_position)
            active = confirmed + [r.user_id for r in waiting]
            assert len(confirmed) <= training_session.capacity == self.capacity
            assert not waiting or len(confirmed) == training_session.capacity, "someone waits while a seat is free"
            assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
            assert len(active) == len(set(active)), "two active enrollments for one person"
            assert (training_session.confirmed_count, training_session.waitlist_count) == (len(confirmed), len(waiting))
            assert set(confirmed) == self.confirmed and [r.user_id for r in waiting] == self.waitlist
            assert told == {p: n for p, n in self.promotions.items() if n}

    run_state_machine_as_test(Waitlist, settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
