"""Statistics pages: the report with its filters, sorting, inline targets and export; the personal record."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import false
from werkzeug.datastructures import MultiDict

from blueprints.core import audit, pickers, scopes
from blueprints.core.clock import to_local
from blueprints.core.errors import DomainError
from blueprints.core.forms import EmptyForm
from blueprints.core.jobs import enqueue
from blueprints.core.models import Department
from blueprints.core.people import department_tree, head_counts
from blueprints.core.permissions import deny, roles_required
from blueprints.core.types import parse_int
from blueprints.core.web import action, is_fragment_request, redirect_after_change, render
from blueprints.honours.labels import HONOUR_LABELS
from blueprints.honours.labels import LEVEL_LABELS as HONOUR_LEVEL_LABELS
from blueprints.stats import (
    bp,
    charts,
    competition_figures,
    contest_figures,
    exports,
    mentoring_figures,
    record,
    safety_figures,
    services,
    snapshot,
    snapshot_report,
)
from blueprints.stats.forms import RecordLookupForm, TargetForm
from blueprints.suggestions.labels import CATEGORY_LABELS, GRADE_LABELS
from blueprints.suggestions.labels import STATUS_BADGES as SUGGESTION_BADGES
from blueprints.suggestions.labels import STATUS_LABELS as SUGGESTION_STATUS_LABELS
from blueprints.training.labels import ATTENDANCE_LABELS, RESULT_LABELS
from blueprints.training.labels import KIND_LABELS as TRAINING_KIND_LABELS
from blueprints.training.queries import can_view_enrollment
from blueprints.workshops.labels import LEVEL_LABELS
from blueprints.workshops.labels import ROLE_LABELS as WORKSHOP_ROLE_LABELS
from blueprints.workshops.labels import STATUS_LABELS as WORKSHOP_STATUS_LABELS
from extensions import db

STATS_ROLES = ("admin", "lead", "hr")
TABLE_LINES = 10  # department lines shown at first: the city has hundreds of enterprises (the workbook has them all)


# --- The report ------------------------------------------------------------------------------------------------------


class Filters:
    """The page's query string, checked: year, department subtree, sorting."""

    def __init__(self, args, tree: list[Department]):
        self.year = services.parse_year(args.get("year"))
        by_id = {d.id: d for d in tree}
        picks = services.can_pick_department(current_user)
        # Admins and HR see only their scope: a department outside it answers 404, like a missing one.
        self.scope = services.report_scope(current_user) if picks else None
        if self.scope is not None and self.scope.empty:
            deny(404, "statistics without an admin or HR grant")
        default = services.default_root(tree, self.scope)
        raw = args.get("dept", "")
        self.root: Department | None = default
        if picks:
            if raw == "all" and default is None:
                self.root = None
            elif parse_int(raw) in by_id:
                if not self.scope.covers_path(by_id[parse_int(raw)].path):
                    deny(404, f"statistics of department {raw} outside the scope")
                self.root = by_id[parse_int(raw)]
        self.sort = args.get("sort") if args.get("sort") in services.SORT_KEYS else "name"
        self.descending = args.get("order") == "desc"
        self.all_allowed = default is None  # several top-level departments: "all" is a real choice
        self.all_lines = args.get("lines") == "all"

    @property
    def dept_arg(self) -> str:
        return str(self.root.id) if self.root is not None else "all"

    def args(self, **changes) -> dict:
        """The query string of this view, with some values changed (for links that keep the rest)."""
        values = {"year": self.year, "dept": self.dept_arg, "sort": self.sort,
                  "order": "desc" if self.descending else "asc"}
        if self.all_lines:
            values["lines"] = "all"
        values.update(changes)
        return values

    def sort_args(self, key: str) -> dict:
        """Clicking a column sorts by it (numbers start with the largest); clicking again reverses."""
        if key == self.sort:
            return self.args(order="asc" if self.descending else "desc")
        return self.args(sort=key, order="asc" if key == "name" else "desc")


