"""The request pipeline (core.web.action): one commit on success, one rollback and a shown message on refusal."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from blueprints.core.errors import DomainError
from blueprints.core.models import Notification
from blueprints.core.notify import notify
from blueprints.core.web import action
from extensions import db


class NameForm(FlaskForm):
    """A one-field form to receive refusals."""

    class Meta:
        csrf = False

    name = StringField()


def _notes() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def test_success_commits_once_and_reports_done(app, make_user):
    user = make_user()
    with app.test_request_context("/", method="POST"):
        with action() as outcome:
            notify(user.id, "测试通知")
        assert outcome.done and outcome.error is None and outcome.message == ""
        db.session.remove()  # a fresh session sees only what was committed
        assert _notes() == 1


def test_refusal_rolls_back_and_lands_on_the_named_field(app, make_user):
    user = make_user()
    with app.test_request_context("/", method="POST"):
        form = NameForm()
        with action(form) as outcome:
            notify(user.id, "不应保存")
            db.session.flush()
            raise DomainError("名称已被占用。", field="name")
        assert not outcome.done and isinstance(outcome.error, DomainError)
        assert form.name.errors == ["名称已被占用。"]
        assert get_flashed_messages() == []  # on the field, not also in a flash
        assert _notes() == 0


def test_refusal_without_a_field_is_flashed_unless_the_fragment_shows_it(app):
    with app.test_request_context("/", method="POST"):
        with action() as outcome:
            raise DomainError("不能这样做。")
        assert outcome.message == "不能这样做。"
        assert get_flashed_messages(with_categories=True) == [("danger", "不能这样做。")]
    with app.test_request_context("/", method="POST"):
        with action(flash_error=False) as outcome:
            raise DomainError("不能这样做。")
        assert outcome.message == "不能这样做。" and get_flashed_messages() == []


def test_other_errors_roll_back_and_propagate(app, make_user):
    user = make_user()
    with app.test_request_context("/", method="POST"):
        with pytest.raises(ZeroDivisionError), action():
            notify(user.id, "不应保存")
            db.session.flush()
            _ = 1 / 0
        assert _notes() == 0
