"""Forms of the workshops pages: one per action."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from blueprints.core.forms import PortalForm
from blueprints.core.pickers import PickerField
from blueprints.workshops.labels import ACHIEVEMENT_LABELS, KIND_LABELS, LEVEL_LABELS


def optional_int(value):
    """Coerce a select value to int, with '' meaning None."""
    return int(value) if value not in (None, "", "None") else None


class LocalDateField(DateField):
    """A yyyy-mm-dd date whose parse error is in the user's language (WTForms' own is English only)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("日期格式应为 年-月-日，例如 2024-05-01。")) from None


class WorkshopForm(PortalForm):
    """Register or edit a workshop (the lead field only for admins, founding members only while a draft)."""

    name = StringField(_l("工作室名称"), validators=[DataRequired(_l("请填写工作室名称。")),
                                                Length(max=100, message=_l("名称最多 100 个字。"))])
    kind = SelectField(_l("类别"), choices=[("", _l("请选择"))] + list(KIND_LABELS.items()),
                       validators=[DataRequired(_l("请选择工作室类别。"))])
    level = SelectField(_l("级别"), choices=list(LEVEL_LABELS.items()), default="enterprise",
                        description=_l("已获认定的级别；批准后只有工会管理员可以调整。"))
    lead = StringField(_l("负责人"), validators=[Optional(), Length(max=64)])
    department_id = PickerField(_l("所属单位"), source="departments-view",
                                validators=[DataRequired(_l("请选择所属单位。"))])
    expertise = StringField(_l("专业领域"), validators=[DataRequired(_l("请填写专业领域。")),
                                                    Length(max=100, message=_l("专业领域最多 100 个字。"))],
                            description=_l("例如：数控加工、焊接工艺、电力运维"))
    founded_on = LocalDateField(_l("成立日期"), validators=[InputRequired(_l("请填写成立日期。"))])
    description = TextAreaField(_l("工作室简介"), validators=[Optional(), Length(max=5000, message=_l(
        "简介最多 5000 字。"))], description=_l("研究方向、主要成果和带徒情况。"))
    members = StringField(_l("创始成员"), validators=[Optional(), Length(max=1000)])

    def validate_lead(self, field):
        """When shown (admins), exactly one 工号."""
        from blueprints.core.people import parse_employee_nos

        if field.data and len(parse_employee_nos(field.data)) > 1:
            raise ValidationError(_l("负责人只能有一位。"))


class ReasonForm(PortalForm):
    """Reject or revoke: the reason is required and shown to the lead."""

    reason = TextAreaField(_l("原因"), validators=[DataRequired(_l("请填写原因。")),
                                                 Length(max=1000, message=_l("原因最多 1000 字。"))])


class LevelForm(PortalForm):
    """An admin's dated level change."""

    level = SelectField(_l("新级别"), choices=list(LEVEL_LABELS.items()))
    changed_on = LocalDateField(_l("变更日期"), validators=[InputRequired(_l("请填写变更日期。"))])
    note = StringField(_l("依据/备注"), validators=[Optional(), Length(max=200, message=_l("备注最多 200 字。"))],
                       description=_l("例如认定文件的文号。"))


class AchievementForm(PortalForm):
    """Create or edit an achievement with an optional attachment."""

    title = StringField(_l("成果名称"), validators=[DataRequired(_l("请填写成果名称。")),
                                                Length(max=200, message=_l("名称最多 200 字。"))])
    kind = SelectField(_l("成果类别"), choices=[("", _l("请选择"))] + list(ACHIEVEMENT_LABELS.items()),
                       validators=[DataRequired(_l("请选择成果类别。"))])
    achieved_on = LocalDateField(_l("取得日期"), validators=[Optional()])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=5000, message=_l("说明最多 5000 字。"))])
    file = FileField(_l("附件（可选）"), description=_l("PDF、JPG、PNG、DOCX、XLSX 或 PPTX，不超过 10 MB。"))
    remove_file = BooleanField(_l("删除现有附件"))
