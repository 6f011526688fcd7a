"""Forms of the hazard pages, one per action. Choices of places and departments come from the views (the service
checks them again); bad input stays on the form with a message on the field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from blueprints.core.forms import PortalForm
from blueprints.core.i18n import N_
from blueprints.core.pickers import PickerField
from blueprints.core.types import parse_int
from blueprints.safety.labels import GRADE_LABELS, KIND_LABELS
from blueprints.safety.models import DESCRIPTION_MAX, PLACE_MAX, TEXT_MAX

PHOTO_ACCEPT = "image/jpeg,image/png,.jpg,.jpeg,.png"


def optional_id(value) -> int | None:
    """A select box value as an id ("" = none)."""
    if value in (None, "", "None"):
        return None
    return parse_int(value, low=1)


class ReportForm(PortalForm):
    """A worker reports a hazard."""

    department_id = PickerField(_l("隐患所在部门"), source="hazard-places",
                                refused=N_("请选择本企业的一个部门作为隐患地点。"),  # as safety.services says
                                validators=[InputRequired(_l("请选择隐患所在的部门。"))])
    place = StringField(_l("具体位置"), validators=[Optional(), Length(max=PLACE_MAX, message=_l("最多 200 个字。"))],
                        render_kw={"placeholder": _l("例如：3 号行车南侧通道")})
    kind = RadioField(_l("类别"), choices=list(KIND_LABELS.items()), validate_choice=False,
                      validators=[InputRequired(_l("请选择隐患类别。"))])
    description = TextAreaField(_l("隐患描述"), render_kw={"rows": 5},
                                validators=[DataRequired(_l("请描述隐患的情况。")),
                                            Length(max=DESCRIPTION_MAX, message=_l("最多 2000 个字。"))])
    proposed_severity = RadioField(_l("您估计的严重程度"), choices=list(GRADE_LABELS.items()), default="general",
                                   validate_choice=False, validators=[InputRequired(_l("请选择您估计的严重程度。"))])
    competition_id = SelectField(_l("归入安康杯竞赛"), coerce=optional_id, validate_choice=False,
                                 validators=[Optional()])
    photos = MultipleFileField(_l("照片"), render_kw={"accept": PHOTO_ACCEPT, "multiple": True},
                               description=_l("最多 5 张 JPG 或 PNG 照片，每张不超过 10 MB。手机上可直接拍照。"))


class TriageForm(PortalForm):
    """An officer's first decision: confirm with a grade, not a hazard, or a duplicate of another report."""

    decision = RadioField(_l("核实结论"), choices=[("confirm", _l("确认是隐患")), ("dismiss", _l("不是隐患")),
                                                ("duplicate", _l("重复报告"))],
                          validators=[InputRequired(_l("请选择核实结论。"))])
    grade = SelectField(_l("隐患等级"), choices=[("", _l("请选择")), *GRADE_LABELS.items()], validate_choice=False,
                        validators=[Optional()])
    original_id = SelectField(_l("原报告"), coerce=optional_id, validate_choice=False, validators=[Optional()])
    reason = TextAreaField(_l("说明 / 理由"), render_kw={"rows": 3},
                           validators=[Optional(), Length(max=TEXT_MAX, message=_l("最多 1000 个字。"))],
                           description=_l("判定为非隐患或重复报告时必须填写，报告人会看到。"))


class AssignForm(PortalForm):
    """An officer gives a confirmed hazard its responsible department, measures and deadline."""

    department_id = PickerField(_l("责任部门"), source="hazard-responsible",
                                refused=N_("请选择您管理范围内的责任部门。"),  # as safety.services says
                                validators=[InputRequired(_l("请选择责任部门。"))])
    measures = TextAreaField(_l("整改措施"), render_kw={"rows": 3},
                             validators=[DataRequired(_l("请填写整改措施。")),
                                         Length(max=TEXT_MAX, message=_l("最多 1000 个字。"))])
    deadline = DateField(_l("整改期限"), validators=[InputRequired(_l("请填写整改期限。"))])


class CloseForm(PortalForm):
    """The officer or the responsible department records the finished rectification with evidence photos."""

    note = TextAreaField(_l("整改情况"), render_kw={"rows": 3},
                         validators=[Optional(), Length(max=TEXT_MAX, message=_l("最多 1000 个字。"))])
    photos = MultipleFileField(_l("整改完成照片"), render_kw={"accept": PHOTO_ACCEPT, "multiple": True},
                               description=_l("至少一张，最多 5 张 JPG 或 PNG 照片。"))


class VerifyForm(PortalForm):
    """The officer accepts the rectification or sends it back."""

    decision = RadioField(_l("验收结论"), choices=[("verify", _l("验收通过")), ("reopen", _l("退回整改"))],
                          validators=[InputRequired(_l("请选择验收结论。"))])
    comment = TextAreaField(_l("意见"), render_kw={"rows": 3},
                            validators=[Optional(), Length(max=TEXT_MAX, message=_l("最多 1000 个字。"))],
                            description=_l("退回整改时必须填写理由。"))
