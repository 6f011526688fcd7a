"""Administration pages: people, departments, audit log, settings and user import."""
from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin import bp, imports
from blueprints.admin import rows as people_rows
from blueprints.admin.forms import (
    AuditFilterForm,
    DepartmentForm,
    GrantForm,
    ImportApplyForm,
    ImportUploadForm,
    UserForm,
)
from blueprints.core import audit, audit_labels, people, pickers
from blueprints.core.errors import DomainError
from blueprints.core.forms import EmptyForm
from blueprints.core.grants import OUTSIDE_SCOPE, grant, grants_of, revoke
from blueprints.core.labels import ORG_KIND_LABELS, ROLE_LABELS
from blueprints.core.models import ROLE_KEYS, SCOPED_ROLES, AuditLog, Department, RoleGrant, User
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import deny, roles_required
from blueprints.core.scopes import covers, covers_id, scope_nodes, scope_of
from blueprints.core.settings import (
    REGISTRY,
    enterprise_value,
    get_setting,
    parse_overrides,
    parse_settings,
    save_overrides,
    save_settings,
)
from blueprints.core.web import action, is_fragment_request, redirect_after_change, render
from extensions import db


@bp.before_request
@roles_required("admin")
def require_admin():
    """Every page here is for union admins only."""
    return None


# --- People ------------------------------------------------------------------------------------------------


def _admin_scope():
    return scope_of(current_user, "admin")


def _user_in_scope(user_id: int) -> User:
    """The person, if inside the admin's scope; otherwise 404 (audited), exactly like a missing one."""
    user = db.session.get(User, user_id)
    if user is None or not covers_id(current_user, "admin", user.department_id):
        deny(404, f"user {user_id}")
    return user


def _department_in_scope(dept_id: int) -> Department:
    """The node, if inside the admin's scope; otherwise 404 (audited)."""
    dept = db.session.get(Department, dept_id)
    if dept is None or not covers(current_user, "admin", dept):
        deny(404, f"department {dept_id}")
    return dept


@bp.route("/users")
def users():
    """People inside the admin's scope: search as you type, filter by department, role and status."""
    q = request.args.get("q", "")[:50]
    dept = pickers.filter_pick("departments-admin", request.args, "department", current_user,
                               full=not is_fragment_request())
    department_id = dept.id
    role = request.args.get("role") if request.args.get("role") in ROLE_KEYS else None
    status = request.args.get("status", "")
    active = {"active": True, "inactive": False}.get(status)
    page = people.user_list_page(q, department_id, role, active, scope=_admin_scope(),
                                 after=request.args.get("after"), before=request.args.get("before"))
    dept_names = people.department_names(u.department_id for u in page.items)
    return render("admin/users.html", "results", page=page, q=q, department_id=department_id, role=role,
                  status=status, dept_names=dept_names, dept_pick=dept, form=EmptyForm(),
                  look=people_rows.people_look(page.items))


# The role boxes of the user form: worker and lead; admin, hr and safety come with a scope (the grants section),
# except when creating a person, where a ticked one is granted over the creating admin's own scope.
UNSCOPED_ROLES = tuple(role for role in ROLE_LABELS if role not in SCOPED_ROLES)


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    if user is not None:
        form.roles.choices = [(role, ROLE_LABELS[role]) for role in UNSCOPED_ROLES]
    if user is not None and not form.is_submitted():
        form.roles.data = sorted(set(user.roles) & set(UNSCOPED_ROLES))
    elif user is None and not form.is_submitted():
        form.roles.data = ["worker"]
        if not _admin_scope().everything:  # a scoped admin's new person starts at the top of their scope
            nodes = scope_nodes(current_user, "admin")
            form.department_id.data = nodes[0].id if nodes else None
    return form


