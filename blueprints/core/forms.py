"""Forms shared by every domain, and the one place where typed text is cleaned on the way in.

Every query string and form body passes through `CleanMultiDict` (the request's parameter storage), so NUL,
other C0 control characters and bidi overrides never reach a view, a query or a stored row, whatever form or
search box they came from; importers call `clean_text()` on each cell. Forms built on `PortalForm` also get
single-line text without CR/LF (a line break in a session title broke the roster and the calendar feed) and
dates and numbers that a database and a calendar can hold.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal

from flask import Request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from wtforms import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError

from blueprints.core.types import INT_MAX, INT_MIN

# C0 controls except tab, LF and CR; DEL; bidi embeddings, overrides and isolates; LRM/RLM.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")
# The dates people type into this portal (implementation dates, session times, filters); beyond these a
# conversion to UTC or "the day after" overflows Python's date range.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)


def clean_text(value):
    """Text as the portal stores it: without NUL, other control characters (tab and line breaks stay) and bidi
    override characters that could reorder what others see. Anything that is not a string is returned as is."""
    if not isinstance(value, str):
        return value
    return _UNSAFE_CHARS.sub("", value)


def clean_line(value):
    """Single-line text: clean_text, with any line break turned into one space."""
    if not isinstance(value, str):
        return value
    return _LINE_BREAKS.sub(" ", clean_text(value))


def _cleaned_pairs(mapping):
    if mapping is None:
        return []
    if isinstance(mapping, MultiDict):
        pairs = mapping.items(multi=True)
    elif isinstance(mapping, dict):
        pairs = ((key, item) for key, value in mapping.items()
                 for item in (value if isinstance(value, (list, tuple)) else [value]))
    else:
        pairs = mapping
    return [(clean_text(key), clean_text(value)) for key, value in pairs]


class CleanMultiDict(ImmutableMultiDict):
    """A request's query string or form, with every value passed through clean_text, and `get(..., type=int)`
    answering the default for a number no database column could hold."""

    def __init__(self, mapping=None):
        super().__init__(_cleaned_pairs(mapping))

    def get(self, key, default=None, type=None):
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            return default
        return value


class PortalRequest(Request):
    """The app's request class: query strings and form bodies arrive cleaned."""

    parameter_storage_class = CleanMultiDict


def within_calendar(form, field) -> None:
    """A date or time the portal can store and shift between time zones (1900 to 2999)."""
    value = field.data
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date) and not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(_l("日期超出范围，请填写 %(min)s 至 %(max)s 之间的日期。", min=DATE_MIN.isoformat(),
                                 max=DATE_MAX.isoformat()))


def finite_number(form, field) -> None:
    """A number a column can hold: finite, and for whole numbers inside an Integer column's range."""
    value = field.data
    if isinstance(value, (Decimal, float)) and not (value.is_finite() if isinstance(value, Decimal)
                                                    else math.isfinite(value)):
        raise ValidationError(_l("请填写有效的数字。"))
    if isinstance(value, Decimal) and abs(value) >= Decimal(10) ** 15:
        raise ValidationError(_l("数字过大，请核对。"))
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        raise ValidationError(_l("数字过大，请核对。"))


class PortalMeta(FlaskForm.Meta):
    """Adds the shared filters and validators to fields by their kind, so no form can forget them."""

    def bind_field(self, form, unbound_field, options):
        kind = unbound_field.field_class
        extra_filters, extra_validators = (), ()
        if issubclass(kind, StringField) and not issubclass(kind, (TextAreaField, PasswordField)):
            extra_filters = (clean_line,)
        elif issubclass(kind, TextAreaField):
            extra_filters = (clean_text,)
        if issubclass(kind, (DateField, DateTimeField, DateTimeLocalField)):
            extra_validators = (within_calendar,)
        elif issubclass(kind, (IntegerField, DecimalField, FloatField)):
            extra_validators = (finite_number,)
        if extra_filters:
            options["filters"] = (*unbound_field.kwargs.get("filters", ()), *extra_filters)
        if extra_validators and len(unbound_field.args) < 2:  # validators given by keyword (all in this app)
            options["validators"] = [*(unbound_field.kwargs.get("validators") or ()), *extra_validators]
        return super().bind_field(form, unbound_field, options)


class PortalForm(FlaskForm):
    """The base of every form of the portal (see PortalMeta)."""

    Meta = PortalMeta


class EmptyForm(PortalForm):
    """A bare POST button: no fields, only the CSRF token."""
