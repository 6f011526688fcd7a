"""Forms of the honours pages: the nomination, and the decision with its reason."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.core.forms import PortalForm
from blueprints.core.pickers import PickerField
from blueprints.core.types import parse_int
from blueprints.honours.labels import HONOUR_LABELS, LEVEL_LABELS, STATUS_LABELS, SUBJECT_LABELS
from blueprints.honours.services import OUTSIDE_UNIT


def optional_int(value):
    """A select's value as an id, '' (or anything not an id a column can hold) as None."""
    return parse_int(value, low=1)


class NominationForm(PortalForm):
    """Nominate a unit, team or person; the evidence box is filled from the records and edited."""

    subject_kind = SelectField(_l("推荐对象"), choices=list(SUBJECT_LABELS.items()), default="team")
    department_id = PickerField(_l("单位或班组"), source="honour-units", refused=OUTSIDE_UNIT,
                                description=_l("推荐集体或班组时选择；推荐个人时不用选。"))
    employee_no = StringField(_l("被推荐人工号"), validators=[Optional(), Length(max=64)])
    honour = SelectField(_l("荣誉"), choices=[("", _l("请选择"))] + list(HONOUR_LABELS.items()),
                         validators=[DataRequired(_l("请选择荣誉。"))])
    honour_name = StringField(_l("荣誉名称"), validators=[Optional(), Length(max=60, message=_l(
        "荣誉名称最多 60 个字。"))], description=_l("选择“其他荣誉”时填写。"))
    level = SelectField(_l("推荐级别"), choices=list(LEVEL_LABELS.items()), default="city")
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度。")),
                                              NumberRange(2000, 2100, message=_l("年度应在 2000 至 2100 之间。"))])
    summary = TextAreaField(_l("主要事迹"), validators=[Optional(), Length(max=5000, message=_l(
        "主要事迹最多 5000 字。"))])
    evidence = TextAreaField(_l("事迹材料（每行一条）"), validators=[Optional(), Length(max=20000, message=_l(
        "事迹材料最多 20000 字。"))],
                             description=_l("点击“从平台记录提取”自动填入采纳建议、获奖、证书、工作室成果等，"
                                            "可以修改、删除或补充。"))


class ReasonForm(PortalForm):
    """A decision's reason (required to decline, optional otherwise: the service says which)."""

    reason = TextAreaField(_l("意见或原因"),
                           validators=[Optional(), Length(max=1000, message=_l("原因最多 1000 字。"))])


class NominationFilterForm(PortalForm):
    """The list's filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("状态"), choices=[("", _l("全部状态"))] + list(STATUS_LABELS.items()), default="")
    honour = SelectField(_l("荣誉"), choices=[("", _l("全部荣誉"))] + list(HONOUR_LABELS.items()), default="")
    unit = PickerField(_l("单位"), source="honour-units", placeholder=_l("全部单位（输入名称查找）"))


class EvidenceForm(PortalForm):
    """Edit an open nomination's summary and evidence lines."""

    summary = TextAreaField(_l("主要事迹"), validators=[Optional(), Length(max=5000, message=_l(
        "主要事迹最多 5000 字。"))])
    evidence = TextAreaField(_l("事迹材料（每行一条）"), validators=[Optional(), Length(max=20000, message=_l(
        "事迹材料最多 20000 字。"))])
