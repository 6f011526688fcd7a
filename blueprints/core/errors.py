"""Error pages in the user's language, with no traceback, and the domain error raised by services."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from blueprints.core.i18n import N_

log = logging.getLogger("portal")


class DomainError(Exception):
    """A business rule refused an action; `message` is shown to the user (a Chinese message id, translated on show)."""

    def __init__(self, message: str, field: str | None = None, **params):
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params

    def __str__(self) -> str:
        try:
            return gettext(self.message, **self.params)
        except (KeyError, ValueError, TypeError, RuntimeError):
            return self.message


ERROR_TEXT = {
    400: (N_("请求无效"), N_("页面已过期或请求不完整，请刷新页面后重试。")),
    403: (N_("没有权限"), N_("您没有权限访问此页面。如需开通，请联系工会管理员。")),
    404: (N_("页面不存在"), N_("您要找的页面不存在，或者您无权查看。")),
    405: (N_("操作不允许"), N_("此页面不支持这种操作方式。")),
    413: (N_("文件过大"), N_("上传的内容超过了大小限制（单个文件不超过 10 MB）。请压缩或拆分后重试。")),
    415: (N_("请求格式不支持"), N_("此页面只接受网页表单提交的数据。请在页面上填写表单后提交。")),
    429: (N_("尝试次数过多"), N_("操作过于频繁，请稍等 15 分钟后再试。")),
    500: (N_("系统出错了"), N_("服务器遇到了意外错误，已记录下来。请稍后重试；如果一直出现，请联系管理员。")),
}


def _render_error(status: int, detail: str | None = None):
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500])
    body = render_template("errors/error.html", status=status, title=gettext(title),
                           text=detail or gettext(text))
    return body, status


def init_error_handlers(app: Flask) -> None:
    """Render every HTTP error (and any uncaught exception) with the shared error page."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render_error(400, gettext("表单已过期或缺少安全令牌，请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in (403,):
            from blueprints.core.audit import record_denial

            record_denial(error.code)
        if error.code is None or error.code < 400:
            return error
        return _render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if app.testing and app.config.get("PROPAGATE_EXCEPTIONS") is not False:
            raise error  # let tests see the real traceback instead of a generic 500 page
        # Logged with the traceback for operators; the user sees only the generic page.
        log.exception("unhandled error on %s %s", request.method, request.path)
        from extensions import db

        db.session.rollback()
        return _render_error(500)

    app.jinja_env.globals["lazy_gettext"] = lazy_gettext
