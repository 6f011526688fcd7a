"""Forms of the mentoring pages: one per action (the rules themselves live in services)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.core.forms import PortalForm
from blueprints.core.models import SKILL_LEVELS
from blueprints.core.pickers import PickerField
from blueprints.mentoring.labels import ASSESSMENT_LABELS, GRADE_LABELS, STATUS_LABELS


def optional_int(value):
    """A select value as int, '' meaning None (anything else that is no number: None, refused by the choices)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class LocalDateField(DateField):
    """A yyyy-mm-dd date whose parse error is in the user's language (WTForms' own is English only)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("日期格式应为 年-月-日，例如 2024-05-01。")) from None


class PairForm(PortalForm):
    """HR or a union admin makes a pair: two people from the picker, dates, target level, goals, agreement."""

    master_no = StringField(_l("师傅"), validators=[DataRequired(_l("请选择师傅。")), Length(max=64)])
    apprentice_no = StringField(_l("徒弟"), validators=[DataRequired(_l("请选择徒弟。")), Length(max=64)])
    workshop_id = PickerField(_l("所在创新工作室（可选）"), source="mentoring-workshops")
    starts_on = LocalDateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期。"))])
    ends_on = LocalDateField(_l("结束日期"), validators=[InputRequired(_l("请填写结束日期。"))])
    target_level = SelectField(_l("目标技能等级"), choices=[("", _l("请选择"))] + [(s, s) for s in SKILL_LEVELS[1:]],
                               validators=[DataRequired(_l("请选择目标技能等级。"))],
                               description=_l("必须高于徒弟现在的技能等级；出师且达标后，徒弟的等级更新为此等级。"))
    goals = TextAreaField(_l("带徒目标"), validators=[DataRequired(_l("请填写带徒目标。")),
                                                  Length(max=5000, message=_l("目标最多 5000 字。"))],
                          description=_l("要掌握的技能、要完成的任务和考核要求。"))
    agreement = FileField(_l("师徒协议（可选）"),
                          description=_l("签字的协议扫描件：PDF、JPG、PNG 或 DOCX，不超过 10 MB。"))


class CheckinForm(PortalForm):
    """A dated check-in by the master or the apprentice."""

    written_on = LocalDateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])
    body = TextAreaField(_l("记录内容"), validators=[DataRequired(_l("请填写记录内容。")),
                                                 Length(max=3000, message=_l("记录最多 3000 字。"))],
                         description=_l("这段时间学了什么、练了什么、遇到了什么问题。"))


class AssessmentForm(PortalForm):
    """The mid-term or the final assessment (the final also says whether the target level was reached)."""

    kind = SelectField(_l("考核"), choices=list(ASSESSMENT_LABELS.items()))
    score = IntegerField(_l("分数"), validators=[InputRequired(_l("请填写分数。")),
                                                NumberRange(min=0, max=100, message=_l("分数应在 0 到 100 之间。"))])
    grade = SelectField(_l("考核等级"), choices=[("", _l("请选择"))] + list(GRADE_LABELS.items()),
                        validators=[DataRequired(_l("请选择考核等级。"))])
    target_reached = RadioField(_l("是否达到目标技能等级"), choices=[("yes", _l("已达到")), ("no", _l("未达到"))],
                                validators=[Optional()], validate_choice=False)
    comment = TextAreaField(_l("考核意见"), validators=[Optional(), Length(max=3000, message=_l("意见最多 3000 字。"))])


class EndForm(PortalForm):
    """End a pair early, with the reason."""

    reason = TextAreaField(_l("提前结束的原因"), validators=[DataRequired(_l("请填写提前结束的原因。")),
                                                      Length(max=1000, message=_l("原因最多 1000 字。"))])


class ListFilterForm(PortalForm):
    """The list's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(_l("状态"), choices=[("", _l("全部"))] + list(STATUS_LABELS.items()), validate_choice=False)
    q = StringField(_l("师傅或徒弟"), validators=[Optional(), Length(max=50)])
