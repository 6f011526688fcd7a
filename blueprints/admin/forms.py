"""Forms of the administration pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.core.errors import DomainError
from blueprints.core.forms import PortalForm
from blueprints.core.grants import OUTSIDE_SCOPE
from blueprints.core.labels import ORG_KIND_LABELS, ROLE_LABELS
from blueprints.core.models import SCOPED_ROLES, SKILL_LEVELS
from blueprints.core.people import OUTSIDE_ADMIN_SCOPE, check_employee_no
from blueprints.core.pickers import PickerField
from blueprints.core.types import parse_int


def optional_int(value):
    """Coerce a select value to an id, with '' meaning None; anything a column cannot hold is an invalid choice."""
    if value in (None, "", "None"):
        return None
    number = parse_int(value)
    if number is None:
        raise ValueError("not an id")
    return number


def valid_employee_no(form, field) -> None:
    """The one 工号 rule (core.people.check_employee_no), put on the field when the form is submitted."""
    try:
        check_employee_no(field.data)
    except DomainError as error:
        raise ValidationError(str(error)) from None


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes for a multiple choice (roles)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(PortalForm):
    """Create or edit a person."""

    employee_no = StringField(_l("工号"), validators=[DataRequired(_l("请填写工号。")), valid_employee_no])
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")),
                                             Length(max=50, message=_l("姓名最多 50 个字。"))])
    department_id = PickerField(_l("部门"), source="departments-admin", refused=OUTSIDE_ADMIN_SCOPE)
    job_title = StringField(_l("岗位"), validators=[Optional(), Length(max=100, message=_l("岗位最多 100 个字。"))])
    skill_level = SelectField(_l("技能等级"), choices=[(s, s) for s in SKILL_LEVELS])
    phone = StringField(_l("手机"), validators=[Optional(), Regexp(r"^\+?[0-9][0-9\- ]{4,19}$",
                                                                 message=_l("手机号格式不对。"))])
    email = StringField(_l("电子邮箱"), validators=[
        Optional(), Email(_l("电子邮箱格式不对。"), check_deliverability=False), Length(max=120)])
    roles = MultiCheckboxField(_l("角色"), choices=list(ROLE_LABELS.items()),
                               validators=[DataRequired(_l("至少选择一个角色。"))])


class DepartmentForm(PortalForm):
    """Create, rename or move a department."""

    code = StringField(_l("部门编码"), validators=[
        DataRequired(_l("请填写部门编码。")), Length(max=32, message=_l("编码最多 32 个字符。")),
        Regexp(r"^[A-Za-z0-9_\-.]+$", message=_l("编码只能包含字母、数字和 _ - .。"))])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写部门名称。")),
                                             Length(max=100, message=_l("名称最多 100 个字。"))])
    # Not checked against the offered choices: core.people refuses a cycle or a node outside the admin's scope
    # with its own message on this field.
    # A type-ahead picker inside the admin's scope (the view keeps a scoped top's parent outside it as it is).
    parent_id = PickerField(_l("上级部门"), source="departments-admin", refused=OUTSIDE_ADMIN_SCOPE,
                            description=_l("留空表示顶级单位。"))
    kind = SelectField(_l("组织层级"), choices=[("", _l("（按上级单位自动确定）"))] + list(ORG_KIND_LABELS.items()),
                       validate_choice=False)  # core.org refuses an unknown level, on this field
    industry = StringField(_l("行业"), validators=[Optional(), Length(max=50, message=_l("行业最多 50 个字。"))],
                           description=_l("可选，例如“装备制造”，用于全市统计。"))


class GrantForm(PortalForm):
    """Give a person a scoped role (admin, hr, safety) over a node inside the admin's own scope."""

    # Own ids: the profile form on the same page has a department_id field too.
    role = SelectField(_l("角色"), choices=[(role, ROLE_LABELS[role]) for role in SCOPED_ROLES], id="grant-role",
                       validate_choice=False)  # core.grants refuses an unknown role in the user's language
    department_id = PickerField(_l("管理范围"), source="departments-grant", id="grant-department",
                                refused=OUTSIDE_SCOPE, validators=[DataRequired(_l("请选择管理范围。"))])


class ImportUploadForm(PortalForm):
    """Upload a people file for preview."""

    file = FileField(_l("人员文件（.xlsx 或 .csv）"), validators=[FileRequired(_l("请选择要上传的文件。"))])


class ImportApplyForm(PortalForm):
    """Confirm a previewed import."""

    token = StringField(validators=[DataRequired()])
    initial_password = PasswordField(_l("新账号的初始密码"), validators=[Optional(), Length(max=128)],
                                     description=_l("新建的账号共用这个初始密码，首次登录时必须修改。"))


class AuditFilterForm(PortalForm):
    """Filters of the audit log (GET, no CSRF)."""

    class Meta:
        csrf = False

    actor = StringField(_l("操作人工号"), validators=[Optional(), Length(max=32)])
    action = StringField(_l("动作"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("开始日期"), validators=[Optional()])
    date_to = DateField(_l("结束日期"), validators=[Optional()])
