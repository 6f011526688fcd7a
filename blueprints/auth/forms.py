"""Forms of the sign-in pages."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from blueprints.core.forms import PortalForm


class LoginForm(PortalForm):
    """Sign in with 工号 and password."""

    employee_no = StringField(_l("工号"), validators=[DataRequired(_l("请输入工号。")), Length(max=32)],
                              render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("在这台电脑上保持登录（14 天）"))


class PasswordChangeForm(PortalForm):
    """Change one's own password; the current one is asked again."""

    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。"))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码。"))],
                                 description=_l("至少 8 个字符，可以很长；不要用常见密码或工号。"),
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("再次输入新密码"), validators=[
        DataRequired(_l("请再次输入新密码。")), EqualTo("new_password", _l("两次输入的新密码不一致。"))],
        render_kw={"autocomplete": "new-password"})
