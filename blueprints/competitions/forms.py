"""Forms of the competitions pages (indicator rows, report figures and score boxes are read by the views from
numbered inputs: their number depends on the competition)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.competitions.labels import FREQUENCY_LABELS, KIND_LABELS
from blueprints.core.forms import PortalForm
from blueprints.core.i18n import N_
from blueprints.core.pickers import MultiPickerField, PickerField


def optional_int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class CompetitionForm(PortalForm):
    name = StringField(_l("竞赛名称"), validators=[DataRequired(_l("请填写竞赛名称。")),
                                                Length(max=120, message=_l("最多 120 个字。"))])
    kind = SelectField(_l("竞赛类别"), choices=list(KIND_LABELS.items()))
    # A select: union nodes only (the city, its districts and industry unions), bounded by design (well under 300).
    organiser_id = SelectField(_l("主办单位"), coerce=optional_int, validate_choice=False,
                               description=_l("由哪一级工会组织；报名单位须在它的范围内。"))
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度。")),
                                              NumberRange(min=2000, max=2100, message=_l("请填写有效的年度。"))])
    starts_on = DateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期。"))])
    ends_on = DateField(_l("结束日期"), validators=[InputRequired(_l("请填写结束日期。"))])
    report_frequency = SelectField(_l("进度填报周期"), choices=list(FREQUENCY_LABELS.items()))
    rules = TextAreaField(_l("竞赛规则与要求"), render_kw={"rows": 4},
                          validators=[Optional(), Length(max=5000, message=_l("最多 5000 个字。"))])
    project_ids = MultiPickerField(_l("覆盖的重点项目"), source="competition-projects", validators=[Optional()],
                                   description=_l("主办单位范围内的重点项目。"))


class EnrolForm(PortalForm):
    unit_id = PickerField(_l("报名单位"), source="competition-units",
                          refused=N_("您只能为自己管理范围内的单位报名。"))  # as competitions.services says


class ReportForm(PortalForm):
    narrative = TextAreaField(_l("进展情况"), render_kw={"rows": 5},
                              validators=[Optional(), Length(max=5000, message=_l("最多 5000 个字。"))])
    files = MultipleFileField(_l("附件"))


class DecideForm(PortalForm):
    comment = TextAreaField(_l("审核意见"), render_kw={"rows": 2},
                            validators=[Optional(), Length(max=1000, message=_l("最多 1000 个字。"))])


class ProvisionalForm(PortalForm):
    objections_until = DateField(_l("异议截止日期"), validators=[InputRequired(_l("请填写异议截止日期。"))])


class ObjectionForm(PortalForm):
    unit_id = SelectField(_l("提出异议的单位"), coerce=optional_int, validate_choice=False)
    reason = TextAreaField(_l("异议理由"), render_kw={"rows": 3},
                           validators=[DataRequired(_l("请写明异议的理由。")),
                                       Length(max=2000, message=_l("最多 2000 个字。"))])


class AnswerForm(PortalForm):
    answer = TextAreaField(_l("答复意见"), render_kw={"rows": 2},
                           validators=[DataRequired(_l("请填写答复意见。")),
                                       Length(max=2000, message=_l("最多 2000 个字。"))])
