"""Forms of the suggestions pages: one per action."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.core.forms import PortalForm
from blueprints.core.pickers import PickerField
from blueprints.core.types import parse_int
from blueprints.suggestions.labels import CATEGORY_LABELS, GRADE_LABELS, RUBRIC, TEMPLATE_KIND_LABELS
from blueprints.suggestions.models import (
    BENEFIT_MAX,
    COMMENT_MAX,
    PROBLEM_MAX,
    PROPOSAL_MAX,
    TITLE_MAX,
)


def optional_int(value):
    """Coerce a select value to int, with '' meaning None."""
    if value in (None, "", "None"):
        return None
    number = parse_int(value)
    if number is None:
        raise ValueError(value)  # WTForms shows "not a valid choice" instead of querying for it
    return number


def too_long(limit: int):
    return Length(max=limit, message=_l("内容过长：最多 %(max)d 个字。"))


class SuggestionForm(PortalForm):
    """Write or edit a suggestion; drafts need only a title and a category, submitting needs the rest."""

    title = StringField(_l("标题"), validators=[DataRequired(_l("请填写标题。")), too_long(TITLE_MAX)],
                        description=_l("一句话说清楚改什么，例如“数控车床冷却液回收装置改进”。"))
    category = SelectField(_l("类别"), choices=[("", _l("请选择"))] + list(CATEGORY_LABELS.items()),
                           validators=[DataRequired(_l("请选择类别。"))])
    problem = TextAreaField(_l("现状与问题"), validators=[too_long(PROBLEM_MAX)],
                            description=_l("现在是怎么做的，存在什么问题（浪费、隐患、质量、效率）。"))
    proposal = TextAreaField(_l("改进措施"), validators=[too_long(PROPOSAL_MAX)],
                             description=_l("具体怎么改：方法、步骤、需要的材料或工装。"))
    expected_benefit = TextAreaField(_l("预期效益"), validators=[too_long(BENEFIT_MAX)],
                                     description=_l("能节约多少、提高多少、消除什么隐患；能估算金额更好。"))
    workshop_id = PickerField(_l("审核工作室"), source="workshops-approved",
                              description=_l("由哪个创新工作室审核；不选则由工会直接审核。"))
    competition_id = SelectField(_l("归入竞赛"), coerce=optional_int, validate_choice=True,
                                 description=_l("本单位参加的、进行中的竞赛；归入后计入竞赛的关联活动。"))
    coauthors = StringField(_l("合作者"), validators=[Optional(), Length(max=300)])
    files = MultipleFileField(_l("附件"))
    client_token = HiddenField()  # set when a new form is opened; makes a double submit harmless

    # Fields required to submit (not to save a draft), with the message each shows when empty.
    SUBMIT_REQUIRED = (
        ("problem", _l("提交前请填写现状与问题。")),
        ("proposal", _l("提交前请填写改进措施。")),
        ("expected_benefit", _l("提交前请填写预期效益。")),
    )

    def check_for_submit(self) -> bool:
        """Mark every empty field that submitting needs, all at once; True when none is missing."""
        ok = True
        for name, message in self.SUBMIT_REQUIRED:
            field = getattr(self, name)
            if not (field.data or "").strip():
                field.errors = list(field.errors) + [str(message)]
                ok = False
        return ok


class WithdrawForm(PortalForm):
    """The author takes a suggestion back, optionally saying why."""

    comment = TextAreaField(_l("撤回原因（可不填）"), validators=[Optional(), too_long(COMMENT_MAX)])


class ReasonForm(PortalForm):
    """A step of the recommendation chain: a note or reason (required to decline, checked by the service)."""

    reason = TextAreaField(_l("意见或理由"), validators=[Optional(), too_long(COMMENT_MAX)])


def _score_field(label, maximum: int) -> IntegerField:
    return IntegerField(
        label, validators=[InputRequired(_l("请填写评分。")),
                           NumberRange(0, maximum, message=_l("评分必须在 %(min)s 到 %(max)s 之间。"))],
        render_kw={"min": 0, "max": maximum, "inputmode": "numeric"})


class AcceptForm(PortalForm):
    """Adopt with the rubric; the total is computed."""

    score_innovation = _score_field(RUBRIC[0][1], RUBRIC[0][2])
    score_practicality = _score_field(RUBRIC[1][1], RUBRIC[1][2])
    score_benefit = _score_field(RUBRIC[2][1], RUBRIC[2][2])
    score_replicability = _score_field(RUBRIC[3][1], RUBRIC[3][2])
    comment = TextAreaField(_l("审核意见（可不填）"), validators=[Optional(), too_long(COMMENT_MAX)])
    next = HiddenField()

    def scores(self) -> dict:
        return {name: getattr(self, name).data for name, _label, _max in RUBRIC}


class ReturnForm(PortalForm):
    """Send back with a comment (typed, or taken from an answer template)."""

    template_id = SelectField(_l("答复模板"), coerce=optional_int, validate_choice=False)
    comment = TextAreaField(_l("退回意见"), validators=[Optional(), too_long(COMMENT_MAX)],
                            description=_l("告诉作者需要补充或修改什么。"))
    next = HiddenField()


class RejectForm(PortalForm):
    """Decline with a reason (typed, or taken from an answer template)."""

    template_id = SelectField(_l("答复模板"), coerce=optional_int, validate_choice=False)
    comment = TextAreaField(_l("不予采纳的理由"), validators=[Optional(), too_long(COMMENT_MAX)],
                            description=_l("作者会看到这段理由，请写得具体、客气。"))
    next = HiddenField()


class ImplementForm(PortalForm):
    """Record the implementation date and the annual economic benefit."""

    implemented_on = DateField(_l("实施日期"), validators=[InputRequired(_l("请填写实施日期。"))])
    annual_benefit = StringField(_l("年经济效益（元）"), validators=[DataRequired(_l("请填写年经济效益，没有可填 0。")),
                                                               Length(max=20)],
                                 description=_l("按一年估算，单位元，可保留两位小数；无直接经济效益填 0。"),
                                 render_kw={"inputmode": "decimal"})
    comment = TextAreaField(_l("实施说明（可不填）"), validators=[Optional(), too_long(COMMENT_MAX)])
    next = HiddenField()


DECISION_FORMS = {"accept": AcceptForm, "return": ReturnForm, "reject": RejectForm, "implement": ImplementForm}


class AwardForm(PortalForm):
    """Grade and reward an implemented suggestion; the shares are read per person from share-<user id>."""

    grade = SelectField(_l("奖励等级"), choices=[("", _l("请选择"))] + list(GRADE_LABELS.items()),
                        validators=[DataRequired(_l("请选择奖励等级。"))])
    amount = StringField(_l("奖金（元）"), validators=[DataRequired(_l("请填写金额。")), Length(max=20)],
                         render_kw={"inputmode": "decimal"})
    reason = TextAreaField(_l("调整理由"), validators=[Optional(), too_long(COMMENT_MAX)],
                           description=_l("等级或金额与系统建议不同时必须填写。"))


class ReassignForm(PortalForm):
    """Send a waiting suggestion to another workshop (or to the union)."""

    workshop_id = PickerField(_l("改由哪个工作室审核"), source="workshops-approved",
                              description=_l("留空则由工会直接审核。"))


class CommentForm(PortalForm):
    """A public comment."""

    body = TextAreaField(_l("评论"), validators=[DataRequired(_l("请填写评论内容。")), too_long(COMMENT_MAX)])


class NoteForm(PortalForm):
    """A private reviewer note."""

    # Its own id: the comment form on the same page also has a "body" field, and labels must find their box.
    body = TextAreaField(_l("审核备注"), validators=[DataRequired(_l("请填写备注内容。")), too_long(COMMENT_MAX)],
                         id="note-body")


class TemplateForm(PortalForm):
    """A saved answer for returning or rejecting."""

    kind = SelectField(_l("用途"), choices=list(TEMPLATE_KIND_LABELS.items()))
    title = StringField(_l("模板名称"), validators=[DataRequired(_l("请填写模板名称。")),
                                                Length(max=50, message=_l("内容过长：最多 %(max)d 个字。"))])
    body = TextAreaField(_l("答复内容"), validators=[DataRequired(_l("请填写模板内容。")), too_long(COMMENT_MAX)])
    shared = BooleanField(_l("共享给所有审核人"))


class BulkForm(PortalForm):
    """Return or reject the selected suggestions with one template (ids come from the checkboxes)."""

    action = SelectField(_l("批量操作"), choices=[("return", _l("退回修改")), ("reject", _l("不予采纳"))])
    template_id = SelectField(_l("答复模板"), coerce=optional_int, validate_choice=False,
                              validators=[DataRequired(_l("请选择答复模板。"))])
    extra = TextAreaField(_l("补充说明（可不填）"), validators=[Optional(), too_long(500)])


class PayForm(PortalForm):
    """Mark the selected ledger lines paid on a date."""

    paid_on = DateField(_l("发放日期"), validators=[InputRequired(_l("请填写发放日期。"))])
