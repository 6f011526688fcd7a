"""Competition pages: the list, create and edit with indicators, the detail page with enrolment, linked records and
coverage, and the organiser's status moves."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.competitions import bp, queries, services
from blueprints.competitions.forms import CompetitionForm, EnrolForm
from blueprints.competitions.labels import (
    ACTION_LABELS,
    ENROLMENT_BADGES,
    FREQUENCY_LABELS,
    KIND_LABELS,
    REPORT_BADGES,
    STATUS_BADGES,
)
from blueprints.competitions.models import KINDS, REPORTED, STATUSES, Competition
from blueprints.core import web
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.forms import EmptyForm
from blueprints.core.i18n import N_
from blueprints.core.indicators import computed_indicators, linked_activities
from blueprints.core.pagination import keyset_page
from blueprints.core.permissions import deny, roles_required
from blueprints.core.types import parse_int
from blueprints.core.web import redirect_after_change, render

INDICATOR_ROWS = 6
LABELS = {"kind": KIND_LABELS, "status": STATUS_BADGES, "frequency": FREQUENCY_LABELS, "report": REPORT_BADGES,
          "enrolment": ENROLMENT_BADGES, "action": ACTION_LABELS}


def visible_competition(competition_id: int) -> Competition:
    """The competition, or 404 like a missing one when the user may not see it (audited)."""
    competition = queries.load(competition_id)
    if competition is None:
        abort(404)
    if not queries.can_view(current_user, competition):
        deny(404, f"competition {competition_id}")
    return competition


def organised_competition(competition_id: int) -> Competition:
    """A competition the user organises (admin over the organiser), else 404 (audited)."""
    competition = queries.load(competition_id)
    if competition is None:
        abort(404)
    if not queries.organises(current_user, competition):
        deny(404, f"competition {competition_id} outside the admin scope")
    return competition


@bp.route("/")
@login_required
def index():
    """Competitions relevant to me, by year, kind and status."""
    year = parse_int(request.args.get("year"), low=2000, high=2100)
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    stmt = queries.competitions_list(current_user, year=year, kind=kind, status=status)
    page = keyset_page(stmt, [Competition.starts_on, Competition.id], descending=True, scalars=False,
                       cursor=request.args.get("after"), before=request.args.get("before"), count=True,
                       key_of=lambda row: [row[0].starts_on, row[0].id])
    can_create = bool(current_user.has_role("admin") and queries.organiser_choices(current_user))
    return render("competitions/index.html", "results", page=page, labels=LABELS, can_create=can_create,
                  filters={"year": year or "", "kind": kind or "", "status": status or ""},
                  this_year=local_today().year)


# --- Create and edit ---------------------------------------------------------------------------------------


def _source_choices() -> list[tuple[str, str]]:
    computed = [(c.key, _("系统统计：%(label)s", label=c.label)) for c in computed_indicators()]
    return [(REPORTED, _("单位填报")), *computed]


def _typed_rows() -> list[dict]:
    rows = []
    for n in range(parse_int(request.form.get("indicator_rows"), INDICATOR_ROWS, low=1, high=20) or INDICATOR_ROWS):
        row = {key: (request.form.get(f"indicator_{key}-{n}") or "").strip()[:100]
               for key in ("name", "unit", "weight", "max", "source")}
        rows.append(row)
    return rows


def _rows_of(competition: Competition | None) -> list[dict]:
    rows = []
    if competition is not None:
        rows = [{"name": i.name, "unit": i.unit, "weight": f"{i.weight:g}", "max": f"{i.max_score:g}",
                 "source": i.source} for i in queries.indicators_of(competition.id)]
    return rows + [{"name": "", "unit": "", "weight": "", "max": "", "source": REPORTED}] * max(
        INDICATOR_ROWS - len(rows), 1)


def _number(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(N_("指标“%(name)s”的权重或满分不是有效的数字。"), field="indicators", name=name) from None
    if not value.is_finite() or abs(value) >= 10**6 or value != value.quantize(Decimal("0.01")):
        raise DomainError(N_("指标“%(name)s”的权重或满分不是有效的数字。"), field="indicators", name=name)
    return value


def _indicators(rows: list[dict]) -> list[services.IndicatorData]:
    found = []
    for row in rows:
        if not any(row[k] for k in ("name", "unit", "weight", "max")):
            continue
        name = row["name"] or _("（未命名）")
        found.append(services.IndicatorData(name=row["name"], unit=row["unit"], weight=_number(row["weight"], name),
                                            max_score=_number(row["max"], name), source=row["source"] or REPORTED))
    return found


def _form_data(form: CompetitionForm, rows: list[dict]) -> services.CompetitionData:
    return services.CompetitionData(
        name=form.name.data, kind=form.kind.data, organiser_id=form.organiser_id.data, year=form.year.data,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, report_frequency=form.report_frequency.data,
        rules=form.rules.data or "", indicators=_indicators(rows), project_ids=list(form.project_ids.data or []))


def _competition_form(competition: Competition | None) -> CompetitionForm:
    form = CompetitionForm(obj=competition if competition is not None and request.method == "GET" else None)
    form.organiser_id.choices = queries.organiser_choices(current_user)
    organiser = competition.organiser if competition is not None else None
    if organiser is None and form.organiser_id.choices:
        from blueprints.core.models import Department
        from extensions import db
        chosen = form.organiser_id.data or form.organiser_id.choices[0][0]
        organiser = db.session.get(Department, chosen)
    form.project_ids.has_projects = organiser is not None and queries.has_projects(organiser)
    if competition is not None and request.method == "GET":
        form.project_ids.data = [p.id for p in queries.projects_of(competition.id)]
    if competition is None and request.method == "GET":
        form.year.data = local_today().year
    return form


def _form_page(form: CompetitionForm, competition: Competition | None, rows: list[dict], indicator_error=None):
    return render_template("competitions/form.html", form=form, competition=competition, rows=rows,
                           sources=_source_choices(), indicator_error=indicator_error, labels=LABELS)


def _save(form: CompetitionForm, competition: Competition | None):
    rows = _typed_rows()
    if not form.validate_on_submit():
        return None, rows, None
    with web.action(form, flash_error=False) as outcome:
        data = _form_data(form, rows)
        if competition is None:
            competition = services.create_competition(data, current_user)
        else:
            services.update_competition(competition, data, current_user)
    if outcome.done:
        return competition, rows, None
    if outcome.error.field in (None, "indicators"):
        return None, rows, outcome.message
    return None, rows, None


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    """A new competition (saved as a draft) with its indicators and covered projects."""
    if not queries.organiser_choices(current_user):
        deny(403, "no union node to organise a competition")
    form = _competition_form(None)
    rows, error = _rows_of(None), None
    if request.method == "POST":
        competition, rows, error = _save(form, None)
        if competition is not None:
            flash(_("已保存为草稿。确认无误后点击“发布竞赛”。"), "success")
            return redirect_after_change(url_for("competitions.detail", competition_id=competition.id))
    return _form_page(form, None, rows, error)


@bp.route("/<int:competition_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(competition_id: int):
    """Edit a draft or published competition."""
    competition = organised_competition(competition_id)
    if not services.is_editable(competition):
        flash(_("竞赛开始后不能再修改基本信息和指标。"), "warning")
        return redirect(url_for("competitions.detail", competition_id=competition.id))
    form = _competition_form(competition)
    rows, error = _rows_of(competition), None
    if request.method == "POST":
        saved, rows, error = _save(form, competition)
        if saved is not None:
            flash(_("已保存。"), "success")
            return redirect_after_change(url_for("competitions.detail", competition_id=competition.id))
    return _form_page(form, competition, rows, error)


# --- Detail -----------------------------------------------------------------------------------------------


def _linked_counts(competition: Competition, units: dict[int, str]) -> list[tuple[object, dict[int, int]]]:
    return [(activity.label, activity.count(competition.id, units)) for activity in linked_activities()]


@bp.route("/<int:competition_id>")
@login_required
def detail(competition_id: int):
    """The competition: rules, indicators, covered projects, enrolled units with their linked records and reports."""
    competition = visible_competition(competition_id)
    enrolments = queries.enrolments_of(competition.id)
    organiser = queries.organises(current_user, competition)
    mine = queries.admin_units(current_user, enrolments)
    # The unit is a type-ahead picker (core.pickers "competition-units"), offered while enrolment is open.
    can_enrol = current_user.has_role("admin") and competition.status in services.lifecycle.ENROLMENT_OPEN
    enrol_form = EnrolForm()
    enrol_form.unit_id.params = {"competition": str(competition.id)}
    shown = queries.units_shown(current_user, competition, enrolments)
    units = queries.unit_map(shown)
    overdue = queries.overdue([competition]) if (organiser or mine) else []
    return render_template(
        "competitions/detail.html", competition=competition, indicators=queries.indicators_of(competition.id),
        enrolments=shown, enrolled_total=len(enrolments), organiser=organiser, mine={e.id for e in mine},
        enrol_form=enrol_form, can_enrol=can_enrol,
        projects=queries.projects_of(competition.id), linked=_linked_counts(competition, units),
        computed={c.key: c for c in computed_indicators()}, actions=services.allowed_actions(competition),
        form=EmptyForm(), labels=LABELS, overdue_count=len(overdue), editable=services.is_editable(competition))


@bp.route("/<int:competition_id>/status/<action>", methods=["POST"])
@roles_required("admin")
def change_status(competition_id: int, action: str):
    """Publish, start or close the competition."""
    competition = organised_competition(competition_id)
    if action not in services.TRANSITIONS:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action() as outcome:
        services.transition(competition, action, current_user)
    if outcome.done:
        done = {"publish": _("已发布，范围内的单位现在可以报名。"), "start": _("竞赛已开始，报名单位可以填报进度。"),
                "close": _("竞赛已结束，现在可以评分。")}
        flash(done.get(action, _("已保存。")), "success")
    return redirect_after_change(url_for("competitions.detail", competition_id=competition_id))


@bp.route("/<int:competition_id>/enrol", methods=["POST"])
@roles_required("admin")
def enrol(competition_id: int):
    """Enrol a unit: the organiser any unit of its scope, a unit's admin their own."""
    competition = visible_competition(competition_id)
    form = EnrolForm()
    form.unit_id.params = {"competition": str(competition.id)}
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        for message in form.unit_id.errors:
            flash(message, "danger")
        return redirect_after_change(url_for("competitions.detail", competition_id=competition_id) + "#units")
    with web.action() as outcome:
        enrolment = services.enrol(competition, form.unit_id.data, current_user)
    if outcome.done:
        flash(_("“%(name)s”已报名。", name=queries.unit_names([enrolment.unit_id]).get(enrolment.unit_id, "")),
              "success")
    return redirect_after_change(url_for("competitions.detail", competition_id=competition_id) + "#units")


@bp.route("/<int:competition_id>/withdraw", methods=["POST"])
@roles_required("admin")
def withdraw(competition_id: int):
    """Take a unit out of the competition."""
    competition = visible_competition(competition_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action() as outcome:
        services.withdraw(competition, parse_int(request.form.get("enrolment_id")), current_user)
    if outcome.done:
        flash(_("已退出竞赛。"), "info")
    return redirect_after_change(url_for("competitions.detail", competition_id=competition_id) + "#units")


from blueprints.competitions import views_assess  # noqa: E402,F401  (reports and results pages)
