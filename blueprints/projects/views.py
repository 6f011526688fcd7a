"""Key projects pages: the list with the union's to-do (started projects with no competition), a project's page
with milestones and covering competitions, and the forms. Admins in scope only; others' projects answer 404."""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.competitions.models import Milestone, Project
from blueprints.core.clock import local_today
from blueprints.core.forms import EmptyForm
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import deny, roles_required
from blueprints.core.web import action, redirect_after_change, render
from blueprints.projects import bp, queries, services
from blueprints.projects.forms import MilestoneForm, ProjectFilterForm, ProjectForm
from blueprints.projects.labels import (
    COMPETITION_STATUS_LABELS,
    LEVEL_LABELS,
    MILESTONE_BADGES,
    STATUS_BADGES,
    STATUS_LABELS,
)


def _managed(project_id: int):
    """The project and its owner, when the owner lies in the admin's scope; else 404 like a missing one (audited)."""
    found = queries.load(project_id)
    if found is None:
        abort(404)
    if not queries.manages(current_user, found[1]):
        deny(404, f"key project {project_id} outside the admin scope")
    return found


def _milestone(project: Project, milestone_id: int) -> Milestone:
    milestone = queries.load_milestone(project.id, milestone_id)
    if milestone is None:
        abort(404)
    return milestone


def _labels() -> dict:
    return {"level_labels": LEVEL_LABELS, "status_badges": STATUS_BADGES, "status_labels": STATUS_LABELS,
            "milestone_badges": MILESTONE_BADGES, "competition_status_labels": COMPETITION_STATUS_LABELS}


@bp.route("/")
@roles_required("admin")
def index():
    """Projects in the admin's scope, filtered by level, status and owner; started ones without a competition first."""
    form = ProjectFilterForm(request.args)
    valid = form.validate() or set(form.errors) == {"owner"}  # an unresolved owner box filters on no owner
    filters = {"level": form.level.data if valid else None, "status": form.status.data if valid else None,
               "owner_id": form.owner.data if valid else None,
               "uncovered": request.args.get("uncovered") == "1"}
    page = keyset_page(queries.list_query(current_user, **filters), [Project.id], cursor=request.args.get("after"),
                       before=request.args.get("before"), count=True, scalars=False,
                       count_stmt=queries.count_query(current_user, **filters))
    uncovered, uncovered_count = queries.uncovered_started(current_user)
    return render("projects/index.html", "results", page=page, form=form, uncovered=uncovered,
                  uncovered_count=uncovered_count, only_uncovered=filters["uncovered"],
                  filtered=any(filters.values()), **_labels())


def _data(form: ProjectForm) -> services.ProjectData:
    return services.ProjectData(name=form.name.data, level=form.level.data, owner_id=form.owner_id.data,
                                location=form.location.data or "", planned_start=form.planned_start.data,
                                planned_end=form.planned_end.data, status=form.status.data,
                                description=form.description.data or "")


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    """Register a key project of an enterprise in scope."""
    form = ProjectForm()
    if form.validate_on_submit():
        with action(form) as outcome:
            project = services.create_project(current_user, _data(form))
        if outcome.done:
            flash(_("已登记重点项目“%(name)s”。可以在项目页添加节点。", name=project.name), "success")
            return redirect_after_change(url_for("projects.detail", project_id=project.id))
    return render("projects/form.html", form=form, project=None)


@bp.route("/<int:project_id>")
@roles_required("admin")
def detail(project_id: int):
    """A project: facts, milestones with their state, and the competitions covering it."""
    project, owner = _managed(project_id)
    return render("projects/detail.html", project=project, owner=owner,
                  milestones=queries.milestones(project.id), competitions=queries.competitions_of(project.id),
                  today=local_today(), state_of=queries.milestone_state, milestone_form=MilestoneForm(),
                  form=EmptyForm(), **_labels())


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(project_id: int):
    """Change a project's facts, dates or status."""
    project, _owner = _managed(project_id)
    form = ProjectForm(obj=project)
    if form.validate_on_submit():
        with action(form) as outcome:
            services.update_project(current_user, project, _data(form))
        if outcome.done:
            flash(_("已保存项目“%(name)s”。", name=form.name.data), "success")
            return redirect_after_change(url_for("projects.detail", project_id=project_id))
        project, _owner = _managed(project_id)
    return render("projects/form.html", form=form, project=project)


@bp.route("/<int:project_id>/milestones", methods=["POST"])
@roles_required("admin")
def milestone_add(project_id: int):
    """Add a milestone; a refusal shows the project page again with what was typed."""
    project, owner = _managed(project_id)
    form = MilestoneForm()
    if form.validate_on_submit():
        with action(form) as outcome:
            services.add_milestone(current_user, project, form.name.data, form.planned_on.data, form.actual_on.data)
        if outcome.done:
            flash(_("已添加节点“%(name)s”。", name=form.name.data), "success")
            return redirect_after_change(url_for("projects.detail", project_id=project_id) + "#milestones")
        project, owner = _managed(project_id)
    return render("projects/detail.html", project=project, owner=owner,
                  milestones=queries.milestones(project.id), competitions=queries.competitions_of(project.id),
                  today=local_today(), state_of=queries.milestone_state, milestone_form=form, form=EmptyForm(),
                  **_labels())


@bp.route("/<int:project_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def milestone_edit(project_id: int, milestone_id: int):
    """Change a milestone, or record its actual date."""
    project, _owner = _managed(project_id)
    milestone = _milestone(project, milestone_id)
    form = MilestoneForm(obj=milestone)
    if form.validate_on_submit():
        with action(form) as outcome:
            services.update_milestone(current_user, project, milestone, form.name.data, form.planned_on.data,
                                      form.actual_on.data)
        if outcome.done:
            flash(_("已保存节点“%(name)s”。", name=form.name.data), "success")
            return redirect_after_change(url_for("projects.detail", project_id=project_id) + "#milestones")
        project, _owner = _managed(project_id)
    return render("projects/milestone_form.html", form=form, project=project, milestone_id=milestone_id)


@bp.route("/<int:project_id>/milestones/<int:milestone_id>/delete", methods=["POST"])
@roles_required("admin")
def milestone_delete(project_id: int, milestone_id: int):
    """Remove a milestone."""
    project, _owner = _managed(project_id)
    milestone = _milestone(project, milestone_id)
    EmptyForm().validate_on_submit()  # CSRF is already checked by the app
    name = milestone.name
    with action() as outcome:
        services.delete_milestone(current_user, project, milestone)
    if outcome.done:
        flash(_("已删除节点“%(name)s”。", name=name), "success")
    return redirect_after_change(url_for("projects.detail", project_id=project_id) + "#milestones")
