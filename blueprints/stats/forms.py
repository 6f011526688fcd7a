"""Forms of the statistics pages: the inline target editor and the record lookup."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from blueprints.core.forms import PortalForm


class TargetForm(PortalForm):
    """A department's participation target for a year (blank = inherit the parent's); parsed by services.parse_rate
    so every refusal says what to type."""

    rate = StringField(_l("目标参与率（%）"), validators=[Length(max=10)])
    year = HiddenField()
    # Where to come back to: the page's department filter and sorting.
    dept = HiddenField()
    sort = HiddenField()
    order = HiddenField()


class RecordLookupForm(PortalForm):
    """Find a person's record by 工号 (the person picker fills it); a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    employee_no = StringField(_l("工号"), validators=[Length(max=200)])