def load_filters(args, page: bool = False) -> tuple[Filters, list[Department]]:
    """The page's filters and the departments its report needs. From the snapshot, only the chosen node's few
    (services.report_tree: its ancestors and children, a few dozen rows for the whole city); computed live (before
    the first build, or a year the snapshot does not hold), the whole tree as the live report reads it.

    For the `page` sorted by name and not asked for every line, only the TABLE_LINES children it shows (the
    workbook and the other sorts need them all)."""
    if snapshot.source(services.parse_year(args.get("year"))) is None:
        tree = department_tree()
        return Filters(args, tree), tree
    scope = services.report_scope(current_user) if services.can_pick_department(current_user) else None
    candidates = services.report_candidates(args.get("dept", ""), scope)
    filters = Filters(args, candidates)
    first_lines = page and filters.sort == "name" and not filters.all_lines
    return filters, services.report_tree(candidates, filters.root, line_limit=TABLE_LINES if first_lines else None,
                                         last=filters.descending)


def _report(filters: Filters, tree: list[Department]) -> services.Report:
    """From the snapshot when it holds the year (as of its time), else computed live (see snapshot.source)."""
    found = snapshot.source(filters.year)
    if found is not None:
        scope = services.make_scope(filters.year, filters.root, now=found.as_of)
        report = snapshot_report.build_report(current_user, scope, tree, filters.sort, filters.descending)
        report.as_of = found.as_of
        return report
    scope = services.make_scope(filters.year, filters.root)
    report = services.build_report(current_user, scope, tree, filters.sort, filters.descending)
    if report.parts & {"participation", "training"}:
        report.contests = contest_figures.figures_for(scope)  # skills contests (stats/contest_figures.py)
    return report


def _chart_data(report: services.Report, line_cap: int | None = None) -> dict:
    data = {}
    year = report.scope.year
    if report.suggestions is not None:
        data["suggestions"] = charts.suggestions_by_month(year, report.suggestions.by_month)
    if "participation" in report.parts and report.rows:
        data["participation"] = charts.participation_by_department(report.rows[:line_cap])
    if report.training is not None:
        now = to_local(report.scope.now)
        months_so_far = 12 if year < now.year else (now.month if year == now.year else 0)
        data["training"] = charts.training_by_month(year, report.training.person_times_by_month,
                                                    [services.hours(m) for m in report.training.minutes_by_month],
                                                    months_so_far)
    if report.mine is not None and report.mine.workshops:
        data["mine"] = charts.suggestions_by_month(year, report.mine.by_month)
    if report.safety is not None:
        data["safety"] = safety_figures.chart(year, report.safety)
    return data


def _all_choice(user) -> list[pickers.Choice]:
    scope = services.report_scope(user)
    return [pickers.Choice("all", _("全部单位"))] if scope.everything or len(scope.paths) > 1 else []


# The department box (core.pickers): the part of the tree the user's admin and HR grants cover, and "all".
pickers.department_source("stats-departments", lambda user, _params: services.report_scope(user).path_clause(
    Department.path) if services.can_pick_department(user) else false(), extras=_all_choice)


def _picked_dept(args):
    """The query string with `dept` resolved from the department picker's text box when it was typed without
    JavaScript (core.pickers); otherwise unchanged."""
    if "dept-q" not in args and "dept-pick" not in args:
        return args
    found = pickers.filter_pick("stats-departments", args, "dept", current_user)
    changed = MultiDict(args)
    changed.setlist("dept", [found.value] if found.value else [])
    return changed


def _dept_pick(filters: Filters) -> pickers.Resolution | None:
    """The department box as the page shows it: the chosen subtree (or "all") with its label."""
    if filters.scope is None:
        return None
    if filters.root is None:
        return pickers.Resolution("all", _("全部单位"))
    source = pickers.get_source("stats-departments")
    return pickers.Resolution(str(filters.root.id), pickers.labels(source, [filters.root.id], current_user).get(
        str(filters.root.id), filters.root.name))


