"""Serial numbers WX-<year>-<sequence>: unique, never reused, no gaps, also under 20 simultaneous submissions."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from blueprints.core import counters
from blueprints.core.errors import DomainError
from blueprints.suggestions import services
from blueprints.suggestions.models import SERIAL_SERIES, Suggestion, SuggestionEvent
from blueprints.suggestions.services import serials, transitions
from extensions import db
from tests.conftest import TEST_PASSWORD, PortalClient, both_backends, html_text

SUBMITTERS = 20


def _submit_all_at_once(app, make_user, make_suggestion, make_suggestion_workshop):
    """20 authors with a draft each press "submit" at the same moment; returns (statuses, errors)."""
    workshop = make_suggestion_workshop()
    authors = [make_user() for _ in range(SUBMITTERS)]
    drafts = [make_suggestion(author, status="draft", workshop=workshop) for author in authors]
    app.test_client_class = PortalClient
    clients = []
    for author in authors:
        client = app.test_client()
        assert client.post("/auth/login", data={"employee_no": author.employee_no,
                                                "password": TEST_PASSWORD}).status_code == 303
        clients.append(client)

    start = threading.Barrier(SUBMITTERS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def submit(client, draft_id):
        try:
            start.wait(timeout=30)
            statuses.append(client.post(f"/suggestions/{draft_id}/submit").status_code)
        except BaseException as error:  # noqa: BLE001  reported by the caller's assertions
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(c, d.id)) for c, d in zip(clients, drafts, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, errors


@both_backends
def test_twenty_simultaneous_submissions_get_twenty_consecutive_serials(app, make_user, make_suggestion,
                                                                       make_suggestion_workshop):
    statuses, errors = _submit_all_at_once(app, make_user, make_suggestion, make_suggestion_workshop)
    assert errors == []
    assert statuses == [303] * SUBMITTERS
    with app.app_context():
        year = services.competition_year()
        rows = db.session.execute(select(Suggestion.serial, Suggestion.status)).all()
        serials = sorted(serial for serial, _ in rows)
        assert {status for _, status in rows} == {"submitted"}
        # Every number exactly once, 1..20 with no gap, and the counter agrees.
        assert serials == [f"WX-{year}-{n:04d}" for n in range(1, SUBMITTERS + 1)]
        assert counters.last_number(SERIAL_SERIES, year) == SUBMITTERS
        db.session.remove()


@pytest.mark.parametrize("app", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_the_concurrency_test_catches_a_read_then_write_counter(app, make_user, make_suggestion,
                                                                make_suggestion_workshop, monkeypatch):
    """Proof the test above can fail: "read the highest number, add one" hands the same number out twice."""
    import time

    def naive(year: int) -> str:
        taken = db.session.scalar(select(func.count()).select_from(Suggestion)
                                  .where(Suggestion.serial.like(f"WX-{year}-%")))
        time.sleep(0.2)  # widen the window between the read and the write, as a busy server would
        return f"WX-{year}-{taken + 1:04d}"

    monkeypatch.setattr(serials, "allocate_serial", naive)
    statuses, errors = _submit_all_at_once(app, make_user, make_suggestion, make_suggestion_workshop)
    # The unique constraint on the serial refuses the duplicates: server errors (raised to the test client, which
    # sees real tracebacks in testing), exactly what the real test forbids.
    from sqlalchemy.exc import IntegrityError

    assert statuses.count(303) < SUBMITTERS
    assert all(isinstance(error, IntegrityError) for error in errors)
    assert statuses.count(303) + len(errors) + statuses.count(500) == SUBMITTERS
    with app.app_context():
        submitted = db.session.scalar(select(func.count()).select_from(Suggestion)
                                      .where(Suggestion.status == "submitted"))
        assert submitted == statuses.count(303) < SUBMITTERS
    with app.app_context():
        db.session.remove()


def test_a_submission_that_fails_gives_its_number_back(app, client, auth, make_user, make_suggestion, monkeypatch,
                                                       make_suggestion_workshop):
    workshop = make_suggestion_workshop()
    author = make_user()
    first = make_suggestion(author, status="draft", workshop=workshop)
    second = make_suggestion(author, status="draft", workshop=workshop)
    auth.login(author.employee_no)

    def broken(*args, **kwargs):
        raise DomainError("通知失败")

    # The failure comes after the serial was taken: the whole transaction, counter included, rolls back.
    monkeypatch.setattr(transitions, "_notify_reviewers", broken)
    refused = client.post(f"/suggestions/{first.id}/submit", follow_redirects=True)
    monkeypatch.undo()
    # The author is told it did not go through, and nothing of it was stored.
    assert refused.status_code == 200 and "通知失败" in html_text(refused)
    with app.app_context():
        kept = db.session.get(Suggestion, first.id)
        assert (kept.status, kept.serial, kept.submitted_at) == ("draft", None, None)
        assert counters.last_number(SERIAL_SERIES, services.competition_year()) == 0
        assert db.session.scalar(select(func.count()).select_from(SuggestionEvent)
                                 .where(SuggestionEvent.suggestion_id == first.id,
                                        SuggestionEvent.action == "submit")) == 0
    client.post(f"/suggestions/{second.id}/submit")
    client.post(f"/suggestions/{first.id}/submit")
    with app.app_context():
        year = services.competition_year()
        assert db.session.get(Suggestion, second.id).serial == f"WX-{year}-0001"
        assert db.session.get(Suggestion, first.id).serial == f"WX-{year}-0002"


def test_serials_restart_each_year_and_follow_the_local_new_year(app):
    with app.app_context():
        # 16:30 UTC on 31 December is already 1 January in Shanghai.
        assert services.competition_year(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == 2027
        assert services.competition_year(datetime(2026, 12, 31, 15, 30, tzinfo=UTC)) == 2026
    with app.test_request_context(method="POST"):
        assert services.allocate_serial(2026) == "WX-2026-0001"
        assert services.allocate_serial(2027) == "WX-2027-0001"
        assert services.allocate_serial(2026) == "WX-2026-0002"
        db.session.commit()


@pytest.mark.parametrize("count", [9999, 10000])
def test_serials_keep_growing_past_four_digits(app, count):
    with app.test_request_context(method="POST"):
        counters.set_last(SERIAL_SERIES, 2026, count - 1)
        db.session.flush()
        assert services.allocate_serial(2026) == f"WX-2026-{count:04d}"
