"""Two safety officers deciding the same report at the same moment make one decision: one reward line, one audit
row, one history step, one notification (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from blueprints.core.models import AuditLog, Notification
from blueprints.rewards.models import RewardLine
from blueprints.safety.models import HazardEvent, HazardReport
from tests.conftest import both_backends
from tests.fixtures_safety import jpeg, report
from tests.test_safety_hazards import _count
from tests.test_suggestions_concurrency import POOL, _all_at_once, _clients, _no_server_error


@both_backends
@pytest.mark.app_config(POOL)
def test_two_officers_confirming_at_once_make_one_decision(app, client, auth, hz):
    response = report(client, auth, hz.reporter, hz.cnc, photos=[("a.jpg", jpeg())])
    hazard_id = int(response.headers["Location"].rsplit("/", 1)[1])
    clients = _clients(app, [hz.officer, hz.officer2] * 3)
    grades = ["general", "grave"] * 3
    responses = _all_at_once([lambda c=c, g=g: c.post(f"/safety/hazards/{hazard_id}/triage",
                                                      data={"decision": "confirm", "grade": g})
                              for c, g in zip(clients, grades, strict=True)])
    _no_server_error(responses)
    assert sum(r.status_code == 303 for r in responses) == 1
    assert _count(app, HazardReport, HazardReport.status == "confirmed") == 1
    assert _count(app, RewardLine, RewardLine.hazard_id == hazard_id) == 1
    assert _count(app, AuditLog, AuditLog.action == "safety.confirm") == 1
    assert _count(app, HazardEvent, HazardEvent.action == "confirm") == 1
    assert _count(app, Notification, Notification.user_id == hz.reporter.id,
                  Notification.link == f"/safety/hazards/{hazard_id}") == 1


@both_backends
@pytest.mark.app_config(POOL)
def test_confirming_and_dismissing_at_once_leave_one_outcome(app, client, auth, hz):
    response = report(client, auth, hz.reporter, hz.cnc)
    hazard_id = int(response.headers["Location"].rsplit("/", 1)[1])
    clients = _clients(app, [hz.officer, hz.officer2] * 2)
    data = [{"decision": "confirm", "grade": "major"}, {"decision": "dismiss", "reason": "不是隐患"}] * 2
    responses = _all_at_once([lambda c=c, d=d: c.post(f"/safety/hazards/{hazard_id}/triage", data=d)
                              for c, d in zip(clients, data, strict=True)])
    _no_server_error(responses)
    assert sum(r.status_code == 303 for r in responses) == 1
    confirmed = _count(app, HazardReport, HazardReport.status == "confirmed")
    assert _count(app, RewardLine) == confirmed  # a reward only if the confirmation won
    assert _count(app, HazardEvent, HazardEvent.action.in_(("confirm", "dismiss"))) == 1
