"""Administration pages: people, departments, audit log, settings and user import."""
from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin import bp, imports
from blueprints.admin.forms import AuditFilterForm, DepartmentForm, ImportApplyForm, ImportUploadForm, UserForm
from blueprints.core import audit, audit_labels, people
from blueprints.core.forms import EmptyForm
from blueprints.core.models import ROLE_KEYS, AuditLog, Department, User
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import roles_required
from blueprints.core.settings import REGISTRY, get_setting, parse_settings, save_settings
from blueprints.core.web import action, is_fragment_request, redirect_after_change, render
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
    dept_names = people.department_names(u.department_id for u in page.items)
    return render("admin/users.html", "results", page=page, q=q, department_id=department_id, role=role,
                  status=status, dept_names=dept_names,
                  department_choices=[] if is_fragment_request() else people.department_filter_choices(department_id),
                  form=EmptyForm())


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    form.department_id.choices = people.department_choices(blank=_("（未分配）"))
    if user is not None and not form.is_submitted():
        form.roles.data = sorted(user.roles)
    elif user is None and not form.is_submitted():
        form.roles.data = ["worker"]
    return form


def _profile(form: UserForm) -> dict:
    """The profile fields of the user form, as create_user and update_user take them."""
    return {"employee_no": form.employee_no.data, "name": form.name.data, "department_id": form.department_id.data,
            "job_title": form.job_title.data, "skill_level": form.skill_level.data, "phone": form.phone.data,
            "email": form.email.data, "roles": form.roles.data}


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    """Create a person; a temporary password is shown once."""
    form = _user_form()
    if form.validate_on_submit():
        with action(form) as outcome:
            user, temp = people.create_user(**_profile(form), actor=current_user)
        if outcome.done:
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
        with action(form) as outcome:
            people.update_user(user, **_profile(form), actor=current_user)
        if outcome.done:
            flash(_("已保存 %(name)s 的资料。", name=user.name), "success")
            return redirect_after_change(url_for("admin.users", q=user.employee_no))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def user_set_active(user_id: int):
    """Deactivate (ends their sessions at once) or reactivate a person."""
    user = db.get_or_404(User, user_id)
    EmptyForm().validate_on_submit()
    active = request.form.get("active") == "1"
    with action() as outcome:
        people.set_active(user, active, actor=current_user)
    if outcome.done:
        message = (_("已启用 %(name)s。", name=user.name) if active
                   else _("已停用 %(name)s，其登录已全部失效。", name=user.name))
        flash(message, "success")
    return redirect_after_change(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
def user_reset_password(user_id: int):
    """Issue a temporary password the person must change at next login."""
    user = db.get_or_404(User, user_id)
    EmptyForm().validate_on_submit()
    with action() as outcome:
        temp = people.reset_password(user, actor=current_user)
    if outcome.done:
        flash(_("%(name)s 的临时密码：%(pw)s —— 请转告本人，下次登录时必须修改。", name=user.name, pw=temp),
              "warning")
    return redirect_after_change(url_for("admin.user_edit", user_id=user.id))


# --- Departments -------------------------------------------------------------------------------------------


def _department_form(dept: Department | None = None) -> DepartmentForm:
    form = DepartmentForm(obj=dept)
    form.parent_id.choices = people.department_choices(blank=_("（无，顶级单位）"), outside=dept)
    return form


def _chosen_parent(form: DepartmentForm) -> Department | None:
    return db.session.get(Department, form.parent_id.data) if form.parent_id.data else None


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    """The organisation tree with head counts, and a form to add a department."""
    form = _department_form()
    if form.validate_on_submit():
        with action(form) as outcome:
            dept = people.create_department(form.code.data, form.name.data, _chosen_parent(form), actor=current_user)
        if outcome.done:
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
        with action(form) as outcome:
            people.update_department(dept, form.code.data, form.name.data, _chosen_parent(form), actor=current_user)
        if outcome.done:
            flash(_("已保存部门“%(name)s”。", name=dept.name), "success")
            return redirect_after_change(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, dept=dept)


@bp.route("/departments/<int:dept_id>/delete", methods=["POST"])
def department_delete(dept_id: int):
    """Delete an empty department; refused with the reason while it has people or sub-departments."""
    dept = db.get_or_404(Department, dept_id)
    EmptyForm().validate_on_submit()
    name = dept.name
    with action() as outcome:
        people.delete_department(dept, actor=current_user)
    if outcome.done:
        flash(_("已删除部门“%(name)s”。", name=name), "success")
    return redirect_after_change(url_for("admin.departments"))


# --- Audit log ---------------------------------------------------------------------------------------------


@bp.route("/audit")
def audit_log():
    """The audit log, newest first, filtered by actor, action and date (dates in the configured zone)."""
    form = AuditFilterForm(request.args)
    if form.validate():
        stmt = audit.log_query(form.actor.data, form.action.data, form.date_from.data, form.date_to.data)
    else:
        stmt = audit.log_query()
    page = keyset_page(stmt, [AuditLog.created_at, AuditLog.id], cursor=request.args.get("after"),
                       before=request.args.get("before"), count=True)
    actions = [] if is_fragment_request() else audit_labels.action_choices(audit.logged_actions())
    return render("admin/audit.html", "results", page=page, form=form, actions=actions,
                  rows=audit_labels.describe(page.items))


# --- Settings ----------------------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Values the union edits without a deploy, registered by each domain."""
    form = EmptyForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        values, errors = parse_settings(request.form)
        if not errors:
            with action() as outcome:
                save_settings(values, actor=current_user)
            if outcome.done:
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
        with action(form, flash_error=False) as outcome:
            preview, token = imports.preview_upload(upload.filename or "", upload.read(), current_user)
        if outcome.error is not None:  # the file as a whole is unreadable: say so on its field
            form.file.errors.append(outcome.message)
    return render_template("admin/import.html", form=form, preview=preview, token=token,
                           apply_form=ImportApplyForm(token=token))


@bp.route("/import/template.xlsx")
def user_import_template():
    """A ready-to-fill workbook with the import columns and one example row."""
    from blueprints.core.spreadsheets import xlsx_response

    header = [names[0] for names in imports.COLUMNS.values()]
    tree = people.department_tree()
    example = [["10086", "张三", tree[0].code if tree else "", "数控车工", "中级工", "13800138000"]]
    return xlsx_response("人员导入模板.xlsx", "人员", header, example, widths=[12, 10, 16, 14, 10, 14])


@bp.route("/import/apply", methods=["POST"])
def user_import_apply():
    """Apply a previewed import: every row or none."""
    form = ImportApplyForm()
    if not form.validate_on_submit():
        abort(400)
    with action(form) as outcome:
        created, updated = imports.apply_stash(form.token.data, form.initial_password.data or None, current_user)
    if outcome.done:
        flash(_("导入完成：新建 %(c)s 人，更新 %(u)s 人。", c=created, u=updated), "success")
        return redirect_after_change(url_for("admin.users"))
    rows = imports.stashed_rows(form.token.data, current_user)  # still there: the refusal rolled back
    if outcome.error.field != "initial_password" or rows is None:  # already used, expired, or the data changed
        return redirect_after_change(url_for("admin.user_import"))
    # The same preview again, so the admin can give an acceptable initial password and confirm once more.
    return render_template("admin/import.html", form=ImportUploadForm(), preview=imports.check_rows(rows),
                           token=form.token.data, apply_form=form)