def _profile(form: UserForm, user: User | None = None) -> dict:
    """The profile fields of the user form, as create_user and update_user take them (an existing person keeps
    the scoped roles their grants give)."""
    roles = list(form.roles.data or [])
    if user is not None:
        roles += sorted(set(user.roles) & set(SCOPED_ROLES))
    return {"employee_no": form.employee_no.data, "name": form.name.data, "department_id": form.department_id.data,
            "job_title": form.job_title.data, "skill_level": form.skill_level.data, "phone": form.phone.data,
            "email": form.email.data, "roles": roles}


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
            return redirect_after_change(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


def _user_page(user: User, form: UserForm, grant_form: GrantForm | None = None):
    """The person's page: profile form, account actions and their grants."""
    grant_form = grant_form or GrantForm()
    rows = grants_of(user.id)
    granted_by = people.user_names(row.granted_by_id for row, _dept in rows)
    return render_template("admin/user_form.html", form=form, user=user, grants=rows, granted_by=granted_by,
                           grant_form=grant_form, role_labels=ROLE_LABELS, kind_labels=ORG_KIND_LABELS)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    """A person's page: edit the profile and the worker/lead roles, see and change their grants."""
    user = _user_in_scope(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        with action(form) as outcome:
            people.update_user(user, **_profile(form, user), actor=current_user)
        if outcome.done:
            flash(_("已保存 %(name)s 的资料。", name=user.name), "success")
            return redirect_after_change(url_for("admin.users", q=user.employee_no))
    return _user_page(user, form)


@bp.route("/users/<int:user_id>/grants", methods=["POST"])
def user_grant(user_id: int):
    """Give the person a scoped role over a node inside the admin's own scope."""
    user = _user_in_scope(user_id)
    grant_form = GrantForm()
    if grant_form.validate_on_submit():
        department = None
        chosen = grant_form.department_id.data  # "all": the whole tree (offered to whole-tree admins only)
        if chosen != "all":
            department = db.session.get(Department, chosen)
        with action(grant_form) as outcome:
            if chosen != "all" and department is None:
                raise DomainError(OUTSIDE_SCOPE, field="department_id")
            grant(user, grant_form.role.data, department, actor=current_user)
        if outcome.done:
            flash(_("已为 %(name)s 授权。", name=user.name), "success")
            return redirect_after_change(url_for("admin.user_edit", user_id=user.id))
    return _user_page(user, _user_form(user), grant_form), 422


@bp.route("/users/<int:user_id>/grants/<int:grant_id>/revoke", methods=["POST"])
def user_revoke(user_id: int, grant_id: int):
    """Withdraw one of the person's grants (inside the admin's own scope; the last whole-tree admin keeps theirs)."""
    user = _user_in_scope(user_id)
    row = db.session.get(RoleGrant, grant_id)
    if row is None or row.user_id != user.id:
        deny(404, f"grant {grant_id}")
    EmptyForm().validate_on_submit()
    with action() as outcome:
        revoke(row, actor=current_user)
    if outcome.done:
        flash(_("已取消 %(name)s 的一项授权。", name=user.name), "success")
    return redirect_after_change(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def user_set_active(user_id: int):
    """Deactivate (ends their sessions at once) or reactivate a person."""
    user = _user_in_scope(user_id)
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
    user = _user_in_scope(user_id)
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
    if dept is not None:
        form.kind.choices = list(ORG_KIND_LABELS.items())  # an existing node has a level; no "automatic"
        # The top of a scoped admin's subtree: its parent lies outside, but it may stay where it is.
        form.parent_id.keep = dept.parent_id
    return form


def _chosen_parent(form: DepartmentForm) -> Department | None:
    """The chosen parent node (None: the top); an id that names no node is refused on the field."""
    if form.parent_id.data is None:
        return None
    parent = db.session.get(Department, form.parent_id.data)
    if parent is None:
        raise DomainError(people.OUTSIDE_ADMIN_SCOPE, field="parent_id")
    return parent


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    """The organisation tree inside the admin's scope, with levels and head counts, and a form to add a node."""
    form = _department_form()
    if form.validate_on_submit():
        with action(form) as outcome:
            dept = people.create_department(form.code.data, form.name.data, _chosen_parent(form), actor=current_user,
                                            kind=form.kind.data or None, industry=form.industry.data)
        if outcome.done:
            flash(_("已添加部门“%(name)s”。", name=dept.name), "success")
            return redirect_after_change(url_for("admin.departments"))
    tree = people.department_tree(_admin_scope())
    return render_template("admin/departments.html", tree=tree, counts=people.head_counts(), form=form,
                           delete_form=EmptyForm(), kind_labels=ORG_KIND_LABELS)


@bp.route("/departments/<int:dept_id>/edit", methods=["GET", "POST"])
def department_edit(dept_id: int):
    """Rename a node, change its level or industry, or move it under another parent."""
    dept = _department_in_scope(dept_id)
    form = _department_form(dept)
    if form.validate_on_submit():
        with action(form) as outcome:
            people.update_department(dept, form.code.data, form.name.data, _chosen_parent(form), actor=current_user,
                                     kind=form.kind.data or None, industry=form.industry.data or "")
        if outcome.done:
            flash(_("已保存部门“%(name)s”。", name=dept.name), "success")
            return redirect_after_change(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, dept=dept)


@bp.route("/departments/<int:dept_id>/delete", methods=["POST"])
def department_delete(dept_id: int):
    """Delete an empty node; refused with the reason while it has people, sub-nodes or records."""
    dept = _department_in_scope(dept_id)
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
        stmt = audit.log_query(form.actor.data, form.action.data, form.date_from.data, form.date_to.data,
                               scope=_admin_scope())
    else:
        stmt = audit.log_query(scope=_admin_scope())
    page = keyset_page(stmt, [AuditLog.created_at, AuditLog.id], cursor=request.args.get("after"),
                       before=request.args.get("before"), count=True)
    actions = [] if is_fragment_request() else audit_labels.action_choices(audit.logged_actions())
    return render("admin/audit.html", "results", page=page, form=form, actions=actions,
                  rows=audit_labels.describe(page.items))


# --- Settings ----------------------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Values the union edits without a deploy, registered by each domain: a whole-tree admin sets the city's
    values; an enterprise admin sees them and sets their enterprise's own value of the overridable ones."""
    if not _admin_scope().everything:
        return _enterprise_settings()
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
    return render_template("admin/settings.html", form=form, registry=REGISTRY, current=current, errors=errors,
                           enterprise=None)


def _enterprise_settings():
    """The settings page of an admin scoped below the city: the city's values, and their enterprise's own."""
    enterprises = [node for node in scope_nodes(current_user, "admin") if node.kind == "enterprise"]
    chosen = request.args.get("enterprise", type=int)
    enterprise = next((e for e in enterprises if e.id == chosen), enterprises[0] if enterprises else None)
    form = EmptyForm()
    errors: dict[str, str] = {}
    if enterprise is not None and form.validate_on_submit():
        values, errors = parse_overrides(request.form)
        if not errors:
            with action() as outcome:
                save_overrides(enterprise, values, actor=current_user)
            if outcome.done:
                flash(_("“%(name)s”的设置已保存。", name=enterprise.name), "success")
                return redirect_after_change(url_for("admin.settings", enterprise=enterprise.id))
    city = {key: get_setting(key) for key in REGISTRY}
    own = {key: enterprise_value(key, enterprise) for key in REGISTRY} if enterprise is not None else {}
    if errors:
        own.update({key: request.form.get(key, "") for key in REGISTRY if REGISTRY[key].overridable})
    return render_template("admin/settings.html", form=form, registry=REGISTRY, current=city, errors=errors,
                           enterprise=enterprise, enterprises=enterprises, own=own)


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
    tree = people.department_tree(_admin_scope())
    example = [["10086", "张三", tree[0].code if tree else "", "数控车工", "中级工", "13800138000"]]
    return xlsx_response("人员导入模板.xlsx", "人员", header, example, widths=[12, 10, 16, 14, 10, 14])


@bp.route("/import/apply", methods=["POST"])
def user_import_apply():
    """Apply a previewed import: every row or none."""
    form = ImportApplyForm()
    if not form.validate_on_submit():
        abort(400)
    rows = imports.stashed_rows(form.token.data, current_user)
    if rows is not None and len(rows) > current_app.config["IMPORT_INLINE_ROWS"]:
        # A large file: checked here, applied by a background job whose page reports the counts or the reason.
        with action(form) as outcome:
            job = imports.queue_stash(form.token.data, form.initial_password.data or None, current_user)
        if outcome.done:
            return redirect_after_change(url_for("core.job", job_id=job.id))
    else:
        with action(form) as outcome:
            created, updated = imports.apply_stash(form.token.data, form.initial_password.data or None,
                                                   current_user)
        if outcome.done:
            flash(_("导入完成：新建 %(c)s 人，更新 %(u)s 人。", c=created, u=updated), "success")
            return redirect_after_change(url_for("admin.users"))
    rows = imports.stashed_rows(form.token.data, current_user)  # still there: the refusal rolled back
    if outcome.error.field != "initial_password" or rows is None:  # already used, expired, or the data changed
        return redirect_after_change(url_for("admin.user_import"))
    # The same preview again, so the admin can give an acceptable initial password and confirm once more.
    preview = imports.check_rows(rows, _admin_scope())
    return render_template("admin/import.html", form=ImportUploadForm(), preview=preview, token=form.token.data,
                           apply_form=form)
