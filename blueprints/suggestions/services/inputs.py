"""Checks of what people type, shared by the actions: comments and reasons, and amounts of money."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.types import FEN
from blueprints.suggestions.models import COMMENT_MAX

CURRENCY_NOISE = (",", "，", "¥", "￥")  # thousands separators and yuan signs people type with an amount


def clean_comment(comment: str | None, required_message: str | None = None, field_name: str = "comment") -> str:
    """A comment or reason stripped and within COMMENT_MAX; required when `required_message` is given."""
    text = (comment or "").strip()
    if required_message and not text:
        raise DomainError(required_message, field=field_name)
    if len(text) > COMMENT_MAX:
        raise DomainError(N_("内容过长：最多 %(n)s 个字。"), field=field_name, n=COMMENT_MAX)
    return text


def _typed_amount(raw, field_name: str) -> Decimal:
    if isinstance(raw, Decimal):
        return raw
    text = str(raw or "").strip()
    for noise in CURRENCY_NOISE:
        text = text.replace(noise, "")
    if not text:
        raise DomainError(N_("请填写金额。"), field=field_name)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise DomainError(N_("请填写有效的金额，例如 12000.50。"), field=field_name) from None


def parse_money(raw, field_name: str, maximum: Decimal) -> Decimal:
    """A yuan amount typed by a person: a non-negative decimal with at most two places, below `maximum`."""
    value = _typed_amount(raw, field_name)
    if not value.is_finite():
        raise DomainError(N_("请填写有效的金额，例如 12000.50。"), field=field_name)
    if value < 0:
        raise DomainError(N_("金额不能为负数。"), field=field_name)
    if value >= maximum:  # before quantize, which cannot hold 1E+30 to the fen
        raise DomainError(N_("金额过大，请核对。"), field=field_name)
    if value != value.quantize(FEN):
        raise DomainError(N_("金额最多保留两位小数（到分）。"), field=field_name)
    return value.quantize(FEN)
