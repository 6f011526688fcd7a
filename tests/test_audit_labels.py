"""The audit log speaks the reader's language: every action code has a label, every target a type label, a name
and a link to its page; the filter lists labels; unknown codes fall back to the code."""
from __future__ import annotations

import re
from pathlib import Path

from blueprints.core import audit
from blueprints.core.audit_labels import ACTION_LABELS, TARGET_LABELS, action_label
from blueprints.core.models import User
from extensions import db
from tests.conftest import html_text

ROOT = Path(__file__).resolve().parent.parent
FRAGMENT = {"HX-Request": "true"}


def recorded_codes() -> set[str]:
    """Every action code the code base writes: literal codes, and "<domain>.<transition>" of the status machines."""
    from blueprints.competitions import services as competitions
    from blueprints.safety import services as safety
    from blueprints.suggestions import services as suggestions
    from blueprints.training import services as training
    from blueprints.workshops import services as workshops

    codes: set[str] = set()
    for path in (ROOT / "blueprints").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(re.findall(r"""\brecord\(\s*(?:f?)["']([a-z_]+\.[a-z_]+)["']""", text))
        codes.update(re.findall(r"""["']([a-z_]+\.[a-z_]+)["']\s+if\b""", text))  # "a.x" if ok else "a.y"
        codes.update(re.findall(r"""\belse\s+["']([a-z_]+\.[a-z_]+)["']""", text))
        codes.update(re.findall(r"""_audit_export\([^)]*["']([a-z_]+\.[a-z_]+)["']""", text))
    dynamic = {"workshop": workshops.TRANSITIONS, "suggestion": suggestions.TRANSITIONS,
               "training": training.TRANSITIONS, "competition": competitions.TRANSITIONS,
               "safety": safety.TRANSITIONS}
    for domain, table in dynamic.items():
        codes.update(f"{domain}.{action}" for action in table)
    return {code for code in codes if not code.startswith(("blueprints.", "request."))}


def test_every_recorded_action_has_a_label():
    codes = recorded_codes()
    assert {"workshop.approve", "suggestion.reward_ledger", "training.cancel", "user.import"} <= codes
    missing = sorted(code for code in codes if code not in ACTION_LABELS)
    assert missing == []


def test_every_label_has_an_english_translation(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        labels = list(ACTION_LABELS.values()) + list(TARGET_LABELS.values())
        untranslated = [str(label) for label in labels if re.search(r"[\u4e00-\u9fff]", str(label))]
    assert untranslated == []


def test_unknown_codes_fall_back_to_the_code(app):
    with app.test_request_context():
        assert action_label("demo.thing") == "demo.thing"
        assert action_label("workshop.approve") == "工作室审批通过"


def _log_world(app, make_user, make_workshop):
    """An approval, a reward ledger line naming a person by id, an unknown code, a deleted workshop."""
    admin = make_user(roles=("worker", "admin"), name="管理员甲")
    paid = make_user(name="周建国")
    made = make_workshop(status="pending", name="周建国焊接工作室")
    with app.app_context():
        from blueprints.workshops.models import Workshop

        actor = db.session.get(User, admin.id)
        audit.record("workshop.approve", target=db.session.get(Workshop, made.id), actor=actor,
                     detail="pending -> approved")
        audit.record("suggestion.reward_ledger", actor=actor, detail=f"user {paid.id}: 500.00")
        audit.record("demo.thing", actor_label="someone-else")
        audit.record("user.deactivated", target=db.session.get(User, paid.id), actor=actor)
        entry = audit.record("workshop.deleted", actor=actor, detail="旧工作室 (draft)")
        entry.target_type, entry.target_id = "workshops", "999999"
        db.session.commit()
    return admin, paid, made


def test_the_log_shows_labels_names_and_links_in_chinese(app, client, login_as, make_user, make_workshop):
    _admin, paid, made = _log_world(app, make_user, make_workshop)
    login_as("admin")
    body = html_text(client.get("/admin/audit", headers=FRAGMENT))

    assert "工作室审批通过" in body and "workshop.approve" not in body
    assert "登记奖金分配" in body and "suggestion.reward_ledger" not in body
    assert f'<a href="/workshops/{made.id}">周建国焊接工作室</a>' in body
    assert f'<a href="/admin/users/{paid.id}/edit">周建国（{paid.employee_no}）</a>' in body
    assert f"周建国（{paid.employee_no}）: 500.00" in body and f"user {paid.id}" not in body
    assert "demo.thing" in body  # unknown: the code itself
    assert "#999999" in body and 'href="/workshops/999999"' not in body  # a deleted record: no dead link
    assert "workshops #" not in body and "users #" not in body
    assert "待审批 → 已批准" in body and "pending" not in body  # status codes in details read as labels


def test_the_log_speaks_english_to_an_english_reader(app, client, login_as, make_user, make_workshop):
    _log_world(app, make_user, make_workshop)
    login_as("admin", locale="en")
    body = html_text(client.get("/admin/audit"))

    assert "Workshop approved" in body and "Workshop" in body
    assert "工作室审批通过" not in body and "登记奖金分配" not in body


def test_the_action_filter_lists_labels_with_codes_as_values(app, client, login_as, make_user, make_workshop):
    _log_world(app, make_user, make_workshop)
    login_as("admin")
    body = html_text(client.get("/admin/audit"))
    assert '<option value="workshop.approve">工作室审批通过</option>' in body
    assert '<option value="demo.thing">demo.thing</option>' in body
    groups = re.findall(r'<optgroup label="([^"]+)">', body)
    assert groups.index("创新工作室") < groups.index("其他") == len(groups) - 1  # unknown codes come last
    filtered = html_text(client.get("/admin/audit", query_string={"action": "workshop.approve"}, headers=FRAGMENT))
    assert "工作室审批通过" in filtered and "登记奖金分配" not in filtered


def test_an_enrollment_links_to_its_session(app, client, login_as, make_user, make_session, session_enroll):
    from sqlalchemy import select

    login_as("admin")
    trainee = make_user(name="陈学员")
    session = make_session(title="数控车床安全操作")
    session_enroll(session.id, trainee.id)
    with app.app_context():
        from blueprints.training.models import Enrollment

        enrollment = db.session.scalar(select(Enrollment).where(Enrollment.session_id == session.id))
        audit.record("training.attendance", target=enrollment, actor_label="hr1", detail="present")
        db.session.commit()
    body = html_text(client.get("/admin/audit", headers=FRAGMENT))
    assert "培训报名记录" in body and "登记出勤" in body and "training_enrollments" not in body
    assert f'<a href="/training/{session.id}">数控车床安全操作 · 陈学员</a>' in body


def test_role_changes_read_in_role_labels_and_the_workshop_name(app, client, login_as, make_user, make_workshop):
    made = make_workshop(name="赵钢锻压创新工作室")
    person = make_user(name="赵钢")
    with app.app_context():
        target = db.session.get(User, person.id)
        audit.record("user.roles_changed", target=target, actor_label="admin",
                     detail=f"worker -> lead,worker (lead of workshop {made.id})")
        audit.record("user.created", target=target, actor_label="admin", detail="roles=hr,worker")
        db.session.commit()
    login_as("admin")
    body = html_text(client.get("/admin/audit", headers=FRAGMENT))
    assert "职工 → 工作室负责人、职工（工作室“赵钢锻压创新工作室”的负责人）" in body
    assert "角色：培训管理员、职工" in body
    assert "lead of workshop" not in body and "roles=" not in body