def _page_context(filters: Filters, tree: list[Department], report: services.Report) -> dict:
    breadcrumb = services.ancestors(tree, filters.root)
    if filters.scope is not None:
        breadcrumb = [d for d in breadcrumb if filters.scope.covers_path(d.path)]
    line_cap = None if filters.all_lines else TABLE_LINES
    return {
        "filters": filters, "report": report, "tree": tree, "charts": _chart_data(report, line_cap),
        "line_cap": line_cap,
        "years": services.year_choices(filters.year),
        "dept_pick": _dept_pick(filters),
        "breadcrumb": breadcrumb,
        "can_edit_targets": services.can_edit_targets(current_user),
        "can_look_up": services.can_look_up_records(current_user),
        "month_labels": charts.month_labels(filters.year),
        "labels": _labels(),
        "competition_figures": competition_figures.figures(current_user, report.scope, getattr(report, "today", None)),
        "as_of": getattr(report, "as_of", None),
        "can_refresh": services.can_edit_targets(current_user),
        "refresh_form": EmptyForm(),
    }


def _labels() -> dict:
    return {"category": CATEGORY_LABELS, "level": LEVEL_LABELS, "training_kind": TRAINING_KIND_LABELS,
            "status": SUGGESTION_STATUS_LABELS, "counted_statuses": exports.COUNTED_STATUSES}


@bp.route("/")
@roles_required(*STATS_ROLES)
def index():
    """The competition report for a year and a department subtree; htmx swaps the body (filters) or the table
    (sorting), a plain request gets the whole page."""
    filters, tree = load_filters(_picked_dept(request.args), page=True)
    report = _report(filters, tree)
    return render("stats/index.html", _fragment_block(report), **_page_context(filters, tree, report))


def _fragment_block(report: services.Report) -> str:
    """Which block an htmx request wants: a re-sorted table (by the id it targets), else the whole body."""
    target = request.headers.get("HX-Target")
    if target == "department-table" and "participation" in report.parts:
        return "table"
    if target == "training-table" and "training" in report.parts and "participation" not in report.parts:
        return "training_table"
    return "body"


@bp.route("/export", methods=["POST"])
@roles_required(*STATS_ROLES)
def export():
    """Start the report's workbook as a background job (stats/jobs.py; audited) and show its progress."""
    filters, _tree = load_filters(request.args)  # a department outside the scope: 404 here (audited)
    with action():
        job = enqueue("stats.export", current_user, {"args": filters.args()})
        audit.record("stats.export", detail=f"year={filters.year} dept={filters.dept_arg}")
    return redirect_after_change(url_for("core.job", job_id=job.id))


