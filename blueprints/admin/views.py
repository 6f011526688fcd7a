"""Administration pages: people, departments, audit log, settings and user import."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from blueprints.admin import bp, imports
from blueprints.admin.forms import AuditFilterForm, DepartmentForm, ImportApplyForm, ImportUploadForm, UserForm
from blueprints.core import people
from blueprints.core.errors import DomainError
from blueprints.core.forms import EmptyForm
from blueprints.core.models import ROLE_KEYS, AuditLog, Department, User
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import roles_required
from blueprints.core.settings import REGISTRY, get_setting, parse_setting, set_setting
from blueprints.core.web import is_fragment_request, redirect_after_change, render
from extensions import db


@bp.before_request
@roles_required("admin")
def require_admin():
    """Every page here is for union admins only."""
    return None


# --- People ------------------------------------------------------------------------------------------------


@bp.route("/users")
def users():
    """People: search as you type, filter by department, role and status."""
    q = request.args.get("q", "")[:50]
    department_id = request.args.get("department", type=int)
    role = request.args.get("role") if request.args.get("role") in ROLE_KEYS else None
    status = request.args.get("status", "")
    active = {"active": True, "inactive": False}.get(status)
    stmt = people.users_query(q, department_id, role, active)
    page = keyset_page(stmt, [User.employee_no, User.id], descending=False, cursor=request.args.get("after"),
                       before=request.args.get("before"), count=True)
    dept_names = _department_names({u.department_id for u in page.items})
    return render("admin/users.html", "results", page=page, q=q, department_id=department_id, role=role,
                  status=status, dept_names=dept_names,
                  department_choices=[] if is_fragment_request() else people.department_filter_choices(department_id),
                  form=EmptyForm())


def _department_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    form.department_id.choices = people.department_choices(blank=_("（未分配）"))
    if user is not None and not form.is_submitted():
        form.roles.data = sorted(user.roles)
    elif user is None and not form.is_submitted():
        form.roles.data = ["worker"]
    return form


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    """Create a person; a temporary password is shown once."""
    form = _user_form()
    if form.validate_on_submit():
        try:
            user, temp = people.create_user(
                employee_no=form.employee_no.data, name=form.name.data, department_id=form.department_id.data,
                job_title=form.job_title.data, skill_level=form.skill_level.data, phone=form.phone.data,
                email=form.email.data, roles=form.roles.data, actor=current_user)
        except DomainError as error:
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("已创建 %(name)s（%(no)s）。临时密码：%(pw)s —— 请转告本人，首次登录时必须修改。",
                    name=user.name, no=user.employee_no, pw=temp), "success")
            return redirect_after_change(url_for("admin.users", q=user.employee_no))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    """Edit a person's profile and roles."""
    user = db.get_or_404(User, user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        try:
            people.update_user(user, employee_no=form.employee_no.data, name=form.name.data,
                               department_id=form.department_id.data, job_title=form.job_title.data,
                               skill_level=form.skill_level.data, phone=form.phone.data, email=form.email.data,
                               roles=form.roles.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("已保存 %(name)s 的资料。", name=user.name), "success")
            return redirect_after_change(url_for("admin.users", q=user.employee_no))
    return render_template("admin/user_form.html", form=form, user=user)


def _form_error(form, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error)]
    else:
        flash(str(error), "danger")


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def user_set_active(user_id: int):
    """Deactivate (ends their sessions at once) or reactivate a person."""
    user = db.get_or_404(User, user_id)
    EmptyForm().validate_on_submit()
    active = request.form.get("active") == "1"
    try:
        people.set_active(user, active, actor=current_user)
    except DomainError as error:
        flash(str(error), "danger")
    else:
        db.session.commit()
        message = (_("已启用 %(name)s。", name=user.name) if active
                   else _("已停用 %(name)s，其登录已全部失效。", name=user.name))
        flash(message, "success")
    return redirect_after_change(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
def user_reset_password(user_id: int):
    """Issue a temporary password the person must change at next login."""
    user = db.get_or_404(User, user_id)
    EmptyForm().validate_on_submit()
    temp = people.reset_password(user, actor=current_user)
    db.session.commit()
    flash(_("%(name)s 的临时密码：%(pw)s —— 请转告本人，下次登录时必须修改。", name=user.name, pw=temp), "warning")
    return redirect_after_change(url_for("admin.user_edit", user_id=user.id))


# --- Departments -------------------------------------------------------------------------------------------


def _department_form(dept: Department | None = None) -> DepartmentForm:
    form = DepartmentForm(obj=dept)
    choices = people.department_choices(blank=_("（无，顶级单位）"))
    if dept is not None:
        choices = [c for c in choices if c[0] == "" or not _is_in_subtree(c[0], dept)]
    form.parent_id.choices = choices
    return form


def _is_in_subtree(dept_id, root: Department) -> bool:
    dept = db.session.get(Department, dept_id)
    return dept is not None and dept.path.startswith(root.path)


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    """The organisation tree with head counts, and a form to add a department."""
    form = _department_form()
    if form.validate_on_submit():
        parent = db.session.get(Department, form.parent_id.data) if form.parent_id.data else None
        try:
            dept = people.create_department(form.code.data, form.name.data, parent, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("已添加部门“%(name)s”。", name=dept.name), "success")
            return redirect_after_change(url_for("admin.departments"))
    tree = people.department_tree()
    return render_template("admin/departments.html", tree=tree, counts=people.head_counts(), form=form,
                           delete_form=EmptyForm())


@bp.route("/departments/<int:dept_id>/edit", methods=["GET", "POST"])
def department_edit(dept_id: int):
    """Rename a department or move it under another parent."""
    dept = db.get_or_404(Department, dept_id)
    form = _department_form(dept)
    if form.validate_on_submit():
        parent = db.session.get(Department, form.parent_id.data) if form.parent_id.data else None
        try:
            people.update_department(dept, form.code.data, form.name.data, parent, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("已保存部门“%(name)s”。", name=dept.name), "success")
            return redirect_after_change(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, dept=dept)


@bp.route("/departments/<int:dept_id>/delete", methods=["POST"])
def department_delete(dept_id: int):
    """Delete an empty department; refused with the reason while it has people or sub-departments."""
    dept = db.get_or_404(Department, dept_id)
    EmptyForm().validate_on_submit()
    name = dept.name
    try:
        people.delete_department(dept, actor=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        flash(_("已删除部门“%(name)s”。", name=name), "success")
    return redirect_after_change(url_for("admin.departments"))


# --- Audit log ---------------------------------------------------------------------------------------------


@bp.route("/audit")
def audit_log():
    """The audit log, newest first, filtered by actor, action and date (dates in the configured zone)."""
    form = AuditFilterForm(request.args)
    stmt = select(AuditLog)
    if form.validate():
        if form.actor.data:
            stmt = stmt.where(func.lower(AuditLog.actor_label) == form.actor.data.strip().lower())
        if form.action.data:
            stmt = stmt.where(AuditLog.action.startswith(form.action.data.strip()))
        tz = ZoneInfo(current_app.config["TIMEZONE"])  # pytz zones in datetime() give the LMT offset (+08:06)
        if form.date_from.data:
            stmt = stmt.where(AuditLog.created_at >= datetime.combine(form.date_from.data, time.min, tz))
        if form.date_to.data:
            stmt = stmt.where(AuditLog.created_at < datetime.combine(form.date_to.data + timedelta(days=1),
                                                                     time.min, tz))
    page = keyset_page(stmt, [AuditLog.created_at, AuditLog.id], cursor=request.args.get("after"),
                       before=request.args.get("before"), count=True)
    actions = [] if is_fragment_request() else _audit_actions()
    return render("admin/audit.html", "results", page=page, form=form, actions=actions)


def _audit_actions(limit: int = 200) -> list[str]:
    """The distinct actions in the log, for the filter box, by hopping along the action index.

    SELECT DISTINCT reads every row on PostgreSQL (0.3 s at two million rows); the recursive query asks the
    index for the next larger action once per distinct value instead.
    """
    from sqlalchemy import func

    first = select(func.min(AuditLog.action).label("action")).cte("actions", recursive=True)
    following = select(select(func.min(AuditLog.action)).where(AuditLog.action > first.c.action)
                       .scalar_subquery()).where(first.c.action.is_not(None))
    hops = first.union_all(following)
    return list(db.session.scalars(select(hops.c.action).where(hops.c.action.is_not(None)).limit(limit)))


# --- Settings ----------------------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Values the union edits without a deploy, registered by each domain."""
    form = EmptyForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        values = {}
        for key, spec in REGISTRY.items():
            raw = request.form.get(key)
            if spec.kind is bool:
                values[key] = raw == "on"
                continue
            if raw is None:
                continue
            try:
                values[key] = parse_setting(key, raw.strip())
            except DomainError as error:
                errors[key] = str(error)
        if not errors:
            changed = []
            for key, value in values.items():
                if get_setting(key) != value:
                    set_setting(key, value)
                    changed.append(f"{key}={value}")
            if changed:
                from blueprints.core import audit

                audit.record("settings.changed", detail="; ".join(changed))
            db.session.commit()
            flash(_("设置已保存。"), "success")
            return redirect_after_change(url_for("admin.settings"))
    current = {key: request.form.get(key, get_setting(key)) if errors else get_setting(key) for key in REGISTRY}
    return render_template("admin/settings.html", form=form, registry=REGISTRY, current=current, errors=errors)


# --- Import ------------------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def user_import():
    """Upload a people file and see a preview with every row's problems, before anything changes."""
    form = ImportUploadForm()
    preview = token = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = imports.parse_file(upload.filename or "", upload.read())
            preview = imports.check_rows(rows)
        except DomainError as error:
            form.file.errors.append(str(error))
        else:
            if not preview.bad_rows:
                token = imports.stash(preview, upload.filename or "", current_user)
                db.session.commit()
    return render_template("admin/import.html", form=form, preview=preview, token=token,
                           apply_form=ImportApplyForm(token=token))


@bp.route("/import/template.xlsx")
def user_import_template():
    """A ready-to-fill workbook with the import columns and one example row."""
    from blueprints.core.spreadsheets import xlsx_response

    header = [names[0] for names in imports.COLUMNS.values()]
    example = [["10086", "张三", people.department_tree()[0].code if people.department_tree() else "",
                "数控车工", "中级工", "13800138000"]]
    return xlsx_response("人员导入模板.xlsx", "人员", header, example, widths=[12, 10, 16, 14, 10, 14])


@bp.route("/import/apply", methods=["POST"])
def user_import_apply():
    """Apply a previewed import: every row or none."""
    form = ImportApplyForm()
    if not form.validate_on_submit():
        abort(400)
    stashed = imports.take_stash(form.token.data, current_user)
    if stashed is None:
        flash(_("这个导入已经执行过或已过期，请重新上传文件。"), "warning")
        return redirect_after_change(url_for("admin.user_import"))
    rows, filename = stashed
    try:
        created, updated = imports.apply_rows(rows, form.initial_password.data or None, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        preview = imports.check_rows(rows)
        # Keep the batch so the admin can fix the password and try again.
        token = imports.stash(preview, filename, current_user)
        db.session.commit()
        apply_form = ImportApplyForm(token=token)
        apply_form.initial_password.errors = [str(error)]
        return render_template("admin/import.html", form=ImportUploadForm(), preview=preview, token=token,
                               apply_form=apply_form)
    db.session.commit()
    flash(_("导入完成：新建 %(c)s 人，更新 %(u)s 人。", c=created, u=updated), "success")
    return redirect_after_change(url_for("admin.users"))
