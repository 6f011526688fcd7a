"""Forms of the training pages, one per action."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.core.forms import PortalForm
from blueprints.core.models import SKILL_LEVELS
from blueprints.core.pickers import MultiPickerField, PickerField
from blueprints.core.types import parse_int
from blueprints.training.labels import KIND_LABELS, RESULT_LABELS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes for a multiple choice (skill levels)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def optional_id(value) -> int | None:
    """A select box value as an id ("" = none)."""
    if value in (None, "", "None"):
        return None
    return parse_int(value, low=1)


class SessionForm(PortalForm):
    """Create or edit a session (times are typed in the local zone)."""

    title = StringField(_l("标题"), validators=[DataRequired(_l("请填写标题。")),
                                              Length(max=200, message=_l("标题最多 200 个字。"))])
    kind = SelectField(_l("类型"), choices=list(KIND_LABELS.items()))
    instructor = StringField(_l("讲师 / 师傅"), validators=[Optional(), Length(max=100, message=_l("最多 100 个字。"))])
    location = StringField(_l("地点"), validators=[DataRequired(_l("请填写地点。")),
                                                 Length(max=200, message=_l("地点最多 200 个字。"))])
    starts_at = DateTimeLocalField(_l("开始时间"), format=DATETIME_FORMAT,
                                   validators=[InputRequired(_l("请填写开始时间。"))])
    ends_at = DateTimeLocalField(_l("结束时间"), format=DATETIME_FORMAT,
                                 validators=[InputRequired(_l("请填写结束时间。"))])
    signup_deadline = DateTimeLocalField(_l("报名截止时间"), format=DATETIME_FORMAT, validators=[Optional()],
                                         description=_l("不填则到开始时间为止都可以报名。"))
    capacity = IntegerField(_l("名额"), validators=[
        InputRequired(_l("请填写名额。")), NumberRange(min=1, max=10000, message=_l("名额应在 1 到 10000 之间。"))])
    # Type-ahead pickers over the units the HR user is responsible for (core.pickers "departments-hr"); the
    # service checks the choice again. An empty organiser is the city level (whole-tree HR only).
    organiser = PickerField(_l("主办单位"), source="departments-hr",
                            description=_l("只有这个单位（含下级）的职工可以报名；全市的培训对全体职工开放。"))
    departments = MultiPickerField(_l("限定部门"), source="departments-hr", validators=[Optional()],
                                   description=_l("不选表示主办单位的全部职工都可报名；选中的部门须在主办单位之内，"
                                                  "包括其下级部门。"))
    skill_levels = MultiCheckboxField(_l("限定技能等级"), choices=[(s, s) for s in SKILL_LEVELS],
                                      validators=[Optional()],
                                      description=_l("不选表示不限技能等级。"))
    manager = StringField(_l("负责人"), validators=[Optional(), Length(max=64)],
                          description=_l("负责这个场次的培训管理员的工号，不填则为您本人。"))
    competition_id = SelectField(_l("归入竞赛"), coerce=optional_id, validate_choice=True,
                                 description=_l("主办单位参加的、进行中的竞赛；归入后计入竞赛的关联活动。"))
    description = TextAreaField(_l("内容介绍"), render_kw={"rows": 5},
                                validators=[Optional(), Length(max=5000, message=_l("最多 5000 个字。"))])

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("结束时间必须晚于开始时间。"))

    def validate_signup_deadline(self, field):
        if self.starts_at.data and field.data and field.data > self.starts_at.data:
            raise ValidationError(_l("报名截止时间不能晚于开始时间。"))


class CancelSessionForm(PortalForm):
    """Cancel a session; the reason goes to everyone on it."""

    reason = TextAreaField(_l("取消原因"), validators=[DataRequired(_l("请填写取消原因，它会通知给所有报名的人。")),
                                                   Length(max=500, message=_l("原因最多 500 个字。"))],
                           render_kw={"rows": 2})


class BulkAddForm(PortalForm):
    """HR adds trainees: picked people, pasted 工号 and/or an uploaded .xlsx/.csv."""

    people = StringField(_l("选择人员"), validators=[Optional(), Length(max=20000)])
    pasted = TextAreaField(_l("粘贴工号"), validators=[Optional(), Length(max=200000)],
                           description=_l("每行一个，或用逗号、空格分隔。"), render_kw={"rows": 3})
    file = FileField(_l("或上传名单文件（.xlsx / .csv）"),
                     description=_l("第一行为列名，须有“工号”列；一个文件中任何一行有问题，整个文件都不会报名。"))


class MoveForm(PortalForm):
    """HR moves a waitlisted trainee to another position, with a reason."""

    position = IntegerField(_l("新位次"), validators=[InputRequired(_l("请填写新位次。")),
                                                    NumberRange(min=1, message=_l("位次至少为 1。"))])
    reason = StringField(_l("调整原因"), validators=[DataRequired(_l("调整候补顺序必须填写原因。")),
                                                 Length(max=200, message=_l("原因最多 200 个字。"))])


class ResultForm(PortalForm):
    """Pass or fail, and a score, for one trainee."""

    result = SelectField(_l("结果"), choices=[("", _l("未评定"))] + list(RESULT_LABELS.items()),
                         validators=[Optional()])
    score = IntegerField(_l("成绩"), validators=[Optional(), NumberRange(min=0, max=100,
                                                                       message=_l("成绩应在 0 到 100 之间。"))])


class ListFilterForm(PortalForm):
    """Filters of the workers' session list (GET, no CSRF)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("类型"), choices=[("", _l("全部类型"))] + list(KIND_LABELS.items()), validators=[Optional()])
    date_from = DateField(_l("开始日期从"), validators=[Optional()])
    date_to = DateField(_l("到"), validators=[Optional()])