@bp.route("/refresh", methods=["POST"])
@roles_required("admin")
def refresh():
    """An admin asks for the snapshot to be brought up to date now: a job (stats/jobs.py), shown as it runs."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    with action():
        job = enqueue("stats.refresh", current_user)
        audit.record("stats.snapshot_refresh", detail=f"job={job.id}")
    return redirect_after_change(url_for("core.job", job_id=job.id))


# --- Participation targets (admins, inline) --------------------------------------------------------------------------


def _target_department(dept_id: int) -> Department:
    """A department whose target the admin may set: in their admin scope, else 404 like a missing one (audited)."""
    department = db.session.get(Department, dept_id)
    if department is None:
        abort(404)
    if not scopes.covers(current_user, "admin", department):
        deny(404, f"participation target of department {dept_id} outside the scope")
    return department


def _row_context(department: Department, year: int, form: TargetForm | None = None, saved: bool = False) -> dict:
    """One table line, as the page has it (from the snapshot when it holds the year, else computed live), for the
    inline editor."""
    if snapshot.source(year) is not None:
        row = snapshot_report.line(department, year, services.report_tree([department], department))
    else:
        tree = department_tree()
        scope = services.make_scope(year, department)
        row = services.department_rows(scope, [department], tree=tree, counts=head_counts(),
                                       targets=services.targets_for(year))[0][0]
    return {"row": row, "form": form, "year": year, "saved": saved, "can_edit_targets": True,
            "filters": _ReturnFilters(request.values, year), "editing": form is not None}


class _ReturnFilters:
    """The filters of the page the inline editor sits on (to come back to it, and for sorting links)."""

    def __init__(self, values, year: int):
        self.year = year
        self.dept_arg = values.get("dept", "")
        self.sort = values.get("sort", "name") if values.get("sort") in services.SORT_KEYS else "name"
        self.descending = values.get("order") == "desc"

    def args(self, **changes) -> dict:
        values = {"year": self.year, "sort": self.sort, "order": "desc" if self.descending else "asc"}
        if self.dept_arg:
            values["dept"] = self.dept_arg
        values.update(changes)
        return values


def _back_to_report(filters: _ReturnFilters) -> str:
    return url_for("stats.index", **filters.args())


@bp.route("/targets/<int:dept_id>")
@roles_required("admin")
def target_row(dept_id: int):
    """htmx: the department's table line (the editor's "cancel"); a plain request goes back to the report."""
    department = _target_department(dept_id)
    year = services.parse_year(request.args.get("year"))
    if not is_fragment_request():
        return redirect(_back_to_report(_ReturnFilters(request.args, year)))
    return render_template("stats/_department_row.html", **_row_context(department, year))


@bp.route("/targets/<int:dept_id>/edit")
@roles_required("admin")
def target_edit(dept_id: int):
    """The target editor: in place of the table line (htmx), or as a small page without JavaScript."""
    department = _target_department(dept_id)
    year = services.parse_year(request.args.get("year"))
    current = services.targets_for(year).get(department.id)
    form = TargetForm(formdata=None, rate="" if current is None else str(current), year=year,
                      dept=request.args.get("dept", ""), sort=request.args.get("sort", ""),
                      order=request.args.get("order", ""))
    return _target_editor(department, year, form, _ReturnFilters(request.args, year))


@bp.route("/targets/<int:dept_id>", methods=["POST"])
@roles_required("admin")
def target_save(dept_id: int):
    """Save (or clear, to inherit) a target: htmx re-renders the report body so every figure and chart agrees;
    a refused value comes back in the editor with the reason and what was typed."""
    department = _target_department(dept_id)
    form = TargetForm()
    raw_year = (form.year.data or "").strip()
    year = parse_int(raw_year, low=0)  # the service says why a year outside its range is refused
    if year is None:
        abort(400)  # the hidden field was tampered with: never guess which year to change
    filters = _ReturnFilters(request.form, year)
    # The editor has one visible field: every refusal (the year's too) is shown under it, and replaces the message
    # of the length check, so the user reads what to type. The token is checked before the view.
    valid = form.validate_on_submit()
    with action(flash_error=False) as outcome:
        if not valid:
            raise DomainError(services.RATE_HELP, field="rate")
        after = services.set_target(department, year, services.parse_rate(form.rate.data), current_user)[1]
    if not outcome.done:
        form.rate.errors = [outcome.message]
        return _target_editor(department, year, form, filters)
    if after is None:
        message = _("已清除“%(name)s”%(year)s 年的目标，改为沿用上级单位的目标。", name=department.name, year=year)
    else:
        message = _("已将“%(name)s”%(year)s 年的目标参与率设为 %(rate)s%%。", name=department.name, year=year,
                    rate=after)
    if is_fragment_request():
        return _saved_report_body(department, filters, message)
    flash(message, "success")
    return redirect_after_change(_back_to_report(filters) + f"#dept-{department.id}")


def _target_editor(department: Department, year: int, form: TargetForm, filters: _ReturnFilters):
    """The editor again with the refusal and what was typed: in the table line (htmx) or as its own page."""
    if is_fragment_request():
        return render_template("stats/_department_row.html", **_row_context(department, year, form))
    inherited = services.effective_target(department, services.targets_for(year),
                                          {d.id: d.name for d in department_tree()})
    return render_template("stats/target_form.html", department=department, form=form, year=year,
                           inherited=inherited, filters=filters)


def _saved_report_body(department: Department, filters: _ReturnFilters, message: str):
    """After saving from the table: the whole body again, so the line, the totals and the chart all agree."""
    page_filters, tree = load_filters(filters.args())
    report = _report(page_filters, tree)
    context = _page_context(page_filters, tree, report)
    context.update(saved_department_id=department.id, saved_message=message)
    response = make_response(render("stats/index.html", "body", **context))
    response.headers["HX-Retarget"] = "#stats-body"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


# --- Personal records ------------------------------------------------------------------------------------------------


@bp.route("/people/")
@roles_required("admin", "hr")
def record_lookup():
    """Admins and HR find a person (type-ahead by name, 工号 or pinyin) and open their record."""
    form = RecordLookupForm(request.args)
    if form.employee_no.data:
        person = record.lookup_person(form.employee_no.data)
        # Someone outside the user's scope is "not found", exactly like a 工号 that does not exist.
        if person is not None and services.can_view_record(current_user, person):
            return redirect(url_for("stats.person_record", user_id=person.id))
        form.employee_no.errors = [_("没有找到工号为“%(no)s”的人员。", no=form.employee_no.data.strip()[:50])]
    return render_template("stats/lookup.html", form=form)


@bp.route("/people/search")
@roles_required("admin", "hr")
def people_search():
    """The lookup's type-ahead: people whose department lies in the user's admin or HR scope."""
    q = request.args.get("q", "")[:50]
    target = request.args.get("target", "")[:64]
    results = record.find_people_in_scope(current_user, q) if q.strip() else []
    return render("core/_people_results.html", "results", results=results, q=q, target=target)


@bp.route("/people/<int:user_id>")
@login_required
def person_record(user_id: int):
    """A worker's record: suggestions, awards, trainings and certificates, workshops. The person, admins and HR."""
    found = record.load_person(user_id)
    if found is None or not services.can_view_record(current_user, found[0]):
        deny(404, f"record of user {user_id}")
    person, department = found
    data = record.person_record(person, department, current_user)
    return render_template(
        "stats/record.html", record=data, person=person, is_self=current_user.id == person.id,
        can_open_workshop=record.can_open_workshop, can_view_enrollment=can_view_enrollment,
        labels={"category": CATEGORY_LABELS, "status": SUGGESTION_STATUS_LABELS, "badges": SUGGESTION_BADGES,
                "grade": GRADE_LABELS, "attendance": ATTENDANCE_LABELS, "result": RESULT_LABELS,
                "kind": TRAINING_KIND_LABELS, "ws_role": WORKSHOP_ROLE_LABELS, "ws_status": WORKSHOP_STATUS_LABELS,
                "level": LEVEL_LABELS, "honour": HONOUR_LABELS, "honour_level": HONOUR_LEVEL_LABELS},
        can_see_money=services.can_see_reward_amounts(current_user, person),
        mentoring=mentoring_figures.for_record(person.id, current_user),
        can_look_up=services.can_look_up_records(current_user))


# --- Commands --------------------------------------------------------------------------------------------------------


@bp.cli.command("rebuild-snapshot")
def rebuild_snapshot_command():
    """Recompute the statistics snapshot from every fact (flask stats rebuild-snapshot)."""
    import click

    started = snapshot.utcnow()
    found = snapshot.rebuild()
    db.session.commit()
    click.echo(f"statistics snapshot rebuilt for {found.first_year}-{found.last_year} "
               f"in {(snapshot.utcnow() - started).total_seconds():.1f} s")


@bp.cli.command("refresh-snapshot")
def refresh_snapshot_command():
    """Take the changes marked since the last refresh into the snapshot (flask stats refresh-snapshot)."""
    import click

    found = snapshot.refresh_dirty()
    db.session.commit()
    click.echo(f"statistics snapshot as of {found.as_of.isoformat()}")
