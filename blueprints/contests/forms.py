"""Forms of the contest pages, one per action."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from blueprints.contests.labels import ITEM_KIND_LABELS, LEVEL_LABELS
from blueprints.core.forms import PortalForm, finite_number
from blueprints.core.i18n import N_
from blueprints.core.models import SKILL_LEVELS
from blueprints.core.pickers import PickerField
from blueprints.core.types import parse_int

ITEM_ROWS = 4


def optional_id(value) -> int | None:
    """A select box value as an id ("" = none)."""
    if value in (None, "", "None"):
        return None
    return parse_int(value, low=1)


def _finite_first(form, field) -> None:
    """A non-finite decimal (NaN, sNaN, Infinity) stops the chain before a range check compares it."""
    if isinstance(field.data, Decimal) and not field.data.is_finite():
        raise StopValidation(_l("请填写有效的数字。"))


def _number(label, default=None):
    return DecimalField(label, places=2, default=default, validators=[
        Optional(), _finite_first, NumberRange(min=0, max=100000, message=_l("请填写 0 到 100000 之间的数。")),
        finite_number])


class ItemRow(Form):
    """One item of the contest; a row without a name is left out."""

    name = StringField(_l("项目名称"), validators=[Optional(), Length(max=60, message=_l("最多 60 个字。"))])
    kind = SelectField(_l("类型"), choices=list(ITEM_KIND_LABELS.items()), default="practical")
    weight = _number(_l("权重（%）"))
    max_score = _number(_l("满分"), Decimal(100))
    spread_limit = _number(_l("分差阈值"), Decimal(10))


def _count(label):
    return IntegerField(label, default=0, validators=[
        InputRequired(_l("请填写数量。")), NumberRange(min=0, max=1000, message=_l("请填写 0 到 1000 之间的整数。"))])


class ContestForm(PortalForm):
    """Create or edit a contest with its items (weights must sum to 100 %)."""

    name = StringField(_l("比武名称"), validators=[DataRequired(_l("请填写比武名称。")),
                                                 Length(max=120, message=_l("最多 120 个字。"))])
    organiser = PickerField(_l("主办单位"), source="departments-staff",
                            refused=N_("请选择您负责范围内的主办单位。"))  # contests.services says the same
    competition = SelectField(_l("所属竞赛"), coerce=optional_id, validate_choice=False,
                              description=_l("可选：归入一项正在进行的劳动和技能竞赛，计入竞赛的关联活动。"))
    trade = StringField(_l("工种"), validators=[DataRequired(_l("请填写工种。")),
                                              Length(max=50, message=_l("最多 50 个字。"))])
    level = SelectField(_l("级别"), choices=list(LEVEL_LABELS.items()), default="enterprise")
    held_on = DateField(_l("比武日期"), validators=[InputRequired(_l("请填写比武日期。"))])
    venue = StringField(_l("地点"), validators=[DataRequired(_l("请填写地点。")),
                                              Length(max=200, message=_l("最多 200 个字。"))])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=5000, message=_l("最多 5000 个字。"))])
    first_prizes = _count(_l("一等奖名额"))
    second_prizes = _count(_l("二等奖名额"))
    third_prizes = _count(_l("三等奖名额"))
    titles = _count(_l("授予“技术能手”的前几名"))
    items = FieldList(FormField(ItemRow), min_entries=ITEM_ROWS, max_entries=ITEM_ROWS)


class QuotaForm(PortalForm):
    unit = PickerField(_l("参赛单位"), source="contest-quota-units")
    quota = IntegerField(_l("名额"), validators=[InputRequired(_l("请填写名额。")), NumberRange(
        min=0, max=1000, message=_l("请填写 0 到 1000 之间的整数。"))])


class PanelForm(PortalForm):
    item_id = IntegerField(validators=[InputRequired()])
    judges = StringField(_l("评委（工号）"), validators=[DataRequired(_l("请填写评委的工号。")),
                                                  Length(max=2000, message=_l("内容过长。"))])


class PersonForm(PortalForm):
    employee_no = StringField(_l("工号"), validators=[DataRequired(_l("请填写工号。")),
                                                    Length(max=200, message=_l("内容过长。"))])


class StatusForm(PortalForm):
    action = StringField(validators=[DataRequired()])
    objections_until = DateField(_l("异议截止日期"), validators=[Optional()])


class ImportForm(PortalForm):
    item_id = IntegerField(validators=[InputRequired()])
    file = FileField(_l("成绩文件（.xlsx）"))


class ObjectionForm(PortalForm):
    reason = TextAreaField(_l("异议理由"), validators=[DataRequired(_l("请写明异议的理由。")),
                                                   Length(max=2000, message=_l("最多 2000 个字。"))])


class AnswerForm(PortalForm):
    objection_id = IntegerField(validators=[InputRequired()])
    answer = TextAreaField(_l("答复"), validators=[DataRequired(_l("请填写答复。")),
                                                 Length(max=2000, message=_l("最多 2000 个字。"))])


class UpgradeForm(PortalForm):
    entrant_id = IntegerField(validators=[InputRequired()])
    level = SelectField(_l("建议晋升到"), choices=[("", _l("不建议"))] + [(lv, lv) for lv in SKILL_LEVELS[1:]],
                        validate_choice=False)
