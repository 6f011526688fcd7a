"""Forms of the key projects pages: one per action."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from blueprints.core.forms import PortalForm
from blueprints.core.pickers import PickerField
from blueprints.core.types import parse_int
from blueprints.projects.labels import LEVEL_LABELS, STATUS_LABELS
from blueprints.projects.services import OWNER_OUTSIDE


def optional_int(value):
    """A select's value as an id, '' (or anything not an id a column can hold) as None."""
    return parse_int(value, low=1)


class LocalDateField(DateField):
    """A yyyy-mm-dd date whose parse error is in the user's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("日期格式应为 年-月-日，例如 2024-05-01。")) from None


class ProjectForm(PortalForm):
    """Register or edit a key project."""

    name = StringField(_l("项目名称"), validators=[DataRequired(_l("请填写项目名称。")),
                                              Length(max=120, message=_l("名称最多 120 个字。"))])
    level = SelectField(_l("项目级别"), choices=[("", _l("请选择"))] + list(LEVEL_LABELS.items()),
                        validators=[DataRequired(_l("请选择项目级别。"))])
    owner_id = PickerField(_l("业主单位"), source="project-owners", refused=OWNER_OUTSIDE,
                           validators=[DataRequired(_l("请选择业主单位。"))])
    location = StringField(_l("建设地点"), validators=[Optional(), Length(max=200, message=_l("地点最多 200 个字。"))])
    planned_start = LocalDateField(_l("计划开工日期"), validators=[InputRequired(_l("请填写计划开工日期。"))])
    planned_end = LocalDateField(_l("计划竣工日期"), validators=[InputRequired(_l("请填写计划竣工日期。"))])
    status = SelectField(_l("项目状态"), choices=list(STATUS_LABELS.items()), default="planned")
    description = TextAreaField(_l("项目概况"), validators=[Optional(), Length(max=5000, message=_l(
        "概况最多 5000 字。"))], description=_l("建设内容、投资规模、参建单位等。"))


class MilestoneForm(PortalForm):
    """Add or edit a milestone (节点)."""

    name = StringField(_l("节点名称"), validators=[DataRequired(_l("请填写节点名称。")),
                                              Length(max=100, message=_l("节点名称最多 100 个字。"))])
    planned_on = LocalDateField(_l("计划日期"), validators=[InputRequired(_l("请填写计划日期。"))])
    actual_on = LocalDateField(_l("实际完成日期"), validators=[Optional()],
                               description=_l("完成后填写；不能晚于今天。"))


class ProjectFilterForm(PortalForm):
    """The list's filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    level = SelectField(_l("级别"), choices=[("", _l("全部级别"))] + list(LEVEL_LABELS.items()), default="")
    status = SelectField(_l("状态"), choices=[("", _l("全部状态"))] + list(STATUS_LABELS.items()), default="")
    owner = PickerField(_l("业主单位"), source="project-owners", placeholder=_l("全部单位（输入名称查找）"))
